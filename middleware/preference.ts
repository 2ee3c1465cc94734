/**
 * @module preference
 * Turns a client's {@link PreferenceInput} into the target {@link Direction}: a unit vector in the scorer's attribute
 * order, plus the list of *active* attributes (the ones the preference names), which is the subspace the
 * neighbourhood explores. Every rejection is an `InvalidRequestError` whose `param` names the field.
 */
import { z } from 'zod';
import type { Direction, PreferenceInput } from '../core/types.js';
import { normalize, toDegrees, toRadians } from '../core/vector.js';
import { issuesToError, shown } from './validation.js';

/** The two attributes `{ angle_deg }` refers to unless configured otherwise (the DPA convention). */
export const DEFAULT_ANGLE_ATTRIBUTES: readonly [string, string] = ['helpfulness', 'verbosity'];

/** What a preference is checked against. */
export interface PreferenceRules {
  /** The scorer's attributes, in score-row order; unset checks the form only (before the scorer is loaded). */
  attributes?: readonly string[] | undefined;
  /** The plane of the angle form; default `['helpfulness', 'verbosity']`. */
  angleAttributes?: readonly [string, string] | undefined;
}

/** Options of {@link parsePreference}. */
export interface ParsePreferenceOptions extends PreferenceRules {
  attributes: readonly string[];
  /** Field name used in error `param`s; default `preference`. */
  param?: string;
  /** The schema built once from the same rules (`preferenceSchema(options)`), for callers that parse many. */
  schema?: z.ZodType<PreferenceInput>;
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

const FORMS = 'an object of attribute weights, { weights: {...} } or { angle_deg: number }';

/**
 * The one declaration of the `preference` rules, used by the engine, the HTTP body and `X-Preference` header, and
 * the server's default preference. Three forms, told apart by their keys: `{ angle_deg }`, `{ weights: {...} }`,
 * or the weights themselves. Weights must be finite, at least one non-zero, and (when the attributes are known)
 * name an attribute of the scorer.
 */
export function preferenceSchema(rules: PreferenceRules = {}): z.ZodType<PreferenceInput> {
  const { attributes } = rules;
  const [x, y] = rules.angleAttributes ?? DEFAULT_ANGLE_ATTRIBUTES;
  const valid = attributes ? `; ${validList(attributes)}` : '';
  const weights = z
    .record(z.string(), z.number({ error: (issue) => `must be a finite number; got ${shown(issue.input)}` }), {
      error: (issue) => `must be an object of attribute weights; got ${shown(issue.input)}`,
    })
    .superRefine((record, ctx) => {
      for (const name of Object.keys(record)) {
        if (attributes && !attributes.includes(name)) {
          ctx.addIssue({ code: 'custom', path: [name], message: `unknown attribute "${name}"${valid}` });
        }
      }
      if (Object.values(record).every((w) => w === 0)) {
        ctx.addIssue({ code: 'custom', message: `needs at least one non-zero weight${valid}` });
      }
    });
  const angle = z.number({ error: (issue) => `must be a finite number of degrees; got ${shown(issue.input)}` });
  /** The keys that pick a form; any other key beside them is a mix of two forms. */
  const only = (key: string) => (record: Record<string, unknown>, ctx: z.core.$RefinementCtx) => {
    for (const extra of Object.keys(record).filter((k) => k !== key)) {
      ctx.addIssue({ code: 'custom', path: [extra], message: `mixes "${key}" with "${extra}"; use one form` });
    }
  };
  const angleForm = z.looseObject({ angle_deg: angle }).superRefine((record, ctx) => {
    only('angle_deg')(record, ctx);
    if (attributes && !(attributes.includes(x) && attributes.includes(y))) {
      ctx.addIssue({
        code: 'custom',
        path: ['angle_deg'],
        message: `needs the attributes "${x}" and "${y}", which this scorer does not have; use weights instead${valid}`,
      });
    }
  });
  const wrappedForm = z.looseObject({ weights }).superRefine(only('weights'));
  return z
    .record(z.string(), z.unknown(), { error: (issue) => `must be ${FORMS}; got ${shown(issue.input)}${valid}` })
    .superRefine((record, ctx) => {
      const form = 'angle_deg' in record ? angleForm : 'weights' in record ? wrappedForm : weights;
      const parsed = form.safeParse(record);
      if (!parsed.success) for (const issue of parsed.error.issues) ctx.addIssue({ ...issue });
    })
    .transform((record) => record as PreferenceInput);
}

/**
 * Parses and validates a preference (rules: {@link preferenceSchema}).
 * @param input `{ helpfulness: .8, verbosity: .6 }`, `{ weights: {...} }` or `{ angle_deg: 30 }`.
 * @returns the unit target direction (offset 0) and the active attributes.
 * @throws InvalidRequestError for unknown attributes, non-finite or all-zero weights, or a malformed object.
 * @example
 * parsePreference({ angle_deg: 30 }, { attributes: ['helpfulness', 'verbosity'] }).target.vector; // [0.866, 0.5]
 */
export function parsePreference(input: unknown, options: ParsePreferenceOptions): ParsedPreference {
  const schema = options.schema ?? preferenceSchema(options);
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw issuesToError(parsed.error.issues, { prefix: [options.param ?? 'preference'] });
  return directionOf(parsed.data, { attributes: options.attributes, angleAttributes: options.angleAttributes });
}

/** The target of a valid preference. */
function directionOf(
  input: PreferenceInput,
  options: { attributes: readonly string[]; angleAttributes: readonly [string, string] | undefined },
): ParsedPreference {
  const { attributes } = options;
  const angleAttributes = options.angleAttributes ?? DEFAULT_ANGLE_ATTRIBUTES;
  if ('angle_deg' in input && typeof input.angle_deg === 'number') {
    const [x, y] = angleAttributes;
    // `% 360` is exact and leaves |angle| < 360 untouched; without it 1e308° overflows to ∞ rad and cos/sin give NaN.
    const rad = toRadians(input.angle_deg % 360);
    // Exact (cos θ, sin θ), not a normalised rounding of it: the grid's tie order (rps-method §1.2) depends on it.
    const vector = attributes.map((name) => (name === x ? Math.cos(rad) : name === y ? Math.sin(rad) : 0));
    const target = makeDirection(vector, { attributes, offsetDeg: 0, angleDeg: wrapDegrees(input.angle_deg) });
    return { target, active: [x, y] };
  }
  const weights = ('weights' in input && typeof input.weights === 'object' ? input.weights : input) as Record<
    string,
    number
  >;
  const named = attributes.filter((name) => name in weights);
  const active = [
    ...angleAttributes.filter((name) => named.includes(name)),
    ...named.filter((name) => !(angleAttributes as readonly string[]).includes(name)),
  ];
  const vector = normalize(attributes.map((name) => weights[name] ?? 0));
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
