/**
 * @module adapt-scoring
 * Fits whatever `runScoringBench` (bench/scoring.ts, owned by the scorer's author) returns into the suite's
 * {@link PartResult} envelope, so its figures land in scoring.json and SUMMARY.md beside the other parts. A result
 * already in the envelope passes through; otherwise known fields (headline, tables, notes, plots, models) are
 * picked up and the rest is kept verbatim under `results`.
 */
import { SCHEMA, makeStamp, type Headline, type PartResult, type Table } from './report.js';

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isHeadline(v: unknown): v is Headline {
  return isRecord(v) && typeof v.figure === 'string' && typeof v.value === 'string';
}

function isTable(v: unknown): v is Table {
  return isRecord(v) && typeof v.title === 'string' && Array.isArray(v.columns) && Array.isArray(v.rows);
}

/**
 * Wraps a scoring result.
 * @param raw what `runScoringBench` resolved to
 * @param ctx the command that ran it and its flags
 */
export function adaptScoringResult(raw: unknown, ctx: { command: string; quick: boolean; device: string }): PartResult {
  if (isRecord(raw) && raw.schema === SCHEMA && raw.part === 'scoring') {
    const result = raw as unknown as PartResult;
    return { ...result, stamp: { ...result.stamp, command: ctx.command } };
  }
  const r = isRecord(raw) ? raw : { value: raw };
  const list = <T>(key: string, guard: (v: unknown) => v is T): T[] =>
    Array.isArray(r[key]) ? (r[key] as unknown[]).filter(guard) : [];
  const models = isRecord(r.models) ? r.models : isRecord(r.model) ? { model: r.model } : {};
  return {
    schema: SCHEMA,
    part: 'scoring',
    stamp: makeStamp(ctx.command),
    status: 'ok',
    config: isRecord(r.config) ? r.config : { quick: ctx.quick, device: ctx.device },
    models,
    headline: list('headline', isHeadline),
    tables: list('tables', isTable),
    notes: list('notes', (v): v is string => typeof v === 'string'),
    plots: list('plots', (v): v is string => typeof v === 'string'),
    results: raw,
  };
}
