/**
 * @module protocols/kserve-v2
 * The wire format of the Open Inference Protocol (KServe v2, spoken by Triton, KServe, Seldon MLServer, OpenVINO):
 * its JSON messages, checked with zod, and the binary tensor data extension (a JSON header, then raw little-endian
 * tensors, the header's length in `Inference-Header-Content-Length`). Pure functions, no I/O: prefsel's v2 client
 * (`scorers/remote/kserve.ts`) and its v2 server (`server/scorer-server/`) share them, so both speak one reading of
 * the spec.
 *
 * Specs: https://github.com/kserve/open-inference-protocol/blob/main/specification/protocol/inference_rest.md and
 * https://github.com/triton-inference-server/server/blob/main/docs/protocol/extension_binary_data.md
 */
import { z } from 'zod';
import { ProtocolError } from './protocol-error.js';
import { decodeTensorBytes, encodeTensorBytes } from './tensor-bytes.js';

export { ProtocolError };

/** The tensor element types of the protocol. */
export const DATATYPES = [
  'BOOL',
  'UINT8',
  'UINT16',
  'UINT32',
  'UINT64',
  'INT8',
  'INT16',
  'INT32',
  'INT64',
  'FP16',
  'FP32',
  'FP64',
  'BYTES',
] as const;
/** One of {@link DATATYPES}. */
export type Datatype = (typeof DATATYPES)[number];

/** Flattened (row-major) tensor contents: numbers, booleans (BOOL) or UTF-8 strings (BYTES). */
export type TensorValues = number[] | boolean[] | string[];

/** A tensor in a request (`inputs`) or a response (`outputs`). */
export interface Tensor {
  name: string;
  datatype: Datatype;
  shape: number[];
  parameters?: Record<string, unknown>;
  data: TensorValues;
}

/** `POST /v2/models/{m}/infer` body. */
export interface InferRequest {
  id?: string;
  parameters?: Record<string, unknown>;
  inputs: Tensor[];
  outputs?: Array<{ name: string; parameters?: Record<string, unknown> }>;
}

/** Its answer. */
export interface InferResponse {
  model_name: string;
  model_version?: string;
  id?: string;
  parameters?: Record<string, unknown>;
  outputs: Tensor[];
}

const params = z.record(z.string(), z.unknown());
const tensorMeta = z.object({ name: z.string().min(1), datatype: z.enum(DATATYPES), shape: z.array(z.int().min(-1)) });

/** `GET /v2/models/{m}[/versions/{v}]`. */
export const modelMetadataSchema = z.object({
  name: z.string(),
  versions: z.array(z.string()).optional(),
  platform: z.string(),
  inputs: z.array(tensorMeta),
  outputs: z.array(tensorMeta),
});
/** A model's metadata: its inputs and outputs, `-1` for a variable dimension. */
export type ModelMetadata = z.infer<typeof modelMetadataSchema>;
/** One input or output of {@link ModelMetadata}. */
export type TensorMetadata = z.infer<typeof tensorMeta>;

/** `GET /v2`. */
export const serverMetadataSchema = z.object({
  name: z.string(),
  version: z.string(),
  extensions: z.array(z.string()),
});
/** The server's name, version and extensions (`binary_tensor_data`…). */
export type ServerMetadata = z.infer<typeof serverMetadataSchema>;

/** `GET /v2/models/{m}/ready`. */
export const modelReadySchema = z.object({ name: z.string(), ready: z.boolean() });

/** The header naming the JSON part's length in a binary body (lower case, as Node's `Headers` returns it). */
export const INFERENCE_HEADER = 'inference-header-content-length';

/** What a server advertises in `GET /v2` when it reads and writes binary tensors. */
export const BINARY_EXTENSION = 'binary_tensor_data';

const wireTensor = z.object({
  name: z.string().min(1),
  datatype: z.enum(DATATYPES),
  shape: z.array(z.int().min(0)),
  parameters: params.optional(),
  data: z.unknown().optional(),
});
const requestHeader = z.object({
  id: z.string().optional(),
  parameters: params.optional(),
  inputs: z.array(wireTensor).min(1),
  outputs: z.array(z.object({ name: z.string().min(1), parameters: params.optional() })).optional(),
});
// `model_name` is required by the spec, yet its own example omits it; a client need not insist.
const responseHeader = z.object({
  model_name: z.string().default(''),
  model_version: z.string().optional(),
  id: z.string().optional(),
  parameters: params.optional(),
  outputs: z.array(wireTensor),
});

/** Number of elements of a shape. */
export function elementCount(shape: readonly number[]): number {
  return shape.reduce((n, d) => n * d, 1);
}

/** An encoded message: a JSON string, or a binary body with its header length. */
export interface EncodedMessage {
  body: string | Uint8Array;
  headers: Record<string, string>;
}

/**
 * Encodes a request or response. Tensors named in `binary` (or all, with `true`) travel as binary data with their
 * `binary_data_size`; the others as JSON `data`. Without binary tensors the body is plain JSON.
 */
export function encodeMessage(
  message: InferRequest | InferResponse,
  binary: boolean | ReadonlySet<string>,
): EncodedMessage {
  const isBinary = (t: Tensor) => (binary === true ? true : binary === false ? false : binary.has(t.name));
  const key = 'inputs' in message ? 'inputs' : 'outputs';
  const tensors = 'inputs' in message ? message.inputs : message.outputs;
  const chunks: Uint8Array[] = [];
  const wire = tensors.map((t) => {
    if (!isBinary(t)) return t;
    const bytes = encodeTensorBytes(t.datatype, t.data);
    chunks.push(bytes);
    const { data: _data, ...rest } = t;
    return { ...rest, parameters: { ...t.parameters, binary_data_size: bytes.byteLength } };
  });
  const json = JSON.stringify({ ...message, [key]: wire });
  if (chunks.length === 0) return { body: json, headers: { 'content-type': 'application/json' } };
  const head = new TextEncoder().encode(json);
  const body = new Uint8Array(head.byteLength + chunks.reduce((n, c) => n + c.byteLength, 0));
  body.set(head, 0);
  let at = head.byteLength;
  for (const c of chunks) {
    body.set(c, at);
    at += c.byteLength;
  }
  return {
    body,
    headers: { 'content-type': 'application/octet-stream', [INFERENCE_HEADER]: String(head.byteLength) },
  };
}

/** Decodes a request body (server side). @throws ProtocolError naming what is wrong. */
export function decodeInferRequest(body: Uint8Array, headerLength: string | null | undefined): InferRequest {
  const { header, binary } = splitBody(body, headerLength);
  const parsed = requestHeader.safeParse(header);
  if (!parsed.success) throw new ProtocolError(`invalid inference request: ${describe(parsed.error)}`);
  const inputs = readTensors(parsed.data.inputs, binary, 'input');
  return { ...parsed.data, inputs };
}

/** Decodes a response body (client side). @throws ProtocolError naming what is wrong. */
export function decodeInferResponse(body: Uint8Array, headerLength: string | null | undefined): InferResponse {
  const { header, binary } = splitBody(body, headerLength);
  const parsed = responseHeader.safeParse(header);
  if (!parsed.success) throw new ProtocolError(`invalid inference response: ${describe(parsed.error)}`);
  const outputs = readTensors(parsed.data.outputs, binary, 'output');
  return { ...parsed.data, outputs };
}

function describe(error: z.ZodError): string {
  const issue = error.issues[0]!;
  return `${issue.path.join('.') || '(root)'}: ${issue.message}`;
}

function splitBody(body: Uint8Array, headerLength: string | null | undefined): { header: unknown; binary: Uint8Array } {
  let jsonEnd = body.byteLength;
  if (headerLength !== undefined && headerLength !== null) {
    if (!/^\d+$/.test(headerLength.trim()) || Number(headerLength) > body.byteLength) {
      throw new ProtocolError(
        `${INFERENCE_HEADER} must be a byte count within the body (${body.byteLength} bytes), got "${headerLength}"`,
      );
    }
    jsonEnd = Number(headerLength);
  }
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder().decode(body.subarray(0, jsonEnd)));
  } catch {
    throw new ProtocolError(
      headerLength == null
        ? `the body is not JSON; binary tensors need the ${INFERENCE_HEADER} header`
        : 'the JSON header is not valid JSON',
    );
  }
  return { header, binary: body.subarray(jsonEnd) };
}

type WireTensor = z.infer<typeof wireTensor>;

function readTensors(tensors: readonly WireTensor[], binary: Uint8Array, what: string): Tensor[] {
  let at = 0;
  const out = tensors.map((t): Tensor => {
    const count = elementCount(t.shape);
    const size = t.parameters?.binary_data_size;
    let data: TensorValues;
    if (size !== undefined) {
      if (typeof size !== 'number' || !Number.isInteger(size) || size < 0 || at + size > binary.byteLength) {
        throw new ProtocolError(`${what} ${t.name}: binary_data_size ${String(size)} exceeds the binary data`);
      }
      data = decodeTensorBytes(t.datatype, binary.subarray(at, at + size), `${what} ${t.name}`);
      at += size;
    } else {
      if (t.data === undefined) throw new ProtocolError(`${what} ${t.name}: no data and no binary_data_size`);
      data = readJsonData(t.datatype, t.data, `${what} ${t.name}`);
    }
    if (data.length !== count) {
      throw new ProtocolError(
        `${what} ${t.name}: shape [${t.shape.join(', ')}] needs ${count} elements, got ${data.length}`,
      );
    }
    const { data: _data, ...rest } = t;
    return { ...rest, data };
  });
  if (at !== binary.byteLength) {
    throw new ProtocolError(`${binary.byteLength - at} bytes of binary data follow the tensors that declare any`);
  }
  return out;
}

/** JSON `data` may be flat or nested in the tensor's shape (the spec allows both); it is read row-major. */
function readJsonData(datatype: Datatype, data: unknown, where: string): TensorValues {
  // Array.prototype.flat(Infinity) is slow in V8 even on flat input, which is what clients send in practice.
  const flat = !Array.isArray(data) ? [data] : data.some(Array.isArray) ? (data as unknown[]).flat(Infinity) : data;
  const ok =
    datatype === 'BYTES'
      ? flat.every((v) => typeof v === 'string')
      : datatype === 'BOOL'
        ? flat.every((v) => typeof v === 'boolean')
        : flat.every((v) => typeof v === 'number' && Number.isFinite(v));
  if (!ok) throw new ProtocolError(`${where}: data must be ${jsonKind(datatype)} for ${datatype}`);
  return flat as TensorValues;
}

function jsonKind(datatype: Datatype): string {
  return datatype === 'BYTES' ? 'strings' : datatype === 'BOOL' ? 'booleans' : 'finite numbers';
}
