/**
 * @module prune-schedule
 * Progressive pruning (Speculative Rejection through an OpenAI-compatible API): every candidate is streamed; at each
 * decision point of the schedule (default 192, 320 completion tokens) the pruner waits until every live
 * candidate has reached it or finished, scores all of their texts in ONE batched scorer call (partial text at the
 * decision point; finished candidates compete with their full text), ranks them by projection on the target (the
 * engine's ranking order) and keeps the best ⌈live · keep_fraction⌉ (only `min_keep` at the last point with
 * `commit_at_last`), never fewer than `min_keep`; the others' upstream streams are aborted at once. After the last
 * decision point the survivors run to the end and are scored in full.
 *
 * Forecasts (`prune.forecast`, see `prune-forecast.ts`): a `forecasting` run ranks partial answers by the projection
 * of their forecast final scores instead of their partial scores; a `learning` run cuts nothing and commits to
 * nothing (every candidate is scored at every decision point and runs to the end: full RPS), so the caller can learn
 * from its partial and final scores.
 *
 * Early commit: once one candidate is left while it is still being generated (or, with `decisive_lead`, when the
 * leader's margin over the runner-up is at least that share of the first round's best−worst spread) the pruner
 * calls `onCommit` with a live view of its text, so a streaming client gets its first token after the decision point
 * instead of after the slowest candidate.
 *
 * Accounting: a cancelled stream never receives its final usage chunk, so each candidate's completion tokens are
 * counted as they arrive (see `stream-candidates.ts`); usage is `upstream` only when the upstream's final report
 * arrived, else `counted` (prompt tokens then from the running usage, a sibling's report, or the tokenizer).
 */
import type { ChatCompletionMessageParam } from '../core/openai.js';
import type { Generator, PreparedPrompt, Scorer } from '../core/ports.js';
import type { EarlyWinner, ForecastPlan } from '../core/selector.js';
import type { CandidateReport, Direction, PartialScore, PruningReport } from '../core/types.js';
import { dot } from '../core/vector.js';
import { promptTokens, pruningReport, toReport } from './prune-report.js';
import { degenerateReason } from './degenerate.js';
import type { CandidatePlan } from './generate-candidates.js';
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
  /** `prune.forecast` requests: learn (run uncut) or rank partial answers by forecast final scores. */
  forecast?: ForecastPlan | undefined;
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
  const learning = options.forecast?.mode === 'learning';
  const forecast = options.forecast?.mode === 'forecasting' ? options.forecast.forecast : undefined;
  // A learning run keeps every candidate at every decision point.
  const settings = { keepFraction: learning ? 1 : prune.keepFraction, minKeep };
  const attributes = options.scorer.attributes;
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
  /** Best − worst partial projection at the first round, where every candidate was compared: the request's scale. */
  let spread: number | undefined;

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
      readAhead: options.generator.pacedByReader !== true,
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
      // Nothing to decide, or nothing left to save: every live answer is already complete. A learning run still
      // scores what it can learn from: two or more answers that reached this point.
      if (learning ? live.length < 2 : live.length <= minKeep || !live.some((s) => s.generating)) break;
      const scoringStarted = performance.now();
      // What each competes with, taken now: a candidate reading ahead may finish while the round is being scored.
      const seen = new Map(
        live.map((s) => {
          if (s.state !== 'finished') return [s.index, { ...s.atGate!, finished: false }];
          // A learning run learns how answers at this point end, so one that read past it is scored at it too.
          const prefix = learning ? s.prefixAt(tokens) : undefined;
          return [
            s.index,
            prefix && prefix.tokens < s.tokens
              ? { ...prefix, finished: false }
              : { text: s.text, tokens: s.tokens, finished: true },
          ];
        }),
      );
      const fresh = live.filter((s) => !(seen.get(s.index)!.finished && cache.has(s.index)));
      const rated = await scoreResponses(
        fresh.map((s) => seen.get(s.index)!.text),
        { ...options, labels: fresh.map((s) => s.index) },
      );
      scoringMs += performance.now() - scoringStarted;
      fresh.forEach((s, i) => seen.get(s.index)!.finished && cache.set(s.index, rated[i]!));
      const atMs = since();
      const scored = live.map((s) => {
        const r = cache.get(s.index) ?? rated[fresh.indexOf(s)]!;
        const { tokens: at, finished } = seen.get(s.index)!;
        const partial: PartialScore = {
          round,
          tokens: at,
          finished,
          scores: r.scores,
          projection: r.projection,
          atMs,
        };
        // A finished answer's scores are final already; a partial one is ranked by where it is heading.
        if (forecast && !finished) {
          const direction = s.direction?.vector ?? attributes.map(() => 0);
          const final = forecast(
            tokens,
            attributes.map((a) => r.scores[a] ?? 0),
            direction,
          );
          if (final) partial.forecast = dot(final, options.target.vector);
        }
        partials.set(s.index, [...(partials.get(s.index) ?? []), partial]);
        const projection = partial.forecast ?? r.projection;
        return { stream: s, partial, index: s.index, direction: s.direction, projection };
      });
      scored.sort(rankOrder);
      spread ??= scored[0]!.projection - scored.at(-1)!.projection;
      const lead = !learning && decisiveLead(scored, { share: prune.decisiveLead, minKeep, spread });
      const last = !learning && round === prune.schedule.length - 1 && prune.commitAtLast;
      const keep = lead ? 1 : last ? minKeep : keepCount(live.length, settings);
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
    pruning: pruningReport(candidates, {
      prune,
      minKeep,
      rounds,
      committed,
      forecast: options.forecast ? { mode: options.forecast.mode, runs: options.forecast.runs } : null,
    }),
  };
}

/**
 * True when the leader's margin over the runner-up is decisive (see `PruneOptions.decisive_lead`): at least `share`
 * of the first round's spread, so a lead among the last two still has a scale to be measured against.
 */
function decisiveLead(
  ranked: ReadonlyArray<{ projection: number }>,
  options: { share: number | null; minKeep: number; spread: number },
): boolean {
  if (options.share === null || options.minKeep !== 1 || ranked.length < 2) return false;
  return options.spread > 0 && ranked[0]!.projection - ranked[1]!.projection >= options.share * options.spread;
}
