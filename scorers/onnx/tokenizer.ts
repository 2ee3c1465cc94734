/**
 * @module onnx/tokenizer
 * Wraps `@huggingface/tokenizers` for a model directory: the tokenizer itself, its special-token strings (chat
 * templates refer to `bos_token`, `eos_token`…) and the pad id the graph expects.
 */
import { join } from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import { ModelLoadError } from '../../core/errors.js';
import type { ModelFiles } from './model-dir.js';

/** Options of {@link TextTokenizer.encode}, as `@huggingface/tokenizers` names them. */
export interface TextEncodeOptions {
  readonly text_pair?: string | null;
  readonly add_special_tokens?: boolean;
  readonly return_token_type_ids?: boolean | null;
}

/**
 * The part of `@huggingface/tokenizers`' `Tokenizer` that encoding uses. Declared here, not imported, so prefsel's
 * published declarations do not pull in that package's own, which fail to type-check under `moduleResolution:
 * NodeNext` (extensionless relative imports) for users who check libraries (`skipLibCheck: false`).
 */
export interface TextTokenizer {
  encode(
    text: string,
    options: TextEncodeOptions & { return_token_type_ids: true },
  ): { ids: number[]; token_type_ids: number[] };
  encode(text: string, options?: TextEncodeOptions): { ids: number[] };
  token_to_id(token: string): number | undefined;
  tokenize(text: string): string[];
  /** Text of ids; the truncation step checks that a message cut at a token boundary decodes to its own prefix. */
  decode(ids: number[], options?: { skip_special_tokens?: boolean; clean_up_tokenization_spaces?: boolean }): string;
  /** The pair template, for a pair whose second sequence is empty ({@link encodePair}). */
  readonly post_processor: {
    post_process(tokens: string[], pair: string[], addSpecialTokens: boolean): PostProcessed;
  } | null;
  readonly model: { readonly unk_token_id?: number } | null;
  /** Non-null when the tokenizer normalises text before its first split (`pieces.ts` reads which added tokens cut). */
  readonly normalizer: object | null;
  /** The added tokens by id (`pieces.ts` cuts texts before them). */
  get_added_tokens_decoder(): Map<number, AddedTokenInfo>;
}

/** What `pieces.ts` reads of an added token. */
export interface AddedTokenInfo {
  readonly content: string;
  readonly normalized: boolean;
  readonly lstrip: boolean;
}

/** What a post-processor returns. */
export interface PostProcessed {
  tokens: string[];
  token_type_ids?: number[];
}

/** A loaded tokenizer plus what encoding and padding need. */
export interface LoadedTokenizer {
  readonly tokenizer: TextTokenizer;
  /** `bos_token`, `eos_token`, `pad_token`, `unk_token`… as strings, for chat templates. */
  readonly specialTokens: Readonly<Record<string, string>>;
  /** The id padded positions carry. Decoder graphs that find the last token by pad id need exactly this one. */
  readonly padId: number;
}

function tokenString(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (v !== null && typeof v === 'object' && typeof (v as { content?: unknown }).content === 'string')
    return (v as { content: string }).content;
  return undefined;
}

/** Builds the tokenizer and resolves the pad id (sidecar, then config.json, then the tokenizer's pad or eos token). */
export function loadTokenizer(files: ModelFiles): LoadedTokenizer {
  let tokenizer: Tokenizer;
  try {
    tokenizer = new Tokenizer(files.tokenizer, files.tokenizerConfig);
  } catch (err) {
    throw new ModelLoadError(
      join(files.dir, 'tokenizer.json'),
      `could not build the tokenizer (${(err as Error).message})`,
      { cause: err },
    );
  }
  const specialTokens: Record<string, string> = {};
  for (const key of ['bos_token', 'eos_token', 'pad_token', 'unk_token', 'sep_token', 'cls_token', 'mask_token']) {
    const s = tokenString(files.tokenizerConfig[key]);
    if (s !== undefined) specialTokens[key] = s;
  }
  const eos = Array.isArray(files.config.eos_token_id) ? files.config.eos_token_id[0] : files.config.eos_token_id;
  const byToken = (s: string | undefined) => (s === undefined ? undefined : tokenizer.token_to_id(s));
  const padId =
    files.sidecar.padTokenId ??
    files.config.pad_token_id ??
    byToken(specialTokens.pad_token) ??
    eos ??
    byToken(specialTokens.eos_token) ??
    0;
  return { tokenizer, specialTokens, padId };
}

/** Token ids and segment ids of a text pair. */
export interface PairEncoding {
  readonly ids: number[];
  readonly typeIds: number[];
}

/**
 * Encodes (`first`, `second`) as a text pair with special tokens, as Hugging Face's `tokenizers` does
 * (`Tokenizer.encode(first, second)`), which is also what transformers' slow tokenizers and batched calls
 * (`tokenizer([first], [second])`) give: an empty `second` is still a sequence, so a BERT pair ends
 * `[SEP] [SEP]`. `@huggingface/tokenizers` drops an empty `text_pair` (as does a single fast-tokenizer call,
 * `tokenizer(first, '')`), which changes the input an encoder reward model sees for an empty response.
 */
export function encodePair(tokenizer: TextTokenizer, first: string, second: string): PairEncoding {
  if (second !== '') {
    const enc = tokenizer.encode(first, { text_pair: second, add_special_tokens: true, return_token_type_ids: true });
    return { ids: enc.ids, typeIds: enc.token_type_ids };
  }
  // The post-processor's pair template with an empty second sequence, which `encode` would not use.
  const tokens = tokenizer.tokenize(first);
  const post: PostProcessed = tokenizer.post_processor?.post_process(tokens, [], true) ?? { tokens };
  const ids = post.tokens.map((t: string) => {
    const id = tokenizer.token_to_id(t) ?? tokenizer.model?.unk_token_id;
    if (id === undefined) throw new Error(`token ${JSON.stringify(t)} is not in the vocabulary`);
    return id;
  });
  return { ids, typeIds: post.token_type_ids ?? new Array<number>(ids.length).fill(0) };
}
