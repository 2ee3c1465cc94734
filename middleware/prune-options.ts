/**
 * @module prune-options
 * The one declaration of progressive pruning's settings: defaults, bounds, the rule `selection.prune` is checked
 * with (errors name the field, e.g. `selection.prune.keep_fraction`) and how a request's value merges over the
 * selector's default. `true` means "on, with the default settings" (the server's tuned settings when its default is an
 * object), `false` means off, an object switches pruning on and changes only the fields it names.
 */
import { z } from 'zod';
import type { Bound } from '../core/bounds.js';
import type { PruneInput, PruneOptions } from '../core/types.js';
import { numberRule, optionsObject, shown } from './validation.js';

/**
 * Defaults chosen on the pruning bench's trade-off (README, "Progressive pruning"): halve the live candidates at 192
 * and 320 completion tokens and let the last ⌈k/4⌉ finish, so the final choice is made on whole answers. That is the
 * cheapest schedule measured whose choice stays within noise of full RPS at n = 1000 (about 1.8× fewer tokens at
 * k = 8 on 300–700-token answers); 128, 256 saved 2.1× but lost 1.7 points, and every earlier cut, or choosing the
 * winner on a partial answer, lost more to the partial scores' noise. {@link PRUNE_FAST} buys ≥ 3× and early
 * streaming with that loss.
 */
export const PRUNE_DEFAULTS = {
  schedule: [192, 320],
  keep_fraction: 0.5,
  min_keep: 1,
  decisive_lead: null,
  commit_at_last: false,
  forecast: false,
} as const satisfies Required<Omit<PruneOptions, 'schedule'>> & { schedule: readonly number[] };

/**
 * The documented fast settings (issue 12's arithmetic, Speculative Rejection's halving): cut at 64, 128 and 256 tokens
 * and choose the winner at 256, where it starts streaming for any k, ranking partial answers by their learned
 * forecast final scores (`prune-forecast.ts`). After the forecast's learning runs (the first 50 such requests per
 * model run uncut): about 3.4× fewer tokens at k = 8 and TTFT under half of full RPS, with quality within noise of
 * full RPS (README, "Progressive pruning"). Without `forecast` the same cuts lose 4–12 win-rate points.
 */
export const PRUNE_FAST = {
  schedule: [64, 128, 256],
  keep_fraction: 0.5,
  commit_at_last: true,
  forecast: true,
} as const satisfies PruneOptions;

/** Bounds of each setting; a schedule has 1 to `maxPoints` strictly ascending decision points. */
export const PRUNE_BOUNDS = {
  /** A decision point, in completion tokens. */
  point: { min: 1, max: 65_536, integer: true },
  maxPoints: 8,
  keep_fraction: { min: 0, max: 1, minExclusive: true, maxExclusive: true },
  /** Up to the largest k any selector allows. */
  min_keep: { min: 1, max: 64, integer: true },
  decisive_lead: { min: 0, max: 1, minExclusive: true },
} as const satisfies Record<string, Bound | number>;

/** Pruning settings after defaults. */
export interface ResolvedPrune {
  schedule: number[];
  keepFraction: number;
  minKeep: number;
  decisiveLead: number | null;
  commitAtLast: boolean;
  forecast: boolean;
}

/** The rule of `selection.prune`: a boolean, or an object with any of the settings. */
export function pruneRule() {
  const { maxPoints, point } = PRUNE_BOUNDS;
  const schedule = z
    .array(numberRule(point), { error: (issue) => `must be an array of decision points; got ${shown(issue.input)}` })
    .min(1, { error: 'needs at least one decision point' })
    .max(maxPoints, { error: `has at most ${maxPoints} decision points` })
    .superRefine((points, ctx) => {
      points.forEach((p, i) => {
        if (i > 0 && p <= points[i - 1]!)
          ctx.addIssue({ code: 'custom', path: [i], message: `must be above the point before it (${points[i - 1]})` });
      });
    });
  const settings = optionsObject({
    schedule,
    keep_fraction: numberRule(PRUNE_BOUNDS.keep_fraction),
    min_keep: numberRule(PRUNE_BOUNDS.min_keep),
    decisive_lead: numberRule(PRUNE_BOUNDS.decisive_lead).nullable(),
    commit_at_last: z.boolean({ error: (issue) => `must be true or false; got ${shown(issue.input)}` }),
    forecast: z.boolean({ error: (issue) => `must be true or false; got ${shown(issue.input)}` }),
  });
  return z.union([z.boolean(), settings], {
    error: (issue) => `must be true, false or an object of pruning settings; got ${shown(issue.input)}`,
  });
}

/**
 * The effective pruning settings of one request.
 * @param requested the request's `selection.prune` (validated), undefined when absent.
 * @param fallback the selector's default (validated).
 * @returns null when pruning is off.
 */
export function resolvePrune(requested: PruneInput | undefined, fallback: PruneInput): ResolvedPrune | null {
  const choice = requested ?? fallback;
  if (choice === false) return null;
  const base = typeof fallback === 'object' ? fallback : {};
  const own = typeof choice === 'object' ? choice : {};
  const pick = <K extends keyof PruneOptions>(key: K): PruneOptions[K] | undefined => own[key] ?? base[key];
  return {
    schedule: [...(pick('schedule') ?? PRUNE_DEFAULTS.schedule)],
    keepFraction: pick('keep_fraction') ?? PRUNE_DEFAULTS.keep_fraction,
    minKeep: pick('min_keep') ?? PRUNE_DEFAULTS.min_keep,
    // null is a value here (commit only when one is left), so only undefined falls through.
    decisiveLead:
      own.decisive_lead !== undefined ? own.decisive_lead : (base.decisive_lead ?? PRUNE_DEFAULTS.decisive_lead),
    commitAtLast: pick('commit_at_last') ?? PRUNE_DEFAULTS.commit_at_last,
    forecast: pick('forecast') ?? PRUNE_DEFAULTS.forecast,
  };
}

/** Survivors of a round: ⌈live · keepFraction⌉, never fewer than `minKeep` (nor more than are live). */
export function keepCount(live: number, settings: Pick<ResolvedPrune, 'keepFraction' | 'minKeep'>): number {
  return Math.min(live, Math.max(settings.minKeep, Math.ceil(live * settings.keepFraction - 1e-9)));
}
