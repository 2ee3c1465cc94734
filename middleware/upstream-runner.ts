/**
 * @module upstream-runner
 * Every upstream call of a selector goes through here: a bounded p-queue (concurrency and a cap on waiting calls),
 * a per-attempt timeout, and retries with exponential backoff and jitter on 429 and 5xx only, honouring
 * `Retry-After` up to the backoff cap. One AbortSignal per request cancels its queued calls, its calls in flight and
 * its backoff waits. Retries re-enter the queue, so a backing-off call holds no concurrency slot.
 */
import PQueue from 'p-queue';
import { OverloadedError, UpstreamError } from '../core/errors.js';
import { sleep } from '../core/sleep.js';
import type { RetryPolicy, UpstreamQueueState } from '../core/selector.js';
import type { Random } from './prng.js';

/** Options of {@link createUpstreamRunner}. */
export interface UpstreamRunnerOptions {
  /** Calls in flight at once. */
  concurrency: number;
  /** Calls allowed to wait; a request that would exceed it is refused whole. */
  maxQueued: number;
  retry: RetryPolicy;
  /** Per-attempt timeout, ms. */
  timeoutMs: number;
  /** Jitter source (seeded, so runs are reproducible). */
  random: Random;
}

/** Per-call options of {@link UpstreamRunner.run}. */
export interface RunOptions {
  /** The request's signal: cancels the call wherever it is (queued, in flight, backing off). */
  signal: AbortSignal;
}

/** The result of a call and how many attempts it took. */
export interface RunResult<T> {
  value: T;
  attempts: number;
}

/** A bounded, retrying executor for upstream calls. */
export interface UpstreamRunner {
  /** Throws `OverloadedError` if `count` more calls would make more than `maxQueued` wait. */
  admit(count: number): void;
  /** Runs `call` with retries; rejects with the last error, or with the signal's reason once aborted. */
  run<T>(call: (signal: AbortSignal) => Promise<T>, options: RunOptions): Promise<RunResult<T>>;
  state(): UpstreamQueueState;
  /** Resolves when no call is queued, in flight or backing off. */
  onIdle(): Promise<void>;
}

/**
 * Creates a runner (one per selector, shared by all its requests).
 * @example
 * const runner = createUpstreamRunner({ concurrency: 64, maxQueued: 1024, retry, timeoutMs: 120_000, random });
 * const { value } = await runner.run((signal) => generator.complete(params, { signal }), { signal });
 */
export function createUpstreamRunner(options: UpstreamRunnerOptions): UpstreamRunner {
  const { concurrency, maxQueued, retry, timeoutMs, random } = options;
  const queue = new PQueue({ concurrency });
  let active = 0;
  let idleWaiters: Array<() => void> = [];

  const settle = () => {
    active--;
    if (active === 0) {
      const waiters = idleWaiters;
      idleWaiters = [];
      void queue.onIdle().then(() => waiters.forEach((resolve) => resolve()));
    }
  };

  async function run<T>(call: (signal: AbortSignal) => Promise<T>, { signal }: RunOptions): Promise<RunResult<T>> {
    active++;
    try {
      for (let attempt = 0; ; attempt++) {
        try {
          const value = await queue.add(() => withTimeout(call, { signal, timeoutMs }), { signal });
          return { value, attempts: attempt + 1 };
        } catch (err) {
          if (signal.aborted) throw signal.reason;
          if (!isRetryable(err) || attempt >= retry.maxRetries) throw err;
          await sleep(backoffMs(err, { attempt, retry, random }), signal);
        }
      }
    } finally {
      settle();
    }
  }

  return {
    admit(count) {
      // Calls that would start at once do not wait; only the rest count against maxQueued.
      const free = Math.max(0, concurrency - queue.pending - queue.size);
      const waiting = queue.size + Math.max(0, count - free);
      if (waiting > maxQueued) throw new OverloadedError('The upstream queue', 1);
    },
    run,
    state: () => ({ size: queue.size, pending: queue.pending }),
    onIdle: () => (active === 0 ? queue.onIdle() : new Promise<void>((resolve) => idleWaiters.push(resolve))),
  };
}

/** 429 and 5xx are worth retrying; other 4xx are the request's fault, and network failures are not retried. */
export function isRetryable(err: unknown): boolean {
  if (!(err instanceof UpstreamError) || err.upstreamStatus === null) return false;
  return err.upstreamStatus === 429 || err.upstreamStatus >= 500;
}

/**
 * The wait before retry `attempt + 1`: the upstream's `Retry-After` (seconds or HTTP date) when given, else
 * base·2^attempt with "equal jitter" (half fixed, half random); both capped at `maxDelayMs`.
 */
export function backoffMs(err: unknown, options: { attempt: number; retry: RetryPolicy; random: Random }): number {
  const { attempt, retry, random } = options;
  const header = err instanceof UpstreamError ? err.headers['retry-after'] : undefined;
  const retryAfter = header === undefined ? undefined : parseRetryAfter(header);
  if (retryAfter !== undefined) return Math.min(retry.maxDelayMs, retryAfter);
  const exp = Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** attempt);
  return exp / 2 + random() * (exp / 2);
}

/** `Retry-After` in ms: delta-seconds or an HTTP date; undefined when unparseable. */
export function parseRetryAfter(value: string): number | undefined {
  const seconds = Number(value);
  if (value.trim() !== '' && Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/** Runs one attempt under its own timeout, linked to the request's signal. */
async function withTimeout<T>(
  call: (signal: AbortSignal) => Promise<T>,
  options: { signal: AbortSignal; timeoutMs: number },
): Promise<T> {
  const { signal, timeoutMs } = options;
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new DOMException('candidate timeout', 'TimeoutError'));
  }, timeoutMs);
  const onAbort = () => controller.abort(signal.reason);
  if (signal.aborted) onAbort();
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    return await call(controller.signal);
  } catch (err) {
    if (timedOut && !signal.aborted) {
      throw new UpstreamError(
        `The upstream did not answer within the per-candidate timeout of ${timeoutMs} ms.`,
        null,
        { cause: err },
      );
    }
    throw err;
  } finally {
    clearTimeout(timer);
    signal.removeEventListener('abort', onAbort);
  }
}
