/**
 * @module request-scope
 * One AbortSignal per `select()` call that fires when the caller's signal does (reason: the caller's) or when the
 * deadline passes (reason: `DeadlineExceededError`), so every queued call, call in flight, backoff wait and the
 * scorer stop together, and the thrown error says which of the two happened.
 */
import { setMaxListeners } from 'node:events';
import { DeadlineExceededError } from '../core/errors.js';

/** A request's combined signal; `dispose()` clears the deadline timer and the caller link. */
export interface RequestScope {
  signal: AbortSignal;
  dispose(): void;
}

/**
 * Opens a scope. A caller signal that is already aborted aborts the scope at once.
 * @param options.deadlineMs overall deadline from now.
 */
export function openRequestScope(options: { signal?: AbortSignal | undefined; deadlineMs: number }): RequestScope {
  const { signal, deadlineMs } = options;
  const controller = new AbortController();
  // Every candidate call, its retry waits and the scorer listen on this one signal: k can reach 64, so Node's
  // default warning threshold of 10 listeners would fire on healthy requests.
  setMaxListeners(0, controller.signal);
  const timer = setTimeout(() => controller.abort(new DeadlineExceededError(deadlineMs)), deadlineMs);
  const onAbort = () => controller.abort(signal?.reason);
  if (signal?.aborted) onAbort();
  else signal?.addEventListener('abort', onAbort, { once: true });
  return {
    signal: controller.signal,
    dispose() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    },
  };
}
