/**
 * @module tokens
 * The simulator's token count, a documented approximation: one token per run of letters or digits, and one per
 * other non-space character (punctuation, symbols). "Hello, world!" is 4 tokens.
 */

const TOKEN = /[\p{L}\p{N}]+|[^\s\p{L}\p{N}]/gu;

/** Approximate token count of a text (see the module doc). */
export function countTokens(text: string): number {
  return text.match(TOKEN)?.length ?? 0;
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
