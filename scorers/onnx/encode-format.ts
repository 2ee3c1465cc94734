/**
 * @module onnx/encode-format
 * How a conversation and a candidate response become the model's text: a chat template, a plain prompt format, or
 * a tokenizer text pair. Plus the two facts the encoder needs about that text without tokenizing it again: where
 * the response goes (found by rendering a sentinel in its place) and where each turn's content starts.
 */
import type { ChatCompletionMessageParam, ChatContent } from '../../core/openai.js';
import { compileChatTemplate } from './chat-template.js';
import type { ResolvedInput } from './spec.js';
import type { LoadedTokenizer } from './tokenizer.js';

/** One message as the model reads it: a role and its text. */
export interface Turn {
  readonly role: string;
  readonly content: string;
}

/** The text of a message: a string, or the text parts of multi-part content. */
export function textOf(content: ChatContent): string {
  if (content === null) return '';
  if (typeof content === 'string') return content;
  return content.map((p) => (typeof p.text === 'string' ? p.text : '')).join('');
}

/** The turns of a conversation. */
export function turnsOf(messages: readonly ChatCompletionMessageParam[]): Turn[] {
  return messages.map((m) => ({ role: m.role, content: textOf(m.content) }));
}

const ROLE_LABEL: Record<string, string> = {
  system: 'System',
  developer: 'System',
  user: 'User',
  assistant: 'Assistant',
  tool: 'Tool',
};
const label = (t: Turn) => ROLE_LABEL[t.role] ?? t.role;

/** `Role: text` turns joined by blank lines. */
export function transcript(turns: readonly Turn[]): string {
  return turns.map((t) => `${label(t)}: ${t.content}`).join('\n\n');
}

/**
 * The `{prompt}` of plain formats such as the DPA model's `User: {prompt}\n\nAssistant: {response}`: a leading
 * user turn is bare (the format supplies its `User: `), later turns carry their role, so a multi-turn chat reads
 * as a natural transcript.
 */
export function promptText(turns: readonly Turn[]): string {
  const [first, ...rest] = turns;
  if (first === undefined) return '';
  if (first.role !== 'user') return transcript(turns);
  return [first.content, ...rest.map((t) => `${label(t)}: ${t.content}`)].join('\n\n');
}

/** How (turns, response) becomes text for one model. */
export interface Format {
  /** `single`: one sequence holds everything; `pair`: the conversation, then the response as a second sequence. */
  readonly kind: 'single' | 'pair';
  /** `single`: the model's whole text; `pair`: the first sequence (the response is the second, as it is). */
  text(turns: readonly Turn[], response: string): string;
  /** Whether the tokenizer adds its special tokens around the text (`add_special_tokens`). */
  readonly addSpecialTokens: boolean;
}

/**
 * Stands in for the response when the encoder looks for where the response goes: private-use characters that no
 * template trims or splits and a conversation is unlikely to contain (a candidate whose text does not fit the
 * position found is simply tokenized whole).
 */
export const RESPONSE_SENTINEL = '\uE000prefsel-response\uE001';

/**
 * The model's chat template refused a conversation (`raise_exception`, for instance Mistral's on turns that do not
 * alternate): the conversation's shape is at fault, not the server.
 */
export class InputFormatError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'InputFormatError';
  }
}

/** The format a model directory asks for. */
export function createFormat(input: ResolvedInput, tokenizer: LoadedTokenizer): Format {
  if (input.type === 'chat') {
    const template = compileChatTemplate(input.chatTemplate);
    return {
      kind: 'single',
      // As transformers' apply_chat_template: the template writes the special tokens, the tokenizer adds none.
      addSpecialTokens: input.addSpecialTokens ?? false,
      text: (turns, response) => {
        try {
          return template.render({
            ...tokenizer.specialTokens,
            messages: [
              ...turns.map((t) => ({ role: t.role === 'developer' ? 'system' : t.role, content: t.content })),
              { role: 'assistant', content: response },
            ],
            add_generation_prompt: false,
          });
        } catch (err) {
          throw new InputFormatError(
            `the reward model's chat template cannot render this conversation: ${(err as Error).message}`,
            { cause: err },
          );
        }
      },
    };
  }
  if (input.type === 'plain') {
    const format = input.format;
    return {
      kind: 'single',
      addSpecialTokens: input.addSpecialTokens ?? true,
      text: (turns, response) => {
        const values: Record<string, string> = { prompt: promptText(turns), conversation: transcript(turns), response };
        // One pass, so a `{response}` typed by a user inside the prompt is not substituted again.
        return format.replace(/\{(prompt|conversation|response)\}/g, (_, k: string) => values[k] ?? '');
      },
    };
  }
  return { kind: 'pair', addSpecialTokens: true, text: (turns) => promptText(turns) };
}

/** How far past the previous turn the next one's content is looked for (template text between turns). */
const SEARCH_WINDOW = 4096;
/** Contents are found by their first characters. */
const NEEDLE_LENGTH = 64;

/**
 * Where each turn's content starts and ends in `text` (before `end`); `start` -1 where it was not found (a
 * template that rewrites content). Each search looks only a bounded window past the previous turn, so a text whose
 * contents are not found costs a bounded scan per turn, never a scan to the end per turn.
 */
export function locateTurns(text: string, turns: readonly Turn[], end: number): Array<{ start: number; end: number }> {
  const out: Array<{ start: number; end: number }> = [];
  let from = 0;
  let reach = SEARCH_WINDOW;
  for (const turn of turns) {
    const content = turn.content.trim();
    const needle = content.slice(0, NEEDLE_LENGTH);
    const found =
      content.length === 0 ? -1 : text.slice(from, Math.min(end, from + reach + needle.length)).indexOf(needle);
    if (found < 0) {
      // Keep looking from the same place, past this content too (not accumulated: each search stays bounded).
      out.push({ start: -1, end: from });
      reach = SEARCH_WINDOW + content.length;
      continue;
    }
    const at = from + found;
    // Verbatim content: look on after it. Rewritten content: look on after its start, as far again as it was long,
    // so the next turn stays in reach.
    const verbatim = text.startsWith(content, at);
    from = verbatim ? at + content.length : at + needle.length;
    reach = SEARCH_WINDOW + (verbatim ? 0 : content.length);
    out.push({ start: at, end: from });
  }
  return out;
}
