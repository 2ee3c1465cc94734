/**
 * @module tokens
 * The simulator's token count, a documented approximation: one token per run of letters or digits, and one per
 * other non-space character (punctuation, symbols). "Hello, world!" is 4 tokens.
 */

const TOKEN = /[\p{L}\p{N}]+|[^\s\p{L}\p{N}]/gu;

const SPACE = 0;
const WORD = 1;
const OTHER = 2;
/** Classes of the ASCII characters, as TOKEN sees them: `\s`, letter or digit, anything else. */
const ASCII = Uint8Array.from({ length: 128 }, (_, c) =>
  (c >= 9 && c <= 13) || c === 32
    ? SPACE
    : (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122)
      ? WORD
      : OTHER,
);
const LETTER_OR_DIGIT = /^[\p{L}\p{N}]$/u;
const WHITESPACE = /^\s$/u;
/** Classes of the non-ASCII code points met so far. */
const seen = new Map<number, number>();

function classOf(codePoint: number): number {
  let kind = seen.get(codePoint);
  if (kind === undefined) {
    const char = String.fromCodePoint(codePoint);
    kind = LETTER_OR_DIGIT.test(char) ? WORD : WHITESPACE.test(char) ? SPACE : OTHER;
    if (seen.size < 65_536) seen.set(codePoint, kind);
  }
  return kind;
}

/**
 * Approximate token count of a text (see the module doc): the number of TOKEN matches, counted in one pass without
 * building the array of matches (the simulator counts every message of every request it answers).
 */
export function countTokens(text: string): number {
  let count = 0;
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    let kind: number;
    if (c < 128) kind = ASCII[c]!;
    else {
      const codePoint = text.codePointAt(i)!;
      if (codePoint > 0xffff) i++; // the low surrogate belongs to this code point
      kind = classOf(codePoint);
    }
    if (kind === WORD) {
      if (!inWord) count++;
      inWord = true;
    } else {
      inWord = false;
      if (kind === OTHER) count++;
    }
  }
  return count;
}

/**
 * The longest prefix of `text` with at most `limit` tokens, cut at a token boundary.
 * @returns the prefix and whether anything was cut.
 */
export function truncateTokens(text: string, limit: number): { text: string; truncated: boolean } {
  let count = 0;
  for (const match of text.matchAll(TOKEN)) {
    count++;
    if (count > limit) return { text: text.slice(0, match.index).trimEnd(), truncated: true };
  }
  return { text, truncated: false };
}

/** Splits text into stream pieces of about one word each (whitespace kept with the following word). */
export function splitForStreaming(text: string): string[] {
  return text.match(/\s*\S+/g) ?? [];
}
