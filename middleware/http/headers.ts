/**
 * @module http/headers
 * Header names prefsel reads and writes, and the header forms of the request extensions, for clients that cannot
 * add body fields: `X-Preference: helpfulness=0.8,verbosity=0.6` (or `angle=30`, or a JSON object) and
 * `X-Selection-Strategy: rps`, `X-Selection-K: 5`, … . Header values are only split and converted here; the same
 * zod sub-schemas as the body then validate them.
 */
import { InvalidRequestError } from '../../core/errors.js';

/** Request headers carrying the extensions (lower case, as `Headers` reports them). */
export const REQUEST_HEADERS = {
  preference: 'x-preference',
  strategy: 'x-selection-strategy',
  k: 'x-selection-k',
  radius: 'x-selection-radius-deg',
  neighbourhood: 'x-selection-neighbourhood',
  seed: 'x-selection-seed',
  prune: 'x-selection-prune',
  returnCandidates: 'x-selection-return-candidates',
} as const;

/** Response headers reporting what the selection did. */
export const REPORT_HEADERS = {
  strategy: 'x-selection-strategy',
  candidates: 'x-selection-candidates',
  failed: 'x-selection-failed',
  chosen: 'x-selection-chosen',
  score: 'x-selection-score',
  /** Pruned selections: candidates cut before they finished. */
  pruned: 'x-selection-pruned',
  /** `prune.forecast` selections: `learning` (ran uncut to teach the forecast) or `forecasting`. */
  forecast: 'x-selection-forecast',
  /** Early-streamed answers: the decision point (completion tokens) at which the answer was committed. */
  committedAt: 'x-selection-committed-at-tokens',
} as const;

/** Header name (as documented) for each `selection` field that has a header form. */
const SELECTION_HEADERS = [
  [REQUEST_HEADERS.strategy, 'strategy'],
  [REQUEST_HEADERS.k, 'k'],
  [REQUEST_HEADERS.radius, 'radius_deg'],
  [REQUEST_HEADERS.neighbourhood, 'neighbourhood'],
  [REQUEST_HEADERS.seed, 'seed'],
  [REQUEST_HEADERS.prune, 'prune'],
  [REQUEST_HEADERS.returnCandidates, 'return_candidates'],
] as const;

/**
 * Header numbers are plain decimals (`16`, `-3`, `12.5`). `Number()` alone would also read `0x10`, `1e1`, `0b11`,
 * `Infinity` and `' '`; those stay text, so the schema answers a 400 naming the field.
 */
const DECIMAL = /^-?\d+(\.\d+)?$/;

/** A number when the text is a plain decimal, `true`/`false` for booleans, else the text (the schema reports it). */
function scalar(text: string): unknown {
  const t = text.trim();
  if (t === 'true') return true;
  if (t === 'false') return false;
  if (DECIMAL.test(t)) {
    const n = Number(t);
    if (Number.isFinite(n)) return n;
  }
  return t;
}

/** `helpfulness=0.8, verbosity=0.6` → `{ helpfulness: 0.8, verbosity: 0.6 }`; `angle=30` → `{ angle_deg: 30 }`. */
export function parsePreferenceHeader(value: string): unknown {
  const text = value.trim();
  const fail = (why: string) =>
    new InvalidRequestError(
      `Invalid X-Preference header: ${why}. Use "helpfulness=0.8,verbosity=0.6", "angle=30" or a JSON object.`,
      { param: 'preference' },
    );
  if (text.startsWith('{')) {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw fail('not valid JSON');
    }
  }
  const out: Record<string, unknown> = {};
  for (const item of text.split(/[,;]/)) {
    if (item.trim() === '') continue;
    const eq = item.indexOf('=');
    if (eq <= 0) throw fail(`"${item.trim()}" is not name=value`);
    const name = item.slice(0, eq).trim();
    out[name === 'angle' ? 'angle_deg' : name] = scalar(item.slice(eq + 1));
  }
  if (Object.keys(out).length === 0) throw fail('it is empty');
  return out;
}

/** The extension fields found in headers, unvalidated; absent headers leave their fields out. */
export interface HeaderExtensions {
  preference?: unknown;
  selection?: Record<string, unknown>;
}

/** Reads the extension headers of a request. */
export function readExtensionHeaders(headers: Headers): HeaderExtensions {
  const out: HeaderExtensions = {};
  const preference = headers.get(REQUEST_HEADERS.preference);
  if (preference !== null) out.preference = parsePreferenceHeader(preference);
  for (const [header, field] of SELECTION_HEADERS) {
    const value = headers.get(header);
    if (value === null) continue;
    // Strategy names and modes stay text even when they look numeric, so "1" is reported as an invalid option.
    const parsed = field === 'strategy' || field === 'neighbourhood' ? value.trim() : scalar(value);
    (out.selection ??= {})[field] = parsed;
  }
  return out;
}
