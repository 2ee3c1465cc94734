/**
 * The input-token budget, through the real engine and the simulated upstream: a conversation over it is a 400
 * `context_length_exceeded` on `messages` before any upstream call, whether the scorer can measure tokens or only
 * the character bound applies; what the scorer prepared is handed to `score()` and released when the request ends.
 */
import { InvalidRequestError } from '../core/errors.js';
import type { ChatCompletionCreateParams, ChatCompletionMessageParam } from '../core/openai.js';
import type { CallOptions, PreparedPrompt, ScoreInput, ScoreOptions, Scorer } from '../core/ports.js';
import { createFunctionScorer } from '../scorers/function.js';
import { startSimulatedUpstream, type SimulatedUpstream } from '../upstream-sim/index.js';
import { createSelector } from './create-selector.js';
import { createOpenAICompatibleGenerator } from './generators/openai-compatible.js';
import { conversationChars, INPUT_CHARS_PER_TOKEN } from './input-budget.js';

let sim: SimulatedUpstream;
beforeAll(async () => {
  sim = await startSimulatedUpstream({ record: true });
});
afterAll(() => sim.close());
beforeEach(() => sim.reset());

const base = createFunctionScorer({
  attributes: ['helpfulness', 'verbosity'],
  score: ({ response }) => ({ helpfulness: response.length % 7, verbosity: response.length / 50 }),
});

/** A scorer that measures a conversation as one token per word, and records what the engine hands it. */
function measuringScorer() {
  const log = { prepared: 0, released: 0, prompts: [] as Array<PreparedPrompt | undefined> };
  const scorer: Scorer = {
    attributes: base.attributes,
    info: base.info,
    async prepare(messages: readonly ChatCompletionMessageParam[], _options?: CallOptions) {
      log.prepared++;
      const tokens = messages.reduce((n, m) => n + String(m.content).split(/\s+/).length, 0);
      return { tokens, release: () => void log.released++ };
    },
    score(inputs: readonly ScoreInput[], options?: ScoreOptions) {
      log.prompts.push(options?.prompt);
      return base.score(inputs, options);
    },
  };
  return { scorer, log };
}

const ask = (content: string): ChatCompletionCreateParams => ({
  model: 'sim',
  messages: [{ role: 'user', content }],
});

function engine(scorer: Scorer, maxInputTokens: number) {
  return createSelector({ generator: createOpenAICompatibleGenerator({ baseUrl: sim.url }), scorer, maxInputTokens });
}

async function refusal(promise: Promise<unknown>): Promise<InvalidRequestError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(InvalidRequestError);
  return err as InvalidRequestError;
}

describe('input-token budget', () => {
  it("Should refuse a conversation over the scorer's token count before any upstream call", async () => {
    const { scorer, log } = measuringScorer();
    const err = await refusal(engine(scorer, 20).select({ params: ask('word '.repeat(30).trim()) }));
    expect(err).toMatchObject({ status: 400, code: 'context_length_exceeded', param: 'messages' });
    expect(err.message).toMatch(/30 tokens long; this server accepts at most 20/);
    expect(sim.received).toHaveLength(0);
    expect(log).toMatchObject({ prepared: 1, released: 1 });
  });

  it('Should refuse by characters, without measuring, a conversation no tokenizer could fit', async () => {
    const { scorer, log } = measuringScorer();
    const err = await refusal(engine(scorer, 20).select({ params: ask('x'.repeat(20 * INPUT_CHARS_PER_TOKEN + 1)) }));
    expect(err).toMatchObject({ code: 'context_length_exceeded', param: 'messages' });
    expect(log.prepared).toBe(0);
    expect(sim.received).toHaveLength(0);
  });

  it('Should hold a scorer without prepare() to the character bound', async () => {
    const err = await refusal(engine(base, 10).select({ params: ask('y'.repeat(81)) }));
    expect(err.code).toBe('context_length_exceeded');
    await expect(engine(base, 10).select({ params: ask('y'.repeat(80)) })).resolves.toHaveProperty('chosen');
  });

  it('Should hand the prepared conversation to score() and release it after the request', async () => {
    const { scorer, log } = measuringScorer();
    const selection = await engine(scorer, 1000).select({ params: ask('How do I keep basil alive?') });
    expect(selection.candidates.length).toBeGreaterThan(1);
    expect(log.prompts).toHaveLength(1);
    expect(log.prompts[0]).toMatchObject({ tokens: 6 });
    expect(log).toMatchObject({ prepared: 1, released: 1 });
  });

  it('Should release the prepared conversation when the request fails after it', async () => {
    const { scorer, log } = measuringScorer();
    sim.inject({ status: 400, times: 100 });
    await expect(engine(scorer, 1000).select({ params: ask('Hello there') })).rejects.toThrow();
    expect(log).toMatchObject({ prepared: 1, released: 1 });
  });

  it('Should not measure pass-through requests (strategy none never scores)', async () => {
    const { scorer, log } = measuringScorer();
    const selection = await engine(scorer, 5).select({
      params: ask('word '.repeat(30)),
      selection: { strategy: 'none' },
    });
    expect(selection.chosen).toBeDefined();
    expect(log.prepared).toBe(0);
  });

  it('Should count the text a scorer reads: strings and text parts', () => {
    expect(
      conversationChars([
        { role: 'user', content: 'abc' },
        { role: 'user', content: [{ type: 'text', text: 'de' }, { type: 'image_url' }] },
        { role: 'assistant', content: null },
      ]),
    ).toBe(5);
  });
});
