/**
 * @module onnx/encode-text
 * The model's text without the model: for remote scorers whose servers tokenize themselves (a Triton ensemble, TEI,
 * vLLM), and for prefsel's own v2 server, which tokenizes a text it is sent as the embedded scorer would.
 */
import type { ScoreInput } from '../../core/ports.js';
import { createFormat, promptText, turnsOf } from './encode-format.js';
import type { EncodedInput, InputEncoderOptions } from './encode.js';
import type { ResolvedInput } from './spec.js';
import type { LoadedTokenizer } from './tokenizer.js';

/**
 * The model text of one (conversation, response) pair, untruncated: the chat template or plain format the embedded
 * scorer would tokenize.
 * @returns undefined for `pair` inputs, which are two texts (see {@link pairTexts}).
 */
export function createTextFormatter(
  input: ResolvedInput,
  tokenizer: LoadedTokenizer,
): ((input: ScoreInput) => string) | undefined {
  const format = createFormat(input, tokenizer);
  if (format.kind === 'pair') return undefined;
  return (i) => format.text(turnsOf(i.messages), i.response);
}

/** The two texts of a `pair` input: the conversation as a prompt, and the response. */
export function pairTexts(input: ScoreInput): [string, string] {
  return [promptText(turnsOf(input.messages)), input.response];
}

/**
 * Tokenizes an already formatted text as the embedded scorer would (special tokens as the input spec says) and,
 * when it is too long, keeps its last `maxLength` tokens: the response and the template's closing tokens, which
 * last-token pooling reads, are at the end. What a v2 server that tokenizes does with the text it is sent.
 */
export function createTextEncoder(opts: InputEncoderOptions): (text: string) => EncodedInput {
  const add = createFormat(opts.input, opts.tokenizer).addSpecialTokens;
  return (text) => {
    const ids = opts.tokenizer.tokenizer.encode(text, { add_special_tokens: add }).ids;
    const kept = ids.length > opts.maxLength ? ids.slice(-opts.maxLength) : ids;
    return { ids: kept, key: kept.join(',') };
  };
}
