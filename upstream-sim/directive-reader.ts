/**
 * @module directive-reader
 * Reads what a preference directive asks for, the way a DPA-style model would: `weight*NN` pairs (helpfulness,
 * verbosity, anything else) in the system, developer or user text, and the user's actual question with the directive
 * removed.
 */
import { contentText, type ChatCompletionMessageParam } from '../core/openai.js';
import { STOP_WORDS } from './word-bank.js';

const WEIGHT_PAIR = /([A-Za-z_][\w-]*)\s*\*\s*(-?\d+(?:\.\d+)?)/g;
/** The directive sentence(s): from an optional "You are …." preamble through the weighted-rating clause's end. */
const DIRECTIVE = /(?:You are [^.\n]*\.\s*)?Your response should maximize weighted rating\s*=[^\n]*?(?:\.(?=\s|$)|$)/g;

/**
 * The directive's weights, keyed by attribute name (integers as written, e.g. `{ helpfulness: 87, verbosity: 50 }`),
 * or null when no message carries a directive.
 */
export function readDirectiveWeights(messages: readonly ChatCompletionMessageParam[]): Record<string, number> | null {
  for (const message of messages) {
    if (message.role === 'assistant' || message.role === 'tool') continue;
    const text = contentText(message.content);
    const clause = /weighted rating\s*=([^\n]*)/.exec(text);
    if (!clause) continue;
    const weights: Record<string, number> = {};
    for (const [, name, value] of (clause[1] ?? '').matchAll(WEIGHT_PAIR)) weights[name!] = Number(value);
    if (Object.keys(weights).length > 0) return weights;
  }
  return null;
}

/** The last user turn's text with any directive removed. */
export function userQuestion(messages: readonly ChatCompletionMessageParam[]): string {
  const last = [...messages].reverse().find((m) => m.role === 'user');
  return contentText(last?.content).replace(DIRECTIVE, '').trim();
}

/** Distinct content words of a text (lower-case, ≥ 4 letters, no function words), in order of appearance. */
export function contentWords(text: string): string[] {
  const words = text.toLowerCase().match(/[a-z][a-z'-]{3,}/g) ?? [];
  return [...new Set(words.filter((w) => !STOP_WORDS.has(w)))];
}
