import fc from 'fast-check';
import { OverloadedError, UpstreamError } from '../core/errors.js';
import { createRandom } from './prng.js';
import { backoffMs, createUpstreamRunner, isRetryable, parseRetryAfter } from './upstream-runner.js';

const retry = { maxRetries: 2, baseDelayMs: 100, maxDelayMs: 1000 };

describe('retry policy', () => {
  it('retries 429 and 5xx only', () => {
    expect(isRetryable(new UpstreamError('x', 429))).toBe(true);
    expect(isRetryable(new UpstreamError('x', 503))).toBe(true);
    expect(isRetryable(new UpstreamError('x', 400))).toBe(false);
    expect(isRetryable(new UpstreamError('x', null))).toBe(false);
    expect(isRetryable(new Error('x'))).toBe(false);
  });

  it('backoff: exponential with equal jitter, capped', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10 }), fc.integer(), (attempt, seed) => {
        const d = backoffMs(new UpstreamError('x', 503), { attempt, retry, random: createRandom(seed) });
        const exp = Math.min(1000, 100 * 2 ** attempt);
        expect(d).toBeGreaterThanOrEqual(exp / 2);
        expect(d).toBeLessThanOrEqual(exp);
      }),
    );
  });

  it('Retry-After (seconds or HTTP date) wins over backoff, capped at maxDelayMs', () => {
    const err = (value: string) => new UpstreamError('x', 429, { headers: { 'retry-after': value } });
    const random = createRandom(1);
    expect(backoffMs(err('0.5'), { attempt: 0, retry, random })).toBe(500);
    expect(backoffMs(err('120'), { attempt: 0, retry, random })).toBe(1000);
    expect(parseRetryAfter(new Date(Date.now() + 60_000).toUTCString())).toBeGreaterThan(50_000);
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter('-3')).toBe(0);
  });
});

describe('createUpstreamRunner', () => {
  const runner = () =>
    createUpstreamRunner({
      concurrency: 2,
      maxQueued: 1,
      retry: { ...retry, baseDelayMs: 1, maxDelayMs: 2 },
      timeoutMs: 1000,
      random: createRandom(1),
    });

  it('admit counts only calls that would wait', () => {
    const r = runner();
    expect(() => r.admit(3)).not.toThrow(); // 2 start, 1 waits
    expect(() => r.admit(4)).toThrow(OverloadedError);
  });

  it('retries retryable errors and reports attempts', async () => {
    const r = runner();
    let calls = 0;
    const out = await r.run(
      async () => {
        calls++;
        if (calls < 3) throw new UpstreamError('busy', 503);
        return 'ok';
      },
      { signal: new AbortController().signal },
    );
    expect(out).toEqual({ value: 'ok', attempts: 3 });
    await r.onIdle();
    expect(r.state()).toEqual({ size: 0, pending: 0 });
  });

  it('an attempt past the timeout becomes an UpstreamError and its signal fires', async () => {
    const r = createUpstreamRunner({ concurrency: 1, maxQueued: 0, retry, timeoutMs: 20, random: createRandom(1) });
    let seen: AbortSignal | undefined;
    const err = await r
      .run(
        (signal) => (
          (seen = signal),
          new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason)))
        ),
        {
          signal: new AbortController().signal,
        },
      )
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UpstreamError);
    expect((err as Error).message).toMatch(/timeout of 20 ms/);
    expect(seen?.aborted).toBe(true);
  });
});
