/**
 * @module remote/kserve
 * {@link createKServeScorer}: a {@link RemoteScorer} over the Open Inference Protocol (KServe v2) REST API, as Triton,
 * KServe, Seldon MLServer, OpenVINO and `prefsel serve-scorer` speak it.
 *
 * - `input: 'tokens'` (default): prefsel tokenizes exactly as the embedded scorer does (chat template, truncation
 *   rule) and sends `input_ids` / `attention_mask` (and `token_type_ids`, `position_ids` if the model takes them) as
 *   INT64 `[n, L]`, right-padded to a length bucket so a server's dynamic batcher can merge requests of equal shape.
 * - `input: 'text'`: one BYTES input of formatted texts, for servers that tokenize (a Triton ensemble with a tokenizer
 *   step, KServe's Hugging Face runtime); the server truncates.
 * - Binary tensors (`Inference-Header-Content-Length`) when the server advertises `binary_tensor_data`, JSON otherwise.
 * - The output is read as raw label columns (`[n, labels]`, or `[n, L, labels]` pooled at the last real token) and
 *   projected onto the attributes the model directory names (`id2label`, `prefsel.json`), as the embedded scorer does.
 * - Start-up and every health probe read `GET /v2/health/ready`, `GET /v2/models/{m}/ready` and the model metadata,
 *   and refuse a server whose inputs, output or label count do not fit the model directory.
 */
import type { CallOptions, ScoreInput } from '../../core/ports.js';
import { loadModelText, type EncodedInput, type ModelText } from '../onnx/model-text.js';
import {
  decodeInferResponse,
  encodeMessage,
  INFERENCE_HEADER,
  modelMetadataSchema,
  modelReadySchema,
  ProtocolError,
  serverMetadataSchema,
  type InferRequest,
  type Tensor,
} from '../protocols/kserve-v2.js';
import { createEndpointPool } from './endpoint-pool.js';
import { exchange, jsonOf } from './http.js';
import {
  bucketFor,
  defaultBuckets,
  resolveKServeIO,
  type BinaryMode,
  type KServeInputMode,
  type KServeIO,
} from './kserve-io.js';
import { joinUrl, poolSettings, type RemoteScorer, type RemoteScorerOptions } from './types.js';

/** Options of {@link createKServeScorer}. */
export interface KServeScorerOptions extends RemoteScorerOptions {
  /** The model's name on the server. */
  readonly model: string;
  /** A model version; unset lets the server choose. */
  readonly version?: string;
  /** The model directory (config.json, tokenizer files, optional prefsel.json); the graph itself may be absent. */
  readonly modelDir: string;
  /** @default 'tokens' */
  readonly input?: KServeInputMode;
  /** @default 'auto' */
  readonly binary?: BinaryMode;
  /** The output to read; default the directory's `prefsel.json` output, else `logits`, else the only output. */
  readonly output?: string;
  /** Token-length buckets `[n, L]` requests are padded to. @default powers of two from 64 to maxLength */
  readonly buckets?: readonly number[];
  /** Most rows per inference request (a Triton model's max_batch_size). @default 32 */
  readonly maxBatchSize?: number;
  /** Token budget per sequence; overrides the directory. */
  readonly maxLength?: number;
}

/**
 * Reads the model directory, checks every endpoint and returns the scorer.
 * @throws ModelLoadError for a bad directory; RemoteScorerError (503) when no endpoint is ready, with each reason.
 * @example
 * const scorer = await createKServeScorer({
 *   name: 'armo', endpoints: ['http://triton-0:8000', 'http://triton-1:8000'], model: 'armorm', modelDir: './armorm',
 * });
 */
export async function createKServeScorer(options: KServeScorerOptions): Promise<RemoteScorer> {
  const text = await loadModelText(options.modelDir, { maxLength: options.maxLength });
  const mode = options.input ?? 'tokens';
  const buckets = [...(options.buckets ?? defaultBuckets(text.spec.maxLength))].sort((a, b) => a - b);
  const maxBatch = options.maxBatchSize ?? 32;
  const headers = { ...options.headers };
  const modelPath = `v2/models/${encodeURIComponent(options.model)}${
    options.version ? `/versions/${encodeURIComponent(options.version)}` : ''
  }`;
  const ioByUrl = new Map<string, KServeIO>();

  const probe = async (url: string, signal: AbortSignal) => {
    await exchange(joinUrl(url, 'v2/health/ready'), { headers, signal });
    const ready = modelReadySchema.safeParse(
      jsonOf(await exchange(joinUrl(url, `${modelPath}/ready`), { headers, signal })),
    );
    if (ready.success && !ready.data.ready) throw new Error(`model ${options.model} is not ready`);
    const server = serverMetadataSchema.safeParse(jsonOf(await exchange(joinUrl(url, 'v2'), { headers, signal })));
    const meta = modelMetadataSchema.safeParse(jsonOf(await exchange(joinUrl(url, modelPath), { headers, signal })));
    if (!meta.success)
      throw new Error(`model metadata does not follow the v2 protocol: ${meta.error.issues[0]?.message}`);
    ioByUrl.set(
      url,
      resolveKServeIO(meta.data, server.success ? server.data.extensions : [], {
        mode,
        binary: options.binary ?? 'auto',
        text,
        ...(options.output ? { output: options.output } : {}),
      }),
    );
  };

  const pool = await createEndpointPool({
    scorer: options.name,
    urls: options.endpoints,
    probe,
    ...poolSettings(options),
  });

  const inferOnce = async (inputs: readonly ScoreInput[], url: string, signal: AbortSignal): Promise<number[][]> => {
    const io = ioByUrl.get(url);
    if (!io) throw new Error('endpoint metadata not read yet');
    let request: InferRequest;
    let lengths: number[] | undefined;
    if (io.text) {
      const texts = inputs.map((i) => text.format!(i));
      const shape = io.text.column ? [texts.length, 1] : [texts.length];
      request = { inputs: [{ name: io.text.name, datatype: 'BYTES', shape, data: texts }] };
    } else {
      const encoded = inputs.map((i) => text.encode(i));
      lengths = encoded.map((e) => e.ids.length);
      request = { inputs: tokenTensors(text, io, encoded, bucketFor(Math.max(...lengths), buckets)) };
    }
    request.outputs = [{ name: io.output, ...(io.binary ? { parameters: { binary_data: true } } : {}) }];
    const { body, headers: bodyHeaders } = encodeMessage(request, io.binary);
    const answer = await exchange(joinUrl(url, `${modelPath}/infer`), {
      method: 'POST',
      headers: { ...headers, ...bodyHeaders },
      body,
      signal,
    });
    const response = decodeInferResponse(answer.body, answer.headers.get(INFERENCE_HEADER));
    const out = response.outputs.find((o) => o.name === io.output);
    if (!out) throw new ProtocolError(`the answer has no output ${io.output}`);
    return rowsOf(out, inputs.length, lengths).map((row) => text.project(row));
  };

  return {
    name: options.name,
    transport: 'kserve-v2',
    attributes: text.attributes,
    aliases: text.aliases,
    info: { model: `${options.name} (kserve-v2 ${options.model})`, executionProvider: 'remote' },
    async score(inputs: readonly ScoreInput[], callOptions: CallOptions = {}): Promise<number[][]> {
      callOptions.signal?.throwIfAborted();
      const chunks: ScoreInput[][] = [];
      for (let i = 0; i < inputs.length; i += maxBatch) chunks.push(inputs.slice(i, i + maxBatch));
      const rows = await Promise.all(
        chunks.map((chunk) => pool.call((url, signal) => inferOnce(chunk, url, signal), callOptions.signal)),
      );
      return rows.flat();
    },
    endpoints: () => pool.states(),
    ready: () => pool.ready(),
    async close() {
      pool.close();
    },
  };
}

function tokenTensors(text: ModelText, io: KServeIO, encoded: readonly EncodedInput[], width: number): Tensor[] {
  const values = text.tensors(
    encoded,
    io.inputs.map((i) => i.name),
    width,
  );
  return io.inputs.map((i) => ({
    name: i.name,
    datatype: i.datatype,
    shape: [encoded.length, width],
    data: values[i.name]!,
  }));
}

/** Raw rows from an output: `[n]`, `[n, labels]`, or per-token `[n, L, labels]` read at each row's last real token. */
function rowsOf(out: Tensor, n: number, lengths: readonly number[] | undefined): number[][] {
  const data = out.data as number[];
  const shape = out.shape;
  if (shape[0] !== n) throw new ProtocolError(`output ${out.name} has shape [${shape.join(', ')}] for ${n} inputs`);
  if (shape.length === 1) return data.map((v) => [v]);
  if (shape.length === 2) {
    const w = shape[1]!;
    return Array.from({ length: n }, (_, r) => data.slice(r * w, (r + 1) * w));
  }
  if (shape.length === 3 && lengths) {
    const [, t, w] = shape as [number, number, number];
    return lengths.map((len, r) => {
      const at = (r * t + Math.max(0, len - 1)) * w;
      return data.slice(at, at + w);
    });
  }
  throw new ProtocolError(`output ${out.name} has shape [${shape.join(', ')}], which prefsel cannot read as scores`);
}
