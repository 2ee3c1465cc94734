/**
 * @module onnx/encode
 * Turns a {@link ScoreInput} into token ids exactly as the model was trained to read it: a chat template, a plain
 * prompt format, or a tokenizer text pair.
 *
 * Truncation rule (the response is what is scored, so it is cut last and never at its end):
 * 1. drop the oldest non-system turns of the conversation, one at a time, while the sequence is too long;
 * 2. then drop system messages;
 * 3. then cut the remaining message from its start, keeping its end (where the question usually is);
 * 4. only if the response alone does not fit, cut the response from its start, keeping its end and the
 *    template's closing tokens (last-token pooling reads the end).
 */
import type { ChatCompletionMessageParam, ChatContent } from '../../core/openai.js';
import type { ScoreInput } from '../../core/ports.js';
import { compileChatTemplate } from './chat-template.js';
import type { ResolvedInput } from './spec.js';
import { encodePair } from './tokenizer.js';
import type { LoadedTokenizer } from './tokenizer.js';

/** Token ids for one (conversation, response) pair. */
export interface EncodedInput {
  readonly ids: readonly number[];
  /** Segment ids, when the tokenizer produced them (text pairs). */
  readonly typeIds?: readonly number[];
  /** Identical keys mean identical model input (used to score duplicates once). */
  readonly key: string;
}

/** Options of {@link createInputEncoder}. */
export interface InputEncoderOptions {
  readonly tokenizer: LoadedTokenizer;
  readonly input: ResolvedInput;
  readonly maxLength: number;
}

interface Turn {
  role: string;
  content: string;
}

/** The text of a message: a string, or the text parts of multi-part content. */
export function textOf(content: ChatContent): string {
  if (content === null) return '';
  if (typeof content === 'string') return content;
  return content.map((p) => (typeof p.text === 'string' ? p.text : '')).join('');
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

type Encode = (turns: readonly Turn[], response: string) => { ids: number[]; typeIds?: number[] };

function encoderFor(opts: InputEncoderOptions): Encode {
  const { tokenizer, specialTokens } = opts.tokenizer;
  const spec = opts.input;
  if (spec.type === 'chat') {
    const template = compileChatTemplate(spec.chatTemplate);
    // As transformers' apply_chat_template: the template writes the special tokens, the tokenizer adds none.
    const add = spec.addSpecialTokens ?? false;
    return (turns, response) => {
      const messages = [
        ...turns.map((t) => ({ role: t.role === 'developer' ? 'system' : t.role, content: t.content })),
        { role: 'assistant', content: response },
      ];
      const text = template.render({ ...specialTokens, messages, add_generation_prompt: false });
      return { ids: tokenizer.encode(text, { add_special_tokens: add }).ids };
    };
  }
  if (spec.type === 'plain') {
    const add = spec.addSpecialTokens ?? true;
    return (turns, response) => {
      const values: Record<string, string> = { prompt: promptText(turns), conversation: transcript(turns), response };
      // One pass, so a `{response}` typed by a user inside the prompt is not substituted again.
      const text = spec.format.replace(/\{(prompt|conversation|response)\}/g, (_, k: string) => values[k] ?? '');
      return { ids: tokenizer.encode(text, { add_special_tokens: add }).ids };
    };
  }
  return (turns, response) => encodePair(tokenizer, promptText(turns), response);
}

const isSystem = (t: Turn) => t.role === 'system' || t.role === 'developer';

/**
 * Drops the oldest non-system turn, and an assistant turn it leaves at the front, so templates that insist on
 * user/assistant alternation (Mistral's raises otherwise) still render. The last turn, the one the response
 * answers, stays; system messages go only when nothing else is left.
 */
function dropOldestTurn(turns: readonly Turn[]): Turn[] {
  const first = turns.findIndex((t) => !isSystem(t));
  if (first < 0 || first === turns.length - 1) return turns.slice(1);
  let out = turns.filter((_, i) => i !== first);
  const next = out.findIndex((t) => !isSystem(t));
  if (next >= 0 && next < out.length - 1 && out[next]!.role === 'assistant') out = out.filter((_, i) => i !== next);
  return out;
}

/** Largest cut in [lo, hi] for which `fits(cut)` holds, assuming monotonicity (binary search over characters). */
function smallestCut(len: number, fits: (cut: number) => boolean): number {
  let lo = 0;
  let hi = len;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (fits(mid)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** Creates the encoder; the returned function applies the truncation rule of this module. */
export function createInputEncoder(opts: InputEncoderOptions): (input: ScoreInput) => EncodedInput {
  const encode = encoderFor(opts);
  const max = opts.maxLength;
  const done = (e: { ids: number[]; typeIds?: number[] }): EncodedInput => ({
    ids: e.ids,
    ...(e.typeIds ? { typeIds: e.typeIds } : {}),
    key: e.typeIds ? `${e.ids.join(',')}|${e.typeIds.join(',')}` : e.ids.join(','),
  });
  return (input) => {
    let turns: Turn[] = input.messages.map((m: ChatCompletionMessageParam) => ({
      role: m.role,
      content: textOf(m.content),
    }));
    const response = input.response;
    let enc = encode(turns, response);
    if (enc.ids.length <= max) return done(enc);
    while (turns.length > 1) {
      turns = dropOldestTurn(turns);
      enc = encode(turns, response);
      if (enc.ids.length <= max) return done(enc);
    }
    const last = turns[0];
    if (last !== undefined && last.content.length > 0) {
      const withCut = (cut: number) => encode([{ ...last, content: last.content.slice(cut) }], response);
      const cut = smallestCut(last.content.length, (c) => withCut(c).ids.length <= max);
      enc = withCut(cut);
      if (enc.ids.length <= max) return done(enc);
      turns = [{ ...last, content: '' }];
    }
    const cutResponse = (cut: number) => encode(turns, response.slice(cut));
    const cut = smallestCut(response.length, (c) => cutResponse(c).ids.length <= max);
    enc = cutResponse(cut);
    // Template overhead alone may exceed a tiny budget; keep the end, which pooling reads.
    if (enc.ids.length > max)
      enc = { ids: enc.ids.slice(-max), ...(enc.typeIds ? { typeIds: enc.typeIds.slice(-max) } : {}) };
    return done(enc);
  };
}
