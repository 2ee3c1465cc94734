/**
 * @module http/errors
 * The one place that turns any thrown value into the OpenAI error body. Known errors (`PrefselError`) speak for
 * themselves; anything else becomes a generic 500 whose body never echoes the internal message or a stack.
 */
import { PrefselError, type OpenAIErrorBody } from '../../core/errors.js';

/** The body of an unexpected failure: deliberately says nothing about the cause. */
const INTERNAL: OpenAIErrorBody = {
  error: { message: 'Internal server error.', type: 'server_error', param: null, code: 'internal_error' },
};

/** HTTP status for any thrown value: a `PrefselError`'s own, otherwise 500. */
export function errorStatus(err: unknown): number {
  return err instanceof PrefselError ? err.status : 500;
}

/** OpenAI-shaped body for any thrown value. */
export function errorBody(err: unknown): OpenAIErrorBody {
  return err instanceof PrefselError ? err.toJSON() : INTERNAL;
}

/** Extra headers an error asks for (for example `Retry-After` on 429). */
export function errorHeaders(err: unknown): Record<string, string> {
  return err instanceof PrefselError ? err.headers : {};
}

/**
 * A complete JSON error `Response` for any thrown value. Use it as (or inside) `app.onError` so that errors the
 * middleware throws reach clients in the OpenAI shape.
 */
export function errorResponse(err: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(errorBody(err)), {
    status: errorStatus(err),
    headers: { 'content-type': 'application/json', ...errorHeaders(err), ...headers },
  });
}
