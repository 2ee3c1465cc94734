/**
 * @module onnx/encode-pool
 * Worker threads that render and tokenize for the scorer (`encode-worker.ts`): the event loop only posts a
 * conversation and gets token ids back, whatever its length. A prepared conversation stays in the worker that
 * prepared it, so its candidates go to that worker; other jobs go to the worker with the shortest queue.
 *
 * Cancellation: a job whose signal fires leaves its queue at once; a running one is told to stop through a shared
 * flag the worker checks between pieces, and its caller is answered at once either way.
 */
import type { Worker } from 'node:worker_threads';
import { ModelLoadError } from '../../core/errors.js';
import { startWorker, workerFile } from '../../core/worker-thread.js';
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
  /**
   * How long a cancelled job may run on before its worker is replaced: checks between pieces stop most jobs at
   * once, but one enormous piece (a megabyte without an added token) is a single tokenizer call. @default 1000
   */
  readonly cancelGraceMs?: number;
}

/** A conversation prepared in one worker. */
export interface PoolPrompt {
  readonly tokens: number;
  readonly worker: number;
  /** Which start of that worker holds it (a replaced worker holds nothing). */
  readonly generation: number;
  readonly handle: number;
}

/** What a worker failed with, as it crossed the thread boundary. */
export class EncodeWorkerError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

/** Counters, for metrics and tests. */
export interface EncodePoolStats {
  /** Jobs waiting or running. */
  readonly pending: number;
  /** Jobs cancelled while running (their callers were answered at once). */
  readonly cancelled: number;
  /** Workers replaced because a cancelled job did not stop within the grace period. */
  readonly restarts: number;
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
  readonly stats: EncodePoolStats;
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
  readonly index: number;
  readonly cancel: Int32Array;
  readonly queue: Pending[];
  /** Undefined while a replacement starts. */
  worker?: Worker;
  generation: number;
  running?: Pending;
  /** Replaces the worker if the cancelled running job does not stop in time. */
  stopTimer?: ReturnType<typeof setTimeout>;
  dead?: Error;
}

function startEncodeWorker(data: EncodeWorkerData): Promise<{ worker: Worker; padId: number }> {
  const worker = startWorker(workerFile('encode-worker', import.meta.url), { ...data });
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
  const dataFor = (i: number): EncodeWorkerData => ({
    modelDir: opts.modelDir,
    ...(opts.maxLength === undefined ? {} : { maxLength: opts.maxLength }),
    cancel: shared[i]!,
    keepChars: opts.keepChars ?? 64 * 1024 * 1024,
  });
  const started = await Promise.allSettled(shared.map((_, i) => startEncodeWorker(dataFor(i))));
  const failed = started.find((s) => s.status === 'rejected');
  if (failed) {
    await Promise.all(started.map((s) => (s.status === 'fulfilled' ? s.value.worker.terminate() : undefined)));
    throw failed.reason;
  }
  const ready = started.map((s) => (s as PromiseFulfilledResult<{ worker: Worker; padId: number }>).value);
  const slots: Slot[] = ready.map((_, index) => ({
    index,
    cancel: new Int32Array(shared[index]!),
    queue: [],
    generation: 0,
  }));
  const grace = opts.cancelGraceMs ?? 1000;
  let nextId = 1;
  let nextHandle = 1;
  let closed = false;
  let cancelled = 0;
  let restarts = 0;

  const pump = (slot: Slot) => {
    const worker = slot.worker;
    if (slot.running || slot.dead || !worker) return;
    const next = slot.queue.shift();
    if (!next) {
      worker.unref(); // an idle pool must not keep the process alive
      return;
    }
    slot.running = next;
    worker.ref();
    worker.postMessage(next.job);
  };
  const fail = (slot: Slot, err: Error) => {
    if (slot.dead) return;
    slot.dead = err;
    clearTimeout(slot.stopTimer);
    for (const p of [...(slot.running ? [slot.running] : []), ...slot.queue.splice(0)]) p.reject(err);
    slot.running = undefined;
  };
  const attach = (slot: Slot, worker: Worker) => {
    slot.worker = worker;
    slot.generation++;
    worker.on('message', (reply: Reply) => {
      if (slot.worker !== worker) return;
      const done = slot.running;
      slot.running = undefined;
      clearTimeout(slot.stopTimer);
      if (done && done.job.id === reply.id) done.resolve(reply);
      pump(slot);
    });
    const die = (err: Error) => {
      if (slot.worker === worker && !closed) fail(slot, err);
    };
    worker.on('error', die);
    worker.on('exit', (code) => die(new Error(`encode worker exited with code ${code}`)));
    worker.unref();
    pump(slot);
  };
  /** The cancelled job is still running after the grace period: replace the worker (what it kept is lost). */
  const replace = (slot: Slot) => {
    const old = slot.worker;
    if (!old || closed) return;
    restarts++;
    slot.worker = undefined;
    slot.running = undefined;
    void old.terminate();
    startEncodeWorker(dataFor(slot.index)).then(
      ({ worker }) => (closed ? void worker.terminate() : attach(slot, worker)),
      (err: Error) => fail(slot, err),
    );
  };
  ready.forEach(({ worker }, i) => attach(slots[i]!, worker));

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
          cancelled++;
          Atomics.store(slot.cancel, 0, job.id);
          // Should the prepare finish before it sees the flag, what it keeps is dropped right after.
          if (job.op === 'prepare') slot.worker?.postMessage({ op: 'drop', handle: job.handle });
          slot.stopTimer = setTimeout(() => slot.running === pending && replace(slot), grace);
          slot.stopTimer.unref();
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
  const load = (s: Slot) => s.queue.length + (s.running ? 1 : 0) + (s.worker ? 0 : 1);
  const leastBusy = (): Slot => {
    const alive = slots.filter((s) => !s.dead);
    if (alive.length === 0) throw new Error('All encode workers died');
    return alive.reduce((a, b) => (load(b) < load(a) ? b : a));
  };
  const check = (reply: Reply): Reply => {
    if (reply.error) throw fromWorker(reply.error);
    return reply;
  };

  return {
    padId: ready[0]!.padId,
    get stats() {
      return { pending: slots.reduce((n, s) => n + s.queue.length + (s.running ? 1 : 0), 0), cancelled, restarts };
    },
    async prepare(messages, signal) {
      const slot = leastBusy();
      const handle = nextHandle++;
      const reply = check(await submit(slot, { op: 'prepare', id: nextId++, handle, messages }, signal));
      // Replies come only from the slot's current worker, so this is the generation that holds the handle.
      return { tokens: reply.tokens!, worker: slot.index, generation: slot.generation, handle };
    },
    async encode({ messages, responses, prompt }, signal) {
      const owner = prompt && slots[prompt.worker];
      if (owner && !owner.dead && owner.generation === prompt.generation) {
        const job: Job = { op: 'encode', id: nextId++, handle: prompt.handle, responses };
        const reply = check(await submit(owner, job, signal));
        if (!reply.missing) return reply.encoded!;
      }
      const job: Job = { op: 'encode', id: nextId++, messages, responses };
      return check(await submit(leastBusy(), job, signal)).encoded!;
    },
    release(prompt) {
      const slot = slots[prompt.worker];
      if (slot && !slot.dead && !closed && slot.generation === prompt.generation)
        slot.worker?.postMessage({ op: 'drop', handle: prompt.handle });
    },
    async close() {
      if (closed) return;
      closed = true;
      const err = new Error('The encode pool was closed');
      for (const slot of slots) {
        clearTimeout(slot.stopTimer);
        for (const p of slot.queue.splice(0)) p.reject(err);
      }
      await Promise.all(slots.map((s) => s.worker?.terminate()));
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
    stats: { pending: 0, cancelled: 0, restarts: 0 },
    padId,
    async prepare(messages, signal) {
      signal?.throwIfAborted();
      const handle = nextHandle++;
      const prepared = encoder.prepare(messages);
      kept.set(handle, prepared);
      return { tokens: prepared.tokens, worker: 0, generation: 0, handle };
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
