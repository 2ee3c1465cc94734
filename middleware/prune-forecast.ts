/**
 * @module prune-forecast
 * Forecasts a candidate's FINAL scores from its partial scores at a decision point, learned from this selector's own
 * traffic, so pruning ranks partial answers by where they are heading rather than by where they stand.
 *
 * Why: a reward model's scores of a 64- or 256-token prefix predict its scores of the whole answer only partly, and
 * some of what decides the final ranking is not in the prefix at all (how long an answer grows is set by the
 * directive its prompt carried, not by its opening). Ranking prefixes by their raw projection lost 4–12 win-rate
 * points against full RPS on the pruning bench; the same cuts ranked by forecast lose none (README, "Progressive
 * pruning").
 *
 * What is learned: per upstream model and decision point, one linear map from [partial scores, the candidate's
 * direction vector] to its final scores, fitted within requests (each request's features and finals are centred on
 * that request's means, so only how candidates of the SAME prompt differ is learned, not how prompts differ). It is
 * a ridge regression kept as running sums (XᵀX, XᵀY): constant memory per map, no samples stored.
 *
 * Where the examples come from: requests that asked for forecasts run uncut ("learning" runs: every candidate is
 * streamed to the end and scored at every decision point, so the client gets full RPS) until a map has seen
 * `minRuns` requests, and then one request in `1 / share` keeps it current. The labels are the reward model's own
 * final scores: the forecast aims at the choice full RPS would make, and needs no ground truth.
 */
import type { ForecastPlan, PruneForecaster } from '../core/selector.js';
import type { CandidateReport } from '../core/types.js';
import { solveSpd } from './profiles/linalg.js';

/** Defaults of {@link PruneForecast}; the server and library both use them. */
export const PRUNE_FORECAST_DEFAULTS = {
  /** Learning runs a map needs before it is used (the bench: 50 runs reach full quality at k = 8). */
  minRuns: 50,
  /** Share of later requests that still run uncut to keep the maps current (1 in 50). */
  share: 0.02,
  /** Maps kept at once, least recently used dropped first: clients choose models and schedules, so this is bounded. */
  maxMaps: 256,
  /** Ridge strength, relative to each feature's own scale (so scores on 0–100 and unit vectors weigh alike). */
  ridge: 1e-3,
} as const;

/** Options of {@link PruneForecast}. */
export interface PruneForecastOptions {
  minRuns?: number;
  share?: number;
  maxMaps?: number;
  ridge?: number;
}

/** One map: the learning runs that reached its request's decision point, and running sums of what they taught. */
interface MapSums {
  /** Learning runs of requests with this point in their schedule (whether or not their answers reached it). */
  runs: number;
  /** Partial answers learned from, and their sums; undefined until the first two arrived. */
  sums?: Sums | undefined;
}

/** Running sums: centred within requests for the slopes, raw for the intercept. */
interface Sums {
  rows: number;
  p: number;
  d: number;
  /** Σ x and Σ y over all rows (raw), for the intercept. */
  sx: Float64Array;
  sy: Float64Array;
  /** Σ x̃ x̃ᵀ (p×p) and Σ x̃ ỹᵀ (p×d), x̃ and ỹ centred on their request's means. */
  xx: Float64Array;
  xy: Float64Array;
  /** The fitted map (null: unsolvable), recomputed after new rows. */
  fitted?: { w: number[]; b: number[] } | null | undefined;
}

/** Learns and applies the partial → final score maps (see the module doc). One per selector. */
export class PruneForecast implements PruneForecaster {
  private readonly maps = new Map<string, MapSums>();
  private readonly settings: Required<PruneForecastOptions>;
  private requests = 0;

  constructor(options: PruneForecastOptions = {}) {
    this.settings = { ...PRUNE_FORECAST_DEFAULTS, ...options };
  }

  /**
   * How a request with this model and schedule runs: learning while any of its decision points has a map with fewer
   * than `minRuns` runs, and then one request in `1 / share`.
   */
  plan(model: string, schedule: readonly number[]): ForecastPlan {
    const maps = schedule.map((point) => this.maps.get(key(model, point)));
    const runs = Math.min(...maps.map((m) => m?.runs ?? 0));
    this.requests++;
    const share = this.settings.share;
    const refresh = share > 0 && this.requests % Math.max(1, Math.round(1 / share)) === 0;
    if (runs < this.settings.minRuns || refresh) return { mode: 'learning', runs };
    return {
      mode: 'forecasting',
      runs,
      forecast: (point, scores, direction) => {
        const sums = this.touch(key(model, point))?.sums;
        // Too few answers ever reached this point in learning runs to fit a map: raw scores rank here.
        if (!sums || sums.rows < MIN_ROWS_PER_FEATURE * sums.p) return undefined;
        const final = predict(sums, [...scores, ...direction], this.settings.ridge);
        return final?.every(Number.isFinite) ? final : undefined;
      },
    };
  }

  /**
   * Learns from a learning run: for each decision point, the candidates that were scored there on a partial answer
   * and finished ok with final scores, when at least two can be compared. Every point counts the run, so a point the
   * answers rarely reach (short answers) does not keep requests learning forever.
   */
  observe(
    model: string,
    schedule: readonly number[],
    candidates: readonly CandidateReport[],
    attributes: readonly string[],
  ): void {
    for (const [round, point] of schedule.entries()) {
      const rows: Array<{ x: number[]; y: number[] }> = [];
      for (const c of candidates) {
        const partial = c.partials?.find((p) => p.round === round && !p.finished);
        if (c.status !== 'ok' || !partial || !c.scores) continue;
        const direction = c.direction?.vector ?? attributes.map(() => 0);
        const row = {
          x: [...attributes.map((a) => partial.scores[a] ?? 0), ...direction],
          y: attributes.map((a) => c.scores![a] ?? 0),
        };
        // One non-finite score would poison the sums for good.
        if ([...row.x, ...row.y].every(Number.isFinite)) rows.push(row);
      }
      const map = this.map(key(model, point));
      map.runs++;
      if (rows.length >= 2) map.sums = add(map.sums, rows);
    }
  }

  /** Runs learned per map, for reports and tests. */
  runs(model: string, point: number): number {
    return this.maps.get(key(model, point))?.runs ?? 0;
  }

  private touch(k: string): MapSums | undefined {
    const m = this.maps.get(k);
    if (m) {
      this.maps.delete(k);
      this.maps.set(k, m);
    }
    return m;
  }

  private map(k: string): MapSums {
    let m = this.touch(k);
    if (!m) {
      m = { runs: 0 };
      this.maps.set(k, m);
      if (this.maps.size > this.settings.maxMaps) this.maps.delete(this.maps.keys().next().value!);
    }
    return m;
  }
}

/** A map is fitted once it has this many partial answers per feature (below that, raw scores rank). */
const MIN_ROWS_PER_FEATURE = 4;

/** Adds one request's rows to the sums (new sums when the attributes changed). */
function add(sums: Sums | undefined, rows: Array<{ x: number[]; y: number[] }>): Sums {
  const p = rows[0]!.x.length;
  const d = rows[0]!.y.length;
  const m: Sums =
    sums && sums.p === p && sums.d === d
      ? sums
      : {
          rows: 0,
          p,
          d,
          sx: new Float64Array(p),
          sy: new Float64Array(d),
          xx: new Float64Array(p * p),
          xy: new Float64Array(p * d),
        };
  const meanX = columnMeans(rows.map((r) => r.x));
  const meanY = columnMeans(rows.map((r) => r.y));
  for (const { x, y } of rows) {
    for (let i = 0; i < p; i++) {
      m.sx[i]! += x[i]!;
      const xi = x[i]! - meanX[i]!;
      for (let j = 0; j < p; j++) m.xx[i * p + j]! += xi * (x[j]! - meanX[j]!);
      for (let j = 0; j < d; j++) m.xy[i * d + j]! += xi * (y[j]! - meanY[j]!);
    }
    for (let j = 0; j < d; j++) m.sy[j]! += y[j]!;
  }
  m.rows += rows.length;
  m.fitted = undefined;
  return m;
}

function key(model: string, point: number): string {
  return `${point}\u0000${model}`;
}

function columnMeans(rows: number[][]): number[] {
  return rows[0]!.map((_, j) => rows.reduce((s, r) => s + r[j]!, 0) / rows.length);
}

/**
 * ŷ = ȳ + (x − x̄) W, with W the ridge solution of the centred sums: slopes within requests, level over all rows.
 * Undefined when the sums cannot be solved (the floor below makes that a non-finite sum, which is never learned).
 */
function predict(m: Sums, x: number[], ridge: number): number[] | undefined {
  if (m.fitted === undefined) m.fitted = fit(m, ridge);
  if (m.fitted === null) return undefined;
  const { w, b } = m.fitted;
  return b.map((bj, j) => x.reduce((s, xi, i) => s + xi * w[i * m.d + j]!, bj));
}

function fit(m: Sums, ridge: number): { w: number[]; b: number[] } | null {
  const { p, d } = m;
  const a = Array.from(m.xx);
  let trace = 0;
  for (let i = 0; i < p; i++) trace += a[i * p + i]!;
  // Ridge scaled per feature; the tiny floor keeps a feature that never varies (an unused attribute) solvable.
  for (let i = 0; i < p; i++) a[i * p + i]! += ridge * a[i * p + i]! + 1e-9 * (trace / p + 1);
  const w = new Array<number>(p * d);
  try {
    for (let j = 0; j < d; j++) {
      const column = solveSpd(
        a,
        Array.from({ length: p }, (_, i) => m.xy[i * d + j]!),
      );
      column.forEach((v, i) => (w[i * d + j] = v));
    }
  } catch (err) {
    if (err instanceof RangeError) return null;
    throw err;
  }
  const b = Array.from({ length: d }, (_, j) => {
    let v = m.sy[j]! / m.rows;
    for (let i = 0; i < p; i++) v -= (m.sx[i]! / m.rows) * w[i * d + j]!;
    return v;
  });
  return { w, b };
}
