/**
 * @module remote/kserve-io
 * Reads a v2 server's model metadata against the local model directory, at start-up and on every health probe:
 * which inputs to send, which output to read and whether its width matches the labels the directory names. A
 * server that hosts some other model is refused with a message that says so, rather than scored against.
 */
import { BINARY_EXTENSION, type Datatype, type ModelMetadata } from '../protocols/kserve-v2.js';
import { KNOWN_INPUTS, type ModelText } from '../onnx/model-text.js';

/** What the client sends, decided from one endpoint's metadata. */
export interface KServeIO {
  /** Tensor inputs (token mode): name and datatype, in metadata order. */
  inputs: Array<{ name: string; datatype: Datatype }>;
  /** The BYTES input (text mode) and whether the model wants `[n, 1]` rather than `[n]`. */
  text?: { name: string; column: boolean };
  /** The output read. */
  output: string;
  /** Send and ask for binary tensors. */
  binary: boolean;
}

/** How the client talks to a v2 model. */
export type KServeInputMode = 'tokens' | 'text';
/** `auto`: binary when the server advertises the extension. */
export type BinaryMode = 'auto' | boolean;

const FLOATS = new Set<Datatype>(['FP16', 'FP32', 'FP64']);

/** Checks metadata for `mode`. @throws Error whose message says what does not fit and how to fix it. */
export function resolveKServeIO(
  meta: ModelMetadata,
  extensions: readonly string[],
  context: { mode: KServeInputMode; binary: BinaryMode; text: ModelText; output?: string },
): KServeIO {
  const { mode, text } = context;
  const model = `model ${meta.name}`;
  const advertised = extensions.includes(BINARY_EXTENSION);
  if (context.binary === true && !advertised) {
    throw new Error(`the server does not advertise ${BINARY_EXTENSION} in GET /v2; set binary to auto or false`);
  }
  const binary = context.binary === 'auto' ? advertised : context.binary;

  const io: KServeIO = { inputs: [], output: '', binary };
  if (mode === 'tokens') {
    for (const input of meta.inputs) {
      if (!(KNOWN_INPUTS as readonly string[]).includes(input.name) || !['INT64', 'INT32'].includes(input.datatype)) {
        throw new Error(
          `${model} input ${input.name} (${input.datatype}) cannot be filled from token ids; expected INT64 ` +
            `${KNOWN_INPUTS.join('/')} (or use input: text for a server that tokenizes)`,
        );
      }
      io.inputs.push({ name: input.name, datatype: input.datatype });
    }
    if (!io.inputs.some((i) => i.name === 'input_ids')) throw new Error(`${model} has no input_ids input`);
  } else {
    const [only, ...rest] = meta.inputs;
    if (!only || rest.length > 0 || only.datatype !== 'BYTES') {
      throw new Error(
        `${model} must take exactly one BYTES input for input: text, it takes ` +
          meta.inputs.map((i) => `${i.name} (${i.datatype})`).join(', '),
      );
    }
    if (text.format === undefined) {
      throw new Error(`the model directory ${text.dir} pairs two texts (an encoder); use input: tokens`);
    }
    io.text = { name: only.name, column: only.shape.length >= 2 };
  }

  const wanted = context.output ?? text.spec.output;
  const out =
    wanted !== undefined
      ? meta.outputs.find((o) => o.name === wanted)
      : (meta.outputs.find((o) => o.name === 'logits') ?? (meta.outputs.length === 1 ? meta.outputs[0] : undefined));
  if (!out) {
    throw new Error(
      `${model} has no output ${wanted ?? 'logits'} (outputs: ${meta.outputs.map((o) => o.name).join(', ') || 'none'})`,
    );
  }
  if (!FLOATS.has(out.datatype))
    throw new Error(`${model} output ${out.name} is ${out.datatype}; expected FP32/FP16/FP64`);
  const labels = text.spec.labels.length;
  const width = out.shape.length >= 2 ? out.shape.at(-1)! : 1;
  if (width !== -1 && width !== labels) {
    throw new Error(
      `${model} output ${out.name} has ${width} columns but ${text.dir}/config.json names ${labels} labels ` +
        `(${text.spec.labels.join(', ')}): is the server hosting the same model?`,
    );
  }
  io.output = out.name;
  return io;
}

/** The smallest bucket that holds `length` (the length itself beyond the largest bucket). */
export function bucketFor(length: number, buckets: readonly number[]): number {
  for (const b of buckets) if (b >= length) return b;
  return length;
}

/** Default length buckets: powers of two from 64 up to the model's `maxLength`, which is always the last. */
export function defaultBuckets(maxLength: number): number[] {
  const out: number[] = [];
  for (let b = 64; b < maxLength; b *= 2) out.push(b);
  out.push(maxLength);
  return out;
}
