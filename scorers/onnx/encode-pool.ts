/**
 * @module onnx/encode-pool
 * Worker threads that render and tokenize for the scorer (`encode-worker.ts`): the event loop only posts a
 * conversation and gets token ids back, whatever its length. A prepared conversation stays in the worker that
 * prepared it, so its candidates go to that worker; other jobs go to the worker with the shortest queue.
 *
 * Cancellation: a job whose signal fires leaves its queue at once; a running one is told to stop through a shared
 * flag the worker checks between pieces, and its caller is answered at once either way.
 */
import { Worker } from 'node:worker_threads';
import { ModelLoadError } from '../../core/errors.js';
import type { ChatCompletionMessageParam } from '../../core/openai.js';
import type { ConversationEncoder, EncodedInput, PreparedConversation } from './encode.js';
import type { EncodeJob, EncodeWorkerData } from './encode-worker.js';

/** Options of {@link createEncodePool}. */
export interface EncodePoolOptions {
  readonly modelDir: string;
  readonly maxLength?: number;
  readonly workers: number;
  /** Characters of prepared conversations each worker keeps. @default 64 Mi */
  readonly keepChars?: number;
}

/** A conversation prepared in one worker. */
export interface PoolPrompt {
  readonly tokens: number;
  readonly worker: number;
  readonly handle: number;
}

/** What a worker failed with, as it crossed the thread boundary. */
export class EncodeWorkerError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

/** The pool. */
export interface EncodePool {
  prepare(messages: readonly ChatCompletionMessageParam[], signal?: AbortSignal): Promise<PoolPrompt>;
  /** Encodes `responses` after `messages` (prepared in `prompt`'s worker when given). */
  encode(
    request: { messages: readonly ChatCompletionMessageParam[]; responses: readonly string[]; prompt?: PoolPrompt },
    signal?: AbortSignal,
  ): Promise<EncodedInput[]>;
  /** Frees a prepared conversation (idempotent). */
  release(prompt: PoolPrompt): void;
  /** Jobs waiting or running, for metrics and tests. */
  readonly pending: number;
  /** The id padded positions carry (the tokenizer's, resolved where it is loaded). */
  readonly padId: number;
  close(): Promise<void>;
}

type Job = Exclude<EncodeJob, { op: 'drop' }>;
interface Pending {
  readonly job: Job;
  readonly resolve: (reply: Reply) => void;
  readonly reject: (err: unknown) => void;
}
type Reply = {
  id: number;
  tokens?: number;
  encoded?: EncodedInput[];
  missing?: true;
  error?: { name: string; message: string; file?: string };
};

interface Slot {
  readonly worker: Worker;
  readonly cancel: Int32Array;
  readonly queue: Pending[];
  running?: Pending;
  dead?: Error;
}

/** How a worker file is started: compiled JavaScript as is; under a TypeScript loader (tsx, vitest), through tsx. */
function workerEntry(): { url: URL; tsx?: string } {
  const ts = import.meta.url.endsWith('.ts');
  const url = new URL(`./encode-worker.${ts ? 'ts' : 'js'}`, import.meta.url);
  if (!ts) return { url };
  return { url, tsx: import.meta.resolve('tsx/esm/api') };
}

const BOOT = `const { workerData } = require('node:worker_threads');
(async () => {
  if (workerData.tsx) (await import(workerData.tsx)).register();
  await import(workerData.entry);
})();`;

function startWorker(data: EncodeWorkerData): Promise<{ worker: Worker; padId: number }> {
  const { url, tsx } = workerEntry();
  const worker = new Worker(BOOT, { eval: true, workerData: { ...data, entry: url.href, tsx } });
  return new Promise((resolve, reject) => {
    worker.once('error', reject);
    worker.once('message', (msg: { type: string; padId?: number; error?: Reply['error'] }) => {
      worker.off('error', reject);
      if (msg.type === 'ready') return resolve({ worker, padId: msg.padId ?? 0 });
      void worker.terminate();
      reject(fromWorker(msg.error ?? { name: 'Error', message: 'the encode worker failed to start' }));
    });
  });
}

function fromWorker(e: NonNullable<Reply['error']>): Error {
  if (e.name === 'ModelLoadError' && e.file) return new ModelLoadError(e.file, e.message.slice(e.file.length + 2));
  return new EncodeWorkerError(e.name, e.message);
}

/** Starts the workers; rejects (and stops the others) if any cannot load the model directory. */
export async function createEncodePool(opts: EncodePoolOptions): Promise<EncodePool> {
  const shared = Array.from({ length: opts.workers }, () => new SharedArrayBuffer(4));
  const started = await Promise.allSettled(
    shared.map((cancel) =>
      startWorker({
        modelDir: opts.modelDir,
        ...(opts.maxLength === undefined ? {} : { maxLength: opts.maxLength }),
        cancel,
        keepChars: opts.keepChars ?? 64 * 1024 * 1024,
      }),
    ),
  );
  const failed = started.find((s) => s.status === 'rejected');
  if (failed) {
    await Promise.all(started.map((s) => (s.status === 'fulfilled' ? s.value.worker.terminate() : undefined)));
    throw failed.reason;
  }
  const ready = started.map((s) => (s as PromiseFulfilledResult<{ worker: Worker; padId: number }>).value);
  const slots: Slot[] = ready.map(({ worker }, i) => ({
    worker,
    cancel: new Int32Array(shared[i]!),
    queue: [],
  }));
  let nextId = 1;
  let nextHandle = 1;
  let closed = false;

  const pump = (slot: Slot) => {
    if (slot.running || slot.dead) return;
    const next = slot.queue.shift();
    if (!next) {
      slot.worker.unref(); // an idle pool must not keep the process alive
      return;
    }
    slot.running = next;
    slot.worker.ref();
    slot.worker.postMessage(next.job);
  };
  slots.forEach((slot) => {
    slot.worker.on('message', (reply: Reply) => {
      const done = slot.running;
      slot.running = undefined;
      if (done && done.job.id === reply.id) done.resolve(reply);
      pump(slot);
    });
    const die = (err: Error) => {
      if (slot.dead) return;
      slot.dead = err;
      for (const p of [...(slot.running ? [slot.running] : []), ...slot.queue.splice(0)]) p.reject(err);
      slot.running = undefined;
    };
    slot.worker.on('error', die);
    slot.worker.on('exit', (code) => die(new Error(`encode worker exited with code ${code}`)));
    slot.worker.unref();
  });

  /** Queues `job` on `slot`; settles with the worker's reply, or with `signal.reason` as soon as it fires. */
  const submit = (slot: Slot, job: Job, signal?: AbortSignal): Promise<Reply> => {
    if (closed) return Promise.reject(new Error('The encode pool is closed'));
    if (slot.dead) return Promise.reject(slot.dead);
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<Reply>((resolve, reject) => {
      const onAbort = () => {
        const at = slot.queue.indexOf(pending);
        if (at >= 0) slot.queue.splice(at, 1);
        else if (slot.running === pending) {
          Atomics.store(slot.cancel, 0, job.id);
          // Should the prepare finish before it sees the flag, what it keeps is dropped right after.
          if (job.op === 'prepare') slot.worker.postMessage({ op: 'drop', handle: job.handle });
        }
        reject(signal!.reason);
      };
      const settle =
        <T>(f: (v: T) => void) =>
        (v: T) => {
          signal?.removeEventListener('abort', onAbort);
          f(v);
        };
      const pending: Pending = { job, resolve: settle(resolve), reject: settle(reject) };
      signal?.addEventListener('abort', onAbort, { once: true });
      slot.queue.push(pending);
      pump(slot);
    });
  };
  const leastBusy = (): number => {
    let best = -1;
    slots.forEach((s, i) => {
      if (s.dead) return;
      const load = s.queue.length + (s.running ? 1 : 0);
      const bestLoad = best < 0 ? Infinity : slots[best]!.queue.length + (slots[best]!.running ? 1 : 0);
      if (load < bestLoad) best = i;
    });
    if (best < 0) throw new Error('All encode workers died');
    return best;
  };
  const check = (reply: Reply): Reply => {
    if (reply.error) throw fromWorker(reply.error);
    return reply;
  };

  return {
    padId: ready[0]!.padId,
    get pending() {
      return slots.reduce((n, s) => n + s.queue.length + (s.running ? 1 : 0), 0);
    },
    async prepare(messages, signal) {
      const worker = leastBusy();
      const handle = nextHandle++;
      const reply = check(await submit(slots[worker]!, { op: 'prepare', id: nextId++, handle, messages }, signal));
      return { tokens: reply.tokens!, worker, handle };
    },
    async encode({ messages, responses, prompt }, signal) {
      if (prompt && !slots[prompt.worker]!.dead) {
        const job: Job = { op: 'encode', id: nextId++, handle: prompt.handle, responses };
        const reply = check(await submit(slots[prompt.worker]!, job, signal));
        if (!reply.missing) return reply.encoded!;
      }
      const job: Job = { op: 'encode', id: nextId++, messages, responses };
      return check(await submit(slots[leastBusy()]!, job, signal)).encoded!;
    },
    release(prompt) {
      const slot = slots[prompt.worker];
      if (slot && !slot.dead && !closed) slot.worker.postMessage({ op: 'drop', handle: prompt.handle });
    },
    async close() {
      if (closed) return;
      closed = true;
      const err = new Error('The encode pool was closed');
      for (const slot of slots) for (const p of slot.queue.splice(0)) p.reject(err);
      await Promise.all(slots.map((s) => s.worker.terminate()));
    },
  };
}

/**
 * The same interface without threads (`tokenizerWorkers: 0`): every call renders and tokenizes in the calling
 * thread, blocking its event loop for as long as that takes. For tests and single-request tools only.
 */
export function createInThreadEncodePool(encoder: ConversationEncoder, padId: number): EncodePool {
  const kept = new Map<number, PreparedConversation>();
  let nextHandle = 1;
  return {
    pending: 0,
    padId,
    async prepare(messages, signal) {
      signal?.throwIfAborted();
      const handle = nextHandle++;
      const prepared = encoder.prepare(messages);
      kept.set(handle, prepared);
      return { tokens: prepared.tokens, worker: 0, handle };
    },
    async encode({ messages, responses, prompt }, signal) {
      signal?.throwIfAborted();
      const prepared = (prompt && kept.get(prompt.handle)) ?? encoder.prepare(messages);
      return responses.map((r) => encoder.encode(prepared, r));
    },
    release(prompt) {
      kept.delete(prompt.handle);
    },
    async close() {
      kept.clear();
    },
  };
}
