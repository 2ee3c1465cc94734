import type { CandidateReport, PartialScore } from '../core/types.js';
import { createRandom as random } from './prng.js';
import { PruneForecast } from './prune-forecast.js';

const ATTRIBUTES = ['helpfulness', 'verbosity'];
const SCHEDULE = [64, 128];

/**
 * One synthetic uncut run of k candidates. Within a request the final scores follow an exact linear law of the
 * partial scores and the direction; each request adds its own offset (prompts differ), which the forecast must not
 * mistake for a slope.
 */
function learningRun(rand: () => number, k = 6): CandidateReport[] {
  const offset = [100 * rand(), 100 * rand()];
  return Array.from({ length: k }, (_, index) => {
    const angle = (Math.PI / 3) * rand();
    const direction = [Math.cos(angle), Math.sin(angle)];
    const partials: PartialScore[] = SCHEDULE.map((tokens, round) => {
      const scores = { helpfulness: 40 + 40 * rand(), verbosity: 20 + 10 * rand() };
      return { round, tokens, finished: false, scores, projection: 0, atMs: 0 };
    });
    const last = partials.at(-1)!.scores;
    // The law at the last point: helpfulness carries over at 0.8; verbosity comes from the direction, not the prefix.
    const final = {
      helpfulness: offset[0]! + 0.8 * last.helpfulness!,
      verbosity: offset[1]! + 0.1 * last.verbosity! + 50 * direction[1]!,
    };
    return {
      index,
      direction: { vector: direction, weights: {}, offsetDeg: 0 },
      status: 'ok',
      chosen: false,
      latencyMs: 0,
      scores: final,
      partials,
    } satisfies CandidateReport;
  });
}

describe('PruneForecast: when a request learns', () => {
  it('learns until every decision point has minRuns runs, then forecasts; one in 1/share still learns', () => {
    const forecast = new PruneForecast({ minRuns: 3, share: 0.25 });
    const rand = random(1);
    const modes: string[] = [];
    for (let i = 0; i < 12; i++) {
      const plan = forecast.plan('m', SCHEDULE);
      modes.push(plan.mode);
      if (plan.mode === 'learning') forecast.observe('m', SCHEDULE, learningRun(rand), ATTRIBUTES);
    }
    expect(modes.slice(0, 3)).toEqual(['learning', 'learning', 'learning']);
    // Requests 4, 8 and 12 are the refresh runs (one in four).
    expect(modes.slice(3)).toEqual([
      'learning',
      'forecasting',
      'forecasting',
      'forecasting',
      'learning',
      'forecasting',
      'forecasting',
      'forecasting',
      'learning',
    ]);
    expect(forecast.runs('m', 64)).toBe(6);
  });

  it('keeps what it learned per upstream model and decision point', () => {
    const forecast = new PruneForecast({ minRuns: 2, share: 0 });
    const rand = random(2);
    for (let i = 0; i < 2; i++) forecast.observe('a', SCHEDULE, learningRun(rand), ATTRIBUTES);
    expect(forecast.plan('a', SCHEDULE).mode).toBe('forecasting');
    expect(forecast.plan('b', SCHEDULE).mode).toBe('learning');
    expect(forecast.plan('a', [64, 128, 256]).mode).toBe('learning');
  });

  it('holds at most maxMaps maps, dropping the least recently used (clients choose models and schedules)', () => {
    const forecast = new PruneForecast({ minRuns: 1, share: 0, maxMaps: 4 });
    const rand = random(3);
    for (let i = 0; i < 10; i++) forecast.observe(`model-${i}`, SCHEDULE, learningRun(rand), ATTRIBUTES);
    const kept = Array.from({ length: 10 }, (_, i) => forecast.runs(`model-${i}`, 64));
    expect(kept).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 1, 1]);
  });

  it('learns only from partial answers of candidates that finished ok; a point answers rarely reach ranks raw', () => {
    const forecast = new PruneForecast({ minRuns: 10, share: 0 });
    const rand = random(4);
    for (let i = 0; i < 10; i++) {
      const run = learningRun(rand, 4);
      run[0]!.status = 'failed';
      // Only one candidate was still partial at 128 (the others had finished): nothing to compare there.
      for (const c of run.slice(1, 3))
        c.partials = c.partials!.map((p) => (p.round === 1 ? { ...p, finished: true } : p));
      forecast.observe('m', SCHEDULE, run, ATTRIBUTES);
    }
    expect([forecast.runs('m', 64), forecast.runs('m', 128)]).toEqual([10, 10]);
    // Runs count at every point, so the request is not kept learning by a point its answers rarely reach.
    const plan = forecast.plan('m', SCHEDULE);
    if (plan.mode !== 'forecasting') throw new Error('still learning');
    expect(plan.forecast(64, [50, 25], [1, 0])).toHaveLength(2); // 30 rows from candidates 1–3
    expect(plan.forecast(128, [50, 25], [1, 0])).toBeUndefined();
  });

  it('never learns from a non-finite score, and never forecasts one', () => {
    const forecast = new PruneForecast({ minRuns: 5, share: 0 });
    const rand = random(6);
    for (let i = 0; i < 5; i++) {
      const run = learningRun(rand);
      run[0]!.scores = { helpfulness: Number.NaN, verbosity: 10 };
      forecast.observe('m', SCHEDULE, run, ATTRIBUTES);
    }
    const plan = forecast.plan('m', SCHEDULE);
    if (plan.mode !== 'forecasting') throw new Error('still learning');
    expect(plan.forecast(64, [50, 25], [1, 0])!.every(Number.isFinite)).toBe(true);
    expect(plan.forecast(64, [Number.POSITIVE_INFINITY, 25], [1, 0])).toBeUndefined();
  });
});

describe('PruneForecast: what it forecasts', () => {
  it('recovers the within-request law, and ranks by where answers are heading rather than where they stand', () => {
    const forecast = new PruneForecast({ minRuns: 40, share: 0 });
    const rand = random(5);
    for (let i = 0; i < 40; i++) forecast.observe('m', SCHEDULE, learningRun(rand), ATTRIBUTES);
    const plan = forecast.plan('m', SCHEDULE);
    if (plan.mode !== 'forecasting') throw new Error('still learning');
    const at = (scores: number[], angleDeg: number) => {
      const a = (angleDeg * Math.PI) / 180;
      return plan.forecast(128, scores, [Math.cos(a), Math.sin(a)])!;
    };
    // Differences between candidates follow the law exactly (the per-request offsets cancel out).
    const [h1, v1] = at([60, 25], 10);
    const [h2, v2] = at([70, 25], 50);
    expect(h2! - h1!).toBeCloseTo(0.8 * 10, 1);
    expect(v2! - v1!).toBeCloseTo(50 * (Math.sin((50 * Math.PI) / 180) - Math.sin((10 * Math.PI) / 180)), 1);
    // A longer prefix says little about final verbosity here; the direction says a lot.
    const [, vLong] = at([60, 30], 10);
    expect(vLong! - v1!).toBeCloseTo(0.5, 1);
  });
});
