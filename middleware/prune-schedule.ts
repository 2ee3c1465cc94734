/**
 * @module prune-schedule
 * Progressive pruning (Speculative Rejection through an OpenAI-compatible API): every candidate is streamed; at each
 * decision point of the schedule (default 64, 128, 256 completion tokens) the pruner waits until every live
 * candidate has reached it or finished, scores all of their texts in ONE batched scorer call (partial text at the
 * decision point; finished candidates compete with their full text), ranks them by projection on the target (the
 * engine's ranking order) and keeps the best ⌈live · keep_fraction⌉, never fewer than `min_keep`; the others' upstream
 * streams are aborted at once. After the last decision point the survivors run to the end and are scored in full.
 *
 * Early commit: once one candidate is left while it is still being generated (or, with `decisive_lead`, when the
 * leader's margin over the runner-up is at least that share of the round's best−worst range, with ≥ 3 live) the pruner
 * calls `onCommit` with a live view of its text, so a streaming client gets its first token after the decision point
 * instead of after the slowest candidate.
 *
 * Accounting: a cancelled stream never receives its final usage chunk, so each candidate's completion tokens are
 * counted as they arrive (see `stream-candidates.ts`); usage is `upstream` only when the upstream's final report
 * arrived, else `counted` (prompt tokens then from the running usage, a sibling's report, or the tokenizer).
 */
import type { ChatCompletionMessageParam } from '../core/openai.js';
import { contentText } from '../core/openai.js';
import type { Generator, PreparedPrompt, Scorer } from '../core/ports.js';
import type { EarlyWinner } from '../core/selector.js';
import type { CandidateReport, Direction, PartialScore, PruningReport } from '../core/types.js';
import { degenerateReason } from './degenerate.js';
import { describeError, type CandidatePlan } from './generate-candidates.js';
import { keepCount, type ResolvedPrune } from './prune-options.js';
import { rankOrder, scoreCandidates, scoreResponses, type RatedResponse } from './rank.js';
import { runStreamedCandidate, StreamedCandidate, type TokenCounter } from './stream-candidates.js';
import type { UpstreamRunner } from './upstream-runner.js';

/** Options of {@link generatePruned}. */
export interface GeneratePrunedOptions {
  plans: readonly CandidatePlan[];
  generator: Generator & { stream: NonNullable<Generator['stream']> };
  runner: UpstreamRunner;
  scorer: Scorer;
  /** The client's conversation (no directive), for the scorer. */
  messages: readonly ChatCompletionMessageParam[];
  target: Direction;
  /** The request's signal (caller and deadline). */
  signal: AbortSignal;
  /** What `scorer.prepare` returned for `messages`, if it did. */
  prompt?: PreparedPrompt | undefined;
  prune: ResolvedPrune;
  /** Choices the caller returns: never fewer survivors. */
  n: number;
  count: TokenCounter;
  stallMs: number;
  /** `performance.now()` when the selection started (report times are relative to it). */
  started: number;
  onCandidate?: ((candidate: CandidateReport) => void) | undefined;
  onCommit?: ((winner: EarlyWinner) => void) | undefined;
}

/** What {@link generatePruned} returns: every candidate settled, the usable ones scored on their full text. */
export interface PrunedGeneration {
  candidates: CandidateReport[];
  failures: Map<number, unknown>;
  pruning: PruningReport;
  generationMs: number;
  scoringMs: number;
}

/**
 * Runs the schedule (see the module doc).
 * @throws the signal's reason once aborted; `ScorerError` when a round's scoring fails.
 */
export async function generatePruned(options: GeneratePrunedOptions): Promise<PrunedGeneration> {
  const { prune, signal, started } = options;
  const minKeep = Math.max(prune.minKeep, options.n);
  const settings = { keepFraction: prune.keepFraction, minKeep };
  const since = () => performance.now() - started;
  let wake: (() => void) | undefined;
  const notify = () => wake?.();
  const streams = options.plans.map((plan, index) => new StreamedCandidate(index, plan.direction, notify));
  const reported = new Set<number>();
  const report = (s: StreamedCandidate) => {
    if (reported.has(s.index) || s.generating) return;
    reported.add(s.index);
    options.onCandidate?.(toReport(s, { partials, prunedAt, prompt: undefined }));
  };
  const partials = new Map<number, PartialScore[]>();
  const prunedAt = new Map<number, NonNullable<CandidateReport['pruned']>>();
  const rounds: PruningReport['rounds'] = [];
  let committed: PruningReport['committed'] = null;
  let scoringMs = 0;

  const stopAll = () => streams.forEach((s) => s.controller.abort(signal.reason));
  signal.addEventListener('abort', stopAll, { once: true });
  const aborted = new Promise<never>((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
  aborted.catch(() => undefined);
  const until = async (ready: () => boolean) => {
    while (!ready()) await Promise.race([new Promise<void>((resolve) => (wake = resolve)), aborted]);
  };

  streams.forEach((s) => s.setGate(prune.schedule[0]!));
  const requestKey = {}; // the candidates share their conversation's serialisation under it
  const running = streams.map((s, i) =>
    runStreamedCandidate(s, {
      // The final usage chunk, where the upstream sends one, bills finished candidates exactly.
      params: { ...options.plans[i]!.params, stream: true, stream_options: { include_usage: true } },
      generator: options.generator,
      runner: options.runner,
      count: options.count,
      stallMs: options.stallMs,
      requestKey,
    }).then(() => report(s)),
  );
  const cache = new Map<number, RatedResponse>();
  const commit = (winner: StreamedCandidate, reason: 'last' | 'lead') => {
    winner.setGate(Number.POSITIVE_INFINITY);
    committed = { index: winner.index, reason, atMs: since(), tokens: winner.tokens };
    options.onCommit?.({ index: winner.index, reason, tokens: winner.tokens, content: winner.content() });
  };

  // Degenerate finished answers (blank, template tags) never compete; they are excluded at the end.
  const competing = () => streams.filter((s) => s.live && !(s.state === 'finished' && degenerateReason(s.text)));
  const lastOne = () => {
    const left = competing();
    return minKeep === 1 && left.length === 1 && left[0]!.generating ? left[0]! : undefined;
  };
  try {
    for (const [round, tokens] of prune.schedule.entries()) {
      await until(
        () =>
          lastOne() !== undefined || streams.every((s) => !s.live || s.state === 'waiting' || s.state === 'finished'),
      );
      const live = competing();
      // Nothing to decide, or nothing left to save: every live answer is already complete.
      if (live.length <= minKeep || !live.some((s) => s.generating)) break;
      const scoringStarted = performance.now();
      const fresh = live.filter((s) => !(s.state === 'finished' && cache.has(s.index)));
      const rated = await scoreResponses(
        fresh.map((s) => (s.state === 'finished' ? s.text : s.atGate!.text)),
        { ...options, labels: fresh.map((s) => s.index) },
      );
      scoringMs += performance.now() - scoringStarted;
      fresh.forEach((s, i) => s.state === 'finished' && cache.set(s.index, rated[i]!));
      const atMs = since();
      const scored = live.map((s) => {
        const r = cache.get(s.index) ?? rated[fresh.indexOf(s)]!;
        const partial: PartialScore = {
          round,
          tokens: s.state === 'finished' ? s.tokens : s.atGate!.tokens,
          finished: s.state === 'finished',
          scores: r.scores,
          projection: r.projection,
          atMs,
        };
        partials.set(s.index, [...(partials.get(s.index) ?? []), partial]);
        return { stream: s, partial, index: s.index, direction: s.direction, projection: r.projection };
      });
      scored.sort(rankOrder);
      const lead = decisiveLead(scored, { share: prune.decisiveLead, minKeep });
      const keep = lead ? 1 : keepCount(live.length, settings);
      for (const { stream, partial } of scored.slice(keep)) {
        prunedAt.set(stream.index, { round, tokens: partial.tokens, projection: partial.projection, atMs });
        stream.cut();
      }
      rounds.push({
        round,
        tokens,
        atMs,
        live: live.map((s) => s.index),
        kept: scored.slice(0, keep).map((x) => x.index),
        pruned: scored.slice(keep).map((x) => x.index),
      });
      const next = prune.schedule[round + 1] ?? Number.POSITIVE_INFINITY;
      for (const { stream } of scored.slice(0, keep)) stream.setGate(next);
      const winner = lastOne();
      if (winner) {
        commit(winner, lead ? 'lead' : 'last');
        break;
      }
    }
    for (const s of streams) if (s.live) s.setGate(Number.POSITIVE_INFINITY);
    const winner = lastOne();
    if (!committed && winner) commit(winner, 'last');
    await Promise.race([Promise.all(running), aborted]);
  } finally {
    signal.removeEventListener('abort', stopAll);
    if (signal.aborted) stopAll();
  }

  const generationMs = since();
  const prompt = promptTokens(streams, options);
  const failures = new Map<number, unknown>();
  const candidates = streams.map((s) => {
    if (s.state === 'failed') failures.set(s.index, s.error);
    return toReport(s, { partials, prunedAt, prompt });
  });
  const usable = candidates.filter((c) => c.status === 'ok');
  const scoringStarted = performance.now();
  await scoreCandidates(usable, options);
  scoringMs += performance.now() - scoringStarted;
  return {
    candidates,
    failures,
    generationMs,
    scoringMs,
    pruning: pruningReport(candidates, { prune, minKeep, rounds, committed }),
  };
}

/** True when the leader's margin over the runner-up is decisive (see `PruneOptions.decisive_lead`). */
function decisiveLead(
  ranked: ReadonlyArray<{ projection: number }>,
  options: { share: number | null; minKeep: number },
): boolean {
  if (options.share === null || options.minKeep !== 1 || ranked.length < 3) return false;
  const range = ranked[0]!.projection - ranked.at(-1)!.projection;
  return range > 0 && ranked[0]!.projection - ranked[1]!.projection >= options.share * range;
}

/** Prompt tokens for candidates whose upstream usage never arrived: a sibling's report, else the tokenizer's count. */
function promptTokens(streams: readonly StreamedCandidate[], options: GeneratePrunedOptions): number {
  const reported = streams.find((s) => s.usage)?.usage?.prompt_tokens;
  if (reported !== undefined) return reported;
  return options.plans[0]
    ? options.count(options.plans[0].params.messages.map((m) => contentText(m.content)).join('\n'))
    : 0;
}

function toReport(
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

function pruningReport(
  candidates: readonly CandidateReport[],
  context: {
    prune: ResolvedPrune;
    minKeep: number;
    rounds: PruningReport['rounds'];
    committed: PruningReport['committed'];
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
    rounds: context.rounds,
    committed: context.committed,
    tokens: { completion, counted, savedEstimate: Math.round(savedEstimate) },
  };
}
