/**
 * @module redact
 * Keeps secrets out of error messages. An upstream may quote the key it was sent ("Incorrect API key provided:
 * sk-…"); wrapping the generator scrubs every message at the source, so neither responses nor logs can carry it.
 */
import { PrefselError, UpstreamError } from '../core/errors.js';
import type { ChatCompletionChunk } from '../core/openai.js';
import type { Generator } from '../core/ports.js';

/** Replaces each secret (and any long prefix of it an upstream may print) with `***`. */
export function redactText(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length < 4) continue;
    out = out.split(secret).join('***');
    // Upstreams often print a truncated key (`sk-abc1****wxyz`); scrub any 8+ character prefix of it too.
    const prefix = secret.slice(0, Math.min(8, secret.length));
    out = out.split(prefix).join('***');
  }
  return out;
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
