/**
 * @module selection-options
 * Validates per-request {@link SelectionOptions} and merges them over the selector's {@link SelectorDefaults}.
 * Bad values are `InvalidRequestError`s whose `param` names the field (`selection.k`); unknown keys are rejected so a
 * typo never silently falls back to a default.
 */
import { InvalidRequestError } from '../core/errors.js';
import type { SelectorDefaults } from '../core/selector.js';
import { resolvePrune, validatePrune, type ResolvedPrune } from './prune-options.js';
import {
  STRATEGIES,
  type DirectivePlacement,
  type NeighbourhoodMode,
  type SelectionOptions,
  type StrategyName,
} from '../core/types.js';

/** Limits on k: at least one candidate, at most 64 upstream calls per request. */
export const K_RANGE = { min: 1, max: 64 } as const;
const NEIGHBOURHOODS = ['grid', 'cap'] as const satisfies readonly NeighbourhoodMode[];
const PLACEMENTS = ['system', 'user', 'suffix'] as const satisfies readonly DirectivePlacement[];

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

type Validator = (value: unknown, param: string) => void;

const oneOf =
  (values: readonly string[]): Validator =>
  (value, param) => {
    if (typeof value !== 'string' || !values.includes(value)) {
      throw new InvalidRequestError(`${param} must be one of ${values.join(', ')}; got ${JSON.stringify(value)}.`, {
        param,
      });
    }
  };

const numberIn =
  (options: { min: number; max: number; minExclusive?: boolean; integer?: boolean }): Validator =>
  (value, param) => {
    const { min, max, minExclusive, integer } = options;
    const ok =
      typeof value === 'number' &&
      Number.isFinite(value) &&
      (integer ? Number.isInteger(value) : true) &&
      (minExclusive ? value > min : value >= min) &&
      value <= max;
    if (!ok) {
      const range = `${minExclusive ? '(' : '['}${min}, ${max}]`;
      throw new InvalidRequestError(
        `${param} must be ${integer ? 'an integer' : 'a number'} in ${range}; got ${JSON.stringify(value)}.`,
        { param },
      );
    }
  };

const VALIDATORS: Record<keyof SelectionOptions, Validator> = {
  strategy: oneOf(STRATEGIES),
  k: numberIn({ ...K_RANGE, integer: true }),
  radius_deg: numberIn({ min: 0, max: 90, minExclusive: true }),
  neighbourhood: oneOf(NEIGHBOURHOODS),
  seed: numberIn({ min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER, integer: true }),
  temperature: numberIn({ min: 0, max: 2 }),
  directive_placement: oneOf(PLACEMENTS),
  prune: validatePrune,
};

/**
 * Checks a selection-options object.
 * @param input the client's value (anything).
 * @param [param='selection'] prefix of error `param`s.
 * @returns the same object, typed.
 * @throws InvalidRequestError naming the first bad field.
 */
export function validateSelectionOptions(input: unknown, param = 'selection'): SelectionOptions {
  if (input === undefined) return {};
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new InvalidRequestError(`${param} must be an object.`, { param });
  }
  for (const [key, value] of Object.entries(input)) {
    const validate = VALIDATORS[key as keyof SelectionOptions] as Validator | undefined;
    if (!validate) {
      throw new InvalidRequestError(
        `Unknown field ${param}.${key}; valid fields: ${Object.keys(VALIDATORS).join(', ')}.`,
        {
          param: `${param}.${key}`,
        },
      );
    }
    if (value !== undefined) validate(value, `${param}.${key}`);
  }
  return input as SelectionOptions;
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
