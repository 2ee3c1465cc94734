/**
 * @module onnx/encode
 * Turns a conversation and candidate responses into token ids exactly as the model was trained to read them (a chat
 * template, a plain prompt format, or a tokenizer text pair), at a cost linear in the conversation, paid once per
 * request, plus a part bounded by the model's `maxLength` per candidate.
 *
 * Truncation rule (the response is what is scored, so it is cut last and never at its end):
 * 1. drop the oldest non-system turns of the conversation while the sequence is too long (`truncation.ts`);
 * 2. then drop system messages;
 * 3. then cut the remaining message from its start, keeping its end (where the question usually is);
 * 4. only if the response alone does not fit, cut the response from its start, keeping its end and the
 *    template's closing tokens (last-token pooling reads the end).
 *
 * How it stays linear. {@link ConversationEncoder.prepare} renders the whole conversation once, with a sentinel
 * where the response goes, and tokenizes it once, in pieces cut before added tokens (`encode-measure.ts`), so it
 * knows exactly how many tokens precede the response and about how many each turn adds. A candidate is encoded by
 * rendering and tokenizing only turns that can fit: the estimates point at the truncation step and exact encodings
 * confirm it. The text before the response's last added token (for Llama 3, everything up to
 * `<|start_header_id|>assistant…`) is tokenized once per kept set of turns and shared by every candidate whose text
 * starts the same way; that is exact because tokenization restarts at an added token (`pieces.ts`; the tests check
 * shared against whole tokenization).
 */
import { createHash } from 'node:crypto';
import type { ChatCompletionMessageParam } from '../../core/openai.js';
import type { ScoreInput } from '../../core/ports.js';
import { createFormat, RESPONSE_SENTINEL, turnsOf, type Format, type Turn } from './encode-format.js';
import { measurePrompt, type Head, type PromptMeasure } from './encode-measure.js';
import { truncate, type Encoding } from './encode-truncate.js';
import { createPieceTokenizer, type PieceTokenizer, type SpecialLayout } from './pieces.js';
import type { ResolvedInput } from './spec.js';
import { encodePair, type LoadedTokenizer } from './tokenizer.js';
import { planDrops, type DropPlan } from './truncation.js';

export { promptText, textOf, transcript } from './encode-format.js';

/** Token ids for one (conversation, response) pair. */
export interface EncodedInput {
  readonly ids: readonly number[];
  /** Segment ids, when the tokenizer produced them (text pairs). */
  readonly typeIds?: readonly number[];
  /** Identical keys mean identical model input (used to score duplicates once). */
  readonly key: string;
}

/** Options of {@link createConversationEncoder}. */
export interface InputEncoderOptions {
  readonly tokenizer: LoadedTokenizer;
  readonly input: ResolvedInput;
  readonly maxLength: number;
}

/** A conversation rendered and measured once, for any number of candidates (see the module doc). */
export interface PreparedConversation {
  /** Tokens the model reads before the response, with nothing truncated. */
  readonly tokens: number;
  /** Characters of the rendered conversation, for callers that bound what they keep. */
  readonly chars: number;
}

/** Prepares conversations and encodes candidates for one model. */
export interface ConversationEncoder {
  /** Renders and tokenizes the conversation once; `checkpoint` runs between pieces and may throw to stop. */
  prepare(messages: readonly ChatCompletionMessageParam[], checkpoint?: () => void): PreparedConversation;
  /** The exact ids the model reads for `response` after the conversation, truncated to `maxLength`. */
  encode(prepared: PreparedConversation, response: string, checkpoint?: () => void): EncodedInput;
}

/** What the encoder keeps for a prepared conversation. */
export interface ConversationState {
  readonly turns: readonly Turn[];
  readonly plan: DropPlan;
  readonly measure: PromptMeasure;
  /** Shared parts by kept set: `d<step>`, `c<chars cut>` (last turn cut), `e` (last turn emptied). */
  readonly heads: Map<string, Head>;
  /** The message being cut, tokenized alone (step 3). */
  message?: { text: string; ids: number[] };
}

const states = new WeakMap<PreparedConversation, ConversationState>();

/** Creates the encoder; see the module doc for the rule and the costs. */
export function createConversationEncoder(opts: InputEncoderOptions): ConversationEncoder {
  const format = createFormat(opts.input, opts.tokenizer);
  const pieces = createPieceTokenizer(opts.tokenizer.tokenizer);
  const max = opts.maxLength;
  // Special tokens the tokenizer adds in an unknown layout: texts are tokenized whole and nothing is shared.
  const singleLayout = format.addSpecialTokens ? pieces.layout.single : { prefix: [], suffix: [] };
  const pairLayout = pieces.layout.pair;
  const shareable = format.kind === 'pair' ? pairLayout !== undefined : singleLayout !== undefined;
  const around = specialsAround(format.kind === 'pair' ? pairLayout : singleLayout);
  const wholeIds = (text: string) =>
    opts.tokenizer.tokenizer.encode(text, { add_special_tokens: format.addSpecialTokens }).ids;

  /** The shared part for `turns` (independent of the response), tokenized once per kept set. */
  function headOf(state: ConversationState, key: string, turns: readonly Turn[]): Head {
    const known = state.heads.get(key);
    if (known) return known;
    let head: Head = { cut: 0, check: '', length: 0, ids: [] };
    if (format.kind === 'pair') {
      const ids = pieces.ids(format.text(turns, ''));
      head = { cut: 0, check: '', length: ids.length, ids: ids.length <= max ? ids : undefined };
    } else if (shareable) {
      const text = format.text(turns, RESPONSE_SENTINEL);
      const slot = text.lastIndexOf(RESPONSE_SENTINEL);
      const cut = slot < 0 ? 0 : lastCutBefore(pieces, text, slot);
      const ids = cut > 0 ? pieces.ids(text, 0, cut) : [];
      const check = text.slice(0, cut + pieces.maxAddedLength);
      head = { cut, check, length: ids.length, ids: ids.length <= max ? ids : undefined };
    }
    state.heads.set(key, head);
    return head;
  }

  /** The exact encoding of (`turns`, `response`); ids only when it fits, or when `force`d (the last resort). */
  function encodeWith(
    state: ConversationState,
    kept: { key: string; turns: readonly Turn[] },
    response: string,
    force = false,
  ): Encoding {
    const head = headOf(state, kept.key, kept.turns);
    if (!force && head.length + around.total > max) return { length: head.length + around.total, lowerBound: true };
    if (format.kind === 'pair') {
      const first = head.ids ?? pieces.ids(format.text(kept.turns, ''));
      const second = pieces.ids(response);
      const length = first.length + second.length + around.total;
      if (!force && length > max) return { length };
      if (!pairLayout) return whole(encodePair(opts.tokenizer.tokenizer, format.text(kept.turns, ''), response));
      const p = pairLayout;
      const regions = [p.prefix, first, p.middle, second, p.suffix];
      return {
        length,
        ids: regions.flat(),
        typeIds: regions.flatMap((r, i) => new Array<number>(r.length).fill(p.types[i as 0]!)),
      };
    }
    const text = format.text(kept.turns, response);
    if (!shareable) return whole({ ids: wholeIds(text) });
    const shared = head.cut > 0 && head.ids !== undefined && text.startsWith(head.check);
    const own = shared ? pieces.ids(text, head.cut) : pieces.ids(text);
    const length = (shared ? head.length : 0) + own.length + around.total;
    if (!force && length > max) return { length };
    return { length, ids: [...around.before, ...(shared ? head.ids! : []), ...own, ...around.after] };
  }

  return {
    prepare(messages, checkpoint = () => {}) {
      const turns = turnsOf(messages);
      const measure = measurePrompt({ turns, format, pieces, shareable, wholeIds, maxLength: max, checkpoint });
      const state: ConversationState = {
        turns,
        plan: planDrops(turns),
        measure,
        heads: new Map([['d0', measure.head]]),
      };
      const prepared: PreparedConversation = { tokens: measure.tokens + around.beforeResponse, chars: measure.chars };
      states.set(prepared, state);
      return prepared;
    },
    encode(prepared, response, checkpoint = () => {}) {
      const state = states.get(prepared);
      if (state === undefined) throw new TypeError("encode() takes a conversation from this encoder's prepare()");
      const encoding = truncate({
        state,
        response,
        maxLength: max,
        responseTokens: pieces.ids(response).length,
        encodeWith: (kept, r, force) => encodeWith(state, kept, r, force),
        messageTokens: (text) => {
          if (state.message?.text !== text) state.message = { text, ids: pieces.ids(text) };
          return state.message.ids;
        },
        decode: (ids) => opts.tokenizer.tokenizer.decode(ids, { clean_up_tokenization_spaces: false }),
        checkpoint,
      });
      return keyed(encoding);
    },
  };
}

/** The special ids the tokenizer adds around the texts, and how many come before the response. */
function specialsAround(layout: SpecialLayout['single'] | SpecialLayout['pair']) {
  if (!layout) return { before: [], after: [], total: 0, beforeResponse: 0 };
  if ('middle' in layout) {
    const { prefix, middle, suffix } = layout;
    const total = prefix.length + middle.length + suffix.length;
    return { before: [], after: [], total, beforeResponse: prefix.length + middle.length };
  }
  const { prefix, suffix } = layout;
  return { before: prefix, after: suffix, total: prefix.length + suffix.length, beforeResponse: prefix.length };
}

const whole = (e: { ids: number[]; typeIds?: number[] }): Encoding => ({ length: e.ids.length, ...e });

/** The last cut `c` with `c + maxAddedLength <= slot`: the text before it splits alike whatever the response. */
function lastCutBefore(pieces: PieceTokenizer, text: string, slot: number): number {
  let best = 0;
  for (const c of pieces.cuts(text)) {
    if (c + pieces.maxAddedLength > slot) break;
    best = c;
  }
  return best;
}

/** Adds the dedup key: a digest of the ids (and segment ids), so equal inputs share one model run. */
function keyed(e: Encoding): EncodedInput {
  const ids = e.ids ?? [];
  const hash = createHash('sha256').update(Int32Array.from(ids));
  if (e.typeIds) hash.update(Uint8Array.from(e.typeIds));
  return { ids, ...(e.typeIds ? { typeIds: e.typeIds } : {}), key: hash.digest('base64') };
}

/** Encodes one input in one call: prepare, then encode (for a single candidate, and for tests). */
export function createInputEncoder(opts: InputEncoderOptions): (input: ScoreInput) => EncodedInput {
  const encoder = createConversationEncoder(opts);
  return (input) => encoder.encode(encoder.prepare(input.messages), input.response);
}
