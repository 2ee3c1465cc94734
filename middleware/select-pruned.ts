/**
 * @module select-pruned
 * One pruned selection's generation (see `prune-schedule.ts`), with its forecast's part: a request asking for
 * forecasts learns (runs uncut, then teaches the forecast from its partial and final scores) or ranks partial answers
 * by forecasts, as `PruneForecaster.plan` decides for its upstream model and schedule.
 */
import type { PruneForecaster } from '../core/selector.js';
import { generatePruned, type GeneratePrunedOptions, type PrunedGeneration } from './prune-schedule.js';

/** The schedule's options, less the forecast plan, which is decided here. */
export interface SelectPrunedOptions extends Omit<GeneratePrunedOptions, 'forecast'> {
  /** The request's upstream model: forecasts are learned per model. */
  model: string;
  forecasts: PruneForecaster;
}

/** Generates the candidates with pruning; a learning run's scores then teach the forecast. */
export async function selectPruned(options: SelectPrunedOptions): Promise<PrunedGeneration> {
  const { model, forecasts, ...schedule } = options;
  const { prune } = schedule;
  const forecast = prune.forecast ? forecasts.plan(model, prune.schedule) : undefined;
  const pruned = await generatePruned({ ...schedule, forecast });
  if (forecast?.mode === 'learning')
    forecasts.observe(model, prune.schedule, pruned.candidates, options.scorer.attributes);
  return pruned;
}
