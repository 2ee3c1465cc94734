/**
 * @module onnx/python-str
 * Python's `str` methods and Jinja2's string filters, as chat templates expect them. Templates are written for
 * transformers, which renders them with Jinja2 in Python; `@huggingface/jinja` maps several of these onto
 * JavaScript's nearest equivalent, which changes the text a reward model sees:
 * - `lstrip('\n')`, `rstrip(chars)`, `strip(chars)` ignore `chars` and strip all whitespace, so a response's
 *   leading spaces vanish under Qwen3's `content.lstrip('\n')`;
 * - whitespace is JavaScript's (`\uFEFF` yes; `\x1c`–`\x1f`, `\x85` no), for `strip()`, `split()` and `|trim`;
 * - `title()` and `capitalize()` do not lower-case the rest of each word; `|title` is not Jinja2's word rule;
 * - `startswith`/`endswith` ignore `start`/`end`; `split(sep=…)` rejects keywords; `rsplit`, `splitlines`,
 *   `removeprefix`, `removesuffix` and `|trim(chars)` are missing.
 * Indices count code points, as Python's do. `replace`, `upper` and `lower` already match and are left alone.
 */

/** The characters `str.isspace()` accepts (CPython, all of Unicode). */
const PY_WHITESPACE =
  '\t\n\v\f\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000';
const WHITESPACE = new Set(PY_WHITESPACE);
/** Line boundaries of `str.splitlines()`. */
const LINE_BREAKS = new Set('\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029');
/** Jinja2's `_word_beginning_split_re`, `([-\s({\[<]+)`, with Python's `\s`. */
const WORD_BEGINNING = new RegExp(`([-${PY_WHITESPACE}({\\[<]+)`, 'u');
const CASED = /[\p{Lu}\p{Ll}\p{Lt}]/u;

/** Keyword arguments, as a template call passes them. */
export type Kwargs = ReadonlyMap<string, unknown>;

function str(name: string, v: unknown): string {
  if (typeof v !== 'string') throw new TypeError(`${name} must be str, not ${typeName(v)}`);
  return v;
}

function int(name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new TypeError(`${name} must be int, not ${typeName(v)}`);
  return v;
}

function typeName(v: unknown): string {
  if (v === null) return 'NoneType';
  if (v === undefined) return 'Undefined';
  if (Array.isArray(v)) return 'list';
  return typeof v;
}

function stripSet(chars: unknown, method: string): Set<string> {
  if (chars === null || chars === undefined) return WHITESPACE;
  return new Set(Array.from(str(`${method} arg`, chars)));
}

/** `s.lstrip(chars)` / `s.rstrip(chars)` / `s.strip(chars)`: `chars` is a set of characters; `None` is whitespace. */
export function strip(s: string, chars: unknown = null, side: 'both' | 'left' | 'right' = 'both'): string {
  const set = stripSet(chars, side === 'both' ? 'strip' : side === 'left' ? 'lstrip' : 'rstrip');
  const cps = Array.from(s);
  let start = 0;
  let end = cps.length;
  if (side !== 'right') while (start < end && set.has(cps[start]!)) start++;
  if (side !== 'left') while (end > start && set.has(cps[end - 1]!)) end--;
  return cps.slice(start, end).join('');
}

/** Runs of whitespace, as `split()` without a separator sees them: `[word, start, end]` in code points. */
function words(cps: readonly string[]): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  let i = 0;
  while (i < cps.length) {
    while (i < cps.length && WHITESPACE.has(cps[i]!)) i++;
    if (i >= cps.length) break;
    const start = i;
    while (i < cps.length && !WHITESPACE.has(cps[i]!)) i++;
    out.push([start, i]);
  }
  return out;
}

/** `s.split(sep=None, maxsplit=-1)`. */
export function split(s: string, sep: unknown = null, maxsplit: unknown = -1): string[] {
  const max = int('maxsplit', maxsplit);
  if (sep === null || sep === undefined) {
    const cps = Array.from(s);
    const spans = words(cps);
    if (max < 0 || spans.length <= max) return spans.map(([a, b]) => cps.slice(a, b).join(''));
    // The last piece is the rest of the string from the (max+1)-th word on, trailing whitespace included.
    return [...spans.slice(0, max).map(([a, b]) => cps.slice(a, b).join('')), cps.slice(spans[max]![0]).join('')];
  }
  const separator = str('sep', sep);
  if (separator === '') throw new RangeError('empty separator');
  const parts = s.split(separator);
  if (max < 0 || parts.length - 1 <= max) return parts;
  return [...parts.slice(0, max), parts.slice(max).join(separator)];
}

/** `s.rsplit(sep=None, maxsplit=-1)`: as `split`, counting splits from the right. */
export function rsplit(s: string, sep: unknown = null, maxsplit: unknown = -1): string[] {
  const max = int('maxsplit', maxsplit);
  if (sep === null || sep === undefined) {
    const cps = Array.from(s);
    const spans = words(cps);
    if (max < 0 || spans.length <= max) return spans.map(([a, b]) => cps.slice(a, b).join(''));
    const keep = spans.slice(spans.length - max);
    const head = cps.slice(0, spans[spans.length - max - 1]![1]).join('');
    return [head, ...keep.map(([a, b]) => cps.slice(a, b).join(''))];
  }
  const separator = str('sep', sep);
  if (separator === '') throw new RangeError('empty separator');
  const parts = s.split(separator);
  if (max < 0 || parts.length - 1 <= max) return parts;
  const cut = parts.length - max;
  return [parts.slice(0, cut).join(separator), ...parts.slice(cut)];
}

/** `s.splitlines(keepends=False)`. */
export function splitlines(s: string, keepends: unknown = false): string[] {
  const cps = Array.from(s);
  const out: string[] = [];
  let start = 0;
  for (let i = 0; i < cps.length; i++) {
    if (!LINE_BREAKS.has(cps[i]!)) continue;
    const end = cps[i] === '\r' && cps[i + 1] === '\n' ? i + 2 : i + 1;
    out.push(cps.slice(start, keepends ? end : i).join(''));
    start = end;
    i = end - 1;
  }
  if (start < cps.length) out.push(cps.slice(start).join(''));
  return out;
}

/** Python slice bounds `[start:end]` over `len` code points, or undefined when `start` lies past the end. */
function bounds(len: number, start: unknown, end: unknown): [number, number] | undefined {
  const clamp = (v: number) => (v < 0 ? Math.max(0, v + len) : Math.min(v, len));
  const a = start === null || start === undefined ? 0 : clamp(int('start', start));
  const b = end === null || end === undefined ? len : clamp(int('end', end));
  // CPython: a start beyond the string matches nothing, not even ''.
  if (start !== null && start !== undefined && (start as number) > len) return undefined;
  return [a, b];
}

function affixes(v: unknown, method: string): string[] {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[];
  throw new TypeError(`${method} first arg must be str or a tuple of str, not ${typeName(v)}`);
}

/** `s.startswith(prefix, start, end)`; `prefix` may be a tuple. */
export function startswith(s: string, prefix: unknown, start?: unknown, end?: unknown): boolean {
  const cps = Array.from(s);
  const range = bounds(cps.length, start, end);
  if (range === undefined) return false;
  const window = cps.slice(range[0], Math.max(range[0], range[1])).join('');
  return affixes(prefix, 'startswith').some((p) => Array.from(p).length <= range[1] - range[0] && window.startsWith(p));
}

/** `s.endswith(suffix, start, end)`; `suffix` may be a tuple. */
export function endswith(s: string, suffix: unknown, start?: unknown, end?: unknown): boolean {
  const cps = Array.from(s);
  const range = bounds(cps.length, start, end);
  if (range === undefined) return false;
  const window = cps.slice(range[0], Math.max(range[0], range[1])).join('');
  return affixes(suffix, 'endswith').some((p) => Array.from(p).length <= range[1] - range[0] && window.endsWith(p));
}

/** `s.title()`: each cased run starts upper-case and continues lower-case; digits and the like break runs. */
export function title(s: string): string {
  let out = '';
  let previousCased = false;
  for (const c of s) {
    out += previousCased ? c.toLowerCase() : c.toUpperCase();
    previousCased = CASED.test(c);
  }
  return out;
}

/** `s.capitalize()`: the first character upper-case, the rest lower-case. */
export function capitalize(s: string): string {
  const [first = '', ...rest] = Array.from(s);
  return first.toUpperCase() + rest.join('').toLowerCase();
}

/** Jinja2's `|title` filter: words begin after `-`, whitespace or an opening bracket; not `str.title()`. */
export function jinjaTitle(s: string): string {
  return s
    .split(WORD_BEGINNING)
    .filter((item) => item !== '')
    .map((item) => {
      const [first = '', ...rest] = Array.from(item);
      return first.toUpperCase() + rest.join('').toLowerCase();
    })
    .join('');
}

type Method = (self: string, args: unknown[], kwargs: Kwargs) => unknown;

/** Positional arguments, then the keyword ones in `names` order; refuses unknown keywords. */
function params(method: string, args: unknown[], kwargs: Kwargs, names: readonly string[]): unknown[] {
  if (args.length > names.length)
    throw new TypeError(`${method}() takes at most ${names.length} arguments (${args.length} given)`);
  for (const k of kwargs.keys())
    if (!names.includes(k)) throw new TypeError(`${method}() got an unexpected keyword argument '${k}'`);
  return names.map((n, i) => (i < args.length ? args[i] : kwargs.get(n)));
}

/** Positional-only methods, as CPython declares them. */
function positional(method: string, args: unknown[], kwargs: Kwargs, max: number): unknown[] {
  if (kwargs.size > 0) throw new TypeError(`${method}() takes no keyword arguments`);
  if (args.length > max) throw new TypeError(`${method}() takes at most ${max} arguments (${args.length} given)`);
  return args;
}

const METHODS: Record<string, Method> = {
  strip: (s, a, k) => strip(s, positional('strip', a, k, 1)[0], 'both'),
  lstrip: (s, a, k) => strip(s, positional('lstrip', a, k, 1)[0], 'left'),
  rstrip: (s, a, k) => strip(s, positional('rstrip', a, k, 1)[0], 'right'),
  split: (s, a, k) => split(s, ...(params('split', a, k, ['sep', 'maxsplit']) as [unknown, unknown])),
  rsplit: (s, a, k) => rsplit(s, ...(params('rsplit', a, k, ['sep', 'maxsplit']) as [unknown, unknown])),
  splitlines: (s, a, k) => splitlines(s, params('splitlines', a, k, ['keepends'])[0]),
  startswith: (s, a, k) => {
    const [p, start, end] = positional('startswith', a, k, 3);
    return startswith(s, p, start, end);
  },
  endswith: (s, a, k) => {
    const [p, start, end] = positional('endswith', a, k, 3);
    return endswith(s, p, start, end);
  },
  title: (s, a, k) => (positional('title', a, k, 0), title(s)),
  capitalize: (s, a, k) => (positional('capitalize', a, k, 0), capitalize(s)),
  removeprefix: (s, a, k) => {
    const p = str('removeprefix arg', positional('removeprefix', a, k, 1)[0]);
    return p !== '' && s.startsWith(p) ? s.slice(p.length) : s;
  },
  removesuffix: (s, a, k) => {
    const p = str('removesuffix arg', positional('removesuffix', a, k, 1)[0]);
    return p !== '' && s.endsWith(p) ? s.slice(0, -p.length) : s;
  },
};

/** The `str` methods this module takes over from `@huggingface/jinja`. */
export const PY_STR_METHODS: ReadonlySet<string> = new Set(Object.keys(METHODS));

/** Calls `self.<name>(*args, **kwargs)` with Python semantics. */
export function callStrMethod(name: string, self: unknown, args: unknown[], kwargs: Kwargs = new Map()): unknown {
  const method = METHODS[name];
  if (method === undefined) throw new TypeError(`unknown str method ${name}`);
  if (typeof self !== 'string') throw new TypeError(`'${typeName(self)}' object has no attribute '${name}'`);
  return method(self, args, kwargs);
}

const FILTERS: Record<string, Method> = {
  trim: (s, a, k) => strip(s, params('trim', a, k, ['chars'])[0], 'both'),
  title: (s, a, k) => (positional('title', a, k, 0), jinjaTitle(s)),
  capitalize: (s, a, k) => (positional('capitalize', a, k, 0), capitalize(s)),
};

/** The Jinja2 filters this module takes over from `@huggingface/jinja`. */
export const JINJA_STR_FILTERS: ReadonlySet<string> = new Set(Object.keys(FILTERS));

/** Applies `value | name(*args, **kwargs)` with Jinja2's semantics, for string values. */
export function applyStrFilter(name: string, value: unknown, args: unknown[], kwargs: Kwargs = new Map()): unknown {
  const filter = FILTERS[name];
  if (filter === undefined) throw new TypeError(`unknown string filter ${name}`);
  if (typeof value !== 'string') throw new TypeError(`Cannot apply filter "${name}" to ${typeName(value)}`);
  return filter(value, args, kwargs);
}
