/**
 * createOnnxScorer end to end on a tiny BERT: dynamic batching across concurrent calls equals one-by-one scoring,
 * duplicates run once, a full queue overloads, aborts, CPU fallback when CUDA is asked for but missing.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OverloadedError, ScorerError } from '../../core/errors.js';
import type { ScoreInput } from '../../core/ports.js';
import { writeBertModelDir } from '../onnx-build/bert.js';
import { wordpieceVocab } from '../onnx-build/wordpiece.js';
import type { BatchInfo } from './batcher.js';
import { createOnnxScorer } from './scorer.js';
import { cudaUnavailableReason } from './session.js';

const quiet = { info() {}, warn() {} };
let root: string;
let dir: string;
beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'prefsel-scorer-'));
  const vocab = wordpieceVocab('the a cat dog sat on mat ran far away quickly slowly and then'.split(' '), 120);
  dir = await writeBertModelDir(
    join(root, 'bert'),
    { layers: 2, hidden: 32, heads: 4, labels: ['x', 'y', 'z'], maxPosition: 128 },
    vocab,
  );
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const words = 'the cat sat on the mat and then the dog ran far away quickly'.split(' ');
/** Deterministic inputs of varied lengths (3–40 words). */
function inputs(n: number, salt = 0): ScoreInput[] {
  return Array.from({ length: n }, (_, i) => {
    const len = 3 + ((i * 7 + salt * 13) % 38);
    const response = Array.from({ length: len }, (_, j) => words[(i + j * 3 + salt) % words.length]).join(' ');
    return { messages: [{ role: 'user' as const, content: `question ${words[i % words.length]} ${i}` }], response };
  });
}

describe('createOnnxScorer batching', () => {
  it('Should give the same scores under concurrent dynamic batching as one by one (1e-5)', async () => {
    const batches: BatchInfo[] = [];
    // A long wait and no padding limit make the merge deterministic on a loaded machine: a batch runs when 16
    // distinct items are queued, so calls that arrive late still share one (a 5 ms window did not, under load).
    const together = await createOnnxScorer({
      modelDir: dir,
      device: 'cpu',
      logger: quiet,
      batching: { maxBatchSize: 16, maxWaitMs: 1000, maxPadding: 0.99, onBatch: (b) => batches.push(b) },
    });
    const alone = await createOnnxScorer({ modelDir: dir, device: 'cpu', logger: quiet, batching: { enabled: false } });
    try {
      const calls = Array.from({ length: 8 }, (_, c) => inputs(5, c));
      const merged = await Promise.all(calls.map((call) => together.score(call)));
      expect(batches.length).toBeLessThan(calls.length); // calls were merged
      expect(Math.max(...batches.map((b) => b.size))).toBeGreaterThan(5);
      for (const [c, call] of calls.entries()) {
        for (const [i, input] of call.entries()) {
          const [single] = await alone.score([input]);
          single!.forEach((v, j) => expect(Math.abs(v - merged[c]![i]![j]!)).toBeLessThan(1e-5));
        }
      }
    } finally {
      await Promise.all([together.close(), alone.close()]);
    }
  });

  it('Should give the same scores with batching disabled', async () => {
    const on = await createOnnxScorer({ modelDir: dir, device: 'cpu', logger: quiet });
    const off = await createOnnxScorer({
      modelDir: dir,
      device: 'cpu',
      logger: quiet,
      batching: { enabled: false, maxBatchSize: 4 },
    });
    try {
      const xs = inputs(10, 3);
      const [a, b] = await Promise.all([on.score(xs), off.score(xs)]);
      a.forEach((row, i) => row.forEach((v, j) => expect(Math.abs(v - b[i]![j]!)).toBeLessThan(1e-5)));
      expect(off.stats).toMatchObject({ batches: 3, items: 10 });
    } finally {
      await Promise.all([on.close(), off.close()]);
    }
  });

  it('Should give the same scores in worker threads and in the calling thread (workers: 0)', async () => {
    const pooled = await createOnnxScorer({ modelDir: dir, device: 'cpu', logger: quiet, workers: 2 });
    const inThread = await createOnnxScorer({ modelDir: dir, device: 'cpu', logger: quiet, workers: 0 });
    try {
      const xs = inputs(12, 5);
      const [a, b] = await Promise.all([pooled.score(xs), inThread.score(xs)]);
      a.forEach((row, i) => row.forEach((v, j) => expect(Math.abs(v - b[i]![j]!)).toBeLessThan(1e-5)));
    } finally {
      await Promise.all([pooled.close(), inThread.close()]);
    }
  });

  it('Should score identical (conversation, response) pairs once', async () => {
    const sizes: number[] = [];
    const scorer = await createOnnxScorer({
      modelDir: dir,
      device: 'cpu',
      logger: quiet,
      batching: { maxWaitMs: 200, onBatch: (b) => sizes.push(b.size) },
    });
    try {
      const [one] = inputs(1);
      const [x, y] = await Promise.all([scorer.score([one!, one!, one!]), scorer.score([one!])]);
      expect(sizes).toEqual([1]);
      expect(scorer.stats.deduplicated).toBe(3);
      expect(new Set([...x, ...y].map((r) => r.join()))).toHaveProperty('size', 1);
    } finally {
      await scorer.close();
    }
  });

  it('Should throw OverloadedError (429) when the queue is full', async () => {
    const scorer = await createOnnxScorer({
      modelDir: dir,
      device: 'cpu',
      logger: quiet,
      batching: { maxQueue: 8, maxWaitMs: 60_000 },
    });
    try {
      // The first call waits in the queue (its batch is not full and the wait is long) until it is aborted.
      const controller = new AbortController();
      const first = scorer.score(inputs(6), { signal: controller.signal }).catch((e: unknown) => e);
      while (scorer.stats.queued < 6) await new Promise((r) => setTimeout(r, 10));
      const err = await scorer.score(inputs(6, 1)).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(OverloadedError);
      expect((err as OverloadedError).status).toBe(429);
      controller.abort(new DOMException('done', 'AbortError'));
      await first;
      expect(scorer.stats.queued).toBe(0);
    } finally {
      await scorer.close();
    }
  });

  it('Should reject an aborted call with the abort reason and refuse calls after close', async () => {
    const scorer = await createOnnxScorer({ modelDir: dir, device: 'cpu', logger: quiet, batching: { maxWaitMs: 50 } });
    const controller = new AbortController();
    const pending = scorer.score(inputs(3), { signal: controller.signal });
    controller.abort(new DOMException('client went away', 'AbortError'));
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
    expect(scorer.stats.queued).toBe(0);
    await scorer.close();
    await expect(scorer.score(inputs(1))).rejects.toBeInstanceOf(ScorerError);
  });
});

describe('createOnnxScorer devices', () => {
  it.skipIf(cudaUnavailableReason() === undefined)(
    'Should fall back to CPU with one warning when CUDA is asked for but missing',
    async () => {
      const warn = vi.fn();
      const info = vi.fn();
      const scorer = await createOnnxScorer({ modelDir: dir, device: 'cuda', logger: { info, warn } });
      try {
        expect(scorer.info.executionProvider).toBe('cpu');
        expect(warn).toHaveBeenCalledTimes(1);
        expect(info).not.toHaveBeenCalled();
        expect(String(warn.mock.calls[0]![0])).toMatch(/execution provider cpu.*CUDA/);
        const [row] = await scorer.score(inputs(1));
        expect(row).toHaveLength(3);
      } finally {
        await scorer.close();
      }
    },
  );

  it('Should log exactly one info line for auto and report the active provider', async () => {
    const warn = vi.fn();
    const info = vi.fn();
    const scorer = await createOnnxScorer({ modelDir: dir, device: 'auto', logger: { info, warn } });
    await scorer.close();
    expect(info.mock.calls.length + warn.mock.calls.length).toBe(1);
    expect(['cpu', 'cuda']).toContain(scorer.info.executionProvider);
    expect(String(info.mock.calls[0]![0])).toContain(`execution provider ${scorer.info.executionProvider}`);
  });
});
