/**
 * @module profiles/routes
 * The profile endpoints as a Hono app, to mount under the OpenAI base path (`app.route('/v1', profileRoutes(…))`):
 * - `GET    /preferences/{user}`: the profile (404 when the user has none);
 * - `PUT    /preferences/{user}`: `{ "preference": … }` sets the direction by hand;
 * - `DELETE /preferences/{user}`: forgets everything about the user (204);
 * - `POST   /preferences/{user}/feedback`: a choice or an edit (see `feedback-schema.ts`).
 * Errors are thrown as `PrefselError`s (the OpenAI error shape, `param` naming the field); put the same guards in
 * front as in front of the chat endpoint (client key, body limit).
 */
import { Hono, type Context } from 'hono';
import type { ProfileKey } from '../../core/profiles.js';
import { readJson } from '../http/parse-request.js';
import type { Profiles } from './service.js';

/** The tenant of a request when the app sets none (no client keys): every caller shares it. */
export const DEFAULT_TENANT = 'default';

/** Options of {@link profileRoutes}. */
export interface ProfileRoutesOptions {
  readonly profiles: Profiles;
  /** The request's tenant. @default the `prefselTenant` context variable, else `default` */
  readonly tenant?: (c: Context) => string;
}

/** The tenant an app put on the context (the server: from the client key), else the default one. */
export const contextTenant = (c: Context): string => c.get('prefselTenant') ?? DEFAULT_TENANT;

/**
 * Creates the routes.
 * @example app.route('/v1', profileRoutes({ profiles: createProfiles({ store, selector }) }));
 */
export function profileRoutes(options: ProfileRoutesOptions): Hono {
  const { profiles } = options;
  const tenant = options.tenant ?? contextTenant;
  const keyOf = (c: Context): ProfileKey => ({ tenant: tenant(c), user: profiles.checkUser(c.req.param('user')) });
  const routes = new Hono();

  routes.get('/preferences/:user', async function getProfile(c) {
    return c.json(await profiles.get(keyOf(c)));
  });
  routes.put('/preferences/:user', async function putProfile(c) {
    const key = keyOf(c);
    return c.json(await profiles.put(key, await readJson(c.req.raw, 'preference profile')));
  });
  routes.delete('/preferences/:user', async function deleteProfile(c) {
    await profiles.remove(keyOf(c));
    return c.body(null, 204);
  });
  routes.post('/preferences/:user/feedback', async function postFeedback(c) {
    const key = keyOf(c);
    const body = await readJson(c.req.raw, 'feedback');
    return c.json(await profiles.feedback(key, body, { signal: c.req.raw.signal }));
  });
  return routes;
}
