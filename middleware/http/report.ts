/**
 * @module http/report
 * What a response says about its selection: the `X-Selection-*` headers (always, when known before the first byte)
 * and, with `return_candidates: true`, the top-level `selection` object that lists every candidate.
 */
import type { CompletionUsage } from '../../core/openai.js';
import type {
  CandidateReport,
  Direction,
  DirectionSource,
  PruningReport,
  Selection,
  StrategyName,
} from '../../core/types.js';
import { REPORT_HEADERS } from './headers.js';

/** A direction on the wire. */
export interface DirectionReport {
  weights: Record<string, number>;
  /** Angle to the target, degrees. */
  offset_deg: number;
  /** Angle in the plane of two attributes (DPA convention), when there are two. */
  angle_deg?: number;
  /** How a candidate's direction was made: a point of the authors' `grid`, a `cap` direction, or the `target`. */
  source?: DirectionSource;
}

/** One candidate on the wire. */
export interface CandidateReportJson {
  index: number;
  status: CandidateReport['status'];
  chosen: boolean;
  /** 0 = chosen; null when the candidate was not ranked (failed or excluded). */
  rank: number | null;
  direction: DirectionReport | null;
  scores: Record<string, number> | null;
  projection: number | null;
  content: string | null;
  finish_reason: string | null;
  usage: CompletionUsage | null;
  latency_ms: number;
  error: { message: string; status: number | null } | null;
  /** Pruned selections only: completion tokens prefsel counted for this candidate. */
  completion_tokens?: number;
  /** Pruned selections only: `upstream` (its own usage report) or `counted` (a cancelled stream loses it). */
  usage_source?: 'upstream' | 'counted' | null;
  /** Pruned selections only: its partial score at each decision point it took part in. */
  partial_scores?: Array<{
    round: number;
    tokens: number;
    finished: boolean;
    projection: number;
    /** `prune.forecast`: projection of the forecast final scores, what the candidate was ranked by. */
    forecast?: number;
    at_ms: number;
  }>;
  /** Pruned candidates: the decision point, token count and partial score at which it was cut. */
  pruned?: { round: number; tokens: number; projection: number; at_ms: number } | null;
}

/** What pruning did, on the wire. */
export interface PruningReportJson {
  schedule: number[];
  keep_fraction: number;
  min_keep: number;
  decisive_lead: number | null;
  commit_at_last: boolean;
  /** `prune.forecast` requests: whether this one ran uncut to learn, or ranked by forecasts, and runs learned from. */
  forecast: { mode: 'learning' | 'forecasting'; runs: number } | null;
  rounds: Array<{ round: number; tokens: number; at_ms: number; live: number[]; kept: number[]; pruned: number[] }>;
  /** The candidate streamed live before it finished, and when. */
  committed: { index: number; reason: 'last' | 'lead'; at_ms: number; tokens: number } | null;
  /** Completion tokens of every candidate, the part counted locally, and the estimated saving. */
  tokens: { completion: number; counted: number; saved_estimate: number };
}

/** The `selection` object of a response. */
export interface SelectionReport {
  strategy: StrategyName;
  attributes: readonly string[];
  target: DirectionReport;
  /** Index (generation order) of the chosen candidate. */
  chosen: number;
  candidates: CandidateReportJson[];
  timings: { generation_ms: number; scoring_ms: number; total_ms: number };
  /** Present when progressive pruning ran. */
  pruning?: PruningReportJson;
}

const round = (x: number, digits = 6) => Number(x.toFixed(digits));

function direction(d: Direction): DirectionReport {
  return {
    weights: Object.fromEntries(Object.entries(d.weights).map(([k, v]) => [k, round(v)])),
    offset_deg: round(d.offsetDeg, 3),
    ...(d.angleDeg === undefined ? {} : { angle_deg: round(d.angleDeg, 3) }),
    ...(d.source === undefined ? {} : { source: d.source }),
  };
}

function candidate(c: CandidateReport): CandidateReportJson {
  return {
    index: c.index,
    status: c.status,
    chosen: c.chosen,
    rank: c.rank ?? null,
    direction: c.direction ? direction(c.direction) : null,
    scores: c.scores ? Object.fromEntries(Object.entries(c.scores).map(([k, v]) => [k, round(v)])) : null,
    projection: c.projection === undefined ? null : round(c.projection),
    content: c.message?.content ?? null,
    finish_reason: c.finishReason ?? null,
    usage: c.usage ?? null,
    latency_ms: Math.round(c.latencyMs),
    error: c.error ?? null,
    ...(c.completionTokens === undefined
      ? {}
      : {
          completion_tokens: c.completionTokens,
          usage_source: c.usageSource ?? null,
          partial_scores: (c.partials ?? []).map((p) => ({
            round: p.round,
            tokens: p.tokens,
            finished: p.finished,
            projection: round(p.projection),
            ...(p.forecast === undefined ? {} : { forecast: round(p.forecast) }),
            at_ms: Math.round(p.atMs),
          })),
          pruned: c.pruned
            ? {
                round: c.pruned.round,
                tokens: c.pruned.tokens,
                projection: round(c.pruned.projection),
                at_ms: Math.round(c.pruned.atMs),
              }
            : null,
        }),
  };
}

function pruningJson(p: PruningReport): PruningReportJson {
  return {
    schedule: p.schedule,
    keep_fraction: p.keepFraction,
    min_keep: p.minKeep,
    decisive_lead: p.decisiveLead,
    commit_at_last: p.commitAtLast,
    forecast: p.forecast,
    rounds: p.rounds.map(({ atMs, ...r }) => ({ ...r, at_ms: Math.round(atMs) })),
    committed: p.committed
      ? {
          index: p.committed.index,
          reason: p.committed.reason,
          at_ms: Math.round(p.committed.atMs),
          tokens: p.committed.tokens,
        }
      : null,
    tokens: { completion: p.tokens.completion, counted: p.tokens.counted, saved_estimate: p.tokens.savedEstimate },
  };
}

/** The full report: every candidate in generation order. */
export function selectionReport(selection: Selection): SelectionReport {
  const t = selection.timings;
  return {
    strategy: selection.strategy,
    attributes: selection.attributes,
    target: direction(selection.target),
    chosen: selection.chosen.index,
    candidates: selection.candidates.map(candidate),
    timings: {
      generation_ms: Math.round(t.generationMs),
      scoring_ms: Math.round(t.scoringMs),
      total_ms: Math.round(t.totalMs),
    },
    ...(selection.pruning ? { pruning: pruningJson(selection.pruning) } : {}),
  };
}

/**
 * Response headers summarising a selection. `Server-Timing` carries the stage timings so browser dev tools and
 * proxies show where the time went.
 */
export function reportHeaders(selection: Selection): Record<string, string> {
  const failed = selection.candidates.filter((c) => c.status !== 'ok').length;
  const t = selection.timings;
  const headers: Record<string, string> = {
    [REPORT_HEADERS.strategy]: selection.strategy,
    [REPORT_HEADERS.candidates]: String(selection.candidates.length),
    [REPORT_HEADERS.failed]: String(failed),
    [REPORT_HEADERS.chosen]: String(selection.chosen.index),
    'server-timing': `generation;dur=${t.generationMs.toFixed(1)}, scoring;dur=${t.scoringMs.toFixed(1)}, total;dur=${t.totalMs.toFixed(1)}`,
  };
  if (selection.chosen.projection !== undefined) headers[REPORT_HEADERS.score] = selection.chosen.projection.toFixed(6);
  if (selection.pruning)
    headers[REPORT_HEADERS.pruned] = String(selection.candidates.filter((c) => c.status === 'pruned').length);
  if (selection.pruning?.forecast) headers[REPORT_HEADERS.forecast] = selection.pruning.forecast.mode;
  return headers;
}
