import type { ChatCompletionCreateParams } from '../core/openai.js';
import type { ScoreInput } from '../core/ports.js';
import type { EarlyWinner } from '../core/selector.js';
import { createFunctionScorer } from '../scorers/function.js';
import { startSimulatedUpstream, type SimulatedUpstream } from '../upstream-sim/index.js';
import { createSelector } from './create-selector.js';
import { createOpenAICompatibleGenerator } from './generators/openai-compatible.js';
import { PruneForecast } from './prune-forecast.js';
import { approximateTokens } from './stream-candidates.js';

const QUESTION = 'How should I water succulents during a hot summer?';
const params: ChatCompletionCreateParams = { model: 'sim', messages: [{ role: 'user', content: QUESTION }] };

// Long answers (about 30–50 sentences, 400–700 tokens), streamed at 200 tokens/s: a decision at 64–256 tokens comes
// long before an answer would have finished (2–3 s), however slowly this shared machine reads the streams.
let sim: SimulatedUpstream;
beforeAll(async () => {
  sim = await startSimulatedUpstream({ lengthScale: 6, tokensPerSecond: 200, record: true });
});
afterAll(() => sim.close());
beforeEach(() => sim.reset());

/** Helpfulness = share of the question's words reused; verbosity = length. Records every scorer call. */
function recordingScorer() {
  const calls: ScoreInput[][] = [];
  const words: string[] = QUESTION.toLowerCase().match(/[a-z]{4,}/g) ?? [];
  const inner = createFunctionScorer({
    attributes: ['helpfulness', 'verbosity'],
    score: ({ response }) => {
      const tokens = response.toLowerCase().match(/[a-z]{4,}/g) ?? [];
      const reused = tokens.filter((t) => words.includes(t)).length;
      return { helpfulness: (100 * reused) / Math.max(1, tokens.length), verbosity: response.length / 50 };
    },
  });
  const scorer = {
    ...inner,
    score: (inputs: readonly ScoreInput[], o?: { signal?: AbortSignal }) => (
      calls.push([...inputs]),
      inner.score(inputs, o)
    ),
  };
  return { calls, scorer };
}

function pruningSelector(
  options: { continuousUsageStats?: boolean; streamStallMs?: number; pruneForecast?: PruneForecast } = {},
) {
  const { calls, scorer } = recordingScorer();
  const selector = createSelector({
    generator: createOpenAICompatibleGenerator({
      baseUrl: sim.url,
      ...(options.continuousUsageStats ? { continuousUsageStats: true } : {}),
    }),
    scorer,
    defaults: { preference: { angle_deg: 20 } },
    ...(options.streamStallMs ? { streamStallMs: options.streamStallMs } : {}),
    ...(options.pruneForecast ? { pruneForecast: options.pruneForecast } : {}),
  });
  return { calls, selector };
}

describe('progressive pruning: the off switch', () => {
  it('off (the default, or prune: false) makes whole non-streaming calls and reports no pruning', async () => {
    const { selector, calls } = pruningSelector();
    const byDefault = await selector.select({ params, selection: { k: 4 } });
    const off = await selector.select({ params, selection: { k: 4, prune: false } });
    expect(byDefault.pruning).toBeUndefined();
    expect(off.pruning).toBeUndefined();
    expect(sim.received.every((r) => r.body?.stream === undefined && r.body?.stream_options === undefined)).toBe(true);
    expect(off.candidates.every((c) => c.status === 'ok' && c.usageSource === undefined)).toBe(true);
    expect(off.chosen.message?.content).toBe(byDefault.chosen.message?.content);
    expect(calls.map((c) => c.length)).toEqual([4, 4]);
    expect(sim.aborted).toBe(0);
  });
});

describe('progressive pruning: nothing to cut', () => {
  it('a token limit at or below the first decision point runs the candidates whole', async () => {
    const { selector } = pruningSelector();
    const selection = await selector.select({
      params: { ...params, max_tokens: 64 },
      selection: { k: 3, prune: true },
    });
    expect(selection.pruning).toBeUndefined();
    expect(sim.received.every((r) => r.body?.stream === undefined)).toBe(true);
  });
});

describe('progressive pruning: schedule and cancellation', () => {
  it('by default halves the live candidates at 192 and 320 tokens and lets the last two finish', async () => {
    const { selector, calls } = pruningSelector();
    const selection = await selector.select({ params, selection: { k: 8, prune: true } });
    expect(selection.pruning?.rounds.map((r) => [r.tokens, r.live.length, r.kept.length])).toEqual([
      [192, 8, 4],
      [320, 4, 2],
    ]);
    // The choice is made on whole answers: both survivors finished and were scored in full.
    expect(selection.pruning?.committed).toBeNull();
    expect(calls.at(-1)).toHaveLength(2);
    expect(selection.candidates.filter((c) => c.status === 'ok')).toHaveLength(2);
  });

  it('commit_at_last: the last decision point keeps one, which streams early, for any k', async () => {
    const { selector } = pruningSelector();
    const winners: EarlyWinner[] = [];
    const selection = await selector.select(
      { params, selection: { k: 16, prune: { schedule: [64, 128, 256], commit_at_last: true } } },
      { onCommit: (w) => winners.push(w) },
    );
    expect(selection.pruning?.rounds.map((r) => [r.tokens, r.live.length, r.kept.length])).toEqual([
      [64, 16, 8],
      [128, 8, 4],
      [256, 4, 1],
    ]);
    expect(selection.pruning?.committed).toMatchObject({ index: selection.chosen.index, reason: 'last' });
    expect(winners.map((w) => w.index)).toEqual([selection.chosen.index]);
  });

  it('halves the live candidates at 64, 128 and 256 tokens in one scorer call each and aborts the losers at once', async () => {
    const { selector, calls } = pruningSelector();
    const selection = await selector.select({ params, selection: { k: 8, prune: { schedule: [64, 128, 256] } } });
    const { pruning } = selection;
    expect(pruning?.rounds.map((r) => [r.tokens, r.live.length, r.kept.length])).toEqual([
      [64, 8, 4],
      [128, 4, 2],
      [256, 2, 1],
    ]);
    // One batched call per decision point, then the survivor's full text; partial inputs are cut near the point.
    expect(calls.map((c) => c.length)).toEqual([8, 4, 2, 1]);
    calls.slice(0, 3).forEach((inputs, round) => {
      for (const { response } of inputs) {
        expect(approximateTokens(response)).toBeGreaterThanOrEqual([64, 128, 256][round]!);
        expect(approximateTokens(response)).toBeLessThan([64, 128, 256][round]! + 20);
      }
    });
    const pruned = selection.candidates.filter((c) => c.status === 'pruned');
    expect(pruned).toHaveLength(7);
    for (const c of pruned) {
      const round = pruning!.rounds[c.pruned!.round]!;
      expect(round.pruned).toContain(c.index);
      expect(c.pruned!.tokens).toBeGreaterThanOrEqual(round.tokens);
      // Cut where it stood: the partial score it lost with is the last one it got.
      expect(c.pruned!.projection).toBe(c.partials!.at(-1)!.projection);
    }
    // The survivor led every round it took part in.
    for (const round of pruning!.rounds) expect(round.kept).toContain(selection.chosen.index);
    expect(selection.ranked).toEqual([selection.chosen]);
    // Cancellation really stopped work: the simulator saw 7 clients leave and sent far fewer tokens than 8 answers.
    // The upstream keeps writing while a stream waits at a gate, so on a busy machine a short last-round loser can
    // be written whole before its cut; the losers of the first two rounds (cut by 128 tokens) are always left.
    await vi.waitFor(() => expect(sim.inFlight).toBe(0));
    expect(sim.aborted).toBeGreaterThanOrEqual(6);
    expect(sim.aborted).toBeLessThanOrEqual(7);
    const full = await pruningSelector().selector.select({ params, selection: { k: 8 } });
    const fullTokens = full.usage.completion_tokens;
    // About 0.3 of the full bill when every cut lands at once; chunks already in flight at the cut add to it.
    expect(sim.tokensSent - fullTokens).toBeLessThan(0.8 * fullTokens);
  });

  it('works for best_of_n and keeps at least n survivors', async () => {
    const { selector } = pruningSelector();
    const selection = await selector.select({ params, selection: { strategy: 'best_of_n', k: 6, prune: true }, n: 2 });
    expect(selection.pruning?.rounds.map((r) => r.kept.length)).toEqual([3, 2]);
    expect(selection.ranked).toHaveLength(2);
    expect(selection.pruning?.committed).toBeNull();
    expect(selection.candidates.every((c) => c.direction?.offsetDeg === 0)).toBe(true);
  });

  it('a tuned schedule and a decisive lead commit at the first decision point', async () => {
    const { selector } = pruningSelector();
    const selection = await selector.select({
      params,
      selection: { k: 5, prune: { schedule: [32], keep_fraction: 0.6, decisive_lead: 0.001 } },
    });
    expect(selection.pruning?.rounds).toHaveLength(1);
    expect(selection.pruning?.committed).toMatchObject({ index: selection.chosen.index, reason: 'lead' });
    expect(selection.candidates.filter((c) => c.status === 'pruned')).toHaveLength(4);
  });

  it('the caller leaving mid-round aborts every candidate stream', async () => {
    const { selector } = pruningSelector();
    const controller = new AbortController();
    const pending = selector.select({ params, selection: { k: 6, prune: true } }, { signal: controller.signal });
    await vi.waitFor(() => expect(sim.tokensSent).toBeGreaterThan(50));
    controller.abort(new Error('client gone'));
    await expect(pending).rejects.toThrow('client gone');
    await vi.waitFor(() => expect(sim.inFlight).toBe(0));
    await selector.onIdle();
  });
});

describe('progressive pruning: forecasts', () => {
  const fast = { schedule: [64, 128, 256], commit_at_last: true, forecast: true };

  // Answers cut at 300 tokens: long enough for every decision point, short enough for five learning runs.
  const short = { ...params, max_tokens: 300 };

  it('learning runs cut nothing and teach the forecast; later runs rank partial answers by it', async () => {
    // Five runs of four candidates: 20 partial answers per decision point, enough to fit its 4 features.
    const pruneForecast = new PruneForecast({ minRuns: 5, share: 0 });
    const { selector, calls } = pruningSelector({ pruneForecast });
    for (const seed of [1, 2, 3, 4, 5]) {
      const learning = await selector.select({ params: short, selection: { k: 4, seed, prune: fast } });
      expect(learning.pruning?.forecast).toEqual({ mode: 'learning', runs: seed - 1 });
      // Full RPS: all four scored at every decision point, run to the end and ranked on their whole answers.
      expect(learning.pruning?.rounds.map((r) => [r.tokens, r.live.length, r.kept.length])).toEqual([
        [64, 4, 4],
        [128, 4, 4],
        [256, 4, 4],
      ]);
      expect(learning.pruning?.committed).toBeNull();
      expect(learning.candidates.map((c) => c.status)).toEqual(['ok', 'ok', 'ok', 'ok']);
      expect(learning.ranked).toHaveLength(4);
    }
    expect(pruneForecast.runs('sim', 256)).toBe(5);

    calls.length = 0;
    const winners: EarlyWinner[] = [];
    const pruned = await selector.select(
      { params: short, selection: { k: 4, seed: 6, prune: fast } },
      { onCommit: (w) => winners.push(w) },
    );
    expect(pruned.pruning?.forecast).toEqual({ mode: 'forecasting', runs: 5 });
    expect(pruned.pruning?.rounds.map((r) => [r.tokens, r.live.length, r.kept.length])).toEqual([
      [64, 4, 2],
      [128, 2, 1],
    ]);
    expect(winners.map((w) => w.index)).toEqual([pruned.chosen.index]);
    // Every partial score carries its forecast, and each round kept the best forecasts, whatever the raw scores said.
    for (const round of pruned.pruning!.rounds) {
      const at = (i: number) => pruned.candidates[i]!.partials!.find((p) => p.round === round.round)!;
      const forecasts = round.live.map((i) => at(i).forecast!);
      forecasts.forEach((f) => expect(Number.isFinite(f)).toBe(true));
      const best = [...round.live].sort((a, b) => at(b).forecast! - at(a).forecast!).slice(0, round.kept.length);
      expect([...round.kept].sort()).toEqual(best.sort());
    }
    // The other requests' models learn on their own.
    const other = await selector.select({ params: { ...short, model: 'other' }, selection: { k: 4, prune: fast } });
    expect(other.pruning?.forecast).toEqual({ mode: 'learning', runs: 0 });
  });

  it('requests without forecast neither learn nor use one', async () => {
    const pruneForecast = new PruneForecast({ minRuns: 1, share: 0 });
    const { selector } = pruningSelector({ pruneForecast });
    const selection = await selector.select({
      params: short,
      selection: { k: 4, prune: { ...fast, forecast: false } },
    });
    expect(selection.pruning?.forecast).toBeNull();
    expect(selection.pruning?.rounds.at(-1)?.kept).toHaveLength(1);
    expect(selection.candidates.flatMap((c) => c.partials ?? []).some((p) => p.forecast !== undefined)).toBe(false);
    expect(pruneForecast.runs('sim', 64)).toBe(0);
  });
});

describe('progressive pruning: accounting', () => {
  it('usage sums every candidate: finished ones as the upstream billed them, cut ones as counted', async () => {
    const { selector } = pruningSelector();
    const selection = await selector.select({ params, selection: { k: 8, prune: true } });
    const sum = selection.candidates.reduce((s, c) => s + (c.usage?.completion_tokens ?? 0), 0);
    expect(selection.usage.completion_tokens).toBe(sum);
    expect(selection.pruning?.tokens.completion).toBe(sum);
    const chosen = selection.chosen;
    expect(chosen.usageSource).toBe('upstream');
    expect(chosen.usage?.completion_tokens).toBe(chosen.completionTokens);
    for (const c of selection.candidates.filter((x) => x.status === 'pruned')) {
      expect(c.usageSource).toBe('counted');
      expect(c.usage?.completion_tokens).toBe(c.completionTokens);
      // Prompt tokens of a cut stream: the sibling's upstream report (prompts differ only in the directive).
      expect(c.usage?.prompt_tokens).toBe(chosen.usage?.prompt_tokens);
    }
    const billed = selection.candidates.filter((c) => c.usageSource === 'upstream');
    expect(billed.length).toBeGreaterThanOrEqual(1);
    expect(selection.pruning?.tokens.counted).toBe(sum - billed.reduce((s, c) => s + c.usage!.completion_tokens, 0));
    expect(selection.pruning?.tokens.savedEstimate).toBeGreaterThan(0);
    // What the upstream sent includes chunks buffered after the cut, never less than what was counted.
    await vi.waitFor(() => expect(sim.inFlight).toBe(0));
    expect(sim.tokensSent).toBeGreaterThanOrEqual(sum);
  });

  it('counts what the upstream wrote while a round was being decided, not only up to the decision point', async () => {
    // A scorer that takes 300 ms per round: the upstream (200 tokens/s) writes on meanwhile, as a real one does.
    const { scorer } = recordingScorer();
    const slow = {
      ...scorer,
      score: async (inputs: readonly ScoreInput[], o?: { signal?: AbortSignal }) => {
        await new Promise((resolve) => setTimeout(resolve, 300));
        return scorer.score(inputs, o);
      },
    };
    const selector = createSelector({
      generator: createOpenAICompatibleGenerator({ baseUrl: sim.url }),
      scorer: slow,
      defaults: { preference: { angle_deg: 20 } },
    });
    const selection = await selector.select({ params, selection: { k: 8, prune: true } });
    await vi.waitFor(() => expect(sim.inFlight).toBe(0));
    const pruned = selection.candidates.filter((c) => c.status === 'pruned');
    for (const c of pruned) expect(c.usage!.completion_tokens).toBeGreaterThanOrEqual(c.pruned!.tokens);
    // Tokens received after the text each cut stream was judged on: billed by the upstream, so counted.
    const pastThePoint = pruned.reduce((sum, c) => sum + c.usage!.completion_tokens - c.pruned!.tokens, 0);
    expect(pastThePoint).toBeGreaterThan(0);
    // Only what was still on the wire at each cut goes uncounted: less than what was read past the points.
    const counted = selection.usage.completion_tokens;
    expect(sim.tokensSent).toBeGreaterThanOrEqual(counted);
    expect(sim.tokensSent - counted).toBeLessThan(pastThePoint);
  });

  it('with continuous_usage_stats the upstream’s own running count bills cut streams', async () => {
    const { selector } = pruningSelector({ continuousUsageStats: true });
    const selection = await selector.select({ params, selection: { k: 4, prune: true } });
    expect(sim.received[0]?.body?.stream_options).toEqual({ include_usage: true, continuous_usage_stats: true });
    const pruned = selection.candidates.filter((c) => c.status === 'pruned');
    expect(pruned.length).toBe(3);
    for (const c of pruned) {
      expect(c.usage?.prompt_tokens).toBeGreaterThan(0);
      expect(c.usage?.completion_tokens).toBe(c.completionTokens);
    }
  });
});

describe('progressive pruning: early commit', () => {
  it('hands over the survivor while it is still generating: its text so far, then each piece as it arrives', async () => {
    const { selector } = pruningSelector();
    let winner: EarlyWinner | undefined;
    let streamed = '';
    let reading: Promise<void> | undefined;
    const selection = await selector.select(
      { params, selection: { k: 4, prune: true } },
      {
        onCommit: (w) => {
          winner = w;
          reading = (async () => {
            for await (const piece of w.content) streamed += piece;
          })();
        },
      },
    );
    await reading;
    expect(winner).toMatchObject({ index: selection.chosen.index, reason: 'last' });
    expect(streamed).toBe(selection.chosen.message?.content);
    expect(selection.pruning?.committed?.tokens).toBeGreaterThanOrEqual(128);
    expect(selection.pruning?.committed?.tokens).toBeLessThan(selection.chosen.completionTokens!);
  });
});

describe('progressive pruning: failures during a round', () => {
  it('a candidate that breaks or stalls mid-stream is dropped, not waited for', async () => {
    const { selector } = pruningSelector({ streamStallMs: 300 });
    // Candidate i carries seed 42 + i.
    sim.inject({ dropAfterTokens: 20, match: (b) => b.seed === 43 });
    sim.inject({ stallAfterTokens: 20, match: (b) => b.seed === 45 });
    const selection = await selector.select({ params, selection: { k: 5, prune: true } });
    const [broken, stalled] = [selection.candidates[1]!, selection.candidates[3]!];
    expect(broken).toMatchObject({ status: 'failed', usageSource: 'counted' });
    expect(broken.error?.message).toMatch(/broke after \d+ tokens/);
    expect(stalled.status).toBe('failed');
    expect(stalled.error?.message).toMatch(/stalled: nothing arrived for 300 ms/);
    // They are billed what they sent, and the survivors still went through the schedule.
    expect(stalled.usage?.completion_tokens).toBeGreaterThanOrEqual(20);
    expect(selection.pruning?.rounds[0]?.live).toEqual([0, 2, 4]);
    expect(selection.chosen.status).toBe('ok');
    await vi.waitFor(() => expect(sim.inFlight).toBe(0));
  });
});
