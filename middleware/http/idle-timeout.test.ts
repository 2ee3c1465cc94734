import { UpstreamTimeoutError } from '../../core/errors.js';
import { withIdleTimeout } from './idle-timeout.js';

/** Yields `first`, then waits for the signal forever (like a read on a silent socket), then throws its reason. */
async function* silentAfter<T>(first: T, signal: AbortSignal): AsyncGenerator<T> {
  yield first;
  await new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true }));
}

describe('withIdleTimeout', () => {
  it('passes items through, then cuts a silent source: 504 error, upstream aborted, return() does not hang', async () => {
    const abort = new AbortController();
    const iterator = withIdleTimeout(silentAfter('a', abort.signal), { idleTimeoutMs: 20, abort })[
      Symbol.asyncIterator
    ]();
    expect(await iterator.next()).toEqual({ done: false, value: 'a' });
    const err = await iterator.next().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UpstreamTimeoutError);
    expect(err).toMatchObject({ status: 504, code: 'upstream_timeout' });
    expect(abort.signal.reason).toBe(err);
    await expect(iterator.return!()).resolves.toMatchObject({ done: true });
  });

  it('a source that keeps talking is passed through whole and never aborted', async () => {
    const abort = new AbortController();
    async function* steady(): AsyncGenerator<number> {
      for (let i = 0; i < 10; i++) {
        await new Promise((resolve) => setTimeout(resolve, 5));
        yield i;
      }
    }
    const seen: number[] = [];
    for await (const x of withIdleTimeout(steady(), { idleTimeoutMs: 1000, abort })) seen.push(x);
    expect(seen).toHaveLength(10);
    expect(abort.signal.aborted).toBe(false);
  });
});
