/**
 * @module onnx/encode-truncate
 * Applies the truncation rule (`encode.ts`) to one candidate with few exact encodings: per-turn token estimates from
 * the prepared conversation pick the drop step, exact encodings of the turns that can fit confirm it, and a cut of
 * the last turn or of the response is found by interpolation. Every encoding it asks for is of text that can fit
 * (about `maxLength` tokens), except measurements of the one message being cut, which the prepared conversation's
 * shared memo serves to every candidate.
 */
import type { ConversationState } from './encode.js';
import type { Turn } from './encode-format.js';
import { smallestCut } from './truncation.js';

/** An encoding's token count, and its ids when it fits (or was forced). */
export interface Encoding {
  readonly length: number;
  readonly ids?: number[];
  readonly typeIds?: number[];
  /** Set when `length` only bounds the count from below (the shared part alone was too long). */
  readonly lowerBound?: boolean;
}

/** A kept set of turns and its memo key. */
export interface Kept {
  readonly key: string;
  readonly turns: readonly Turn[];
}

/** Inputs of {@link truncate}. */
export interface TruncateOptions {
  readonly state: ConversationState;
  readonly response: string;
  readonly maxLength: number;
  /** Tokens of the response alone (the estimates' share of the candidate). */
  readonly responseTokens: number;
  /** Exact encoding of (`kept`, `response`); `force` builds ids even when too long. */
  readonly encodeWith: (kept: Kept, response: string, force?: boolean) => Encoding;
  /** A message's tokens when tokenized alone (memoised: the message being cut is the same for every candidate). */
  readonly messageTokens: (text: string) => number[];
  /** The text of some tokens, as the tokenizer decodes them (no clean-up). */
  readonly decode: (ids: number[]) => string;
  readonly checkpoint: () => void;
}

/** How far above the budget an estimate may be and still be checked exactly (estimates err by a few tokens). */
const tolerance = (max: number) => Math.max(16, Math.ceil(max * 0.1));

/** Exact encodings one candidate's step search may make (a guard; a few are typical). */
const MAX_PROBES = 64;

/** The encoding the rule gives for one candidate; ids are always set. */
export function truncate(o: TruncateOptions): Encoding & { ids: number[] } {
  const { state, response, maxLength: max } = o;
  const { plan, measure } = state;
  const m = plan.steps;
  // Tokens saved by the first j steps: cumulative per-step sums of the turns' spans.
  const saved = new Float64Array(m + 2);
  for (let i = 0; i < state.turns.length; i++) {
    const step = plan.droppedAt[i]!;
    if (step <= m) saved[step + 1]! += measure.spans[i]!;
  }
  for (let j = 1; j <= m + 1; j++) saved[j]! += saved[j - 1]!;
  let delta = 0; // exact minus estimated, learnt from each exact encoding
  const estimate = (j: number) => measure.tokens - saved[j]! + o.responseTokens + delta;
  const firstFitting = (from: number) => {
    let lo = from;
    let hi = m;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (estimate(mid) <= max) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  };
  const kept = (j: number): Kept => ({ key: `d${j}`, turns: plan.kept(j) });
  const exact = (j: number) => {
    o.checkpoint();
    const e = o.encodeWith(kept(j), response);
    if (!e.lowerBound) delta += e.length - estimate(j);
    return e;
  };

  // The rule keeps the most turns that fit: find the smallest fitting step, jumping where the (recalibrated)
  // estimates point and confirming with exact encodings. Steps at or below `below` are known not to fit.
  let below = -1;
  let best: { j: number; e: Encoding } | undefined;
  let last: Encoding | undefined;
  let j = firstFitting(0);
  for (let probes = 0; probes < MAX_PROBES; probes++) {
    const e = exact(j);
    if (j === m) last = e;
    if (e.length <= max) {
      best = { j, e };
      let next = firstFitting(below + 1);
      if (next >= j) next = j - 1;
      if (next <= below || estimate(next) > max + tolerance(max)) break;
      j = next;
    } else {
      below = j;
      if (j >= m || (best !== undefined && best.j === j + 1)) break;
      j = Math.max(j + 1, firstFitting(j + 1));
      if (best !== undefined && j >= best.j) j = below + 1;
    }
  }
  if (best) return best.e as Encoding & { ids: number[] };
  const atLast = last ?? exact(m);
  if (atLast.length <= max) return atLast as Encoding & { ids: number[] };
  return cutToFit(o, kept(m), atLast);
}

/** Steps 3 and 4: the last turn alone is too long; cut it from its start, then the response. */
function cutToFit(o: TruncateOptions, lastKept: Kept, atLast: Encoding): Encoding & { ids: number[] } {
  const { response, maxLength: max } = o;
  const last = lastKept.turns[0];
  let empty: Kept = lastKept;
  if (last !== undefined && last.content.length > 0) {
    const kept = keepMessageEnd(o, last, atLast);
    if (kept) return kept;
    empty = { key: 'e', turns: [{ ...last, content: '' }] };
  }
  const cut = smallestCut(response.length, (c) => {
    o.checkpoint();
    return o.encodeWith(empty, response.slice(c)).length <= max;
  });
  const e = o.encodeWith(empty, response.slice(cut), true);
  const ids = e.ids!;
  if (ids.length <= max) return { ...e, ids };
  // The template's own tokens exceed a tiny budget: keep the end, which last-token pooling reads.
  return { length: max, ids: ids.slice(-max), ...(e.typeIds ? { typeIds: e.typeIds.slice(-max) } : {}) };
}

/** Exact encodings one cut search may make (a guard; two or three are typical). */
const MAX_CUT_PROBES = 24;

/**
 * Step 3: the most of the message's end that fits, cut at one of its token boundaries. The message is tokenized
 * alone once per conversation; keeping its last `k` tokens means keeping the text they decode to, when that text
 * is the message's end (byte-level BPE and SentencePiece decode to the text; a boundary inside a character is
 * skipped). From the count the uncut encoding implies, a couple of exact encodings settle `k`; the tokens before
 * the response's last added token are memoised per cut, so candidates whose budgets meet share them. Tokenizers that
 * do not decode to the text (lower-casing WordPiece) fall back to a binary search over characters.
 */
function keepMessageEnd(o: TruncateOptions, last: Turn, atLast: Encoding): (Encoding & { ids: number[] }) | undefined {
  const { response, maxLength: max } = o;
  const content = last.content;
  const cutKept = (c: number): Kept => ({ key: `c${c}`, turns: [{ ...last, content: content.slice(c) }] });
  const fitting = (e: Encoding) => (e.length <= max ? (e as Encoding & { ids: number[] }) : undefined);
  const tokens = o.messageTokens(content);
  const cutFor = (k: number): number | undefined => {
    for (let t = k; t >= Math.max(1, k - 3); t--) {
      const tail = o.decode(tokens.slice(tokens.length - t));
      if (tail.length > 0 && content.endsWith(tail)) return content.length - tail.length;
    }
    return k <= 0 ? content.length : undefined;
  };
  const byCharacters = () =>
    fitting(
      o.encodeWith(
        cutKept(
          smallestCut(content.length, (x) => {
            o.checkpoint();
            return o.encodeWith(cutKept(x), response).length <= max;
          }),
        ),
        response,
      ),
    );
  const n = tokens.length;
  let k = Math.max(0, Math.min(n - 1, max - (atLast.length - n)));
  let cut = cutFor(k);
  if (cut === undefined) return byCharacters();
  let e = o.encodeWith(cutKept(cut), response);
  let probes = 1;
  // Down until it fits, by the overflow each time.
  while (e.length > max && k > 0 && probes++ < MAX_CUT_PROBES) {
    o.checkpoint();
    k = Math.max(0, k - Math.max(1, e.length - max));
    cut = cutFor(k);
    if (cut === undefined) return byCharacters();
    e = o.encodeWith(cutKept(cut), response);
  }
  if (e.length > max) return undefined;
  // Up while one more stretch still fits: by the slack, then token by token.
  const tryKeep = (more: number): Encoding | undefined | 'lost' => {
    const c = cutFor(more);
    if (c === undefined) return 'lost';
    if (c >= cut!) return undefined;
    const up = o.encodeWith(cutKept(c), response);
    if (up.length > max) return undefined;
    [k, cut] = [more, c];
    return up;
  };
  while (k < n && probes++ < MAX_CUT_PROBES) {
    o.checkpoint();
    const step = Math.max(1, max - e.length);
    let up = tryKeep(Math.min(n, k + step));
    if (up === undefined && step > 1) up = tryKeep(k + 1);
    if (up === 'lost') return byCharacters();
    if (up === undefined) break;
    e = up;
  }
  return fitting(e);
}
