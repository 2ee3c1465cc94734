/**
 * @module http/idle-timeout
 * Bounds every wait of an upstream stream. A pass-through stream skips the engine's per-call timeout and deadline
 * (a long answer may legitimately stream for minutes), so what bounds it is the gap between two chunks, the first
 * one included: an upstream that sends its headers and then nothing would otherwise hold the client, and a
 * connection, forever behind keep-alive comments. When the gap passes `idleTimeoutMs`, the upstream call is aborted
 * and the consumer's `next()` rejects with an `UpstreamTimeoutError` (504, or an error event once a stream has
 * started, never `[DONE]`).
 */
import { UpstreamTimeoutError } from '../../core/errors.js';

/** Options of {@link withIdleTimeout}. */
export interface IdleTimeoutOptions {
  /** Longest wait for the first item and between two items, ms. */
  idleTimeoutMs: number;
  /** The controller whose signal the upstream call runs under; aborted (with the timeout error) when it goes silent. */
  abort: AbortController;
}

const TIMED_OUT = Symbol('timed out');

/**
 * `source`, with every `next()` bounded by the idle timeout.
 * @example for await (const chunk of withIdleTimeout(upstream, { idleTimeoutMs: 60_000, abort })) relay(chunk);
 */
export function withIdleTimeout<T>(source: AsyncIterable<T>, options: IdleTimeoutOptions): AsyncIterable<T> {
  const { idleTimeoutMs, abort } = options;
  return {
    [Symbol.asyncIterator](): AsyncIterator<T> {
      const inner = source[Symbol.asyncIterator]();
      let timedOut = false;
      return {
        async next() {
          const pending = inner.next();
          let timer: NodeJS.Timeout | undefined;
          const idle = new Promise<typeof TIMED_OUT>((resolve) => {
            timer = setTimeout(() => resolve(TIMED_OUT), idleTimeoutMs);
          });
          try {
            const result = await Promise.race([pending, idle]);
            if (result !== TIMED_OUT) return result;
          } finally {
            clearTimeout(timer);
          }
          timedOut = true;
          // The read still pending rejects once the abort reaches the upstream request; nobody waits for it.
          pending.catch(() => {});
          const err = new UpstreamTimeoutError(
            `The upstream sent nothing for ${idleTimeoutMs} ms (the stream idle timeout); the stream was cut.`,
          );
          abort.abort(err);
          throw err;
        },
        async return(value?: unknown) {
          // After a timeout the inner iterator is still busy with the aborted read; it finishes on its own.
          if (timedOut) {
            void inner.return?.().catch(() => {});
            return { done: true, value: value as T };
          }
          return (await inner.return?.(value)) ?? { done: true, value: value as T };
        },
      };
    },
  };
}
