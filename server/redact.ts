/**
 * @module redact
 * Keeps secrets out of error messages and logs. An upstream may quote the key it was sent, whole or masked
 * ("Incorrect API key provided: sk-OPE****9XYZ"); wrapping the generator scrubs every message at the source, so
 * responses cannot carry it, and the logger passes every line through {@link redactText} as well, so a cause or a
 * request header an error drags along cannot either.
 */
import { PrefselError, UpstreamError } from '../core/errors.js';
import type { ChatCompletionChunk } from '../core/openai.js';
import type { Generator } from '../core/ports.js';

/** Any run of this many consecutive characters of a secret is scrubbed wherever it appears. */
const FRAGMENT = 8;
/** A prefix or suffix this long is scrubbed when it starts or ends a word (`sk-OPE****9XYZ`, "ending in 9XYZ"). */
const EDGE = 4;
/** A bare word that starts with this much of a secret is scrubbed even without masking beside it. */
const BARE_PREFIX = 6;
/** What upstreams mask the middle of a key with: asterisks, bullets, ellipses, runs of dots. */
const MASK = /[*•·…]+|\.{2,}/;
/** A word: what lies between spaces, quotes, brackets and separators. */
const WORD = /[^\s"'`<>()[\]{},;:=]+/g;
/** Sentence punctuation and JSON's escaping backslash around a word, which are not part of a key. */
const TRIM = /^[.!?\\]+|[.!?\\]+$/g;

/**
 * Scrubs every recognisable piece of each secret from `text`, replacing it with `***`. An attacker who sees error
 * messages or logs learns nothing from what is left: the whole secret, any 8 consecutive characters of it, and any
 * word that begins with 4+ of its first characters or ends with 4+ of its last ones (`sk-OPE****9XYZ`,
 * `sk-OPE...9XYZ`, `****9XYZ`, "the key ending in 9XYZ") all go. Secrets shorter than 4 characters are left alone.
 * @example redactText('bad key sk-OPE****9XYZ.', ['sk-OPERATOR-0123456789XYZ']) // 'bad key ***.'
 */
export function redactText(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length < EDGE) continue;
    out = scrubFragments(out, secret);
    // A sentence's full stop stays, so the message still reads as one.
    out = out.replace(WORD, (word) => (revealsEdge(word, secret) ? `***${/[.!?]*$/.exec(word)![0]}` : word));
  }
  return out;
}

/** Replaces every run of text covered by some `FRAGMENT`-long window of the secret with one `***`. */
function scrubFragments(text: string, secret: string): string {
  const size = Math.min(FRAGMENT, secret.length);
  const windows = new Set<string>();
  for (let i = 0; i + size <= secret.length; i++) windows.add(secret.slice(i, i + size));
  const starts = new Set([...windows].map((w) => w[0]));
  const covered = new Uint8Array(text.length);
  let found = false;
  for (let i = 0; i + size <= text.length; i++) {
    if (starts.has(text[i]) && windows.has(text.slice(i, i + size))) {
      covered.fill(1, i, i + size);
      found = true;
    }
  }
  if (!found) return text;
  let out = '';
  for (let i = 0; i < text.length;) {
    const start = i;
    const inside = covered[i] === 1;
    while (i < text.length && (covered[i] === 1) === inside) i++;
    out += inside ? '***' : text.slice(start, i);
  }
  return out;
}

/** Whether a word shows the secret's first or last characters (see {@link redactText}). */
function revealsEdge(word: string, secret: string): boolean {
  const parts = word.split(MASK).map((part) => part.replace(TRIM, ''));
  const first = parts[0] ?? '';
  const last = parts[parts.length - 1] ?? '';
  const prefix = commonPrefix(first, secret);
  const suffix = commonSuffix(last, secret);
  if (suffix >= EDGE) return true;
  return parts.length > 1 ? prefix >= EDGE : prefix >= BARE_PREFIX;
}

function commonPrefix(a: string, b: string): number {
  let n = 0;
  while (n < a.length && n < b.length && a[n] === b[n]) n++;
  return n;
}

function commonSuffix(a: string, b: string): number {
  let n = 0;
  while (n < a.length && n < b.length && a[a.length - 1 - n] === b[b.length - 1 - n]) n++;
  return n;
}

function scrub(err: unknown, secrets: readonly string[]): unknown {
  if (!(err instanceof Error)) return err;
  const message = redactText(err.message, secrets);
  if (message === err.message) return err;
  if (err instanceof UpstreamError) {
    // The cause may hold the raw upstream body; it is dropped with the secret.
    return new UpstreamError(message, err.upstreamStatus, { param: err.param, headers: err.headers });
  }
  if (err instanceof PrefselError) {
    err.message = message;
    return err;
  }
  const copy = new Error(message);
  copy.name = err.name;
  return copy;
}

/** A generator whose errors never contain any of `secrets`. */
export function redactingGenerator(generator: Generator, secrets: readonly string[]): Generator {
  const live = secrets.filter((s) => s.length >= 4);
  if (live.length === 0) return generator;
  const stream = generator.stream;
  const listModels = generator.listModels;
  return {
    name: generator.name,
    complete: (params, options) =>
      generator.complete(params, options).catch((err: unknown) => Promise.reject(scrub(err, live))),
    ...(stream
      ? {
          async *stream(params, options): AsyncGenerator<ChatCompletionChunk> {
            try {
              yield* stream.call(generator, params, options);
            } catch (err) {
              throw scrub(err, live);
            }
          },
        }
      : {}),
    ...(listModels
      ? {
          listModels: (options) =>
            listModels.call(generator, options).catch((err: unknown) => Promise.reject(scrub(err, live))),
        }
      : {}),
  };
}
