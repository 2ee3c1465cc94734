/**
 * @module bounds
 * A numeric rule (`an integer in [1, 64]`, `a number in (0, 90]`) declared once as data, so the same bound can be
 * rendered as a request check (the engine's zod schemas), a configuration check and an option check, with one
 * wording. Option mistakes are programmer errors: {@link assertInBound} throws a `TypeError` in p-queue's words
 * (``Expected `concurrency` to be a number from 1 and up, got `0` (number)``), never an HTTP error.
 */

/** The range a number must lie in. */
export interface Bound {
  readonly min: number;
  /** Unset: no upper limit. */
  readonly max?: number;
  /** `min` itself is excluded (`(0, 90]`). */
  readonly minExclusive?: boolean;
  /** `max` itself is excluded (`[0, 1)`). */
  readonly maxExclusive?: boolean;
  /** Whole numbers only. */
  readonly integer?: boolean;
}

/** `an integer in [1, 64]`, `a number in (0, 90]`, `an integer from 1 and up`, `a number above 0`. */
export function describeBound(bound: Bound): string {
  const kind = bound.integer ? 'an integer' : 'a number';
  if (bound.max !== undefined) {
    return `${kind} in ${bound.minExclusive ? '(' : '['}${bound.min}, ${bound.max}${bound.maxExclusive ? ')' : ']'}`;
  }
  return bound.minExclusive ? `${kind} above ${bound.min}` : `${kind} from ${bound.min} and up`;
}

/** Whether `value` is a finite number inside `bound`. */
export function inBound(bound: Bound, value: unknown): value is number {
  return (
    typeof value === 'number' &&
    Number.isFinite(value) &&
    (!bound.integer || Number.isSafeInteger(value)) &&
    (bound.minExclusive ? value > bound.min : value >= bound.min) &&
    (bound.max === undefined || (bound.maxExclusive ? value < bound.max : value <= bound.max))
  );
}

/**
 * Checks one option value.
 * @returns the value, typed.
 * @throws TypeError ``Expected `name` to be an integer from 1 and up, got `0` (number)``.
 */
export function assertInBound(name: string, value: unknown, bound: Bound): number {
  if (!inBound(bound, value)) {
    throw new TypeError(
      `Expected \`${name}\` to be ${describeBound(bound)}, got \`${String(value)}\` (${typeof value})`,
    );
  }
  return value;
}

/** Shorthand for the common case: a whole number of at least `min` (and at most `max`). */
export function assertInteger(name: string, value: unknown, min: number, max?: number): number {
  return assertInBound(name, value, { min, integer: true, ...(max === undefined ? {} : { max }) });
}
