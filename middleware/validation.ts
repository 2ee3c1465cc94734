/**
 * @module validation
 * The engine's validation vocabulary, used by every surface (HTTP, library, CLI configuration): zod rules built from
 * declared bounds and value lists, each failing with one wording (`must be an integer in [1, 16]; got 80`), and
 * {@link issuesToError}, which turns zod issues into one `InvalidRequestError` whose `param` names the offending
 * field the way OpenAI does (`messages[0].role`, `preference.speed`, `selection.k`).
 */
import { z } from 'zod';
import { describeBound, inBound, type Bound } from '../core/bounds.js';
import { InvalidRequestError } from '../core/errors.js';

/** A client's value, shown short in a message (never a whole body echoed back). */
export function shown(value: unknown): string {
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (value === null) return 'null';
  return Array.isArray(value) ? 'an array' : typeof value === 'object' ? 'an object' : typeof value;
}

/** A number within `bound`; any failure (wrong type, out of range) reads `must be an integer in [1, 16]; got 80`. */
export function numberRule(bound: Bound) {
  const message = (input: unknown) => `must be ${describeBound(bound)}; got ${shown(input)}`;
  return z
    .number({ error: (issue) => message(issue.input) })
    .refine((value) => inBound(bound, value), { error: (issue) => message(issue.input) });
}

/** One of `values`; fails with `must be one of grid, cap; got "ring"`. */
export function oneOfRule<const T extends readonly [string, ...string[]]>(values: T) {
  return z.enum(values, { error: (issue) => `must be one of ${values.join(', ')}; got ${shown(issue.input)}` });
}

/** An object with exactly these optional fields; an unknown key is reported with the valid ones. */
export function optionsObject<const Shape extends z.core.$ZodLooseShape>(shape: Shape) {
  const fields = Object.keys(shape).join(', ');
  return z
    .strictObject(shape, {
      error: (issue) =>
        issue.code === 'unrecognized_keys'
          ? `valid fields: ${fields}`
          : `must be an object with the fields ${fields}; got ${shown(issue.input)}`,
    })
    .partial();
}

type Issue = z.core.$ZodIssue;
type Path = readonly PropertyKey[];

/** `['messages', 0, 'role']` → `messages[0].role`. */
export function formatParam(path: Path): string | null {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out === '' ? null : out;
}

/**
 * A union failure carries one issue list per branch. The branch the client most likely meant is the one that got
 * furthest: fewest issues, then the deepest path, then declaration order.
 */
function pickBranch(issue: Issue & { code: 'invalid_union' }): Issue | undefined {
  let best: Issue[] | undefined;
  const depth = (issues: Issue[]) => Math.max(...issues.map((i) => i.path.length));
  for (const branch of issue.errors) {
    if (branch.length === 0) continue;
    if (!best || branch.length < best.length || (branch.length === best.length && depth(branch) > depth(best)))
      best = branch;
  }
  return best?.[0];
}

/** Follows union failures down to the most specific issue, accumulating its full path. */
function innermost(issue: Issue, prefix: Path = []): { issue: Issue; path: Path } {
  const path = [...prefix, ...issue.path];
  if (issue.code === 'invalid_union') {
    const inner = pickBranch(issue);
    if (inner) return innermost(inner, path);
  }
  // An unknown key is reported on its parent; point at the key itself.
  if (issue.code === 'unrecognized_keys' && issue.keys.length > 0) return { issue, path: [...path, issue.keys[0]!] };
  return { issue, path };
}

/** Human text for one issue; zod's own wording, plus the accepted values where it has them. */
function describe(issue: Issue, param: string | null): string {
  const where = param ?? 'body';
  if (issue.code === 'unrecognized_keys') {
    const valid = issue.message.startsWith('valid fields') ? `; ${issue.message}` : '';
    return `Unknown field \`${where}\`${valid}.`;
  }
  return `Invalid \`${where}\`: ${issue.message.replace(/^Invalid (input|option): /, '')}.`.replace(/\.\.$/, '.');
}

/** Options of {@link issuesToError}. */
export interface IssuesToErrorOptions {
  /** Path prepended to every issue (the schema validated a sub-object). */
  prefix?: Path;
  /** Says where the value came from when it was not the JSON body (`the X-Preference header`). */
  source?: string;
}

/** The first (most specific) issue as a 400 naming its field. */
export function issuesToError(issues: readonly Issue[], options: IssuesToErrorOptions = {}): InvalidRequestError {
  const first = issues[0];
  if (!first) return new InvalidRequestError('Invalid request body.');
  const { issue, path } = innermost(first, options.prefix);
  const param = formatParam(path);
  const text = describe(issue, param);
  return new InvalidRequestError(options.source ? `${text} (from ${options.source})` : text, { param });
}
