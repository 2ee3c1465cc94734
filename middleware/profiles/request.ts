/**
 * @module profiles/request
 * Profiles on the request path of the selecting endpoints (chat completions, Responses): a request without a
 * `preference` but with a user id (the OpenAI `user` field, or the `X-Prefsel-User` header for clients that cannot
 * set it) is selected under that user's stored direction; a new user gets the server default; an explicit
 * `preference` always wins. A response made for a user keeps its scored candidates so the user can later say which
 * they preferred. The response says where its preference came from (`X-Prefsel-Preference-Source`).
 */
import type { Context } from 'hono';
import type { ProfileKey } from '../../core/profiles.js';
import type { PreferenceInput, Selection } from '../../core/types.js';
import type { Profiles } from './service.js';
import { contextTenant } from './routes.js';

/** Headers of the profile feature (lower case). */
export const PROFILE_HEADERS = {
  /** Request: the user id, for clients that cannot set the body's `user`. */
  user: 'x-prefsel-user',
  /** Response: `request`, `profile`, `default`, or `default-unavailable` (the store did not answer in time). */
  source: 'x-prefsel-preference-source',
} as const;

/** What the endpoint options carry for profiles. */
export interface RequestProfileOptions {
  /** Profiles (`createProfiles(…)`); unset: no profiles, the `user` field is only forwarded. */
  readonly profiles?: Profiles | undefined;
  /** The request's tenant. @default the `prefselTenant` context variable, else `default` */
  readonly tenant?: ((c: Context) => string) | undefined;
  /** Told when the profile store failed on the request path (the request went on with the default). */
  readonly onProfileError?: ((err: unknown, c: Context) => void) | undefined;
}

/** The preference a request is selected under, and the user to keep its candidates for. */
export interface RequestProfile {
  preference?: PreferenceInput;
  key?: ProfileKey;
  headers: Record<string, string>;
}

/**
 * Resolves a request's preference from its user's profile (see the module doc).
 * @throws InvalidRequestError (`param: user`) for an invalid `X-Prefsel-User` header.
 */
export async function resolveRequestProfile(
  c: Context,
  request: { preference?: PreferenceInput | undefined; user?: string | undefined },
  options: RequestProfileOptions,
): Promise<RequestProfile> {
  const { profiles } = options;
  const explicit = request.preference ? { preference: request.preference } : {};
  if (!profiles) return { ...explicit, headers: {} };
  const header = c.req.header(PROFILE_HEADERS.user);
  const user = request.user ?? (header === undefined ? undefined : profiles.checkUser(header, 'user'));
  if (user === undefined || user === '') {
    return { ...explicit, headers: { [PROFILE_HEADERS.source]: request.preference ? 'request' : 'default' } };
  }
  const key = { tenant: (options.tenant ?? contextTenant)(c), user };
  if (request.preference) return { ...explicit, key, headers: { [PROFILE_HEADERS.source]: 'request' } };
  const found = await profiles.lookup(key);
  if (found.source === 'profile') {
    return { preference: found.preference, key, headers: { [PROFILE_HEADERS.source]: 'profile' } };
  }
  if (found.source === 'unavailable') options.onProfileError?.(found.error, c);
  const source = found.source === 'unavailable' ? 'default-unavailable' : 'default';
  return { key, headers: { [PROFILE_HEADERS.source]: source } };
}

/** Keeps a finished selection's candidates for the user's feedback; store failures are reported, not thrown. */
export async function keepForFeedback(
  c: Context,
  profile: RequestProfile,
  args: { responseId: string; selection: Selection; options: RequestProfileOptions },
): Promise<void> {
  const { profiles, onProfileError } = args.options;
  if (!profiles || !profile.key || args.selection.strategy === 'none') return;
  const { error } = await profiles.keep(profile.key, args.responseId, args.selection);
  if (error !== undefined) onProfileError?.(error, c);
}
