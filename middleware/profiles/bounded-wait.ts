/**
 * @module profiles/bounded-wait
 * Every wait on the profile store or the scorer has a limit: past it (or when the caller's signal fires) the caller
 * stops waiting with a 503 `StoreUnavailableError` (or the signal's reason); the work itself may still finish.
 */
import { StoreUnavailableError } from '../../core/errors.js';

/** Options of {@link boundedWait}. */
export interface BoundedWaitOptions {
  timeoutMs: number;
  /** Names what was waited for in the error (`The profile store`). */
  what: string;
  signal?: AbortSignal;
}

/** `work`, or a rejection after `timeoutMs`; a failure of `work` itself becomes a 503 unless it is a client error. */
export function boundedWait<T>(work: Promise<T>, options: BoundedWaitOptions): Promise<T> {
  const { timeoutMs, what, signal } = options;
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new StoreUnavailableError(`${what} did not answer within ${timeoutMs} ms; retry later.`)),
      timeoutMs,
    );
    const onAbort = () => reject(signal?.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
    const settle = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    };
    work.then(
      (value) => {
        settle();
        resolve(value);
      },
      (err: unknown) => {
        settle();
        // A PrefselError (a scorer's, a client's) speaks for itself; a database error's text stays in the logs.
        const known = err instanceof Error && 'status' in err && 'toJSON' in err;
        reject(known ? err : new StoreUnavailableError(`${what} failed; retry later.`, { cause: err }));
      },
    );
  });
}
