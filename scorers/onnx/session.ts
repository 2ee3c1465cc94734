/**
 * @module onnx/session
 * Creates the ONNX Runtime session. `onnxruntime-node` is imported lazily, so importing prefsel never loads a
 * native addon; and the device is chosen here, once, with exactly one log line saying which provider is active.
 *
 * Session options, on purpose:
 * - `graphOptimizationLevel: 'all'`: constant folding plus the fusions (MatMul+Add → Gemm, LayerNorm, GELU,
 *   attention) that make transformer graphs fast; paid once at load.
 * - `intraOpNumThreads` = all cores (`os.availableParallelism()`), `interOpNumThreads: 1`, sequential mode: the
 *   batcher runs one batch at a time, so that batch should use every core; transformer graphs are a chain of
 *   ops, so running ops in parallel (inter-op) only adds scheduling overhead.
 * - `enableCpuMemArena: true`: buffers are reused across batches instead of being malloc'd per run.
 * - `enableMemPattern: false`: memory patterns are planned per input shape, and dynamic batches change shape on
 *   almost every run, so the planning would be redone (and cached) for nothing.
 * - `session.intra_op.allow_spinning = 0`: the scorer shares its process (and often its cores) with the HTTP
 *   server, tokenisation and the upstream streams; pool threads that spin between ops and runs would take those
 *   cycles, and on a busy 2-core machine they measurably slowed scoring itself (1.65k vs 1.19k tokens/s, BERT 6x384).
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import type { InferenceSession } from 'onnxruntime-node';

/** Which hardware to run on. `auto` tries CUDA and falls back to CPU. */
export const DEVICES = ['auto', 'cpu', 'cuda'] as const;
/** One of {@link DEVICES}. */
export type Device = (typeof DEVICES)[number];

/** The provider a session actually runs on. */
export type ExecutionProvider = 'cpu' | 'cuda';

/** The logging the scorer does: a pino logger fits, as does `console`. */
export interface ScorerLogger {
  info(msg: string): void;
  warn(msg: string): void;
}

/** The loaded `onnxruntime-node` module. */
export type Ort = typeof import('onnxruntime-node');

/** Options of {@link createSession}. */
export interface CreateSessionOptions {
  readonly device: Device;
  /** Threads for one op. @default os.availableParallelism() */
  readonly intraOpNumThreads?: number;
  readonly logger: ScorerLogger;
  /** Model name for the log line. */
  readonly label: string;
}

/** A ready session and the provider it runs on. */
export interface OpenedSession {
  readonly ort: Ort;
  readonly session: InferenceSession;
  readonly executionProvider: ExecutionProvider;
}

/**
 * Why CUDA cannot be used, or undefined when its provider library is installed. onnxruntime-node's npm package
 * ships CPU only unless installed with `--onnxruntime-node-install-cuda=v12`, which adds
 * `libonnxruntime_providers_cuda.so` beside the binding. Checking first avoids ONNX Runtime's native error spew.
 */
export function cudaUnavailableReason(): string | undefined {
  if (process.platform !== 'linux' || process.arch !== 'x64') return `the CUDA provider exists only for linux-x64, not ${process.platform}-${process.arch}`;
  try {
    const pkg = createRequire(import.meta.url).resolve('onnxruntime-node/package.json');
    const binDir = join(dirname(pkg), 'bin', 'napi-v6', 'linux', 'x64');
    const lib = join(binDir, 'libonnxruntime_providers_cuda.so');
    return existsSync(lib) ? undefined : `the CUDA provider is not installed (no ${lib})`;
  } catch (err) {
    return `onnxruntime-node not found (${(err as Error).message})`;
  }
}

function sessionOptions(ep: ExecutionProvider, intraOpNumThreads: number): InferenceSession.SessionOptions {
  return {
    executionProviders: ep === 'cuda' ? [{ name: 'cuda', deviceId: 0 }, 'cpu'] : ['cpu'],
    graphOptimizationLevel: 'all',
    intraOpNumThreads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    enableCpuMemArena: true,
    enableMemPattern: false,
    extra: { session: { intra_op: { allow_spinning: '0' } } },
  };
}

/** Opens `onnxPath` on the requested device; CUDA that is missing or fails falls back to CPU with one log line. */
export async function createSession(onnxPath: string, opts: CreateSessionOptions): Promise<OpenedSession> {
  const ort: Ort = await import('onnxruntime-node');
  const threads = opts.intraOpNumThreads ?? availableParallelism();
  if (opts.device !== 'cpu') {
    const reason = cudaUnavailableReason();
    if (reason === undefined) {
      try {
        const session = await ort.InferenceSession.create(onnxPath, sessionOptions('cuda', threads));
        opts.logger.info(`Scorer ${opts.label}: execution provider cuda`);
        return { ort, session, executionProvider: 'cuda' };
      } catch (err) {
        fallbackLog(opts, `CUDA failed to start (${(err as Error).message.split('\n')[0]})`);
      }
    } else {
      fallbackLog(opts, reason);
    }
  }
  const session = await ort.InferenceSession.create(onnxPath, sessionOptions('cpu', threads));
  if (opts.device === 'cpu') opts.logger.info(`Scorer ${opts.label}: execution provider cpu (${threads} threads)`);
  return { ort, session, executionProvider: 'cpu' };
}

function fallbackLog(opts: CreateSessionOptions, reason: string): void {
  // An explicit `cuda` request deserves a warning; `auto` falling back is the expected case on CPU machines.
  const msg = `Scorer ${opts.label}: execution provider cpu (device '${opts.device}': ${reason}; see README "GPU" to install it)`;
  if (opts.device === 'cuda') opts.logger.warn(msg);
  else opts.logger.info(msg);
}
