/**
 * @module select-pruned
 * One pruned selection's generation (see `prune-schedule.ts`), with its forecast's part: a request asking for
 * forecasts learns (runs uncut, then teaches the forecast from its partial and final scores) or ranks partial answers
 * by forecasts, as `PruneForecaster.plan` decides for its upstream model and schedule.
 */
import type { Generator, PreparedPrompt, Scorer } from '../core/ports.js';
import type { PruneForecaster, SelectCallOptions, SelectRequest } from '../core/selector.js';
import type { Direction } from '../core/types.js';
import type { CandidatePlan } from './generate-candidates.js';
import type { ResolvedPrune } from './prune-options.js';
import { generatePruned, type PrunedGeneration } from './prune-schedule.js';
import type { TokenCounter } from './stream-candidates.js';
import type { UpstreamRunner } from './upstream-runner.js';

/** What {@link selectPruned} needs from the selector and the request. */
export interface SelectPrunedOptions {
  request: SelectRequest;
  prune: ResolvedPrune;
  forecasts: PruneForecaster;
  plans: readonly CandidatePlan[];
  generator: Generator & { stream: NonNullable<Generator['stream']> };
  runner: UpstreamRunner;
  scorer: Scorer;
  target: Direction;
  signal: AbortSignal;
  prompt: PreparedPrompt | undefined;
  count: TokenCounter;
  stallMs: number;
  started: number;
  callOptions: SelectCallOptions;
}

/** Generates the candidates with pruning; a learning run's scores then teach the forecast. */
export async function selectPruned(options: SelectPrunedOptions): Promise<PrunedGeneration> {
  const { request, prune, forecasts, callOptions } = options;
  const { model } = request.params;
  const forecast = prune.forecast ? forecasts.plan(model, prune.schedule) : undefined;
  const pruned = await generatePruned({
    plans: options.plans,
    generator: options.generator,
    runner: options.runner,
    scorer: options.scorer,
    messages: request.params.messages,
    target: options.target,
    signal: options.signal,
    prompt: options.prompt,
    prune,
    forecast,
    n: request.n ?? 1,
    count: options.count,
    stallMs: options.stallMs,
    started: options.started,
    onCandidate: callOptions.onCandidate,
    onCommit: callOptions.onCommit,
  });
  if (forecast?.mode === 'learning')
    forecasts.observe(model, prune.schedule, pruned.candidates, options.scorer.attributes);
  return pruned;
}
