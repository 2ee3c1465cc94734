/**
 * @module auth
 * Optional client API keys (`Authorization: Bearer <key>`). Keys are compared as SHA-256 digests with
 * `timingSafeEqual`, so neither the comparison time nor an error message reveals anything about a key.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { AuthenticationError } from '../core/errors.js';

const digest = (key: string) => createHash('sha256').update(key).digest();

/**
 * The tenant of a client key: a stable, non-secret id (a SHA-256 prefix of a high-entropy key reveals nothing of it)
 * under which that key's preference profiles live, so one key never reads or moves another's.
 */
export function tenantOf(key: string): string {
  return `key_${createHash('sha256').update(`prefsel-tenant:${key}`).digest('hex').slice(0, 24)}`;
}

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

/**
 * Rejects requests without one of `keys` with a 401 that says it is *this proxy's* key that is wrong, and puts the
 * key's tenant on the context (`prefselTenant`).
 */
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
    // The check accepted the header, so it holds a Bearer key.
    const key = /^Bearer\s+(.+)$/i.exec(c.req.header('authorization')!.trim())![1]!.trim();
    c.set('prefselTenant', tenantOf(key));
    await next();
  };
}
