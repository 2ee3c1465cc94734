/**
 * @module input-budget
 * The input-token budget: the longest conversation the engine accepts for scoring, in the scorer's own tokens.
 * It is checked before any upstream call, in two steps: by characters first, which costs nothing (an absurd input
 * never reaches a tokenizer), then by the scorer's own count when the scorer can measure (`Scorer.prepare`).
 * Over budget is a 400 `context_length_exceeded` on `messages`, as OpenAI answers a conversation too long for a
 * model's context.
 */
import { InvalidRequestError } from '../core/errors.js';
import type { ChatCompletionMessageParam } from '../core/openai.js';
import type { PreparedPrompt, Scorer } from '../core/ports.js';
import { raceSignal } from './race-signal.js';

/**
 * Characters allowed per token of budget before any tokenizer runs. Text averages 3–5 characters per token with
 * the tokenizers reward models use (English prose 4.5 with Llama 3's); eight leaves room for code and whitespace,
 * and bounds what one request can make a tokenizer do.
 */
export const INPUT_CHARS_PER_TOKEN = 8;

/** The characters of text a scorer reads from `messages` (text parts only), in time linear in the messages. */
export function conversationChars(messages: readonly ChatCompletionMessageParam[]): number {
  let chars = 0;
  for (const { content } of messages) {
    if (typeof content === 'string') chars += content.length;
    else if (Array.isArray(content))
      for (const part of content) if (typeof part.text === 'string') chars += part.text.length;
  }
  return chars;
}

/** Options of {@link admitConversation}. */
export interface AdmitOptions {
  readonly scorer: Scorer;
  readonly messages: readonly ChatCompletionMessageParam[];
  readonly maxInputTokens: number;
  readonly signal: AbortSignal;
}

/**
 * Refuses a conversation over the budget (see the module doc), else returns what the scorer prepared, if it can.
 * @throws InvalidRequestError `context_length_exceeded` on `messages`; what `scorer.prepare` throws.
 */
export async function admitConversation(options: AdmitOptions): Promise<PreparedPrompt | undefined> {
  const { scorer, messages, maxInputTokens: max, signal } = options;
  const chars = conversationChars(messages);
  const maxChars = max * INPUT_CHARS_PER_TOKEN;
  if (chars > maxChars) {
    throw tooLong(
      `The conversation is ${chars} characters long; this server accepts at most ${maxChars} (${max} tokens, ` +
        `${INPUT_CHARS_PER_TOKEN} characters each at most).`,
    );
  }
  if (!scorer.prepare) return undefined;
  const prompt = await raceSignal(scorer.prepare(messages, { signal }), signal);
  if (prompt.tokens > max) {
    prompt.release();
    throw tooLong(`The conversation is ${prompt.tokens} tokens long; this server accepts at most ${max}.`);
  }
  return prompt;
}

function tooLong(what: string): InvalidRequestError {
  return new InvalidRequestError(`${what} Please reduce the length of the messages.`, {
    param: 'messages',
    code: 'context_length_exceeded',
  });
}
