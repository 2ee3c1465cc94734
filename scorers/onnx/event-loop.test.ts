/**
 * The event loop stays free while the scorer works on inputs that used to stall it for seconds to minutes (a
 * 2,000-turn conversation blocked /healthz for more than 8 minutes; a 400 KB message for 7.6 s): rendering and
 * tokenizing run in encode workers, the model in session workers. The bound asserted is generous (a second, against
 * delays of seconds when the work ran on this thread), so that a loaded 2-core machine cannot make it flake.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { ChatCompletionMessageParam } from '../../core/openai.js';
import { ensureReferenceModel } from '../reference/model-dir.js';
import { createOnnxScorer, type OnnxScorer } from './scorer.js';

const WORDS = 'the quick brown fox jumps over the lazy dog while explaining congestion windows'.split(' ');
const say = (i: number, n: number) =>
  Array.from({ length: n }, (_, j) => WORDS[(i * 7 + j * 3) % WORDS.length]).join(' ');
/** 2,000 turns of 20 words: about 250 KB. */
const longChat: ChatCompletionMessageParam[] = Array.from({ length: 2000 }, (_, i) => ({
  role: i % 2 ? 'assistant' : 'user',
  content: `${say(i, 20)} ${i}.`,
}));
/** One 400 KB message. */
const bigMessage: ChatCompletionMessageParam[] = [
  { role: 'user', content: 'The quick brown fox jumps over the lazy dog. '.repeat(9000) },
];
/** 100,000 dashes: one pre-token, the slowest kind of text for a BPE tokenizer. */
const oneLongWord: ChatCompletionMessageParam[] = [{ role: 'user', content: '-'.repeat(100_000) }];
const responses = (n: number) => Array.from({ length: n }, (_, k) => say(k, 15 + 10 * k));

let scorer: OnnxScorer;
beforeAll(async () => {
  scorer = await createOnnxScorer({ modelDir: await ensureReferenceModel(), device: 'cpu', logger: console });
}, 240_000);
afterAll(() => scorer.close());

describe('event loop while scoring large inputs', () => {
  it('Should keep the event loop delay far below the seconds the work takes', async () => {
    const delay = monitorEventLoopDelay({ resolution: 10 });
    delay.enable();
    // The histogram records a delay from its second tick on: let it tick before the work starts.
    await new Promise((resolve) => setTimeout(resolve, 100));
    const started = performance.now();
    const [chatRows, bigRows, wordRows, prepared] = await Promise.all([
      scorer.score(responses(5).map((response) => ({ messages: longChat, response }))),
      scorer.score(responses(5).map((response) => ({ messages: bigMessage, response }))),
      scorer.score(responses(2).map((response) => ({ messages: oneLongWord, response }))),
      scorer.prepare(longChat),
    ]);
    const workMs = performance.now() - started;
    delay.disable();
    prepared.release();
    const maxMs = delay.max / 1e6;
    console.log(
      `scored 2,000 turns, 400 KB and 100,000 dashes in ${workMs.toFixed(0)} ms; event loop delay ` +
        `p50 ${(delay.percentile(50) / 1e6).toFixed(1)} ms, p99 ${(delay.percentile(99) / 1e6).toFixed(1)} ms, max ${maxMs.toFixed(1)} ms`,
    );
    // The work was real: every row scored, the conversation measured in full (about 57,000 tokens).
    for (const rows of [chatRows, bigRows, wordRows]) expect(rows.flat().every(Number.isFinite)).toBe(true);
    expect(prepared.tokens).toBeGreaterThan(50_000);
    expect(maxMs).toBeLessThan(1000);
  });
});
