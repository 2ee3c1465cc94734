/**
 * @module quality
 * Selection quality: RPS against best-of-n at equal k, per target angle from well-covered to poorly covered
 * directions, with the engine in-process. The simulated upstream's competence falls off outside a covered range
 * (by default DPA's training range −45°…0°); the reference reward model both selects and judges, so each strategy's
 * chosen projection onto the target is exactly the quantity the paper's Theorem 1 compares, E[max S] of the pool.
 * Per angle: wins/losses/ties of RPS (win rate with ties excluded, Wilson 95% CI) and the mean target-projected
 * reward of each strategy (bootstrap 95% CI).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Selector } from '../core/selector.js';
import type { StrategyName } from '../core/types.js';
import { createBenchEngine } from './engine.js';
import { promptSet, type BenchPrompt } from './prompts.js';
import { SCHEMA, fmt, makeStamp, type Headline, type Mode, type PartResult } from './report.js';
import { bootstrap, mean, wilson, type Interval } from './stats.js';
import { lineChart } from './svg.js';

/** Options of {@link runQualityBench}. */
export interface QualityOptions {
  outDir: string;
  command: string;
  prompts: number;
  anglesDeg: number[];
  k: number;
  radiusDeg: number;
  /** The simulator's covered range of directions. */
  coverage: { fromDeg: number; toDeg: number };
  maxTokens: number;
  /** Selections in flight at once. */
  concurrency: number;
  seed: number;
}

/** Per-angle figures. */
export interface AngleResult {
  angleDeg: number;
  /** Degrees outside the covered range (0 inside). */
  outsideDeg: number;
  n: number;
  wins: number;
  losses: number;
  ties: number;
  /** RPS win rate, ties excluded, with Wilson 95% CI. */
  winRate: Interval;
  rpsMean: Interval;
  bonMean: Interval;
  /** Mean paired difference RPS − best-of-n, bootstrap 95% CI. */
  diffMean: Interval;
  /** Mean candidates that reached scoring per request (equal k means equal pools). */
  rpsCandidates: number;
  bonCandidates: number;
  failures: number;
  /** Directions RPS generated under (first prompt; the grid is the same for every prompt). */
  rpsAnglesDeg: number[];
}

/** Settings per mode. */
export function qualityPreset(mode: Mode): Omit<QualityOptions, 'outDir' | 'command'> {
  const pick = <T>(full: T, quick: T, tiny: T): T => ({ full, quick, tiny })[mode];
  return {
    prompts: pick(256, 128, 3),
    anglesDeg: pick([-30, -15, 0, 10, 20, 30, 40, 45], [-20, 0, 15, 30, 45], [0, 30]),
    k: mode === 'tiny' ? 3 : 5,
    radiusDeg: 30,
    coverage: { fromDeg: -45, toDeg: 0 },
    maxTokens: 96,
    concurrency: 8,
    seed: 42,
  };
}

/** Degrees outside [from, to]. */
export function outsideCoverage(angleDeg: number, coverage: { fromDeg: number; toDeg: number }): number {
  return Math.max(0, coverage.fromDeg - angleDeg, angleDeg - coverage.toDeg);
}

interface Outcome {
  projection: number;
  candidates: number;
  failed: number;
  /** Plane angles the candidates were generated under. */
  anglesDeg: number[];
}

async function selectOnce(
  selector: Selector,
  args: { prompt: BenchPrompt; angleDeg: number; strategy: StrategyName; opts: QualityOptions },
): Promise<Outcome> {
  const { prompt, angleDeg, strategy, opts } = args;
  const selection = await selector.select({
    params: { model: 'simulated', messages: [{ role: 'user', content: prompt.content }], max_tokens: opts.maxTokens },
    preference: { angle_deg: angleDeg },
    // Same seed for both strategies: the pools differ only in the directions they were generated under.
    selection: { strategy, k: opts.k, radius_deg: opts.radiusDeg, seed: opts.seed * 1000 + prompt.id },
  });
  const ok = selection.candidates.filter((c) => c.status === 'ok').length;
  return {
    projection: selection.chosen.projection ?? Number.NaN,
    candidates: ok,
    failed: selection.candidates.length - ok,
    anglesDeg: selection.candidates.map((c) => Math.round((c.direction?.angleDeg ?? Number.NaN) * 100) / 100),
  };
}

/** Runs `fn` over items with at most `limit` in flight, keeping input order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** Compares two projections; relative tolerance so identical picks (same text, same score) count as ties. */
export function compareScores(a: number, b: number): 1 | -1 | 0 {
  if (Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b))) return 0;
  return a > b ? 1 : -1;
}

/** Runs the benchmark; the caller writes the JSON. */
export async function runQualityBench(opts: QualityOptions): Promise<PartResult<{ angles: AngleResult[] }>> {
  const engine = await createBenchEngine({
    coverage: opts.coverage,
  });
  try {
    const prompts = promptSet(opts.prompts);
    const angles: AngleResult[] = [];
    for (const angleDeg of opts.anglesDeg) {
      const pairs = await mapLimit(prompts, opts.concurrency, async (prompt) => {
        const rps = await selectOnce(engine.selector, { prompt, angleDeg, strategy: 'rps', opts });
        const bon = await selectOnce(engine.selector, { prompt, angleDeg, strategy: 'best_of_n', opts });
        return { rps, bon };
      });
      const valid = pairs.filter((p) => Number.isFinite(p.rps.projection) && Number.isFinite(p.bon.projection));
      const cmp = valid.map((p) => compareScores(p.rps.projection, p.bon.projection));
      const wins = cmp.filter((c) => c === 1).length;
      const losses = cmp.filter((c) => c === -1).length;
      const seed = opts.seed + Math.round(angleDeg * 10);
      angles.push({
        angleDeg,
        outsideDeg: outsideCoverage(angleDeg, opts.coverage),
        n: valid.length,
        wins,
        losses,
        ties: valid.length - wins - losses,
        winRate: wilson(wins, wins + losses),
        rpsMean: bootstrap(
          valid.map((p) => p.rps.projection),
          { seed },
        ),
        bonMean: bootstrap(
          valid.map((p) => p.bon.projection),
          { seed: seed + 1 },
        ),
        diffMean: bootstrap(
          valid.map((p) => p.rps.projection - p.bon.projection),
          { seed: seed + 2 },
        ),
        rpsCandidates: mean(pairs.map((p) => p.rps.candidates)),
        bonCandidates: mean(pairs.map((p) => p.bon.candidates)),
        failures: pairs.reduce((s, p) => s + p.rps.failed + p.bon.failed, 0) + (pairs.length - valid.length),
        rpsAnglesDeg: pairs[0]?.rps.anglesDeg ?? [],
      });
      console.log(`[quality] ${angleDeg}°: RPS ${wins}-${losses} (ties ${valid.length - wins - losses})`);
    }
    return finish(opts, angles, engine.models);
  } finally {
    await engine.close();
  }
}

/** Pearson correlation (NaN when undefined). */
function pearson(xs: number[], ys: number[]): number {
  const mx = mean(xs);
  const my = mean(ys);
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  xs.forEach((x, i) => {
    const dy = ys[i]! - my;
    sxy += (x - mx) * dy;
    sxx += (x - mx) ** 2;
    syy += dy * dy;
  });
  return sxx > 0 && syy > 0 ? sxy / Math.sqrt(sxx * syy) : Number.NaN;
}

/** A sentence saying, from the data, whether RPS's advantage is largest where coverage is poorest. */
export function coverageVerdict(angles: readonly AngleResult[]): string {
  const rated = angles.filter((a) => Number.isFinite(a.winRate.value));
  if (rated.length < 2) return 'Too few angles with decided comparisons to say where RPS wins most.';
  const best = rated.reduce((m, a) => (a.winRate.value > m.winRate.value ? a : m));
  const poorest = rated.reduce((m, a) => (a.outsideDeg > m.outsideDeg ? a : m));
  const r = pearson(
    rated.map((a) => a.outsideDeg),
    rated.map((a) => a.winRate.value),
  );
  const rd = pearson(
    rated.map((a) => a.outsideDeg),
    rated.map((a) => a.diffMean.value),
  );
  const pct = (v: number) => `${fmt(v * 100)}%`;
  const yes = best.outsideDeg === poorest.outsideDeg || r > 0.5;
  return `${yes ? 'Yes' : 'No'}: RPS's win rate is highest at ${best.angleDeg}° (${pct(best.winRate.value)}, ${best.outsideDeg}° outside coverage); at the poorest-covered target ${poorest.angleDeg}° it is ${pct(poorest.winRate.value)} [${pct(poorest.winRate.lo)}, ${pct(poorest.winRate.hi)}]. Correlation of degrees-outside-coverage with win rate r = ${fmt(r, 2)}, with the mean reward gain r = ${fmt(rd, 2)}.`;
}

function finish(
  opts: QualityOptions,
  angles: AngleResult[],
  models: Record<string, unknown>,
): PartResult<{ angles: AngleResult[] }> {
  const pct = (v: number) => fmt(v * 100);
  const ci = (i: Interval, f: (v: number) => string = fmt) => `${f(i.value)} [${f(i.lo)}, ${f(i.hi)}]`;
  const rows = angles.map((a) => [
    `${a.angleDeg}°`,
    a.outsideDeg,
    `${a.wins}/${a.losses}/${a.ties}`,
    ci(a.winRate, pct),
    ci(a.rpsMean),
    ci(a.bonMean),
    ci(a.diffMean),
    `${fmt(a.rpsCandidates)} / ${fmt(a.bonCandidates)}`,
    a.rpsAnglesDeg.join(', '),
    a.failures,
  ]);
  const verdict = coverageVerdict(angles);
  const poorest = angles.reduce<AngleResult | undefined>(
    (m, a) => (!m || a.outsideDeg > m.outsideDeg ? a : m),
    undefined,
  );
  const covered = angles.filter((a) => a.outsideDeg === 0);
  const headline: Headline[] = [];
  if (poorest)
    headline.push({
      figure: `RPS win rate at ${poorest.angleDeg}° (poorest covered), k=${opts.k}`,
      value: `${pct(poorest.winRate.value)}% [${pct(poorest.winRate.lo)}, ${pct(poorest.winRate.hi)}], ties ${poorest.ties}/${poorest.n}`,
    });
  for (const a of covered.slice(-1))
    headline.push({
      figure: `RPS win rate at ${a.angleDeg}° (inside coverage)`,
      value: `${pct(a.winRate.value)}% [${pct(a.winRate.lo)}, ${pct(a.winRate.hi)}], ties ${a.ties}/${a.n}`,
    });
  headline.push({
    figure: 'RPS wins most where coverage is poorest?',
    value: verdict.split(':')[0] ?? verdict,
    target: 'paper: yes',
    met: null,
  });
  const band = { from: opts.coverage.fromDeg, to: opts.coverage.toDeg, label: 'covered' };
  const plots = ['quality-winrate.svg', 'quality-reward.svg'];
  writeFileSync(
    join(opts.outDir, plots[0]!),
    lineChart({
      title: `RPS vs best-of-n win rate (k=${opts.k}, ties excluded, Wilson 95% CI)`,
      xLabel: 'target angle, degrees',
      yLabel: 'RPS win rate',
      yMin: 0,
      yMax: 1,
      band,
      refLines: [{ y: 0.5, label: '50%' }],
      series: [
        {
          name: 'RPS win rate',
          points: angles.map((a) => ({ x: a.angleDeg, y: a.winRate.value, lo: a.winRate.lo, hi: a.winRate.hi })),
        },
      ],
    }),
  );
  writeFileSync(
    join(opts.outDir, plots[1]!),
    lineChart({
      title: 'Mean target-projected reward of the chosen answer (95% CI)',
      xLabel: 'target angle, degrees',
      yLabel: 'projected reward',
      band,
      series: [
        {
          name: 'RPS',
          points: angles.map((a) => ({ x: a.angleDeg, y: a.rpsMean.value, lo: a.rpsMean.lo, hi: a.rpsMean.hi })),
        },
        {
          name: 'best-of-n',
          dashed: true,
          points: angles.map((a) => ({ x: a.angleDeg, y: a.bonMean.value, lo: a.bonMean.lo, hi: a.bonMean.hi })),
        },
      ],
    }),
  );
  return {
    schema: SCHEMA,
    part: 'quality',
    stamp: makeStamp(opts.command),
    status: 'ok',
    config: { ...opts, outDir: undefined, command: undefined },
    models,
    headline,
    tables: [
      {
        title: `RPS vs best-of-n, k=${opts.k}, ${opts.prompts} prompts per angle, coverage ${opts.coverage.fromDeg}°…${opts.coverage.toDeg}°`,
        columns: [
          'target',
          '° outside coverage',
          'RPS W/L/T',
          'win rate % [95% CI]',
          'RPS mean reward',
          'best-of-n mean reward',
          'mean gain (RPS − BoN)',
          'candidates RPS / BoN',
          'RPS directions (°)',
          'failures',
        ],
        rows,
      },
    ],
    notes: [
      verdict,
      'Judge = the reference reward model that also selects (target-projected reward); the paper judged with GPT-4o-mini. With one model doing both, the comparison is exactly which pool has the better best candidate.',
      'Win rate excludes ties (ties reported); Wilson 95% CI. Means: percentile bootstrap, 2000 resamples, seeded. Seeds per prompt are identical for both strategies.',
      `RPS neighbourhood: the engine's default for two attributes (the authors' absolute 5° grid over −40°…40°, θmax ${opts.radiusDeg}°), listed per angle; the grid clips at 40°, so for targets above 40° every RPS candidate lies between the target and the covered range and the target itself is not sampled. Best-of-n: k samples at the target.`,
    ],
    plots,
    results: { angles },
  };
}
