/**
 * @module in-flight
 * Counts chat requests from arrival until their last byte (a stream counts until it ends or the client leaves),
 * for the overload limit, the in-flight gauge and graceful shutdown.
 */

/** The counter. */
export interface RequestTracker {
  /** Requests being handled. */
  readonly active: number;
  /** Marks one request started; call the returned function exactly once when it is done. */
  enter(): () => void;
  /** Resolves when no request is active. */
  idle(): Promise<void>;
}

/** Creates a tracker. */
export function createRequestTracker(): RequestTracker {
  let active = 0;
  let waiters: Array<() => void> = [];
  return {
    get active() {
      return active;
    },
    enter() {
      active++;
      let done = false;
      return () => {
        if (done) return;
        done = true;
        active--;
        if (active === 0) {
          const toWake = waiters;
          waiters = [];
          for (const wake of toWake) wake();
        }
      };
    },
    idle() {
      return active === 0 ? Promise.resolve() : new Promise((resolve) => waiters.push(resolve));
    },
  };
}

/**
 * Wraps a response body so `onDone` runs once when it has been read to the end, failed, or was cancelled by the
 * client. Bytes pass through unchanged.
 */
export function watchBody(body: ReadableStream<Uint8Array>, onDone: () => void): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { done, value } = await reader.read();
        if (done) {
          controller.close();
          onDone();
        } else controller.enqueue(value);
      } catch (err) {
        controller.error(err);
        onDone();
      }
    },
    async cancel(reason) {
      onDone();
      await reader.cancel(reason);
    },
  });
}
