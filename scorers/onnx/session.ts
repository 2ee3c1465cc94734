/**
 * @module onnx/session
 * Opens the model on a device. `onnxruntime-node` is imported lazily (here, or in the worker threads), so importing
 * prefsel never loads a native addon; the device is chosen once, with exactly one log line saying which provider
 * is active and how the sessions are laid out.
 *
 * Layout, on purpose: on CPU, one worker thread per core, each with a single-threaded session, and the batcher
 * keeps all of them busy with different batches (worker-pool.ts says why); on CUDA one worker. A worker keeps the
 * event loop free while a batch runs. `workers: 0` runs one session in the calling thread.
 *
 * Session options, on purpose:
 * - `graphOptimizationLevel: 'all'`: constant folding plus the fusions (MatMul+Add → Gemm, LayerNorm, GELU,
 *   attention) that make transformer graphs fast; paid once at load.
 * - `interOpNumThreads: 1`, sequential mode: transformer graphs are a chain of ops, so running ops in parallel
 *   only adds scheduling overhead.
 * - `enableCpuMemArena: true`: buffers are reused across batches instead of being malloc'd per run.
 * - `enableMemPattern: false`: memory patterns are planned per input shape, and dynamic batches change shape on
 *   almost every run, so the planning would be redone (and cached) for nothing.
 * - `session.intra_op.allow_spinning = 0`: when a session has several threads, idle ones would spin between ops
 *   and runs, taking cycles from the other workers, the HTTP server and tokenisation (on a busy 2-core machine
 *   spinning slowed BERT 6x384 from 1.65k to 1.19k tokens/s).
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import type { InferenceSession } from 'onnxruntime-node';
import type { Executor, GraphMetadata } from './executor.js';
import { createWorkerPool } from './worker-pool.js';

/** Which hardware to run on. `auto` tries CUDA and falls back to CPU. */
export const DEVICES = ['auto', 'cpu', 'cuda'] as const;
/** One of {@link DEVICES}. */
export type Device = (typeof DEVICES)[number];
/** The device `createOnnxScorer` uses when none is given. */
export const DEFAULT_DEVICE: Device = 'auto';

/** The provider a session actually runs on. */
export type ExecutionProvider = 'cpu' | 'cuda';

/** The logging the scorer does: a pino logger fits, as does `console`. */
export interface ScorerLogger {
  info(msg: string): void;
  warn(msg: string): void;
}

/** The loaded `onnxruntime-node` module. */
export type Ort = typeof import('onnxruntime-node');

/** Options of {@link createExecutor}. */
export interface CreateExecutorOptions {
  readonly device: Device;
  /** Worker threads, each with its own session; 0 runs the session in the calling thread. @default CPU: one per core; CUDA: 1 */
  readonly workers?: number;
  /** Threads per session. @default CPU with workers: cores / workers; otherwise all cores */
  readonly intraOpNumThreads?: number;
  readonly logger: ScorerLogger;
  /** Model name for the log line. */
  readonly label: string;
}

/**
 * Why CUDA cannot be used, or undefined when its provider library is installed. onnxruntime-node's npm package
 * ships CPU only unless its install script fetches the CUDA provider (`ONNXRUNTIME_NODE_INSTALL=cuda12`), which
 * puts `libonnxruntime_providers_cuda.so` beside the binding. Checking first avoids ONNX Runtime's native error spew.
 */
export function cudaUnavailableReason(): string | undefined {
  if (process.platform !== 'linux' || process.arch !== 'x64')
    return `the CUDA provider exists only for linux-x64, not ${process.platform}-${process.arch}`;
  try {
    const pkg = createRequire(import.meta.url).resolve('onnxruntime-node/package.json');
    const lib = join(dirname(pkg), 'bin', 'napi-v6', 'linux', 'x64', 'libonnxruntime_providers_cuda.so');
    return existsSync(lib) ? undefined : `the CUDA provider is not installed (no ${lib})`;
  } catch (err) {
    return `onnxruntime-node not found (${(err as Error).message})`;
  }
}

/** The session options of this module's header, for `ep` with `threads` intra-op threads. */
export function sessionOptions(ep: ExecutionProvider, threads: number): InferenceSession.SessionOptions {
  return {
    executionProviders: ep === 'cuda' ? [{ name: 'cuda', deviceId: 0 }, 'cpu'] : ['cpu'],
    graphOptimizationLevel: 'all',
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    enableCpuMemArena: true,
    enableMemPattern: false,
    extra: { session: { intra_op: { allow_spinning: '0' } } },
  };
}

/** One session in this thread (`workers: 0`): simplest, but every run blocks the event loop. */
async function inProcess(onnxPath: string, ep: ExecutionProvider, threads: number): Promise<Executor> {
  const ort: Ort = await import('onnxruntime-node');
  const session = await ort.InferenceSession.create(onnxPath, sessionOptions(ep, threads));
  return {
    executionProvider: ep,
    metadata: {
      inputNames: session.inputNames,
      outputNames: session.outputNames,
      inputMetadata: session.inputMetadata as GraphMetadata['inputMetadata'],
      outputMetadata: session.outputMetadata as GraphMetadata['outputMetadata'],
    },
    parallelism: 1,
    async run(feeds, output) {
      const tensors = Object.fromEntries(
        Object.entries(feeds).map(([k, t]) => [k, new ort.Tensor(t.type, t.data, [...t.dims])]),
      );
      const out = (await session.run(tensors, [output]))[output];
      if (out === undefined) throw new Error(`no \`${output}\` output`);
      const result = { type: out.type, data: (out.data as Float32Array).slice(), dims: [...out.dims] };
      out.dispose();
      return result;
    },
    release: () => session.release(),
  };
}

/** Opens `onnxPath` on the requested device; CUDA that is missing or fails falls back to CPU with one log line. */
export async function createExecutor(onnxPath: string, opts: CreateExecutorOptions): Promise<Executor> {
  const cores = availableParallelism();
  const open = (ep: ExecutionProvider) => {
    const workers = opts.workers ?? (ep === 'cuda' ? 1 : cores);
    const threads =
      opts.intraOpNumThreads ?? (ep === 'cpu' && workers > 1 ? Math.max(1, Math.floor(cores / workers)) : cores);
    const layout = `${Math.max(workers, 1)} ${workers === 0 ? 'in-thread session' : workers === 1 ? 'worker' : 'workers'} × ${threads} thread${threads === 1 ? '' : 's'}`;
    const executor =
      workers === 0
        ? inProcess(onnxPath, ep, threads)
        : createWorkerPool({ onnxPath, workers, sessionOptions: sessionOptions(ep, threads), executionProvider: ep });
    return { executor, layout };
  };
  if (opts.device !== 'cpu') {
    const reason = cudaUnavailableReason();
    if (reason === undefined) {
      const { executor, layout } = open('cuda');
      try {
        const ready = await executor;
        opts.logger.info(`Scorer ${opts.label}: execution provider cuda (${layout})`);
        return ready;
      } catch (err) {
        fallbackLog(opts, `CUDA failed to start (${(err as Error).message.split('\n')[0]})`);
      }
    } else {
      fallbackLog(opts, reason);
    }
  }
  const { executor, layout } = open('cpu');
  const ready = await executor;
  if (opts.device === 'cpu') opts.logger.info(`Scorer ${opts.label}: execution provider cpu (${layout})`);
  return ready;
}

function fallbackLog(opts: CreateExecutorOptions, reason: string): void {
  // An explicit `cuda` request deserves a warning; `auto` falling back is the expected case on CPU machines.
  const msg = `Scorer ${opts.label}: execution provider cpu (device '${opts.device}': ${reason}; see README "GPU" to install it)`;
  if (opts.device === 'cuda') opts.logger.warn(msg);
  else opts.logger.info(msg);
}
