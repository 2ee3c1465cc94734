/**
 * @module auth
 * Optional client API keys (`Authorization: Bearer <key>`). Keys are compared as SHA-256 digests with
 * `timingSafeEqual`, so neither the comparison time nor an error message reveals anything about a key.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { AuthenticationError } from '../core/errors.js';

const digest = (key: string) => createHash('sha256').update(key).digest();

/** What the `Authorization` header of a request says about the client key. */
export type KeyCheck = 'missing' | 'invalid' | 'valid';

/**
 * Checks a request's `Authorization: Bearer <key>` against `keys`. Every key is compared (no early exit) so timing
 * does not reveal which one was close.
 */
export function clientKeyCheck(keys: readonly string[]): (authorization: string | undefined) => KeyCheck {
  const accepted = keys.map(digest);
  return function checkKey(authorization) {
    const match = /^Bearer\s+(.+)$/i.exec((authorization ?? '').trim());
    if (!match) return 'missing';
    const given = digest(match[1]!.trim());
    let ok = false;
    for (const key of accepted) ok = timingSafeEqual(key, given) || ok;
    return ok ? 'valid' : 'invalid';
  };
}

/** Rejects requests without one of `keys` with a 401 that says it is *this proxy's* key that is wrong. */
export function clientKeyAuth(keys: readonly string[]): MiddlewareHandler {
  const check = clientKeyCheck(keys);
  return async function clientKeyAuth(c, next) {
    const result = check(c.req.header('authorization'));
    if (result === 'missing') {
      throw new AuthenticationError(
        'Missing API key for this prefsel proxy. Send it as "Authorization: Bearer <key>".',
      );
    }
    if (result === 'invalid')
      throw new AuthenticationError('Invalid API key for this prefsel proxy (not the upstream).');
    await next();
  };
}
