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
