/**
 * @module onnx/encode-measure
 * One pass over a whole conversation: render it with a sentinel where the response goes, tokenize it in pieces cut
 * before added tokens, and keep three results: the exact number of tokens before the response (the input-token
 * budget's measure), about how many tokens each turn adds (the truncation search's estimates), and the tokens the
 * untruncated conversation shares with every candidate.
 */
import { locateTurns, RESPONSE_SENTINEL, type Format, type Turn } from './encode-format.js';
import type { PieceTokenizer } from './pieces.js';

/** What a set of kept turns contributes before the candidate's own text. */
export interface Head {
  /** Single sequence: where the candidate's own tokens start (0: nothing shared). Pair: unused. */
  readonly cut: number;
  /** The candidate's text must start with this for `ids` to be its first tokens. */
  readonly check: string;
  /** Token count of the shared part. */
  readonly length: number;
  /** The shared ids; kept only when they can still fit the model's `maxLength`. */
  readonly ids: readonly number[] | undefined;
}

/** The results of {@link measurePrompt}. */
export interface PromptMeasure {
  /** Tokens before the response (special tokens the tokenizer adds not included). */
  readonly tokens: number;
  /** Characters of the rendered conversation. */
  readonly chars: number;
  /** About how many tokens dropping each turn saves. */
  readonly spans: Float64Array;
  /** The untruncated conversation's shared part. */
  readonly head: Head;
}

/** Inputs of {@link measurePrompt}. */
export interface MeasureOptions {
  readonly turns: readonly Turn[];
  readonly format: Format;
  readonly pieces: PieceTokenizer;
  /** False when texts must be tokenized whole (unknown special-token layout): the spans are then by characters. */
  readonly shareable: boolean;
  /** Whole-text tokenization, with the special tokens the format asks for. */
  readonly wholeIds: (text: string) => number[];
  readonly maxLength: number;
  /** Called between pieces; throws to stop the work (a cancelled request). */
  readonly checkpoint: () => void;
}

/** Measures a conversation once (see the module doc). Linear in its length. */
export function measurePrompt(opts: MeasureOptions): PromptMeasure {
  const { turns, format, pieces } = opts;
  const pair = format.kind === 'pair';
  const text = format.text(turns, pair ? '' : RESPONSE_SENTINEL);
  const found = pair ? text.length : text.lastIndexOf(RESPONSE_SENTINEL);
  const slot = found < 0 ? text.length : found;
  const located = locateTurns(text, turns, slot);
  const positions = located.map((l) => l.start);

  if (!opts.shareable) {
    const tokens = opts.wholeIds(text.slice(0, slot)).length;
    const noHead: Head = { cut: 0, check: '', length: 0, ids: undefined };
    return { tokens, chars: text.length, spans: spansByChars(turns, tokens), head: noHead };
  }

  const cuts = pieces.cuts(text).filter((c) => c < slot);
  // Single sequence: the response-independent part ends at the last cut that no response can change; a pair's
  // first sequence is response-independent as a whole.
  let headCut = pair ? slot : 0;
  if (!pair && found >= 0) for (const c of cuts) if (c + pieces.maxAddedLength <= slot) headCut = c;

  // Each located turn is anchored at the last cut before its content that is not inside an earlier turn's content
  // (a user may type an added token): token offsets are exact there. A turn with no such cut of its own shares the
  // anchor, and so the piece, of the turn before it.
  const anchors: number[] = [];
  let prev = 0;
  let prevEnd = 0;
  for (const { start, end } of located) {
    if (start >= 0) {
      const cut = lastAtOrBefore(cuts, start);
      if (cut >= prevEnd) prev = Math.max(prev, cut);
      prevEnd = end;
    }
    anchors.push(prev);
  }
  const bounds = [...new Set([0, ...anchors, headCut, slot])].sort((a, b) => a - b);
  const offsets = new Map<number, number>();
  const ids: number[] = [];
  for (let k = 0; k < bounds.length; k++) {
    offsets.set(bounds[k]!, ids.length);
    if (k + 1 === bounds.length) break;
    opts.checkpoint();
    const piece = pieces.ids(text, bounds[k], bounds[k + 1]);
    for (const id of piece) ids.push(id);
  }
  const tokens = offsets.get(slot)!;
  const headLength = offsets.get(headCut)!;
  const head: Head = {
    cut: pair ? 0 : headCut,
    check: pair ? '' : text.slice(0, headCut + pieces.maxAddedLength),
    length: headLength,
    ids: headLength <= opts.maxLength ? ids.slice(0, headLength) : undefined,
  };
  const spans = spansByAnchors({ text, turns, positions, anchors, slot, offsets, pieces, checkpoint: opts.checkpoint });
  return { tokens, chars: text.length, spans, head };
}

/** Index search: the largest cut at or before `at` (0 when none). */
function lastAtOrBefore(cuts: readonly number[], at: number): number {
  let lo = 0;
  let hi = cuts.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cuts[mid]! <= at) lo = mid + 1;
    else hi = mid;
  }
  return lo === 0 ? 0 : cuts[lo - 1]!;
}

/**
 * Tokens per turn: the tokens between a turn's anchor and the next one. Turns that share a piece (no added token
 * between them, as in plain formats), and the first turn, split it: each its own tokens (counted alone) plus an
 * equal share of the template text between them; the text before the group's first content (a preamble) belongs
 * to none of them.
 */
function spansByAnchors(o: {
  text: string;
  turns: readonly Turn[];
  positions: readonly number[];
  anchors: readonly number[];
  slot: number;
  offsets: ReadonlyMap<number, number>;
  pieces: PieceTokenizer;
  checkpoint: () => void;
}): Float64Array {
  const spans = new Float64Array(o.turns.length);
  for (let i = 0; i < o.turns.length;) {
    let end = i + 1;
    while (end < o.turns.length && o.anchors[end] === o.anchors[i]) end++;
    const from = o.anchors[i]!;
    const to = end < o.turns.length ? o.anchors[end]! : o.slot;
    const total = o.offsets.get(to)! - o.offsets.get(from)!;
    // The first group also holds the template's preamble (BOS, a format's opening words), which no drop removes:
    // it is set apart like the text before a shared piece's first content. Estimates err low, never high: a low
    // one costs an extra exact encoding, a high one could drop a turn that fits.
    if (end - i === 1 && i > 0) spans[i] = total;
    else {
      o.checkpoint();
      const own = o.turns.slice(i, end).map((t) => o.pieces.ids(t.content).length);
      const first = Math.min(...o.positions.slice(i, end).filter((p) => p >= 0));
      const preamble = Number.isFinite(first) ? o.pieces.ids(o.text, from, first).length : 0;
      const share = Math.max(0, total - preamble - own.reduce((a, b) => a + b, 0)) / (end - i);
      own.forEach((n, k) => (spans[i + k] = n + share));
    }
    i = end;
  }
  return spans;
}

/** Tokens per turn in proportion to characters, when texts cannot be tokenized in pieces. */
function spansByChars(turns: readonly Turn[], tokens: number): Float64Array {
  const chars = turns.map((t) => t.content.length + 16);
  const sum = chars.reduce((a, b) => a + b, 0) || 1;
  return Float64Array.from(chars, (c) => (tokens * c) / sum);
}
