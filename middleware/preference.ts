/**
 * @module preference
 * Turns a client's {@link PreferenceInput} into the target {@link Direction}: a unit vector in the scorer's attribute
 * order, plus the list of *active* attributes (the ones the preference names), which is the subspace the
 * neighbourhood explores. Every rejection is an `InvalidRequestError` whose `param` names the field.
 */
import { InvalidRequestError } from '../core/errors.js';
import type { Direction, PreferenceInput } from '../core/types.js';
import { normalize, toDegrees, toRadians } from '../core/vector.js';

/** The two attributes `{ angle_deg }` refers to unless configured otherwise (the DPA convention). */
export const DEFAULT_ANGLE_ATTRIBUTES = ['helpfulness', 'verbosity'] as const;

/** Options of {@link parsePreference}. */
export interface ParsePreferenceOptions {
  /** The scorer's attributes, in score-row order. */
  attributes: readonly string[];
  /** The plane of the angle form; default `['helpfulness', 'verbosity']`. */
  angleAttributes?: readonly [string, string];
  /** Field name used in error `param`s; default `preference`. */
  param?: string;
}

/** A parsed preference: the target direction and the attributes it is about. */
export interface ParsedPreference {
  target: Direction;
  /**
   * Attributes the preference names (zero weights included), angle attributes first in their order, then the rest
   * in scorer order. Directive weights are listed in this order; for two it is the (x, y) of the angle plane.
   */
  active: string[];
}

/**
 * Parses and validates a preference.
 * @param input `{ helpfulness: .8, verbosity: .6 }`, `{ weights: {...} }` or `{ angle_deg: 30 }`.
 * @returns the unit target direction (offset 0) and the active attributes.
 * @throws InvalidRequestError for unknown attributes, non-finite or all-zero weights, or a malformed object.
 * @example
 * parsePreference({ angle_deg: 30 }, { attributes: ['helpfulness', 'verbosity'] }).target.vector; // [0.866, 0.5]
 */
export function parsePreference(input: unknown, options: ParsePreferenceOptions): ParsedPreference {
  const { attributes } = options;
  const angleAttributes = options.angleAttributes ?? DEFAULT_ANGLE_ATTRIBUTES;
  const param = options.param ?? 'preference';
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new InvalidRequestError(
      `${param} must be an object of attribute weights, { weights: {...} } or { angle_deg: number }; ${validList(attributes)}.`,
      { param },
    );
  }
  const record = input as Record<string, unknown>;
  if ('angle_deg' in record) return fromAngle(record, { attributes, angleAttributes, param });
  if ('weights' in record) {
    const extra = Object.keys(record).find((key) => key !== 'weights');
    if (extra !== undefined) {
      throw new InvalidRequestError(`${param} mixes "weights" with "${extra}"; use one form.`, {
        param: `${param}.${extra}`,
      });
    }
    return fromWeights(record.weights, { attributes, angleAttributes, param: `${param}.weights` });
  }
  return fromWeights(record, { attributes, angleAttributes, param });
}

interface FormOptions {
  attributes: readonly string[];
  angleAttributes: readonly [string, string] | readonly string[];
  param: string;
}

function fromAngle(record: Record<string, unknown>, options: FormOptions): ParsedPreference {
  const { attributes, angleAttributes, param } = options;
  const extra = Object.keys(record).find((key) => key !== 'angle_deg');
  if (extra !== undefined) {
    throw new InvalidRequestError(`${param} mixes "angle_deg" with "${extra}"; use one form.`, {
      param: `${param}.${extra}`,
    });
  }
  const angle = record.angle_deg;
  if (typeof angle !== 'number' || !Number.isFinite(angle)) {
    throw new InvalidRequestError(`${param}.angle_deg must be a finite number of degrees.`, {
      param: `${param}.angle_deg`,
    });
  }
  const [x, y] = angleAttributes as readonly [string, string];
  if (!attributes.includes(x) || !attributes.includes(y)) {
    throw new InvalidRequestError(
      `${param}.angle_deg needs the attributes "${x}" and "${y}", which this scorer does not have; use weights instead. ${validList(attributes)}.`,
      { param: `${param}.angle_deg` },
    );
  }
  // `% 360` is exact and leaves |angle| < 360 untouched; without it 1e308° overflows to ∞ rad and cos/sin give NaN.
  const rad = toRadians(angle % 360);
  // Exact (cos θ, sin θ), not a normalised rounding of it: the grid's tie order (rps-method §1.2) depends on it.
  const vector = attributes.map((name) => (name === x ? Math.cos(rad) : name === y ? Math.sin(rad) : 0));
  return { target: makeDirection(vector, { attributes, offsetDeg: 0, angleDeg: wrapDegrees(angle) }), active: [x, y] };
}

function fromWeights(value: unknown, options: FormOptions): ParsedPreference {
  const { attributes, angleAttributes, param } = options;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new InvalidRequestError(`${param} must be an object of attribute weights; ${validList(attributes)}.`, {
      param,
    });
  }
  const weights = value as Record<string, unknown>;
  for (const [name, weight] of Object.entries(weights)) {
    if (!attributes.includes(name)) {
      throw new InvalidRequestError(`Unknown attribute "${name}" in ${param}; ${validList(attributes)}.`, {
        param: `${param}.${name}`,
      });
    }
    if (typeof weight !== 'number' || !Number.isFinite(weight)) {
      throw new InvalidRequestError(`${param}.${name} must be a finite number.`, { param: `${param}.${name}` });
    }
  }
  const raw = attributes.map((name) => (weights[name] as number | undefined) ?? 0);
  if (raw.every((w) => w === 0)) {
    throw new InvalidRequestError(`${param} needs at least one non-zero weight; ${validList(attributes)}.`, { param });
  }
  const named = attributes.filter((name) => name in weights);
  const active = [
    ...angleAttributes.filter((name) => named.includes(name)),
    ...named.filter((name) => !angleAttributes.includes(name)),
  ];
  const vector = normalize(raw);
  return { target: makeDirection(vector, { attributes, offsetDeg: 0, plane: planeOf(active) }), active };
}

/** Options of {@link makeDirection}. */
export interface MakeDirectionOptions {
  attributes: readonly string[];
  offsetDeg: number;
  /** Exact plane angle when known (grid points, angle form); otherwise computed from `plane`. */
  angleDeg?: number;
  /** The (x, y) attributes of a two-attribute plane; `angleDeg` is set when given. */
  plane?: readonly [string, string] | undefined;
}

/**
 * Builds a {@link Direction} from a unit vector in attribute order.
 * @returns the direction with its `weights` record (every attribute, zeros included) and, in a plane, its angle.
 */
export function makeDirection(vector: number[], options: MakeDirectionOptions): Direction {
  const { attributes, offsetDeg, plane } = options;
  const weights = Object.fromEntries(attributes.map((name, i) => [name, vector[i] ?? 0]));
  const direction: Direction = { vector, weights, offsetDeg };
  if (options.angleDeg !== undefined) direction.angleDeg = options.angleDeg;
  else if (plane) direction.angleDeg = toDegrees(Math.atan2(weights[plane[1]] ?? 0, weights[plane[0]] ?? 0));
  return direction;
}

/** The (x, y) plane of exactly two active attributes, else undefined. */
export function planeOf(active: readonly string[]): readonly [string, string] | undefined {
  return active.length === 2 ? [active[0]!, active[1]!] : undefined;
}

/** Maps any angle to (−180, 180] so `angle_deg: 390` and `30` describe the same direction. */
function wrapDegrees(angle: number): number {
  const wrapped = ((((angle + 180) % 360) + 360) % 360) - 180;
  return wrapped === -180 ? 180 : wrapped;
}

function validList(attributes: readonly string[]): string {
  return `valid attributes: ${attributes.join(', ')}`;
}
