/**
 * @module directive-reader
 * Reads what a preference directive asks for, the way a DPA-style model would: `weight*NN` pairs (helpfulness,
 * verbosity, anything else) in the system, developer or user text, and the user's actual question with the directive
 * removed.
 *
 * Every scan here is linear in the text. The simulator runs inside the server under the offline default, and the
 * text is the client's: the regular expressions this replaces backtracked quadratically (`'You are '` repeated 25,000
 * times froze the server for 21 s), so the matching is written out by hand, with the old expressions kept in the
 * tests as the reference the scans must agree with.
 */
import { contentText, type ChatCompletionMessageParam } from '../core/openai.js';
import { STOP_WORDS } from './word-bank.js';

const PHRASE = 'Your response should maximize weighted rating';
const PREAMBLE = 'You are ';
const CLAUSE = 'weighted rating';
/** A name: a letter or `_`, then word characters or `-`. Greedy and never backtracks into itself. */
const NAME = /[A-Za-z_][\w-]*/g;
/** What must follow a name for it to be a weight: `* 87`, `*-26`, `* 0.5`. Anchored at the name's end. */
const WEIGHT = /\s*\*\s*(-?\d+(?:\.\d+)?)/y;
const SPACE = /\s/;

const isSpace = (ch: string | undefined) => ch !== undefined && SPACE.test(ch);

/**
 * The directive's weights, keyed by attribute name (integers as written, e.g. `{ helpfulness: 87, verbosity: 50 }`),
 * or null when no message carries a directive.
 */
export function readDirectiveWeights(messages: readonly ChatCompletionMessageParam[]): Record<string, number> | null {
  for (const message of messages) {
    if (message.role === 'assistant' || message.role === 'tool') continue;
    const clause = ratingClause(contentText(message.content));
    if (clause === null) continue;
    const weights = weightPairs(clause);
    if (Object.keys(weights).length > 0) return weights;
  }
  return null;
}

/** The rest of the line after the first `weighted rating =` (`=` may follow after whitespace), or null. */
function ratingClause(text: string): string | null {
  for (let at = text.indexOf(CLAUSE); at >= 0; at = text.indexOf(CLAUSE, at + 1)) {
    let i = at + CLAUSE.length;
    while (isSpace(text[i])) i++;
    if (text[i] !== '=') continue;
    const newline = text.indexOf('\n', i + 1);
    return text.slice(i + 1, newline < 0 ? text.length : newline);
  }
  return null;
}

/** `name * number` pairs, left to right; a later pair with the same name wins. */
function weightPairs(clause: string): Record<string, number> {
  const weights: Record<string, number> = {};
  NAME.lastIndex = 0;
  for (let name = NAME.exec(clause); name !== null; name = NAME.exec(clause)) {
    // A name that is not followed by `*number` cannot become one by starting later inside the same run of word
    // characters (the run ends in the same place), so the scan moves on past it.
    WEIGHT.lastIndex = NAME.lastIndex;
    const weight = WEIGHT.exec(clause);
    if (weight === null) continue;
    weights[name[0]] = Number(weight[1]);
    NAME.lastIndex = WEIGHT.lastIndex;
  }
  return weights;
}

/** The last user turn's text with any directive removed. */
export function userQuestion(messages: readonly ChatCompletionMessageParam[]): string {
  const last = [...messages].reverse().find((m) => m.role === 'user');
  return withoutDirectives(contentText(last?.content)).trim();
}

/**
 * Removes each directive, exactly where the former expression
 * `/(?:You are [^.\n]*\.\s*)?Your response should maximize weighted rating\s*=[^\n]*?(?:\.(?=\s|$)|$)/g` matched:
 * an optional `You are ….` preamble (up to its line's next full stop), then the phrase, `=`, and the rest of the line
 * up to a full stop followed by whitespace (or the end of the text). A phrase whose line ends first stays.
 *
 * Leftmost-first, as the expression: candidates (`You are ` and phrase occurrences) are tried in text order. Linear:
 * a failed preamble rules out every `You are ` before its full stop, and a phrase that fails at a newline rules out
 * every phrase before that newline (their lines hold no terminating full stop either).
 */
function withoutDirectives(text: string): string {
  const tailEnd = createTailReader(text);
  let out = '';
  let cur = 0; // where the next match may start; text before `kept` is copied to `out` or removed
  let kept = 0;
  let youFrom = 0;
  let phraseFrom = 0;
  let nextYou = -2;
  let nextPhrase = -2;
  for (;;) {
    // Each stream's next occurrence is searched again only once the scan has passed it, so the searches are linear.
    const youAt = Math.max(cur, youFrom);
    if (nextYou !== -1 && nextYou < youAt) nextYou = text.indexOf(PREAMBLE, youAt);
    const phraseAt = Math.max(cur, phraseFrom);
    if (nextPhrase !== -1 && nextPhrase < phraseAt) nextPhrase = text.indexOf(PHRASE, phraseAt);
    if (nextYou < 0 && nextPhrase < 0) break;
    let start: number;
    let end: number | null = null;
    if (nextPhrase < 0 || (nextYou >= 0 && nextYou < nextPhrase)) {
      start = nextYou;
      const stop = firstStop(text, start + PREAMBLE.length);
      if (text[stop] === '.') {
        let at = stop + 1;
        while (isSpace(text[at])) at++;
        if (text.startsWith(PHRASE, at)) end = tailEnd(at);
      }
      // Every `You are ` before this stop runs to the same stop, so it fails or succeeds with this one.
      youFrom = stop + 1;
    } else {
      start = nextPhrase;
      end = tailEnd(start);
      phraseFrom = start + 1;
    }
    if (end === null) continue;
    out += text.slice(kept, start);
    kept = end;
    cur = end;
  }
  return out + text.slice(kept);
}

/** The first `.` or newline at or after `i` (the text's length when there is none). */
function firstStop(text: string, i: number): number {
  while (i < text.length && text[i] !== '.' && text[i] !== '\n') i++;
  return i;
}

/**
 * Where the directive whose phrase starts at `at` ends, or null when it starts none. Remembers the last failure at
 * a newline: every phrase between that one and the newline fails too (its line holds no terminating full stop
 * either), except one directly followed by the whitespace that ends the line (its `\s*=` may continue on the next
 * line). Without that memory, phrases repeated along one long line would each scan to its end.
 */
function createTailReader(text: string): (at: number) => number | null {
  let failFrom = -1;
  let failUntil = -1;
  return (at) => {
    if (at > failFrom && at < failUntil) return null;
    let i = at + PHRASE.length;
    while (isSpace(text[i])) i++;
    if (text[i] !== '=') return null;
    for (i++; i < text.length; i++) {
      const ch = text[i];
      if (ch === '.' && (i + 1 === text.length || isSpace(text[i + 1]))) return i + 1;
      if (ch !== '\n') continue;
      let blank = i;
      while (blank > at && isSpace(text[blank - 1])) blank--;
      failFrom = at;
      failUntil = blank - PHRASE.length;
      return null;
    }
    return text.length;
  };
}

/** Distinct content words of a text (lower-case, ≥ 4 letters, no function words), in order of appearance. */
export function contentWords(text: string): string[] {
  const words = text.toLowerCase().match(/[a-z][a-z'-]{3,}/g) ?? [];
  return [...new Set(words.filter((w) => !STOP_WORDS.has(w)))];
}
