/**
 * @module selection-options
 * The one declaration of the `selection` rules: every field's bound or value list, the zod schema built from them,
 * and the defaults. The engine validates requests and its own `defaults` with it; the HTTP layer (body and
 * `X-Selection-*` headers), the server configuration and the playground's controls use the same schema and bounds,
 * so a value gets the same answer everywhere. Unknown keys are rejected so a typo never silently falls back to a
 * default.
 */
import type { Bound } from '../core/bounds.js';
import { InvalidRequestError } from '../core/errors.js';
import type { SelectorDefaults } from '../core/selector.js';
import {
  STRATEGIES,
  type DirectivePlacement,
  type NeighbourhoodMode,
  type PreferenceInput,
  type SelectionOptions,
  type StrategyName,
} from '../core/types.js';
import { parsePreference, type preferenceSchema } from './preference.js';
import { pruneRule, resolvePrune, type ResolvedPrune } from './prune-options.js';
import { issuesToError, numberRule, oneOfRule, optionsObject } from './validation.js';

/** Limits on k: at least one candidate, at most 64 upstream calls per request (the most `maxK` may allow). */
export const K_RANGE = { min: 1, max: 64, integer: true } as const satisfies Bound;
/** Neighbourhood constructions (see `core/types.ts` NeighbourhoodMode). */
export const NEIGHBOURHOODS = ['grid', 'cap'] as const satisfies readonly NeighbourhoodMode[];
/** Where the directive goes. */
export const PLACEMENTS = ['system', 'user', 'suffix'] as const satisfies readonly DirectivePlacement[];

/** Every numeric selection bound; `k` is further capped by the selector's `maxK`. */
export const SELECTION_BOUNDS = {
  k: K_RANGE,
  /** θmax: a cap of radius 0 is one point, and beyond 90° directions start opposing the target. */
  radius_deg: { min: 0, max: 90, minExclusive: true },
  seed: { min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER, integer: true },
  /** OpenAI's range for `temperature`. */
  temperature: { min: 0, max: 2 },
} as const satisfies Record<string, Bound>;

/** Default largest k a request may ask for: enough for the paper's k = 5 and the bench's k = 8, with room. */
export const DEFAULT_MAX_K = 16;

/** The paper's and the authors' defaults (rps-method §1.2–1.3); `preference` depends on the scorer, see create-selector. */
export const BASE_DEFAULTS = {
  strategy: 'rps',
  k: 5,
  radius_deg: 30,
  seed: 42,
  temperature: 0.7,
  directive_placement: 'system',
  prune: false,
} as const satisfies Omit<SelectorDefaults, 'preference' | 'neighbourhood'>;

/** Limits a selection is checked against. */
export interface SelectionLimits {
  /** Largest `k`, itself within {@link K_RANGE}. */
  readonly maxK: number;
}

/**
 * The rule of each selection field, for a given `maxK`. One entry per field: a new selection option is one line here
 * and is then accepted (and checked the same way) by the engine, the HTTP body and the configuration.
 */
export function selectionFields(limits: SelectionLimits = { maxK: K_RANGE.max }) {
  return {
    strategy: oneOfRule(STRATEGIES),
    k: numberRule({ ...K_RANGE, max: Math.min(limits.maxK, K_RANGE.max) }),
    radius_deg: numberRule(SELECTION_BOUNDS.radius_deg),
    neighbourhood: oneOfRule(NEIGHBOURHOODS),
    seed: numberRule(SELECTION_BOUNDS.seed),
    temperature: numberRule(SELECTION_BOUNDS.temperature),
    directive_placement: oneOfRule(PLACEMENTS),
    prune: pruneRule(),
  };
}

/** The `selection` object: every field optional, unknown fields rejected. */
export function selectionSchema(limits?: SelectionLimits) {
  return optionsObject(selectionFields(limits));
}

/** Selection settings after defaults, all fields set (neighbourhood unset means automatic). */
export interface ResolvedSelection {
  strategy: StrategyName;
  k: number;
  radiusDeg: number;
  neighbourhood: NeighbourhoodMode | undefined;
  seed: number;
  temperature: number;
  placement: DirectivePlacement;
  /** Null when pruning is off. */
  prune: ResolvedPrune | null;
}

/**
 * Checks a selection-options object against the schema (for repeated calls, build `selectionSchema` once).
 * @param input the client's value (anything).
 * @param [options.param='selection'] prefix of error `param`s. @param [options.maxK] the largest k allowed.
 * @returns the same object, typed.
 * @throws InvalidRequestError naming the first bad field.
 */
export function validateSelectionOptions(
  input: unknown,
  options: { param?: string; maxK?: number } = {},
): SelectionOptions {
  if (input === undefined) return {};
  const parsed = selectionSchema(options.maxK === undefined ? undefined : { maxK: options.maxK }).safeParse(input);
  if (!parsed.success) throw issuesToError(parsed.error.issues, { prefix: [options.param ?? 'selection'] });
  return parsed.data as SelectionOptions;
}

/** Per-request options over defaults (both already validated). */
export function resolveSelection(defaults: SelectorDefaults, options: SelectionOptions = {}): ResolvedSelection {
  return {
    strategy: options.strategy ?? defaults.strategy,
    k: options.k ?? defaults.k,
    radiusDeg: options.radius_deg ?? defaults.radius_deg,
    neighbourhood: options.neighbourhood ?? defaults.neighbourhood,
    seed: options.seed ?? defaults.seed,
    temperature: options.temperature ?? defaults.temperature,
    placement: options.directive_placement ?? defaults.directive_placement,
    prune: resolvePrune(options.prune, defaults.prune),
  };
}

/** A request's `selection` through the schema; a failure is a 400 naming the field. */
export function checkedSelection(
  schema: ReturnType<typeof selectionSchema>,
  input: unknown,
  param: string,
): SelectionOptions {
  if (input === undefined) return {};
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw issuesToError(parsed.error.issues, { prefix: [param] });
  return parsed.data as SelectionOptions;
}

/**
 * Validates partial defaults with the request rules and fills the rest. A bad default is the embedding code's
 * mistake, so it is a `TypeError` (with the same wording a request would get), not an HTTP error.
 */
export function resolveDefaults(
  partial: Partial<SelectorDefaults>,
  context: {
    attributes: string[];
    angleAttributes: readonly [string, string];
    selectionRules: ReturnType<typeof selectionSchema>;
    preferenceRules: ReturnType<typeof preferenceSchema>;
  },
): SelectorDefaults {
  const { preference, ...selection } = partial;
  const asOptionError = (fn: () => unknown) => {
    try {
      fn();
    } catch (err) {
      throw err instanceof InvalidRequestError ? new TypeError(err.message, { cause: err }) : err;
    }
  };
  asOptionError(() => checkedSelection(context.selectionRules, selection, 'defaults'));
  const fallback: PreferenceInput = context.angleAttributes.every((a) => context.attributes.includes(a))
    ? { angle_deg: 0 }
    : { [context.attributes[0] ?? '']: 1 };
  const resolvedPreference = preference ?? fallback;
  asOptionError(() =>
    parsePreference(resolvedPreference, {
      attributes: context.attributes,
      angleAttributes: context.angleAttributes,
      schema: context.preferenceRules,
      param: 'defaults.preference',
    }),
  );
  const defaults: SelectorDefaults = { ...BASE_DEFAULTS, ...selection, preference: resolvedPreference };
  return Object.freeze(defaults);
}
