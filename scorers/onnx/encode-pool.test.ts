/**
 * The encode worker pool: the same ids as encoding in this thread, prepared conversations reused and evicted,
 * cancelled jobs leave the queue or stop between pieces, a job that cannot stop in time costs its worker (replaced),
 * and a template's refusal crosses the thread boundary by name.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChatCompletionMessageParam } from '../../core/openai.js';
import { MISTRAL_LIKE_TEMPLATE } from '../onnx-build/metaspace.js';
import { writeTinyDecoderDir } from '../onnx-build/tiny-decoder.js';
import { createInputEncoder } from './encode.js';
import { createEncodePool, type EncodePool } from './encode-pool.js';
import { readModelFiles, type ModelFiles } from './model-dir.js';
import { resolveModelSpec } from './spec.js';
import { loadTokenizer, type LoadedTokenizer } from './tokenizer.js';

const LABELS = ['a', 'b'];
const WORDS = 'the quick brown fox jumps over the lazy dog while explaining congestion windows'.split(' ');
const say = (i: number, n: number) =>
  Array.from({ length: n }, (_, j) => WORDS[(i * 7 + j * 3) % WORDS.length]).join(' ');
/** A conversation of `turns` alternating turns of 20 words (2,000 turns: about 250 KB). */
const chat = (turns: number): ChatCompletionMessageParam[] =>
  Array.from({ length: turns }, (_, i) => ({ role: i % 2 ? 'assistant' : 'user', content: `${say(i, 20)} ${i}.` }));
const never = () => new AbortController().signal;
const aborted = (reason: string) => {
  const c = new AbortController();
  return { signal: c.signal, abort: () => c.abort(new DOMException(reason, 'AbortError')) };
};
const until = async (test: () => boolean) => {
  while (!test()) await new Promise((r) => setTimeout(r, 10));
};

let root: string;
let dir: string;
let pool: EncodePool;
let files: ModelFiles;
let tok: LoadedTokenizer;
beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'prefsel-pool-'));
  dir = await writeTinyDecoderDir(join(root, 'm'), { pooling: 'graph', padId: 128256, labels: LABELS });
  files = await readModelFiles(dir);
  tok = loadTokenizer(files);
  pool = await createEncodePool({ modelDir: dir, workers: 1, maxLength: 64, keepChars: 100_000 });
});
afterAll(async () => {
  await pool.close();
  rmSync(root, { recursive: true, force: true });
});

describe('encode pool', () => {
  it('Should give the ids this thread gives, prepared or not, for short and truncated conversations', async () => {
    const here = createInputEncoder({ tokenizer: tok, input: resolveModelSpec(files, 64).input, maxLength: 64 });
    for (const messages of [chat(1), chat(3), chat(40)]) {
      const responses = ['Short.', say(3, 30), ''];
      const want = responses.map((response) => here({ messages, response }).ids);
      expect((await pool.encode({ messages, responses })).map((e) => e.ids)).toEqual(want);
      const prompt = await pool.prepare(messages);
      expect((await pool.encode({ messages, responses, prompt })).map((e) => e.ids)).toEqual(want);
      pool.release(prompt);
      // Released (or evicted): the messages are encoded again, with the same result.
      expect((await pool.encode({ messages, responses, prompt })).map((e) => e.ids)).toEqual(want);
    }
    expect(pool.padId).toBe(128256);
  });

  it('Should measure a conversation exactly as the tokenizer counts it', async () => {
    const prompt = await pool.prepare(chat(5));
    const whole = await pool.encode({ messages: chat(5), responses: [''] });
    // Untruncated, the ids are the prompt's tokens, then the empty response's closing `<|eot_id|>`.
    const big = createInputEncoder({ tokenizer: tok, input: resolveModelSpec(files).input, maxLength: 1 << 20 });
    expect(big({ messages: chat(5), response: '' }).ids.length).toBe(prompt.tokens + 1);
    expect(whole[0]!.ids.length).toBeLessThanOrEqual(64);
    pool.release(prompt);
  });

  it('Should drop a cancelled job from the queue, and stop a running one between pieces', async () => {
    const before = pool.stats;
    const long = aborted('client left');
    const running = pool.prepare(chat(2000), long.signal);
    const queued = aborted('deadline');
    const waiting = pool.prepare(chat(3), queued.signal);
    expect(pool.stats.pending).toBe(before.pending + 2);
    queued.abort();
    await expect(waiting).rejects.toMatchObject({ message: 'deadline' });
    expect(pool.stats.pending).toBe(before.pending + 1);
    await new Promise((r) => setTimeout(r, 50));
    long.abort();
    await expect(running).rejects.toMatchObject({ message: 'client left' });
    await until(() => pool.stats.pending === 0);
    expect(pool.stats.cancelled).toBe(before.cancelled + 1);
    expect(pool.stats.restarts).toBe(before.restarts);
    // The worker is free and still serves.
    expect((await pool.prepare(chat(1), never())).tokens).toBeGreaterThan(0);
  });

  it('Should replace a worker whose cancelled job cannot stop in time (one enormous piece)', async () => {
    const quick = await createEncodePool({ modelDir: dir, workers: 1, cancelGraceMs: 50 });
    try {
      // No added token inside: a single tokenizer call of seconds, which no check between pieces can interrupt.
      // On a loaded machine the worker may not have begun the call when the abort comes, and then it stops at its
      // first check without a replacement; so abort later each time until the abort lands inside the call.
      for (const waitMs of [50, 250, 1000, 3000]) {
        const job = aborted('deadline');
        const running = quick.prepare([{ role: 'user', content: '-'.repeat(300_000) }], job.signal);
        running.catch(() => {});
        await new Promise((r) => setTimeout(r, waitMs));
        job.abort();
        await until(() => quick.stats.pending === 0);
        if (quick.stats.restarts === 1) {
          await expect(running).rejects.toMatchObject({ message: 'deadline' });
          break;
        }
      }
      expect(quick.stats.restarts).toBe(1);
      const [encoded] = await quick.encode({ messages: chat(1), responses: ['ok'] });
      expect(encoded!.ids.length).toBeGreaterThan(5);
    } finally {
      await quick.close();
    }
  }, 240_000); // two worker starts, each loading the Llama 3 tokenizer: slow on a busy 2-core machine

  it('Should keep a bounded amount of prepared text, evicting the oldest', async () => {
    const [a, b] = [chat(20), chat(900)];
    const first = await pool.prepare(a);
    const second = await pool.prepare(b); // over 100,000 characters with `a`: evicts it
    const want = await pool.encode({ messages: a, responses: ['x'] });
    expect(await pool.encode({ messages: a, responses: ['x'], prompt: first })).toEqual(want);
    pool.release(second);
  });

  it("Should report a chat template's refusal by name", async () => {
    const strict = await writeTinyDecoderDir(join(root, 'strict'), {
      pooling: 'graph',
      padId: 0,
      labels: LABELS,
      chatTemplate: MISTRAL_LIKE_TEMPLATE,
    });
    const p = await createEncodePool({ modelDir: strict, workers: 1 });
    try {
      const twoUsers: ChatCompletionMessageParam[] = [
        { role: 'user', content: 'a' },
        { role: 'user', content: 'b' },
      ];
      await expect(p.prepare(twoUsers)).rejects.toMatchObject({ name: 'InputFormatError' });
    } finally {
      await p.close();
    }
  });
});
