/**
 * @module onnx/pieces
 * Exact tokenization of a long text in pieces, so the scorer can tokenize a conversation once and still know where
 * each turn's tokens start (and share a prompt's tokens across candidates).
 *
 * Why it is exact: `@huggingface/tokenizers` first splits a text at its added tokens (the special tokens chat
 * templates write, `<|eot_id|>`, `<|im_start|>`…), greedily taking the longest one at each position, and then
 * tokenizes each section on its own. So a text cut right before an added token tokenizes, piece by piece, to exactly
 * the ids of the whole, provided each piece ends the way the whole would end it: an added token with `lstrip` trims
 * the whitespace before it, so a piece followed by one is trimmed the same way. (`rstrip` trims the text after a
 * token, which stays in the same piece; Metaspace's "prepend only to the first section" sees the same first section.)
 * The tests hold piecewise tokenization against whole-text tokenization on real tokenizers.
 *
 * The special ids a post-processor adds (`add_special_tokens`) are found by probing the tokenizer once: for the
 * layouts every common processor produces (prefix, sequence, [middle, pair,] suffix) they are added around the
 * pieces; for anything else {@link PieceTokenizer.layout} is undefined and callers tokenize whole texts.
 */
import type { TextTokenizer as Tokenizer } from './tokenizer.js';

/** Special ids around one sequence (`[BOS] A`) and a pair (`[CLS] A [SEP] B [SEP]`, with segment ids). */
export interface SpecialLayout {
  /** Undefined when the tokenizer's output for one sequence is not of this shape. */
  readonly single: { readonly prefix: readonly number[]; readonly suffix: readonly number[] } | undefined;
  /** Undefined when its output for a pair is not of this shape. */
  readonly pair:
    | {
        readonly prefix: readonly number[];
        readonly middle: readonly number[];
        readonly suffix: readonly number[];
        /** Segment id of each region: prefix, A, middle, B, suffix. */
        readonly types: readonly [number, number, number, number, number];
      }
    | undefined;
}

/** Piecewise tokenization of one tokenizer (see the module doc). */
export interface PieceTokenizer {
  /** Starts of the added tokens that split `text` into independently tokenized sections, ascending. */
  cuts(text: string): number[];
  /**
   * The ids of `text.slice(from, to)` as they appear in the tokenization of the whole `text` (no special tokens
   * added): exact when `from` is 0 or a cut and `to` is a cut or `text.length`.
   */
  ids(text: string, from?: number, to?: number): number[];
  /**
   * The longest added token, in UTF-16 units. Two texts that agree on their first `cut + maxAddedLength` characters
   * are split alike up to `cut`, so the pieces before it tokenize alike.
   */
  readonly maxAddedLength: number;
  /** Where `add_special_tokens` puts its ids. */
  readonly layout: SpecialLayout;
}

interface TrieNode {
  next: Map<string, TrieNode>;
  /** The added token ending here, if any. */
  token?: { content: string; lstrip: boolean };
}

/** Builds the piecewise view of `tokenizer`. */
export function createPieceTokenizer(tokenizer: Tokenizer): PieceTokenizer {
  const root: TrieNode = { next: new Map() };
  let maxAddedLength = 0;
  // The tokenizer's first split uses the added tokens it does not normalise (all of them when it has no normalizer).
  for (const added of tokenizer.get_added_tokens_decoder().values()) {
    if (added.normalized && tokenizer.normalizer !== null) continue;
    let node = root;
    for (const ch of added.content) {
      let child = node.next.get(ch);
      if (child === undefined) node.next.set(ch, (child = { next: new Map() }));
      node = child;
    }
    node.token = { content: added.content, lstrip: added.lstrip };
    maxAddedLength = Math.max(maxAddedLength, added.content.length);
  }

  /** The longest added token starting at `i` (as the tokenizer's trie walk finds it). */
  const matchAt = (text: string, i: number): TrieNode['token'] => {
    let node: TrieNode | undefined = root;
    let found: TrieNode['token'];
    // Code units, as the tokenizer walks them (a UTF-16 string indexed by position).
    for (let j = i; j < text.length; j++) {
      node = node.next.get(text[j]!);
      if (node === undefined) break;
      if (node.token) found = node.token;
    }
    return found;
  };

  const piece: PieceTokenizer = {
    maxAddedLength,
    layout: { single: undefined, pair: undefined },
    cuts(text) {
      const out: number[] = [];
      if (root.next.size === 0) return out;
      for (let i = 0; i < text.length;) {
        const token = matchAt(text, i);
        if (token === undefined) i++;
        else {
          out.push(i);
          i += token.content.length;
        }
      }
      return out;
    },
    ids(text, from = 0, to = text.length) {
      let slice = text.slice(from, to);
      if (to < text.length && matchAt(text, to)?.lstrip) slice = slice.trimEnd();
      return slice.length === 0 ? [] : tokenizer.encode(slice, { add_special_tokens: false }).ids;
    },
  };
  return { ...piece, layout: probeLayout(tokenizer) };
}

/** Finds where `add_special_tokens` puts its ids, checking each answer on a second probe. */
function probeLayout(tokenizer: Tokenizer): SpecialLayout {
  const plain = (t: string) => tokenizer.encode(t, { add_special_tokens: false }).ids;
  const singleOf = (t: string) => {
    const all = tokenizer.encode(t, { add_special_tokens: true }).ids;
    const body = plain(t);
    const at = indexOfRun(all, body);
    return at < 0 ? undefined : { prefix: all.slice(0, at), suffix: all.slice(at + body.length) };
  };
  const pairOf = (a: string, b: string) => {
    const enc = tokenizer.encode(a, { text_pair: b, add_special_tokens: true, return_token_type_ids: true });
    const [idsA, idsB] = [plain(a), plain(b)];
    const at = indexOfRun(enc.ids, idsA);
    const bt = at < 0 ? -1 : indexOfRun(enc.ids, idsB, at + idsA.length);
    if (bt < 0) return undefined;
    const types: readonly number[] = enc.token_type_ids ?? [];
    const bounds = [0, at, at + idsA.length, bt, bt + idsB.length, enc.ids.length];
    // One segment id per region (a region of special tokens may be empty: then it takes its sequence's id).
    const regionTypes = [0, 1, 2, 3, 4].map((r) => {
      const region = types.slice(bounds[r], bounds[r + 1]);
      const t = region[0] ?? types[bounds[r < 2 ? 1 : 3]!] ?? (r < 2 ? 0 : 1);
      return region.every((x) => x === t) ? t : Number.NaN;
    });
    if (regionTypes.some(Number.isNaN)) return undefined;
    return {
      prefix: enc.ids.slice(0, at),
      middle: enc.ids.slice(at + idsA.length, bt),
      suffix: enc.ids.slice(bt + idsB.length),
      types: regionTypes as [number, number, number, number, number],
    };
  };
  const same = <T>(probes: Array<() => T | undefined>): T | undefined => {
    try {
      const [a, b] = probes.map((p) => p());
      return a !== undefined && JSON.stringify(a) === JSON.stringify(b) ? a : undefined;
    } catch {
      return undefined;
    }
  };
  return {
    single: same([() => singleOf('Hello world'), () => singleOf('The quick brown fox, 42 times.')]),
    pair: same([() => pairOf('Hello world', 'Goodbye'), () => pairOf('The quick brown fox.', 'Jumps 42 times')]),
  };
}

/** Index of `run` inside `ids` at or after `from`, or -1. */
function indexOfRun(ids: readonly number[], run: readonly number[], from = 0): number {
  outer: for (let i = from; i + run.length <= ids.length; i++) {
    for (let j = 0; j < run.length; j++) if (ids[i + j] !== run[j]) continue outer;
    return i;
  }
  return -1;
}
