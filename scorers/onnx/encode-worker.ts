/**
 * @module onnx/encode-worker
 * A worker thread that renders and tokenizes for the scorer (see `encode-pool.ts`), so that a long conversation
 * costs the server's event loop nothing but the message that carries it. It loads the model directory's tokenizer
 * and format itself and keeps prepared conversations until told to drop them (or until its memory bound evicts
 * the oldest; a later request for an evicted one is answered `missing` and sent again with its messages).
 *
 * Protocol (one job at a time; `cancel` is an Int32Array over a SharedArrayBuffer the pool writes a job id to):
 * ← { op: 'prepare', id, handle, messages }            → { id, tokens }
 * ← { op: 'encode', id, handle?, messages?, responses } → { id, encoded } | { id, missing: true }
 * ← { op: 'drop', handle }
 * any job                                               → { id, error: { name, message } }
 */
import { parentPort, workerData } from 'node:worker_threads';
import { lowerWorkerPriority } from '../../core/worker-thread.js';
import type { ChatCompletionMessageParam } from '../../core/openai.js';
import { createConversationEncoder, type PreparedConversation } from './encode.js';
import { readModelFiles } from './model-dir.js';
import { resolveModelSpec } from './spec.js';
import { loadTokenizer } from './tokenizer.js';

/** What the pool passes to each worker. */
export interface EncodeWorkerData {
  readonly modelDir: string;
  readonly maxLength?: number;
  /** Int32Array(1) view: the id of the running job to give up. */
  readonly cancel: SharedArrayBuffer;
  /** Characters of prepared conversations kept before the oldest are dropped. */
  readonly keepChars: number;
}

/** A job from the pool. */
export type EncodeJob =
  | { op: 'prepare'; id: number; handle: number; messages: readonly ChatCompletionMessageParam[] }
  | {
      op: 'encode';
      id: number;
      handle?: number;
      messages?: readonly ChatCompletionMessageParam[];
      responses: readonly string[];
    }
  | { op: 'drop'; handle: number };

class Cancelled extends Error {}

const port = parentPort;
if (port === null) throw new Error('encode-worker must run as a worker thread');
const data = workerData as EncodeWorkerData;
const cancel = new Int32Array(data.cancel);
lowerWorkerPriority();

try {
  const files = await readModelFiles(data.modelDir);
  const spec = resolveModelSpec(files, data.maxLength);
  const tokenizer = loadTokenizer(files);
  const encoder = createConversationEncoder({
    tokenizer,
    input: spec.input,
    maxLength: spec.maxLength,
  });
  // Insertion order is age order: the first entries are evicted first.
  const kept = new Map<number, PreparedConversation>();
  let keptChars = 0;
  const drop = (handle: number) => {
    const p = kept.get(handle);
    if (p === undefined) return;
    kept.delete(handle);
    keptChars -= p.chars;
  };

  const run = (job: Exclude<EncodeJob, { op: 'drop' }>) => {
    const checkpoint = () => {
      if (Atomics.load(cancel, 0) === job.id) throw new Cancelled();
    };
    if (job.op === 'prepare') {
      const prepared = encoder.prepare(job.messages, checkpoint);
      kept.set(job.handle, prepared);
      keptChars += prepared.chars;
      for (const [handle] of kept) {
        if (keptChars <= data.keepChars || handle === job.handle) break;
        drop(handle);
      }
      return { id: job.id, tokens: prepared.tokens };
    }
    const prepared = job.handle !== undefined ? kept.get(job.handle) : encoder.prepare(job.messages ?? [], checkpoint);
    if (prepared === undefined) return { id: job.id, missing: true };
    const encoded = job.responses.map((r) => encoder.encode(prepared, r, checkpoint));
    return { id: job.id, encoded };
  };

  port.on('message', (job: EncodeJob) => {
    if (job.op === 'drop') return drop(job.handle);
    try {
      port.postMessage(run(job));
    } catch (err) {
      const error = err instanceof Cancelled ? { name: 'AbortError', message: 'cancelled' } : describe(err);
      port.postMessage({ id: job.id, error });
    }
  });
  port.postMessage({ type: 'ready', padId: tokenizer.padId });
} catch (err) {
  port.postMessage({ type: 'failed', error: describe(err) });
}

function describe(err: unknown): { name: string; message: string; file?: string } {
  if (!(err instanceof Error)) return { name: 'Error', message: String(err) };
  const file = (err as { file?: unknown }).file;
  return { name: err.name, message: err.message, ...(typeof file === 'string' ? { file } : {}) };
}
