/**
 * @module prune-options
 * The one declaration of progressive pruning's settings: defaults, bounds, validation (errors name the field, e.g.
 * `selection.prune.keep_fraction`) and how a request's `selection.prune` merges over the selector's default.
 * `true` means "on, with the default settings" (the server's tuned settings when its default is an object), `false`
 * means off, an object switches pruning on and changes only the fields it names.
 */
import { InvalidRequestError } from '../core/errors.js';
import type { PruneInput, PruneOptions } from '../core/types.js';

/** Speculative-Rejection-style defaults (issue 12): halve the live candidates at 64, 128 and 256 completion tokens. */
export const PRUNE_DEFAULTS = {
  schedule: [64, 128, 256],
  keep_fraction: 0.5,
  min_keep: 1,
  decisive_lead: null,
} as const satisfies Required<Omit<PruneOptions, 'schedule'>> & { schedule: readonly number[] };

/** Bounds: a schedule of 1–8 strictly ascending points in 1…65536 tokens; `min_keep` up to the largest k (64). */
export const PRUNE_LIMITS = { maxPoints: 8, minTokens: 1, maxTokens: 65_536, maxMinKeep: 64 } as const;

/** Pruning settings after defaults. */
export interface ResolvedPrune {
  schedule: number[];
  keepFraction: number;
  minKeep: number;
  decisiveLead: number | null;
}

const FIELDS = ['schedule', 'keep_fraction', 'min_keep', 'decisive_lead'] as const;

function fail(param: string, message: string): never {
  throw new InvalidRequestError(`${param} ${message}`, { param });
}

/**
 * Checks a `prune` value (boolean or object).
 * @throws InvalidRequestError naming the first bad field.
 */
export function validatePrune(value: unknown, param: string): asserts value is PruneInput {
  if (typeof value === 'boolean') return;
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    fail(param, `must be true, false or an object with ${FIELDS.join(', ')}; got ${JSON.stringify(value)}.`);
  for (const [key, v] of Object.entries(value)) {
    const at = `${param}.${key}`;
    if (!(FIELDS as readonly string[]).includes(key))
      fail(at, `is not a pruning setting; valid fields: ${FIELDS.join(', ')}.`);
    if (v === undefined) continue;
    if (key === 'schedule') validateSchedule(v, at);
    else if (key === 'keep_fraction') {
      if (typeof v !== 'number' || !(v > 0 && v < 1)) fail(at, `must be a number in (0, 1); got ${JSON.stringify(v)}.`);
    } else if (key === 'min_keep') {
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > PRUNE_LIMITS.maxMinKeep)
        fail(at, `must be an integer in [1, ${PRUNE_LIMITS.maxMinKeep}]; got ${JSON.stringify(v)}.`);
    } else if (v !== null && (typeof v !== 'number' || !(v > 0 && v <= 1))) {
      fail(at, `must be null or a number in (0, 1]; got ${JSON.stringify(v)}.`);
    }
  }
}

function validateSchedule(v: unknown, at: string): void {
  const { maxPoints, minTokens, maxTokens } = PRUNE_LIMITS;
  const what = `must be 1 to ${maxPoints} strictly ascending integers in [${minTokens}, ${maxTokens}] (completion tokens)`;
  if (!Array.isArray(v) || v.length === 0 || v.length > maxPoints) fail(at, `${what}; got ${JSON.stringify(v)}.`);
  v.forEach((point: unknown, i) => {
    const ok =
      typeof point === 'number' &&
      Number.isInteger(point) &&
      point >= minTokens &&
      point <= maxTokens &&
      (i === 0 || point > (v[i - 1] as number));
    if (!ok) fail(`${at}[${i}]`, `${what}; got ${JSON.stringify(point)}.`);
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
    decisiveLead:
      own.decisive_lead !== undefined ? own.decisive_lead : (base.decisive_lead ?? PRUNE_DEFAULTS.decisive_lead),
  };
}

/** Survivors of a round: ⌈live · keepFraction⌉, never fewer than `minKeep` (nor more than are live). */
export function keepCount(live: number, settings: Pick<ResolvedPrune, 'keepFraction' | 'minKeep'>): number {
  return Math.min(live, Math.max(settings.minKeep, Math.ceil(live * settings.keepFraction - 1e-9)));
}
