/**
 * The request deadline covers every stage, scoring included, with the real ONNX scorer: a request whose
 * conversation is still being measured, or whose candidates wait for a batch, gets its 504 when the deadline fires
 * (while the work is still under way), and the scorer then stops that work: the running encode job is cancelled and
 * queued batch items are dropped.
 */
import { DeadlineExceededError } from '../core/errors.js';
import type { ChatCompletionMessageParam } from '../core/openai.js';
import { createOnnxScorer, type OnnxScorer } from '../scorers/onnx/scorer.js';
import { ensureReferenceModel } from '../scorers/reference/model-dir.js';
import { startSimulatedUpstream, type SimulatedUpstream } from '../upstream-sim/index.js';
import { createSelector } from './create-selector.js';
import { createOpenAICompatibleGenerator } from './generators/openai-compatible.js';

const quiet = { info() {}, warn() {} };
const until = async (test: () => boolean) => {
  while (!test()) await new Promise((r) => setTimeout(r, 10));
};

let sim: SimulatedUpstream;
let scorer: OnnxScorer;
beforeAll(async () => {
  sim = await startSimulatedUpstream();
  // Batches wait a minute for company unless full: a candidate's scoring waits in the queue until the deadline.
  scorer = await createOnnxScorer({
    modelDir: await ensureReferenceModel(),
    device: 'cpu',
    logger: quiet,
    tokenizerWorkers: 1,
    batching: { maxWaitMs: 60_000 },
  });
}, 240_000);
afterAll(async () => {
  await scorer.close();
  await sim.close();
});

const engine = (deadlineMs: number) =>
  createSelector({ generator: createOpenAICompatibleGenerator({ baseUrl: sim.url }), scorer, deadlineMs });

describe('deadline over scoring', () => {
  it('Should answer 504 while a long conversation is still being measured, and cancel the measuring', async () => {
    const before = scorer.encodeStats.cancelled;
    // 6,000 turns (about 500 KB): seconds of measuring even on a fast machine, against a 200 ms deadline.
    const messages: ChatCompletionMessageParam[] = Array.from({ length: 6000 }, (_, i) => ({
      role: i % 2 ? 'assistant' : 'user',
      content: `turn ${i}: the quick brown fox jumps over the lazy dog while the congestion window grows`,
    }));
    const err = await engine(200)
      .select({ params: { model: 'sim', messages } })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeadlineExceededError);
    expect((err as DeadlineExceededError).status).toBe(504);
    // The answer came while the encode job was running: it was cancelled, not left to finish.
    await until(() => scorer.encodeStats.pending === 0);
    expect(scorer.encodeStats.cancelled).toBe(before + 1);
  });

  it('Should answer 504 while candidates wait for a batch, and drop them from the queue', async () => {
    const request = engine(1500)
      .select({ params: { model: 'sim', messages: [{ role: 'user', content: 'How do I keep basil alive?' }] } })
      .catch((e: unknown) => e);
    await until(() => scorer.stats.queued > 0); // the candidates reached the scorer's queue
    const err = await request;
    expect(err).toBeInstanceOf(DeadlineExceededError);
    expect(scorer.stats.queued).toBe(0);
    expect(scorer.stats.inFlight).toBe(0);
    expect(scorer.stats.items).toBe(0); // no batch ever ran
  });
});
