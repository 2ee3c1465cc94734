import { OverloadedError } from '../../core/errors.js';
import { DynamicBatcher } from './batcher.js';
import type { BatchInfo, BatchItem } from './batcher.js';

const item = (key: string, tokens = key.length): BatchItem<string> => ({ key, tokens, payload: key });

/** A run function that records each batch and answers `payload.toUpperCase()`, after `delayMs`. */
function recorder(delayMs = 0) {
  const batches: string[][] = [];
  const run = async (payloads: string[]) => {
    batches.push(payloads);
    if (delayMs) await new Promise((r) => setTimeout(r, delayMs));
    return payloads.map((p) => p.toUpperCase());
  };
  return { batches, run };
}

describe('DynamicBatcher', () => {
  it('Should merge concurrent calls into one batch and return each call its own results in order', async () => {
    const { batches, run } = recorder();
    const b = new DynamicBatcher(run, { maxWaitMs: 5, maxPadding: 0.5 });
    const [x, y] = await Promise.all([b.submit([item('a'), item('bb')]), b.submit([item('ccc')])]);
    expect(x).toEqual(['A', 'BB']);
    expect(y).toEqual(['CCC']);
    expect(batches).toHaveLength(1);
    expect(b.stats).toMatchObject({ queued: 0, inFlight: 0, batches: 1, items: 3 });
  });

  it('Should respect the batch size and the padded-token budget', async () => {
    const { batches, run } = recorder();
    const bySize = new DynamicBatcher(run, { maxBatchSize: 2, maxWaitMs: 1 });
    await bySize.submit(['a', 'b', 'c', 'd', 'e'].map((k) => item(k)));
    expect(batches.map((x) => x.length)).toEqual([2, 2, 1]);
    batches.length = 0;
    const byTokens = new DynamicBatcher(run, { maxBatchTokens: 20, maxWaitMs: 1 });
    await byTokens.submit([item('p', 10), item('q', 10), item('r', 10)]);
    expect(batches.map((x) => x.length)).toEqual([2, 1]); // 2 × 10 fits, 3 × 10 does not
    batches.length = 0;
    await byTokens.submit([item('huge', 50)]); // longer than the budget: runs alone rather than never
    expect(batches).toEqual([['huge']]);
  });

  it('Should group by length around the oldest item to cut padding', async () => {
    const { batches, run } = recorder();
    const b = new DynamicBatcher(run, { maxBatchSize: 2, maxWaitMs: 1 });
    await b.submit([item('s1', 5), item('L1', 100), item('s2', 6), item('L2', 101)]);
    expect(batches).toEqual([
      ['s1', 's2'],
      ['L1', 'L2'],
    ]);
  });

  it('Should stop taking in other lengths when padding would exceed maxPadding', async () => {
    const { batches, run } = recorder();
    const b = new DynamicBatcher(run, { maxPadding: 0.1, minBatchTokens: 0, maxWaitMs: 1 });
    await b.submit([item('a', 100), item('b', 95), item('c', 92), item('d', 50), item('e', 52)]);
    expect(batches).toEqual([
      ['c', 'b', 'a'], // 3 × 100 padded, 13 padding (4%); adding 52 would make it 26%
      ['d', 'e'],
    ]);
    batches.length = 0;
    const small = new DynamicBatcher(run, { maxPadding: 0.1, minBatchTokens: 512, maxWaitMs: 1 });
    await small.submit([item('a', 100), item('d', 50), item('e', 52)]);
    expect(batches).toEqual([['d', 'e', 'a']]); // 300 padded tokens: under minBatchTokens, so padding is allowed
  });

  it('Should score identical items once and give every caller the result', async () => {
    const { batches, run } = recorder();
    const seen: BatchInfo[] = [];
    const b = new DynamicBatcher(run, { maxWaitMs: 5, maxPadding: 0.5, onBatch: (i) => seen.push(i) });
    const [x, y] = await Promise.all([b.submit([item('same'), item('same'), item('other')]), b.submit([item('same')])]);
    expect(x).toEqual(['SAME', 'SAME', 'OTHER']);
    expect(y).toEqual(['SAME']);
    expect(batches).toEqual([['same', 'other']]);
    expect(seen[0]).toMatchObject({ size: 2, items: 4, tokens: 9, paddedTokens: 10 });
    expect(b.stats.deduplicated).toBe(2);
  });

  it('Should throw OverloadedError when the queue is full', async () => {
    const { run } = recorder(20);
    const b = new DynamicBatcher(run, { maxQueue: 3, maxBatchSize: 1, maxWaitMs: 0 });
    const first = b.submit([item('a')]); // dispatched at once
    await new Promise((r) => setImmediate(r));
    const queued = b.submit([item('b'), item('c')]);
    expect(() => b.submit([item('d'), item('e')])).toThrow(OverloadedError);
    await Promise.all([first, queued]);
  });

  it('Should drop a queued call when its signal aborts, and still serve the others', async () => {
    const { batches, run } = recorder(20);
    const b = new DynamicBatcher(run, { maxBatchSize: 1, maxWaitMs: 0 });
    const first = b.submit([item('a')]);
    const controller = new AbortController();
    const aborted = b.submit([item('b')], controller.signal);
    const other = b.submit([item('c')]);
    controller.abort(new DOMException('gone', 'AbortError'));
    await expect(aborted).rejects.toMatchObject({ name: 'AbortError' });
    expect(b.stats.queued).toBe(1);
    await expect(Promise.all([first, other])).resolves.toEqual([['A'], ['C']]);
    expect(batches.flat()).toEqual(['a', 'c']);
  });

  it('Should reject every caller in a batch whose run fails', async () => {
    const b = new DynamicBatcher<string, string>(async () => Promise.reject(new Error('boom')), { maxWaitMs: 5 });
    const results = await Promise.allSettled([b.submit([item('a')]), b.submit([item('b')])]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    await expect(b.submit([item('c')])).rejects.toThrow('boom'); // and keeps working afterwards
  });

  it('Should reject queued calls on close, let the running batch finish, and refuse new calls', async () => {
    const { run } = recorder(20);
    const b = new DynamicBatcher(run, { maxBatchSize: 1, maxWaitMs: 0 });
    const running = b.submit([item('a')]);
    await new Promise((r) => setImmediate(r));
    const queued = b.submit([item('b')]);
    b.close(new Error('closed'));
    await expect(queued).rejects.toThrow('closed');
    await b.idle();
    await expect(running).resolves.toEqual(['A']);
    await expect(b.submit([item('c')])).rejects.toThrow('closed');
  });

  it('Should run up to maxConcurrentBatches batches at once', async () => {
    let running = 0;
    let peak = 0;
    const run = async (payloads: string[]) => {
      peak = Math.max(peak, ++running);
      await new Promise((r) => setTimeout(r, 10));
      running--;
      return payloads;
    };
    const b = new DynamicBatcher(run, { maxBatchSize: 1, maxConcurrentBatches: 3, maxWaitMs: 0 });
    await Promise.all(['a', 'b', 'c', 'd', 'e'].map((k) => b.submit([item(k)])));
    expect(peak).toBe(3);
    expect(b.stats).toMatchObject({ batches: 5, inFlight: 0, queued: 0 });
  });

  it('Should validate its options', () => {
    expect(() => new DynamicBatcher(async () => [], { maxBatchSize: 0 })).toThrow(/maxBatchSize/);
    expect(() => new DynamicBatcher(async () => [], { maxWaitMs: -1 })).toThrow(/maxWaitMs/);
  });
});
