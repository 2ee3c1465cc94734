/**
 * @module profiles/service
 * Preference profiles over any {@link ProfileStore}: the request path's lookup (a user's learned direction, or null
 * for the server default), keeping a response's scored candidates for a later choice, and the profile operations
 * (read, set by hand, forget, learn from a choice or an edit). Every operation is scoped by a tenant; every wait on
 * the store or the scorer is bounded; bad input is an `InvalidRequestError` naming the field.
 */
import { createHash } from 'node:crypto';
import { assertInBound } from '../../core/bounds.js';
import { ConflictError, GoneError, InvalidRequestError, NotFoundError } from '../../core/errors.js';
import type { ChatCompletionMessageParam } from '../../core/openai.js';
import type { KeptReport, ProfileKey, ProfileState, ProfileStore } from '../../core/profiles.js';
import type { Selector } from '../../core/selector.js';
import type { PreferenceInput, Selection } from '../../core/types.js';
import { parsePreference } from '../preference.js';
import { issuesToError } from '../validation.js';
import {
  PROFILE_BOUNDS,
  PROFILE_DEFAULTS,
  profileSchemas,
  userIdSchema,
  type FeedbackBody,
} from './feedback-schema.js';
import { alignState, applyChoice, applyEdit, initialState, type LearnerOptions } from './learner.js';
import { boundedWait } from './bounded-wait.js';
import { profileView, type ProfileView } from './view.js';

/** Options of {@link createProfiles}. */
export interface ProfilesOptions {
  readonly store: ProfileStore;
  /** The engine: its attributes, default preference and scorer (edits are scored with it). */
  readonly selector: Pick<Selector, 'attributes' | 'angleAttributes' | 'defaults' | 'scorer' | 'limits'>;
  readonly learner?: Partial<LearnerOptions>;
  /** How long a response's candidates stay available for a choice, ms. @default 3600000 */
  readonly reportTtlMs?: number;
  /** Most responses kept. @default 100000 */
  readonly maxReports?: number;
  /** Longest wait for a profile on the request path, ms. @default 1000 */
  readonly lookupTimeoutMs?: number;
  /** Longest wait for the store or the scorer in the profile operations, ms; then 503. @default 10000 */
  readonly storeTimeoutMs?: number;
}

/** The answer to a feedback. */
export interface FeedbackResult {
  object: 'preference_feedback';
  type: 'choice' | 'edit';
  feedback_id: string | null;
  /** False when the feedback id had been applied before: nothing changed, the first answer is repeated. */
  applied: boolean;
  profile: ProfileView;
}

/** What the request path gets: the user's direction, or why the default is used. */
export type ProfileLookup =
  | { source: 'profile'; preference: PreferenceInput }
  | { source: 'default' }
  | { source: 'unavailable'; error: unknown };

/** Profiles bound to one store and one engine. */
export interface Profiles {
  readonly store: ProfileStore;
  /** The request path: the learned direction, `default` for a new user, `unavailable` when the store did not answer. */
  lookup(key: ProfileKey): Promise<ProfileLookup>;
  /** Keeps a selection's scored candidates for a choice (at least two needed); never throws. */
  keep(key: ProfileKey, responseId: string, selection: Selection): Promise<{ kept: boolean; error?: unknown }>;
  /** The profile; 404 when the user has none. */
  get(key: ProfileKey): Promise<ProfileView>;
  /** Sets the direction by hand (`{ preference }`, any preference form); the certainty restarts from the prior. */
  put(key: ProfileKey, body: unknown): Promise<ProfileView>;
  /** Forgets the user (profile, feedback ids, kept responses); 404 when nothing was known. */
  remove(key: ProfileKey): Promise<void>;
  /** Learns from a choice or an edit (see `feedback-schema.ts`); idempotent by `feedback_id`. */
  feedback(key: ProfileKey, body: unknown, options?: { signal?: AbortSignal }): Promise<FeedbackResult>;
  /** Checks a user id (path segment or header); 400 naming `param`. */
  checkUser(user: unknown, param?: string): string;
}

/**
 * Creates the profile service.
 * @throws TypeError for an option outside its range (`PROFILE_BOUNDS`).
 * @example
 * const profiles = createProfiles({ store: createMemoryProfileStore(), selector });
 * await profiles.feedback({ tenant: 'default', user: 'alice' }, { type: 'choice', response_id, chosen: 2 });
 */
export function createProfiles(options: ProfilesOptions): Profiles {
  const { store, selector } = options;
  const setting = (name: keyof typeof PROFILE_DEFAULTS) =>
    assertInBound(name, options[name] ?? PROFILE_DEFAULTS[name], PROFILE_BOUNDS[name]);
  const limits = {
    reportTtlMs: setting('reportTtlMs'),
    maxReports: setting('maxReports'),
    lookupTimeoutMs: setting('lookupTimeoutMs'),
    storeTimeoutMs: setting('storeTimeoutMs'),
  };
  const attributes = [...selector.attributes];
  const rules = { attributes, angleAttributes: selector.angleAttributes };
  const schemas = profileSchemas({ ...rules, maxK: selector.limits.maxK });
  const defaultDirection = parsePreference(selector.defaults.preference, rules).target.vector;
  const learner = options.learner;
  const fresh = () => initialState(defaultDirection, { attributes, ...(learner ? { learner } : {}) });
  /** The stored state in the scorer's attributes; a prior at the default when there is none (or nothing carries). */
  const current = (state: ProfileState | undefined) => (state && alignState(state, attributes, learner)) ?? fresh();
  const wait = <T>(work: Promise<T>, what: string, signal?: AbortSignal) =>
    boundedWait(work, { timeoutMs: limits.storeTimeoutMs, what, ...(signal ? { signal } : {}) });
  const view = (key: ProfileKey, state: ProfileState, version: number | null) =>
    profileView({ user: key.user, state, version, angleAttributes: selector.angleAttributes });

  async function feedbackChange(key: ProfileKey, body: FeedbackBody, signal?: AbortSignal) {
    if (body.type === 'choice') {
      const evidence = choiceEvidence(
        body,
        await wait(store.findReport(key.tenant, body.response_id), 'The profile store', signal),
        key,
      );
      return (state: ProfileState) => applyChoice(state, aligned(evidence, attributes), learner ? { learner } : {});
    }
    if (body.original === body.edited) {
      throw new InvalidRequestError('`edited` is the same text as `original`; an edit must change the answer.', {
        param: 'edited',
      });
    }
    // The chat schema's messages (the same rule the chat endpoint applies), as the engine reads them.
    const messages = (body.messages ?? []) as ChatCompletionMessageParam[];
    const [original, edited] = await wait(
      selector.scorer.score(
        [
          { messages, response: body.original },
          { messages, response: body.edited },
        ],
        signal ? { signal } : {},
      ),
      'The reward model',
      signal,
    );
    return (state: ProfileState) =>
      applyEdit(state, { original: original!, edited: edited! }, learner ? { learner } : {});
  }

  return {
    store,
    checkUser(user, param = 'user') {
      const parsed = userIdSchema.safeParse(user);
      if (!parsed.success) throw issuesToError(parsed.error.issues, { prefix: [param] });
      return parsed.data;
    },
    async lookup(key) {
      try {
        const found = await boundedWait(store.get(key), {
          timeoutMs: limits.lookupTimeoutMs,
          what: 'The profile store',
        });
        const state = found && alignState(found.state, attributes, learner);
        if (!state) return { source: 'default' };
        const weights = Object.fromEntries(attributes.map((name, i) => [name, state.mean[i]!]));
        return { source: 'profile', preference: { weights } };
      } catch (error) {
        return { source: 'unavailable', error };
      }
    },
    async keep(key, responseId, selection) {
      const candidates = selection.candidates
        .filter((c) => c.status === 'ok' && c.scores)
        .map((c) => ({ index: c.index, scores: selection.attributes.map((a) => c.scores![a]!) }));
      if (candidates.length < 2) return { kept: false };
      const now = Date.now();
      const report: KeptReport = {
        responseId,
        user: key.user,
        attributes: [...selection.attributes],
        candidates,
        createdAt: now,
        expiresAt: now + limits.reportTtlMs,
      };
      try {
        await boundedWait(store.keepReport(key.tenant, report, { maxReports: limits.maxReports }), {
          timeoutMs: limits.lookupTimeoutMs,
          what: 'The profile store',
        });
        return { kept: true };
      } catch (error) {
        return { kept: false, error };
      }
    },
    async get(key) {
      const found = await wait(store.get(key), 'The profile store');
      if (!found) throw unknownUser(key);
      return view(key, current(found.state), found.version);
    },
    async put(key, body) {
      const parsed = schemas.put.safeParse(body);
      if (!parsed.success) throw issuesToError(parsed.error.issues);
      const { target } = parsePreference(parsed.data.preference, rules);
      const state = initialState(target.vector, { attributes, source: 'manual', ...(learner ? { learner } : {}) });
      const outcome = await wait(store.update(key, { apply: () => ({ state, result: null }) }), 'The profile store');
      return view(key, state, outcome.status === 'applied' ? outcome.profile.version : null);
    },
    async remove(key) {
      if (!(await wait(store.delete(key), 'The profile store'))) throw unknownUser(key);
    },
    async feedback(key, body, callOptions = {}) {
      const parsed = schemas.feedback.safeParse(body);
      if (!parsed.success) throw issuesToError(parsed.error.issues);
      const feedback = parsed.data;
      const step = await feedbackChange(key, feedback, callOptions.signal);
      const { feedback_id: feedbackId = null, ...rest } = feedback;
      const outcome = await wait(
        store.update<FeedbackResult>(key, {
          ...(feedbackId === null ? {} : { feedbackId, fingerprint: digest(rest) }),
          apply: (stored) => {
            const state = step(current(stored?.state));
            const profile = view(key, state, (stored?.version ?? 0) + 1);
            return {
              state,
              result: {
                object: 'preference_feedback',
                type: feedback.type,
                feedback_id: feedbackId,
                applied: true,
                profile,
              },
            };
          },
        }),
        'The profile store',
      );
      if (outcome.status === 'conflict') {
        throw new ConflictError(
          `feedback_id "${feedbackId}" was already used for a different feedback of this user; use a new id.`,
          { param: 'feedback_id', code: 'feedback_id_reused' },
        );
      }
      return outcome.status === 'replayed' ? { ...outcome.result, applied: false } : outcome.result;
    },
  };
}

function unknownUser(key: ProfileKey): NotFoundError {
  return new NotFoundError(`No preference profile for user "${key.user}".`, {
    param: 'user',
    code: 'profile_not_found',
  });
}

/** The kept candidates a choice names, checked: known, unexpired, for this user; chosen among the shown. */
function choiceEvidence(body: Extract<FeedbackBody, { type: 'choice' }>, report: KeptReport | null, key: ProfileKey) {
  // Another user's response is reported exactly like an unknown one: its existence is not this user's to learn.
  if (!report || report.user !== key.user) {
    throw new NotFoundError(
      `No response "${body.response_id}" with candidates for this user is known (send the request with this user id; only responses with at least two scored candidates are kept).`,
      { param: 'response_id', code: 'response_not_found' },
    );
  }
  if (Date.now() > report.expiresAt) {
    throw new GoneError(`Response "${body.response_id}" has expired: its candidates are no longer kept.`, {
      param: 'response_id',
      code: 'response_expired',
    });
  }
  const byIndex = new Map(report.candidates.map((c) => [c.index, c.scores]));
  const shown = body.shown ?? report.candidates.map((c) => c.index);
  shown.forEach((index, i) => {
    if (!byIndex.has(index))
      throw new InvalidRequestError(`Candidate ${index} is not a scored candidate of this response.`, {
        param: `shown[${i}]`,
      });
    if (shown.indexOf(index) !== i)
      throw new InvalidRequestError(`Candidate ${index} is listed twice.`, { param: `shown[${i}]` });
  });
  if (!shown.includes(body.chosen)) {
    throw new InvalidRequestError(
      `Candidate ${body.chosen} was not among the candidates shown (${shown.join(', ')}).`,
      {
        param: 'chosen',
        code: 'candidate_not_shown',
      },
    );
  }
  return {
    attributes: report.attributes,
    chosen: byIndex.get(body.chosen)!,
    others: shown.filter((i) => i !== body.chosen).map((i) => byIndex.get(i)!),
  };
}

/** Score rows in the scorer's current attribute order (a report kept before a model change is mapped by name). */
function aligned(evidence: ReturnType<typeof choiceEvidence>, attributes: readonly string[]) {
  const map = (row: readonly number[]) =>
    attributes.map((name) => {
      const at = evidence.attributes.indexOf(name);
      return at < 0 ? 0 : row[at]!;
    });
  return { chosen: map(evidence.chosen), others: evidence.others.map(map) };
}

/** A stable digest of a feedback body, to tell a retry from a reused id. */
function digest(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, 32);
}
