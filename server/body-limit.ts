/**
 * @module body-limit
 * Hono's `bodyLimit` with a fast path for the usual request: a `Content-Length` header and no `Transfer-Encoding`.
 * Hono's middleware reads `c.req.raw.body` first, which on @hono/node-server turns the lightweight request into a
 * full `Request` whose body is a web stream (plus an AbortController), and the handler's `text()` then reads through
 * that stream instead of the server's direct buffer read: a sizeable share of a pass-through request's CPU. The
 * header alone decides that case, as Hono does; every other request (chunked, or no length at all) goes through
 * Hono's middleware unchanged, which counts the bytes as they arrive.
 */
import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit as honoBodyLimit } from 'hono/body-limit';

/** Options of {@link bodyLimit}, as Hono's. */
export interface BodyLimitOptions {
  /** Largest body, bytes. */
  maxSize: number;
  /** Called (its result returned) when the body is larger. */
  onError: (c: Context) => Response | Promise<Response>;
}

/** A body-size limit that decides from `Content-Length` without touching the body when it can. */
export function bodyLimit(options: BodyLimitOptions): MiddlewareHandler {
  const { maxSize, onError } = options;
  const counting = honoBodyLimit(options);
  return async function bodyLimit(c, next) {
    const length = c.req.header('content-length');
    // Same rule and parse as Hono's header branch; a GET/HEAD never reaches here (the chat routes are POST).
    if (length === undefined || c.req.header('transfer-encoding') !== undefined) return counting(c, next);
    if (parseInt(length || '0', 10) > maxSize) return onError(c);
    await next();
  };
}
