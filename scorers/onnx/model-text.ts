/**
 * @module onnx/model-text
 * A model directory read for a scorer whose graph runs elsewhere (Triton, KServe, TEI, vLLM, `prefsel
 * serve-scorer`): the same `config.json`, tokenizer, chat template and `prefsel.json` the embedded scorer reads, so a
 * remote scorer formats, tokenizes, truncates and names attributes exactly as the embedded one does. The graph file
 * may be absent.
 */
import type { ScoreInput } from '../../core/ports.js';
import { createInputEncoder, textOf, type EncodedInput } from './encode.js';
import { createTextFormatter, pairTexts } from './encode-text.js';
import { buildFeeds, project, KNOWN_INPUTS } from './feeds.js';
import { readModelText } from './model-dir.js';
import { resolveModelSpec, type ModelSpec } from './spec.js';
import { loadTokenizer } from './tokenizer.js';

export type { EncodedInput } from './encode.js';
export { pairTexts, textOf };
export { KNOWN_INPUTS };

/** What a remote scorer needs from a model directory. */
export interface ModelText {
  readonly dir: string;
  readonly spec: ModelSpec;
  /** The attribute names, in score-row order. */
  readonly attributes: readonly string[];
  /** Alias → attribute name, from `prefsel.json`. */
  readonly aliases: Readonly<Record<string, string>>;
  /** The id padded positions carry. */
  readonly padId: number;
  /** Token ids exactly as the embedded scorer would feed them (formatting and truncation rule included). */
  encode(input: ScoreInput): EncodedInput;
  /** The formatted model text for servers that tokenize; undefined for `pair` inputs. */
  readonly format: ((input: ScoreInput) => string) | undefined;
  /** The (prompt, response) texts of a `pair` input. */
  pair(input: ScoreInput): [string, string];
  /**
   * INT64 tensors for the named graph inputs (`input_ids`, `attention_mask`, `token_type_ids`, `position_ids`),
   * right-padded with the pad id to at least `width`, row-major.
   */
  tensors(batch: readonly EncodedInput[], inputs: readonly string[], width: number): Record<string, number[]>;
  /** Selects and scales the attributes from one raw output row (all labels). */
  project(row: ArrayLike<number>): number[];
}

/** Options of {@link loadModelText}. */
export interface LoadModelTextOptions {
  /** Token budget per sequence; overrides `prefsel.json` and `config.json`. */
  readonly maxLength?: number;
}

/**
 * Reads a model directory's text side.
 * @throws ModelLoadError naming the file and what was expected.
 */
export async function loadModelText(dir: string, options: LoadModelTextOptions = {}): Promise<ModelText> {
  const files = await readModelText(dir);
  const spec = resolveModelSpec(files, options.maxLength);
  const tok = loadTokenizer(files);
  const encode = createInputEncoder({ tokenizer: tok, input: spec.input, maxLength: spec.maxLength });
  const aliases: Record<string, string> = {};
  for (const a of spec.attributes) for (const alias of a.aliases) aliases[alias] = a.name;
  return {
    dir,
    spec,
    attributes: spec.attributes.map((a) => a.name),
    aliases,
    padId: tok.padId,
    encode,
    format: createTextFormatter(spec.input, tok),
    pair: pairTexts,
    tensors(batch, inputs, width) {
      const known = inputs.filter((n): n is (typeof KNOWN_INPUTS)[number] =>
        (KNOWN_INPUTS as readonly string[]).includes(n),
      );
      const feeds = buildFeeds({ inputs: known.map((name) => ({ name, type: 'int32' })) }, batch, tok.padId, width);
      return Object.fromEntries(Object.entries(feeds).map(([name, t]) => [name, Array.from(t.data as Int32Array)]));
    },
    project: (row) => project(row, spec.attributes),
  };
}
