/**
 * @module onnx/feeds
 * The tensors a batch needs, discovered from the graph's own input names, and the scores read back from its
 * output. Sequences are padded on the right (the pad id in every padded position, attention mask 0), which
 * decoder reward models such as ArmoRM require: they read the last non-pad token.
 */
import { ModelLoadError } from '../../core/errors.js';
import type { EncodedInput } from './encode.js';
import type { FeedTensor, GraphMetadata, OutputTensor, ValueMeta } from './executor.js';
import { SIDECAR_FILE } from './sidecar.js';
import type { AttributeSpec } from './spec.js';

/** Graph inputs the scorer knows how to fill. */
export const KNOWN_INPUTS = ['input_ids', 'attention_mask', 'token_type_ids', 'position_ids'] as const;
type KnownInput = (typeof KNOWN_INPUTS)[number];

/** What the graph takes and gives, checked at load. */
export interface GraphIO {
  readonly inputs: ReadonlyArray<{ name: KnownInput; type: 'int64' | 'int32' }>;
  readonly output: string;
  /** Size of the output's last axis when the graph declares it. */
  readonly outputWidth?: number;
}

/** What {@link resolveGraphIO} checks the graph against. */
export interface GraphIOOptions {
  readonly metadata: GraphMetadata;
  readonly onnxPath: string;
  /** The output the sidecar names, if any. */
  readonly output?: string | undefined;
  /** Output labels of the model (`config.json` `id2label` / `num_labels`), one per score column. */
  readonly labels: readonly string[];
  readonly attributes: readonly AttributeSpec[];
}

/** `name [d0, d1, …]`, as an error message shows an output. */
function describe(m: ValueMeta): string {
  return m.isTensor ? `\`${m.name}\` ${m.type} [${m.shape.join(', ')}]` : `\`${m.name}\` (not a tensor)`;
}

/**
 * Whether `m` holds one score per label: `[batch, labels]`, per-token `[batch, sequence, labels]` (pooled at the
 * last real token), or `[batch]` for a single label. A symbolic last axis cannot be checked here; the test run
 * at load catches one that is too narrow.
 */
function holdsScores(m: ValueMeta, labels: number): boolean {
  if (!m.isTensor || m.type !== 'float32') return false;
  const last = m.shape.at(-1);
  if (m.shape.length === 1) return labels === 1;
  return (m.shape.length === 2 || m.shape.length === 3) && (typeof last === 'string' || last === labels);
}

function checkInputs(metadata: GraphMetadata, onnxPath: string): GraphIO['inputs'] {
  const inputs = metadata.inputMetadata.map((m) => {
    if (!(KNOWN_INPUTS as readonly string[]).includes(m.name)) {
      throw new ModelLoadError(
        onnxPath,
        `graph input \`${m.name}\` is not supported; expected only ${KNOWN_INPUTS.join(', ')} ` +
          '(export reward models as sequence classifiers, e.g. `optimum-cli export onnx --task text-classification`, without past key values)',
      );
    }
    const type = m.isTensor ? m.type : 'a non-tensor value';
    if (type !== 'int64' && type !== 'int32') {
      throw new ModelLoadError(
        onnxPath,
        `graph input \`${m.name}\` takes ${type}; expected int64 (or int32), as transformers models export it ` +
          '(e.g. `torch.onnx.export` with an integer `attention_mask`); re-export it with integer inputs',
      );
    }
    return { name: m.name as KnownInput, type } as const;
  });
  if (!inputs.some((i) => i.name === 'input_ids')) {
    throw new ModelLoadError(
      onnxPath,
      `expected a graph input named \`input_ids\`, found ${metadata.inputNames.join(', ') || 'none'}`,
    );
  }
  return inputs;
}

/**
 * The output to read: the sidecar's; else `logits` (the name transformers' sequence classifiers export) when it
 * holds one score per label; else the only output that does. Never an output merely because it comes first: an
 * export with `last_hidden_state` before `scores` must not have hidden dimensions read as scores.
 */
function chooseOutput(opts: GraphIOOptions): string {
  const { metadata, onnxPath, labels } = opts;
  const metas = metadata.outputMetadata;
  const found = metas.map(describe).join(', ') || 'none';
  if (opts.output !== undefined) {
    if (!metadata.outputNames.includes(opts.output)) {
      throw new ModelLoadError(onnxPath, `expected a graph output named \`${opts.output}\`, found ${found}`);
    }
    return opts.output;
  }
  const fitting = metas.filter((m) => holdsScores(m, labels.length));
  const logits = fitting.find((m) => m.name === 'logits');
  if (logits) return logits.name;
  if (fitting.length === 1) return fitting[0]!.name;
  const pick = `name the one to read in ${SIDECAR_FILE}: {"output": "<name>"}`;
  if (fitting.length > 1) {
    throw new ModelLoadError(
      onnxPath,
      `several graph outputs could hold the ${labels.length} scores (${fitting.map(describe).join(', ')}); ${pick}`,
    );
  }
  throw new ModelLoadError(
    onnxPath,
    `expected a float32 output with one column per label of config.json (${labels.length}: ${labels.join(', ')}), ` +
      `[batch, ${labels.length}] or [batch, sequence, ${labels.length}]; found ${found}. ` +
      `If one of them holds the scores, ${pick}; otherwise check config.json's id2label / num_labels`,
  );
}

/** Checks the session's inputs and outputs against what the scorer can feed and read. */
export function resolveGraphIO(opts: GraphIOOptions): GraphIO {
  const inputs = checkInputs(opts.metadata, opts.onnxPath);
  const output = chooseOutput(opts);
  const meta = opts.metadata.outputMetadata.find((m) => m.name === output);
  const last = meta?.isTensor ? meta.shape.at(-1) : undefined;
  const width = typeof last === 'number' && (meta?.isTensor ? meta.shape.length : 0) >= 2 ? last : undefined;
  const need = Math.max(...opts.attributes.map((a) => a.index)) + 1;
  if (width !== undefined && width < need) {
    throw new ModelLoadError(
      opts.onnxPath,
      `graph output \`${output}\` has ${width} columns; the attributes need at least ${need}`,
    );
  }
  return { inputs, output, ...(width === undefined ? {} : { outputWidth: width }) };
}

/**
 * Builds the feeds for `batch`: right padding to the longest sequence (or to `width` when that is longer, as a
 * remote client pads to length buckets), filled with `padId`.
 */
export function buildFeeds(
  io: Pick<GraphIO, 'inputs'>,
  batch: readonly EncodedInput[],
  padId: number,
  width = 1,
): Record<string, FeedTensor> {
  const rows = batch.length;
  let cols = width;
  for (const b of batch) cols = Math.max(cols, b.ids.length);
  const feeds: Record<string, FeedTensor> = {};
  // Typed arrays written directly (no intermediate number arrays, no BigInt per element): a batch can hold tens of
  // thousands of positions, and this runs on the event loop between two runs of the model.
  for (const { name, type } of io.inputs) {
    const values = new Int32Array(rows * cols);
    if (name === 'input_ids' && padId !== 0) values.fill(padId);
    batch.forEach((b, r) => fillRow(values.subarray(r * cols, r * cols + b.ids.length), name, b));
    feeds[name] = { type, data: type === 'int32' ? values : toInt64(values), dims: [rows, cols] };
  }
  return feeds;
}

/** One sequence's values of input `name` (padding positions are left as they are: pad id, mask 0, type 0, 0). */
function fillRow(row: Int32Array, name: KnownInput, b: EncodedInput): void {
  const n = row.length;
  if (name === 'input_ids') for (let c = 0; c < n; c++) row[c] = b.ids[c]!;
  else if (name === 'attention_mask') row.fill(1);
  else if (name === 'token_type_ids') for (let c = 0; c < n; c++) row[c] = b.typeIds?.[c] ?? 0;
  else for (let c = 0; c < n; c++) row[c] = c;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** Widens to int64 by writing each value's two 32-bit halves (sign-extended), not one BigInt per element. */
function toInt64(values: Int32Array): BigInt64Array {
  const out = new BigInt64Array(values.length);
  if (!LITTLE_ENDIAN) {
    for (let i = 0; i < values.length; i++) out[i] = BigInt(values[i]!);
    return out;
  }
  const halves = new Int32Array(out.buffer);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    halves[2 * i] = v;
    halves[2 * i + 1] = v >> 31;
  }
  return out;
}

/**
 * One row of raw (un-normalised) values per sequence. `[batch, labels]` outputs are read as they are; per-token
 * `[batch, sequence, labels]` outputs are pooled at each row's last real token; `[batch]` is one label.
 */
export function readRows(out: OutputTensor, batch: readonly EncodedInput[], onnxPath: string): Float32Array[] {
  if (out.type !== 'float32') throw new ModelLoadError(onnxPath, `expected a float32 output, got ${out.type}`);
  const data = out.data as Float32Array;
  const dims = out.dims;
  if (dims[0] !== batch.length)
    throw new ModelLoadError(
      onnxPath,
      `expected the output's first axis to be the batch (${batch.length}), got [${dims.join(', ')}]`,
    );
  if (dims.length === 1) return batch.map((_, r) => data.subarray(r, r + 1));
  if (dims.length === 2) {
    const w = dims[1]!;
    return batch.map((_, r) => data.subarray(r * w, (r + 1) * w));
  }
  if (dims.length === 3) {
    const [, t, w] = dims as [number, number, number];
    return batch.map((b, r) => {
      const at = (r * t + Math.max(0, b.ids.length - 1)) * w;
      return data.subarray(at, at + w);
    });
  }
  throw new ModelLoadError(onnxPath, `expected an output of rank 1, 2 or 3, got [${dims.join(', ')}]`);
}

/** Selects and normalises the exposed attributes of one raw row. */
export function project(row: ArrayLike<number>, attributes: readonly AttributeSpec[]): number[] {
  return attributes.map((a) => (row[a.index] ?? Number.NaN) * a.scale + a.offset);
}
