/**
 * @module http/zod-issues
 * Turns zod issues into one `InvalidRequestError` whose `param` names the offending field the way OpenAI does
 * (`messages[0].role`, `preference.speed`, `selection.k`).
 */
import type { z } from 'zod';
import { InvalidRequestError } from '../../core/errors.js';

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
  if (issue.code === 'unrecognized_keys') return `Unknown field \`${where}\`.`;
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
