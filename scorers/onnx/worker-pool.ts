/**
 * @module onnx/worker-pool
 * An {@link Executor} over N worker threads, each owning one ONNX Runtime session. Two reasons: onnxruntime-node
 * runs a session synchronously on the calling thread, which would stall the server's event loop for the length of
 * every batch; and on CPU, N single-threaded sessions working on N batches beat one session splitting each op over
 * N threads (BERT 6x384, single sequences, 2 cores: 58 vs 30 candidates/s), because small ops parallelise badly.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { InferenceSession } from 'onnxruntime-node';
import { workerNiceIncrement } from '../../core/worker-thread.js';
import type { Executor, FeedTensor, GraphMetadata, OutputTensor } from './executor.js';

/** Options of {@link createWorkerPool}. */
export interface WorkerPoolOptions {
  readonly onnxPath: string;
  readonly workers: number;
  readonly sessionOptions: InferenceSession.SessionOptions;
  readonly executionProvider: 'cpu' | 'cuda';
}

interface Job {
  readonly feeds: Record<string, FeedTensor>;
  readonly output: string;
  resolve(out: OutputTensor): void;
  reject(err: Error): void;
}

interface Slot {
  readonly worker: Worker;
  job?: Job;
  /** Set when the worker died; its slot takes no more jobs. */
  dead?: Error;
}

const WORKER_URL = new URL('./session-worker.mjs', import.meta.url);

/**
 * The worker's file is not beside this module: an incomplete build or package (`tsc` emits no `.mjs`; the build's
 * `scripts/copy-assets.mjs` copies it). Its own class so callers do not blame the model for it.
 */
export class SessionWorkerMissingError extends Error {
  constructor(readonly file: string) {
    super(`The ONNX session worker ${file} is missing: this copy of prefsel is incomplete (rebuild or reinstall it)`);
    this.name = 'SessionWorkerMissingError';
  }
}

let liveWorkers = 0;

/** Session worker threads started by this module that have not exited yet (a failed load must leave none). */
export function liveSessionWorkers(): number {
  return liveWorkers;
}

function startWorker(opts: WorkerPoolOptions, ortUrl: string): Promise<{ worker: Worker; metadata: GraphMetadata }> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER_URL, {
      workerData: { ortUrl, onnxPath: opts.onnxPath, options: opts.sessionOptions, nice: workerNiceIncrement() },
      // Inherited flags, less --input-type (`node --input-type=module -e …`), which Node refuses for a file worker.
      execArgv: process.execArgv.filter((a) => !a.startsWith('--input-type')),
    });
    liveWorkers++;
    worker.once('exit', () => liveWorkers--);
    worker.once('error', reject);
    worker.once('message', (msg: { type: string; metadata?: GraphMetadata; message?: string }) => {
      worker.off('error', reject);
      if (msg.type === 'ready' && msg.metadata) resolve({ worker, metadata: msg.metadata });
      else {
        // Reject once the thread is gone, so a failed load returns with nothing left running.
        const failure = new Error(msg.message ?? 'the session worker failed to start');
        void worker.terminate().finally(() => reject(failure));
      }
    });
  });
}

/** Starts `workers` threads, each loading the graph; rejects if any fails to load it. */
export async function createWorkerPool(opts: WorkerPoolOptions): Promise<Executor> {
  if (!existsSync(WORKER_URL)) throw new SessionWorkerMissingError(fileURLToPath(WORKER_URL));
  const ortUrl = pathToFileURL(createRequire(import.meta.url).resolve('onnxruntime-node')).href;
  const started = await Promise.allSettled(Array.from({ length: opts.workers }, () => startWorker(opts, ortUrl)));
  const failed = started.find((s) => s.status === 'rejected');
  if (failed) {
    await Promise.all(started.flatMap((s) => (s.status === 'fulfilled' ? [s.value.worker.terminate()] : [])));
    throw failed.reason;
  }
  const ok = started.map((s) => (s as PromiseFulfilledResult<{ worker: Worker; metadata: GraphMetadata }>).value);
  const slots: Slot[] = ok.map(({ worker }) => ({ worker }));
  const waiting: Job[] = [];
  let nextId = 0;
  let released = false;

  const pump = (slot: Slot) => {
    const job = waiting.shift();
    if (!job) {
      slot.worker.unref(); // an idle pool must not keep the process alive
      return;
    }
    slot.job = job;
    slot.worker.ref(); // but a pending run must
    const transfer = Object.values(job.feeds).map((t) => t.data.buffer as ArrayBuffer);
    slot.worker.postMessage({ id: nextId++, feeds: job.feeds, output: job.output }, transfer);
  };

  for (const slot of slots) {
    slot.worker.on('message', (msg: { output?: OutputTensor; error?: string }) => {
      const job = slot.job;
      slot.job = undefined;
      if (msg.error !== undefined) job?.reject(new Error(msg.error));
      else if (msg.output) job?.resolve(msg.output);
      pump(slot);
    });
    const die = (err: Error) => {
      if (released || slot.dead) return;
      slot.dead = err;
      slot.job?.reject(err);
      slot.job = undefined;
      // With every worker gone nothing would ever run what is waiting: fail it instead of hanging.
      if (slots.every((s) => s.dead))
        for (const job of waiting.splice(0)) job.reject(new Error(`All session workers died: ${err.message}`));
    };
    slot.worker.on('error', die);
    slot.worker.on('exit', (code) => die(new Error(`session worker exited with code ${code}`)));
    slot.worker.unref();
  }

  return {
    executionProvider: opts.executionProvider,
    metadata: ok[0]!.metadata,
    parallelism: slots.length,
    run(feeds, output) {
      if (released) return Promise.reject(new Error('The session pool was released'));
      const alive = slots.find((s) => !s.dead);
      if (!alive) return Promise.reject(new Error('All session workers died'));
      return new Promise<OutputTensor>((resolve, reject) => {
        waiting.push({ feeds, output, resolve, reject });
        const idle = slots.find((s) => s.job === undefined && !s.dead);
        if (idle) pump(idle);
      });
    },
    async release() {
      released = true;
      for (const job of waiting.splice(0)) job.reject(new Error('The session pool was released'));
      await Promise.all(slots.map((s) => s.worker.terminate()));
    },
  };
}
