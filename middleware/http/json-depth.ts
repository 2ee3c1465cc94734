/**
 * @module http/json-depth
 * How deep a JSON text nests, found before it is parsed. Deep nesting is cheap to send and expensive to hold: a
 * 100,000-level body parses fine, then overflows the stack of the first recursive consumer (zod, `JSON.stringify`
 * in the HTTP client), long after it should have been refused. The check is one pass with a counter: no recursion,
 * no allocation, O(size). Strings are jumped over (`indexOf` to the next quote, a native scan) rather than stepped
 * through: a chat body is mostly string content, and a JavaScript loop over every character of a 256 KB body
 * costs the event loop milliseconds per request.
 */

/**
 * Deepest nesting of objects and arrays a request body may have. A chat request needs about 6 (body → messages →
 * message → content → part → image_url); a tool's JSON Schema rarely exceeds 20 more.
 */
export const MAX_JSON_DEPTH = 64;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_OBJECT = 0x7b;
const OPEN_ARRAY = 0x5b;
const CLOSE_OBJECT = 0x7d;
const CLOSE_ARRAY = 0x5d;

/** Where a text nests too deep: the top-level key it happened under (null when not inside a top-level object). */
export interface TooDeep {
  key: string | null;
}

/**
 * Scans JSON text for nesting deeper than `maxDepth`; brackets inside strings do not count. Malformed text is not
 * reported here (the parser that runs next does that).
 * @returns null when the text stays within `maxDepth`, else where it went deeper.
 * @example jsonTooDeep('{"a":[[[1]]]}', 2) // { key: 'a' }
 */
export function jsonTooDeep(text: string, maxDepth: number = MAX_JSON_DEPTH): TooDeep | null {
  let depth = 0;
  // The last string that closed at depth 1 of a top-level object: the key of the member being read.
  let keyStart = -1;
  let keyEnd = -1;
  let topIsObject = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      const end = closingQuote(text, i);
      if (end < 0) return null; // an unterminated string: malformed, for the parser to report
      if (depth === 1) {
        keyStart = i;
        keyEnd = end + 1;
      }
      i = end;
    } else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      if (depth === 0) topIsObject = c === OPEN_OBJECT;
      if (++depth > maxDepth) return { key: topIsObject ? keyOf(text, keyStart, keyEnd) : null };
    } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
      depth--;
    }
  }
  return null;
}

/**
 * The position of the quote that closes the JSON string opened at `open`: the next one not escaped; -1 if none.
 * @example closingQuote('"a\\"b" x', 0) // 5
 */
export function closingQuote(text: string, open: number): number {
  for (let q = text.indexOf('"', open + 1); q >= 0; q = text.indexOf('"', q + 1)) {
    let backslashes = 0;
    while (q - 1 - backslashes > open && text.charCodeAt(q - 1 - backslashes) === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return q;
  }
  return -1;
}

function keyOf(text: string, start: number, end: number): string | null {
  if (start < 0) return null;
  try {
    const key: unknown = JSON.parse(text.slice(start, end));
    return typeof key === 'string' ? key : null;
  } catch {
    return null;
  }
}
