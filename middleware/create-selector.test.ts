import { InvalidRequestError } from '../core/errors.js';
import type { ChatCompletionCreateParams } from '../core/openai.js';
import type { ScoreInput } from '../core/ports.js';
import { createFunctionScorer } from '../scorers/function.js';
import { startSimulatedUpstream, type SimulatedUpstream } from '../upstream-sim/index.js';
import { createSelector } from './create-selector.js';
import { createOpenAICompatibleGenerator } from './generators/openai-compatible.js';

const QUESTION = 'How should I water succulents during a hot summer?';
const params: ChatCompletionCreateParams = {
  model: 'sim',
  messages: [
    { role: 'system', content: 'Answer as a gardener.' },
    { role: 'user', content: QUESTION },
  ],
};

let sim: SimulatedUpstream;
beforeAll(async () => {
  sim = await startSimulatedUpstream({ record: true });
});
afterAll(() => sim.close());
beforeEach(() => sim.reset());

/** Helpfulness ≈ share of the question's words reused; verbosity ≈ length. Records every call. */
function heuristicScorer() {
  const calls: ScoreInput[][] = [];
  const words: string[] = QUESTION.toLowerCase().match(/[a-z]{4,}/g) ?? [];
  const scorer = createFunctionScorer({
    attributes: ['helpfulness', 'verbosity'],
    score: ({ response }) => {
      const tokens = response.toLowerCase().match(/[a-z]{4,}/g) ?? [];
      const reused = tokens.filter((t) => words.includes(t)).length;
      return { helpfulness: (100 * reused) / Math.max(1, tokens.length), verbosity: response.length / 20 };
    },
  });
  return {
    calls,
    scorer: {
      ...scorer,
      score: (inputs: readonly ScoreInput[], o?: { signal?: AbortSignal }) => (
        calls.push([...inputs]),
        scorer.score(inputs, o)
      ),
    },
  };
}

function selector(overrides: Partial<Parameters<typeof createSelector>[0]> = {}) {
  const { scorer, calls } = heuristicScorer();
  return {
    calls,
    selector: createSelector({
      generator: createOpenAICompatibleGenerator({ baseUrl: sim.url }),
      scorer,
      ...overrides,
    }),
  };
}

const directiveOf = (body: ChatCompletionCreateParams | undefined) =>
  String(body?.messages[0]?.content).split('\n\n')[0];

describe('createSelector: rps', () => {
  it('generates k candidates on the authors’ grid, scores them in one call, picks the best projection on the target', async () => {
    const { selector: s, calls } = selector();
    const seen: number[] = [];
    const selection = await s.select(
      { params, preference: { angle_deg: 30 } },
      { onCandidate: (c) => seen.push(c.index) },
    );
    expect(selection.strategy).toBe('rps');
    expect(selection.candidates.map((c) => c.direction?.angleDeg)).toEqual([30, 25, 35, 20, 40]);
    expect(sim.received.map((r) => directiveOf(r.body)).sort()).toEqual(
      ['87*50', '91*42', '82*57', '94*34', '77*64']
        .map(
          (w) =>
            `You are a helpful assistant. Your response should maximize weighted rating = helpfulness*${w.split('*')[0]} + verbosity*${w.split('*')[1]}.`,
        )
        .sort(),
    );
    expect(calls).toHaveLength(1);
    expect(calls[0]).toHaveLength(5);
    expect(calls[0]![0]!.messages).toEqual(params.messages); // the scorer sees the client's conversation, no directive
    expect(seen.sort()).toEqual([0, 1, 2, 3, 4]);

    const best = Math.max(...selection.candidates.map((c) => c.projection!));
    expect(selection.chosen.projection).toBe(best);
    expect(selection.ranked[0]).toBe(selection.chosen);
    expect(selection.ranked.map((c) => c.rank)).toEqual([0, 1, 2, 3, 4]);
    for (const c of selection.candidates) {
      expect(c).toMatchObject({
        status: 'ok',
        scores: { helpfulness: expect.any(Number), verbosity: expect.any(Number) },
        latencyMs: expect.any(Number),
      });
      expect(c.projection).toBeCloseTo(
        c.scores!.helpfulness! * Math.cos(Math.PI / 6) + c.scores!.verbosity! * Math.sin(Math.PI / 6),
        9,
      );
      expect(c.message?.content).toBe(c.completion?.choices[0]?.message.content);
      expect(c.usage?.total_tokens).toBeGreaterThan(0);
      expect(c.chosen).toBe(c === selection.chosen);
    }
    expect(selection.usage.total_tokens).toBe(selection.candidates.reduce((sum, c) => sum + c.usage!.total_tokens, 0));
    expect(selection.timings.totalMs).toBeGreaterThanOrEqual(selection.timings.generationMs);
  });

  it('forwards client parameters unchanged; seed + index; default temperature only when absent; never n/stream', async () => {
    const { selector: s } = selector();
    const client = {
      ...params,
      max_tokens: 80,
      max_completion_tokens: 70,
      temperature: 0.2,
      top_p: 0.8,
      stop: ['###'],
      seed: 100,
      user: 'u-1',
      n: 3,
      stream: true,
    };
    await s.select({ params: client, selection: { k: 3 } });
    const bodies = sim.received.map((r) => r.body!);
    expect(bodies.map((b) => b.seed).sort()).toEqual([100, 101, 102]);
    for (const body of bodies) {
      expect(body).toMatchObject({
        model: 'sim',
        max_tokens: 80,
        max_completion_tokens: 70,
        temperature: 0.2,
        top_p: 0.8,
        stop: ['###'],
        user: 'u-1',
      });
      expect(body).not.toHaveProperty('n');
      expect(body).not.toHaveProperty('stream');
    }
    sim.reset();
    await s.select({ params, selection: { k: 2, seed: 9 } });
    expect(sim.received.map((r) => r.body!.temperature)).toEqual([0.7, 0.7]);
    expect(sim.received.map((r) => r.body!.seed!).sort((a, b) => a - b)).toEqual([9, 10]);
  });

  it('directive placement: system merges (caller text kept), user prefixes the last user turn', async () => {
    const { selector: s } = selector();
    await s.select({ params, selection: { k: 1 } });
    const system = sim.received[0]!.body!.messages;
    expect(system).toHaveLength(2);
    expect(system[0]).toEqual({
      role: 'system',
      content: expect.stringMatching(
        /^You are a helpful assistant\. .*helpfulness\*100 \+ verbosity\*0\.\n\nAnswer as a gardener\.$/,
      ),
    });
    sim.reset();
    await s.select({ params, selection: { k: 1, directive_placement: 'user' } });
    const user = sim.received[0]!.body!.messages;
    expect(user[0]).toEqual(params.messages[0]);
    expect(user[1]).toEqual({
      role: 'user',
      content: expect.stringMatching(
        new RegExp(`^You are a helpful assistant\\..*\\.\\n\\n${QUESTION.replace('?', '\\?')}$`),
      ),
    });
  });

  it('cap mode for three attributes: k seeded directions, the target first', async () => {
    const scorer = createFunctionScorer({
      attributes: ['helpfulness', 'verbosity', 'honesty'],
      score: () => [1, 1, 1],
    });
    const s = createSelector({ generator: createOpenAICompatibleGenerator({ baseUrl: sim.url }), scorer });
    const a = await s.select({
      params,
      preference: { helpfulness: 1, honesty: 1, verbosity: 0.5 },
      selection: { k: 4, radius_deg: 20 },
    });
    const b = await s.select({
      params,
      preference: { helpfulness: 1, honesty: 1, verbosity: 0.5 },
      selection: { k: 4, radius_deg: 20 },
    });
    expect(a.candidates.map((c) => c.direction)).toEqual(b.candidates.map((c) => c.direction));
    expect(a.candidates[0]!.direction).toEqual({ ...a.target, source: 'cap' });
    expect(a.candidates.every((c) => c.direction!.offsetDeg <= 20 + 1e-9)).toBe(true);
    expect(directiveOf(sim.received[0]!.body)).toMatch(/helpfulness\*\d+ \+ verbosity\*\d+ \+ honesty\*\d+\.$/);
  });

  it('ties: smaller offset from the target first, then lower index', async () => {
    const flat = createFunctionScorer({ attributes: ['helpfulness', 'verbosity'], score: () => [50, 50] });
    const s = createSelector({ generator: createOpenAICompatibleGenerator({ baseUrl: sim.url }), scorer: flat });
    const rps = await s.select({
      params,
      preference: { angle_deg: 10 },
      selection: { neighbourhood: 'cap', k: 5, radius_deg: 20 },
    });
    expect(rps.candidates.map((c) => c.direction!.offsetDeg)).toEqual([0, 10, 10, 20, 20]);
    expect(rps.ranked.map((c) => c.index)).toEqual([0, 1, 2, 3, 4]);
    expect(rps.chosen.index).toBe(0);
  });
});

describe('createSelector: best_of_n and none', () => {
  it('best_of_n: k candidates all at the target, distinct seeds', async () => {
    const { selector: s } = selector();
    const selection = await s.select({
      params,
      preference: { helpfulness: 0.8, verbosity: 0.6 },
      selection: { strategy: 'best_of_n', k: 3 },
    });
    const atTarget = { ...selection.target, source: 'target' };
    expect(selection.candidates.map((c) => c.direction)).toEqual([atTarget, atTarget, atTarget]);
    expect(new Set(sim.received.map((r) => directiveOf(r.body)))).toEqual(
      new Set([
        'You are a helpful assistant. Your response should maximize weighted rating = helpfulness*80 + verbosity*60.',
      ]),
    );
    expect(new Set(sim.received.map((r) => r.body!.seed)).size).toBe(3);
  });

  it('none: one pass-through call, body unchanged (n, tools, response_format), no directive, no scoring', async () => {
    const { selector: s, calls } = selector();
    const client = {
      ...params,
      n: 2,
      tools: [{ type: 'function', function: { name: 'f', parameters: {} } }],
      response_format: { type: 'text' },
      temperature: 1.1,
    };
    const selection = await s.select({ params: client, selection: { strategy: 'none' } });
    expect(sim.received).toHaveLength(1);
    expect(sim.received[0]!.body).toEqual(client);
    expect(calls).toHaveLength(0);
    expect(selection.candidates).toHaveLength(1);
    expect(selection.chosen).toMatchObject({ index: 0, direction: null, status: 'ok', rank: 0, chosen: true });
    expect(selection.chosen.completion!.choices).toHaveLength(2);
    expect(selection.chosen.scores).toBeUndefined();
    expect(selection.timings.scoringMs).toBe(0);
  });
});

describe('createSelector: validation', () => {
  it.each([
    [{ selection: { k: 0 } }, 'selection.k'],
    [{ selection: { k: 65 } }, 'selection.k'],
    [{ selection: { k: 2.5 } }, 'selection.k'],
    [{ selection: { radius_deg: 0 } }, 'selection.radius_deg'],
    [{ selection: { radius_deg: 91 } }, 'selection.radius_deg'],
    [{ selection: { strategy: 'greedy' } }, 'selection.strategy'],
    [{ selection: { temperature: -1 } }, 'selection.temperature'],
    [{ selection: { kk: 3 } }, 'selection.kk'],
    [{ preference: { speed: 1 } }, 'preference.speed'],
    [{ preference: { helpfulness: 1, verbosity: 1 }, selection: { neighbourhood: 'grid', k: 2 } }, null],
  ])('%j → param %s', async (request, param) => {
    const { selector: s } = selector();
    const attempt = s.select({ params, ...(request as object) });
    if (param === null) {
      await expect(attempt).resolves.toBeDefined();
      return;
    }
    const err = await attempt.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidRequestError);
    expect(err).toMatchObject({ status: 400, param });
    expect(sim.received).toHaveLength(0);
  });

  it('grid needs two active attributes; defaults are validated at creation', async () => {
    const scorer = createFunctionScorer({
      attributes: ['helpfulness', 'verbosity', 'honesty'],
      score: () => [1, 1, 1],
    });
    const generator = createOpenAICompatibleGenerator({ baseUrl: sim.url });
    const s = createSelector({ generator, scorer });
    await expect(
      s.select({
        params,
        preference: { helpfulness: 1, verbosity: 1, honesty: 1 },
        selection: { neighbourhood: 'grid' },
      }),
    ).rejects.toMatchObject({
      param: 'selection.neighbourhood',
    });
    // A bad default is the embedding code's mistake: a TypeError, in the words a request with that value gets.
    expect(() => createSelector({ generator, scorer, defaults: { k: 100 } })).toThrow(
      new TypeError('Invalid `defaults.k`: must be an integer in [1, 16]; got 100.'),
    );
    expect(() => createSelector({ generator, scorer, maxK: 64, defaults: { k: 64 } })).not.toThrow();
    expect(() => createSelector({ generator, scorer, defaults: { preference: { x: 1 } } })).toThrow(
      new TypeError(
        'Invalid `defaults.preference.x`: unknown attribute "x"; valid attributes: helpfulness, verbosity, honesty.',
      ),
    );
    // Numeric options: one TypeError wording (p-queue's), naming the option and its range.
    expect(() => createSelector({ generator, scorer, maxK: 100 })).toThrow(
      new TypeError('Expected `maxK` to be an integer in [1, 64], got `100` (number)'),
    );
    expect(() => createSelector({ generator, scorer, deadlineMs: -1 })).toThrow(
      new TypeError('Expected `deadlineMs` to be a number above 0, got `-1` (number)'),
    );
    expect(() => createSelector({ generator, scorer, maxQueuedUpstream: 1.5 })).toThrow(
      new TypeError('Expected `maxQueuedUpstream` to be an integer from 0 and up, got `1.5` (number)'),
    );
    expect(() => createSelector({ generator, scorer, retry: { maxRetries: -1 } })).toThrow(/`retry.maxRetries`/);
    expect(createSelector({ generator, scorer }).limits).toEqual({ maxK: 16 });
    expect(createSelector({ generator, scorer }).defaults).toMatchObject({
      strategy: 'rps',
      k: 5,
      radius_deg: 30,
      seed: 42,
      temperature: 0.7,
      directive_placement: 'system',
      preference: { angle_deg: 0 },
    });
    const other = createFunctionScorer({ attributes: ['a', 'b'], score: () => [1, 1] });
    expect(createSelector({ generator, scorer: other }).defaults.preference).toEqual({ a: 1 });
  });
});
