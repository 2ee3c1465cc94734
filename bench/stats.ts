/**
 * @module stats
 * Small, dependency-free statistics for the benchmarks: order statistics over repeated runs (median, spread),
 * a Wilson score interval for win rates and a seeded percentile bootstrap for means. Everything is deterministic
 * given its inputs (the bootstrap takes a seed), so a rerun on the same data prints the same intervals.
 */

/** Median and spread of repeated measurements of one figure. */
export interface Spread {
  median: number;
  min: number;
  max: number;
  /** 25th percentile. */
  p25: number;
  /** 75th percentile. */
  p75: number;
  /** Number of runs. */
  n: number;
}

/** A point estimate with a two-sided interval. */
export interface Interval {
  value: number;
  lo: number;
  hi: number;
}

/**
 * Percentile by linear interpolation between closest ranks (the "R-7" / NumPy default rule).
 * @param values samples, any order; not modified
 * @param p percentile in [0, 100]
 * @returns NaN for an empty input
 */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (Math.min(100, Math.max(0, p)) / 100) * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  const a = sorted[lo]!;
  const b = sorted[hi]!;
  return a + (b - a) * (rank - lo);
}

/** Median of the values (NaN when empty). */
export function median(values: readonly number[]): number {
  return percentile(values, 50);
}

/** Arithmetic mean (NaN when empty). */
export function mean(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}

/** Median, min/max and interquartile range of repeated runs. */
export function spread(values: readonly number[]): Spread {
  return {
    median: median(values),
    min: values.length ? Math.min(...values) : Number.NaN,
    max: values.length ? Math.max(...values) : Number.NaN,
    p25: percentile(values, 25),
    p75: percentile(values, 75),
    n: values.length,
  };
}

/**
 * Wilson score interval for a binomial proportion; unlike the normal approximation it stays inside [0, 1] and
 * behaves at small n and at proportions near 0 or 1, which is where per-angle win rates live.
 * @param successes wins
 * @param trials wins + losses (ties excluded by the caller)
 * @param z normal quantile; default 1.96 (95%)
 * @returns NaN fields when there are no trials
 */
export function wilson(successes: number, trials: number, z = 1.96): Interval {
  if (trials <= 0) return { value: Number.NaN, lo: Number.NaN, hi: Number.NaN };
  const p = successes / trials;
  const z2 = z * z;
  const denom = 1 + z2 / trials;
  const centre = (p + z2 / (2 * trials)) / denom;
  const half = (z * Math.sqrt((p * (1 - p)) / trials + z2 / (4 * trials * trials))) / denom;
  return { value: p, lo: Math.max(0, centre - half), hi: Math.min(1, centre + half) };
}

/**
 * Mulberry32: a tiny seeded PRNG, good enough for resampling indices and reproducible across runs and machines.
 * @param seed any 32-bit integer
 * @returns a function returning uniform floats in [0, 1)
 */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Percentile bootstrap confidence interval of a statistic (the mean by default).
 * @param values the sample
 * @param options.resamples default 2000
 * @param options.level default 0.95
 * @param options.seed default 1
 * @param options.statistic default {@link mean}
 */
export function bootstrap(
  values: readonly number[],
  options: { resamples?: number; level?: number; seed?: number; statistic?: (xs: number[]) => number } = {},
): Interval {
  const { resamples = 2000, level = 0.95, seed = 1, statistic = mean } = options;
  const value = statistic([...values]);
  if (values.length < 2) return { value, lo: value, hi: value };
  const rand = seededRandom(seed);
  const stats: number[] = [];
  const buf = new Array<number>(values.length);
  for (let r = 0; r < resamples; r++) {
    for (let i = 0; i < values.length; i++) buf[i] = values[Math.floor(rand() * values.length)]!;
    stats.push(statistic(buf));
  }
  const tail = ((1 - level) / 2) * 100;
  return { value, lo: percentile(stats, tail), hi: percentile(stats, 100 - tail) };
}

/** Ratio a/b, NaN when b is 0 or either is not finite (so a failed run never prints as a huge speed-up). */
export function ratio(a: number, b: number): number {
  return Number.isFinite(a) && Number.isFinite(b) && b !== 0 ? a / b : Number.NaN;
}
