/**
 * @module onnx/feeds
 * The tensors a batch needs, discovered from the graph's own input names, and the scores read back from its
 * output. Sequences are padded on the right (the pad id in every padded position, attention mask 0), which
 * decoder reward models such as ArmoRM require: they read the last non-pad token.
 */
import { ModelLoadError } from '../../core/errors.js';
import type { EncodedInput } from './encode.js';
import type { FeedTensor, GraphMetadata, OutputTensor } from './executor.js';
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

/** Checks the session's inputs and outputs against what the scorer can feed and read. */
export function resolveGraphIO(
  session: GraphMetadata,
  onnxPath: string,
  wanted: string | undefined,
  attributes: readonly AttributeSpec[],
): GraphIO {
  const inputs = session.inputMetadata.map((m) => {
    if (!(KNOWN_INPUTS as readonly string[]).includes(m.name)) {
      throw new ModelLoadError(
        onnxPath,
        `graph input \`${m.name}\` is not supported; expected only ${KNOWN_INPUTS.join(', ')} ` +
          '(export reward models as sequence classifiers, e.g. `optimum-cli export onnx --task text-classification`, without past key values)',
      );
    }
    const type = m.isTensor && m.type === 'int32' ? 'int32' : 'int64';
    return { name: m.name as KnownInput, type } as const;
  });
  if (!inputs.some((i) => i.name === 'input_ids')) {
    throw new ModelLoadError(
      onnxPath,
      `expected a graph input named \`input_ids\`, found ${session.inputNames.join(', ') || 'none'}`,
    );
  }
  const output = wanted ?? (session.outputNames.includes('logits') ? 'logits' : session.outputNames[0]);
  if (output === undefined || !session.outputNames.includes(output)) {
    throw new ModelLoadError(
      onnxPath,
      `expected a graph output named \`${output ?? 'logits'}\`, found ${session.outputNames.join(', ') || 'none'}`,
    );
  }
  const meta = session.outputMetadata.find((m) => m.name === output);
  const last = meta?.isTensor ? meta.shape.at(-1) : undefined;
  const width = typeof last === 'number' && (meta?.isTensor ? meta.shape.length : 0) >= 2 ? last : undefined;
  const need = Math.max(...attributes.map((a) => a.index)) + 1;
  if (width !== undefined && width < need) {
    throw new ModelLoadError(
      onnxPath,
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
  const cols = Math.max(width, ...batch.map((b) => b.ids.length));
  const size = rows * cols;
  const ids = new Array<number>(size).fill(padId);
  const mask = new Array<number>(size).fill(0);
  const types = new Array<number>(size).fill(0);
  const positions = new Array<number>(size).fill(0);
  batch.forEach((b, r) => {
    const base = r * cols;
    for (let c = 0; c < b.ids.length; c++) {
      ids[base + c] = b.ids[c]!;
      mask[base + c] = 1;
      types[base + c] = b.typeIds?.[c] ?? 0;
      positions[base + c] = c;
    }
  });
  const values: Record<KnownInput, number[]> = {
    input_ids: ids,
    attention_mask: mask,
    token_type_ids: types,
    position_ids: positions,
  };
  const feeds: Record<string, FeedTensor> = {};
  for (const { name, type } of io.inputs) {
    const data = type === 'int32' ? Int32Array.from(values[name]) : BigInt64Array.from(values[name], (v) => BigInt(v));
    feeds[name] = { type, data, dims: [rows, cols] };
  }
  return feeds;
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
