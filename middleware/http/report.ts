/**
 * @module http/report
 * What a response says about its selection: the `X-Selection-*` headers (always, when known before the first byte)
 * and, with `return_candidates: true`, the top-level `selection` object that lists every candidate.
 */
import type { CompletionUsage } from '../../core/openai.js';
import type { CandidateReport, Direction, DirectionSource, Selection, StrategyName } from '../../core/types.js';
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
  return headers;
}
