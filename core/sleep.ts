/**
 * @module sleep
 * An abortable wait. Unlike `timers/promises` (which rejects with a generic `AbortError`), it rejects with the
 * signal's own reason, so a deadline's `DeadlineExceededError` or a caller's reason reaches whoever awaits it.
 */

/** Resolves after `ms` (at once when `ms <= 0`), or rejects with `signal.reason` as soon as the signal fires. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(signal.reason);
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
