/**
 * @module prune-report
 * The reports of a pruned generation (see `prune-schedule.ts`): each candidate's status, usage (the upstream's own
 * report when it arrived, else the locally counted tokens) and partial scores, and the pruning summary.
 */
import { contentText } from '../core/openai.js';
import type { CandidateReport, PartialScore, PruningReport } from '../core/types.js';
import { degenerateReason } from './degenerate.js';
import { describeError, type CandidatePlan } from './generate-candidates.js';
import type { ResolvedPrune } from './prune-options.js';
import type { StreamedCandidate, TokenCounter } from './stream-candidates.js';

/** Prompt tokens for candidates whose upstream usage never arrived: a sibling's report, else the tokenizer's count. */
export function promptTokens(
  streams: readonly StreamedCandidate[],
  options: { plans: readonly CandidatePlan[]; count: TokenCounter },
): number {
  const reported = streams.find((s) => s.usage)?.usage?.prompt_tokens;
  if (reported !== undefined) return reported;
  return options.plans[0]
    ? options.count(options.plans[0].params.messages.map((m) => contentText(m.content)).join('\n'))
    : 0;
}

/** One candidate's report once it settled (or, with `prompt` undefined, as soon as it stopped generating). */
export function toReport(
  s: StreamedCandidate,
  context: {
    partials: ReadonlyMap<number, PartialScore[]>;
    prunedAt: ReadonlyMap<number, NonNullable<CandidateReport['pruned']>>;
    /** Prompt tokens to bill where the upstream reported none; undefined while others still run. */
    prompt: number | undefined;
  },
): CandidateReport {
  const report: CandidateReport = {
    index: s.index,
    direction: s.direction,
    status: 'ok',
    chosen: false,
    latencyMs: s.latencyMs,
    completionTokens: s.tokens,
  };
  const partials = context.partials.get(s.index);
  if (partials) report.partials = partials;
  if (s.state === 'finished' && s.usage) {
    report.usage = s.usage;
    report.usageSource = 'upstream';
  } else if (s.tokens > 0 || s.state === 'finished') {
    const prompt = s.usage?.prompt_tokens ?? context.prompt ?? 0;
    report.usage = { prompt_tokens: prompt, completion_tokens: s.tokens, total_tokens: prompt + s.tokens };
    report.usageSource = 'counted';
  }
  const message = { role: 'assistant' as const, content: s.text };
  if (s.state === 'cut') {
    const pruned = context.prunedAt.get(s.index);
    return { ...report, status: 'pruned', message, ...(pruned ? { pruned } : {}) };
  }
  if (s.state === 'failed') return { ...report, status: 'failed', error: describeError(s.error) };
  report.message = message;
  report.finishReason = s.finishReason;
  report.completion = s.completion();
  const reason = degenerateReason(s.text);
  if (reason)
    return { ...report, status: 'excluded', error: { message: `Excluded before scoring: ${reason}.`, status: null } };
  return report;
}

/** What pruning did in one selection, with the tokens billed, counted locally and saved. */
export function pruningReport(
  candidates: readonly CandidateReport[],
  context: {
    prune: ResolvedPrune;
    minKeep: number;
    rounds: PruningReport['rounds'];
    committed: PruningReport['committed'];
    forecast: PruningReport['forecast'];
  },
): PruningReport {
  const completion = candidates.reduce((sum, c) => sum + (c.usage?.completion_tokens ?? 0), 0);
  const counted = candidates.reduce(
    (sum, c) => sum + (c.usageSource === 'counted' ? (c.usage?.completion_tokens ?? 0) : 0),
    0,
  );
  const finished = candidates.filter((c) => c.status === 'ok' || c.status === 'excluded');
  const meanLength = finished.length
    ? finished.reduce((sum, c) => sum + (c.completionTokens ?? 0), 0) / finished.length
    : 0;
  const savedEstimate = candidates
    .filter((c) => c.status === 'pruned')
    .reduce((sum, c) => sum + Math.max(0, meanLength - (c.completionTokens ?? 0)), 0);
  return {
    schedule: context.prune.schedule,
    keepFraction: context.prune.keepFraction,
    minKeep: context.minKeep,
    decisiveLead: context.prune.decisiveLead,
    commitAtLast: context.prune.commitAtLast,
    forecast: context.forecast,
    rounds: context.rounds,
    committed: context.committed,
    tokens: { completion, counted, savedEstimate: Math.round(savedEstimate) },
  };
}
