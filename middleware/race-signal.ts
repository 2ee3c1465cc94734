/**
 * @module race-signal
 * Settles with a promise, or with its signal's reason as soon as the signal fires: a port implementation that
 * ignores its signal must not hold a request past its deadline.
 */

/** `promise`, or a rejection with `signal.reason` once `signal` aborts (whichever comes first). */
export function raceSignal<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    promise.catch(() => {}); // settles later; nobody waits for it any more
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
