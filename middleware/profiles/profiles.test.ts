/**
 * Profiles through the library: the real engine (`createSelector`) over a local generator and a function scorer,
 * the chat and Responses middleware and the profile routes in one Hono app, with the in-memory store. The SQL stores
 * are covered by `stores/profile-stores.test.ts`, the proxy by `server/profiles.test.ts`.
 */
import { Hono } from 'hono';
import type { Generator } from '../../core/ports.js';
import { createFunctionScorer } from '../../scorers/function.js';
import { createSelector } from '../create-selector.js';
import { errorResponse } from '../http/errors.js';
import { preferenceSelection } from '../hono.js';
import { preferenceResponses } from '../responses.js';
import { createMemoryProfileStore } from './memory-store.js';
import { profileRoutes } from './routes.js';
import { createProfiles } from './service.js';

/** Answers of growing length per candidate (its seed), so candidates differ in verbosity. */
const generator: Generator = {
  name: 'local',
  async complete(params) {
    const words = 5 + 10 * (Number(params.seed ?? 0) % 5);
    return {
      id: 'x',
      object: 'chat.completion',
      created: 0,
      model: params.model,
      choices: [
        { index: 0, message: { role: 'assistant', content: 'word '.repeat(words).trim() }, finish_reason: 'stop' },
      ],
      usage: { prompt_tokens: 1, completion_tokens: words, total_tokens: words + 1 },
    };
  },
};
const scorer = createFunctionScorer({
  attributes: ['helpfulness', 'verbosity'],
  score: ({ response }) => ({ helpfulness: 1, verbosity: response.length / 100 }),
});

function setup(options: { reportTtlMs?: number } = {}) {
  const selector = createSelector({ generator, scorer, defaults: { preference: { angle_deg: 0 } } });
  const store = createMemoryProfileStore();
  const profiles = createProfiles({ store, selector, ...options });
  const tenant = (c: { req: { header(n: string): string | undefined } }) => c.req.header('x-tenant') ?? 'a';
  const app = new Hono();
  app.use(
    '/v1/*',
    preferenceSelection({ selector, profiles, tenant }),
    preferenceResponses({ selector, profiles, tenant }),
  );
  app.route('/v1', profileRoutes({ profiles, tenant }));
  app.onError((err) => errorResponse(err));
  const call = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
    app.request(`http://localhost/v1${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...headers },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  const chat = (extra: Record<string, unknown>, headers: Record<string, string> = {}) =>
    call(
      'POST',
      '/chat/completions',
      { model: 'm', messages: [{ role: 'user', content: 'hi' }], selection: { return_candidates: true }, ...extra },
      headers,
    );
  return { call, chat, store };
}

type Json = Record<string, any>;
/** The candidate index with the highest verbosity score in a chat response's report. */
const mostVerbose = (json: Json) =>
  (json.selection.candidates as Json[]).reduce((a, b) => (b.scores.verbosity > a.scores.verbosity ? b : a)).index;

describe('profiles through the library', () => {
  it('learns from choices, selects under the learned direction, and an explicit preference wins', async () => {
    const { call, chat } = setup();
    const first = await chat({ user: 'alice' });
    expect(first.headers.get('x-prefsel-preference-source')).toBe('default');
    expect((await call('GET', '/preferences/alice')).status).toBe(404);
    let json = (await first.json()) as Json;
    for (let i = 0; i < 4; i++) {
      const res = await call('POST', '/preferences/alice/feedback', {
        type: 'choice',
        response_id: json.id,
        chosen: mostVerbose(json),
        feedback_id: `f${i}`,
      });
      expect(res.status).toBe(200);
      const fb = (await res.json()) as Json;
      expect(fb).toMatchObject({ object: 'preference_feedback', applied: true, type: 'choice' });
      json = (await (await chat({ user: 'alice' })).json()) as Json;
    }
    const profile = (await (await call('GET', '/preferences/alice')).json()) as Json;
    expect(profile.feedback).toEqual({ choices: 4, edits: 0 });
    expect(profile.angle_deg).toBeGreaterThan(10);
    const next = await chat({ user: 'alice' });
    expect(next.headers.get('x-prefsel-preference-source')).toBe('profile');
    const target = ((await next.json()) as Json).selection.target;
    expect(target.weights.verbosity).toBeCloseTo(profile.preference.weights.verbosity, 5);
    const explicit = await chat({ user: 'alice', preference: { angle_deg: -20 } });
    expect(explicit.headers.get('x-prefsel-preference-source')).toBe('request');
    expect(((await explicit.json()) as Json).selection.target.angle_deg).toBe(-20);
    // The header names the user for clients that cannot set `user`; the Responses endpoint reads profiles too.
    const viaHeader = await chat({}, { 'x-prefsel-user': 'alice' });
    expect(viaHeader.headers.get('x-prefsel-preference-source')).toBe('profile');
    const responses = await call('POST', '/responses', { model: 'm', input: 'hi', user: 'alice' });
    expect(responses.status).toBe(200);
    expect(responses.headers.get('x-prefsel-preference-source')).toBe('profile');
  });

  it('is idempotent by feedback id and refuses a reused id for other feedback', async () => {
    const { call, chat } = setup();
    const json = (await (await chat({ user: 'bob' })).json()) as Json;
    const feedback = { type: 'choice', response_id: json.id, chosen: mostVerbose(json), feedback_id: 'once' };
    const first = (await (await call('POST', '/preferences/bob/feedback', feedback)).json()) as Json;
    const again = (await (await call('POST', '/preferences/bob/feedback', feedback)).json()) as Json;
    expect(again).toEqual({ ...first, applied: false });
    expect(((await (await call('GET', '/preferences/bob')).json()) as Json).feedback.choices).toBe(1);
    const other = await call('POST', '/preferences/bob/feedback', { ...feedback, chosen: 0, shown: [0, 1] });
    expect(other.status).toBe(409);
    expect(((await other.json()) as Json).error.param).toBe('feedback_id');
  });

  it('keeps tenants apart: another tenant neither reads a profile nor uses its responses', async () => {
    const { call, chat } = setup();
    const json = (await (await chat({ user: 'carol' })).json()) as Json;
    await call('PUT', '/preferences/carol', { preference: { angle_deg: 40 } });
    const b = { 'x-tenant': 'b' };
    expect((await call('GET', '/preferences/carol', undefined, b)).status).toBe(404);
    expect((await call('DELETE', '/preferences/carol', undefined, b)).status).toBe(404);
    const stolen = await call(
      'POST',
      '/preferences/carol/feedback',
      { type: 'choice', response_id: json.id, chosen: 0 },
      b,
    );
    expect(stolen.status).toBe(404);
    expect((await chat({ user: 'carol' }, b)).headers.get('x-prefsel-preference-source')).toBe('default');
    expect(((await (await call('GET', '/preferences/carol')).json()) as Json).angle_deg).toBeCloseTo(40, 3);
  });

  it('forgets everything on DELETE, including the responses kept for feedback', async () => {
    const { call, chat } = setup();
    const json = (await (await chat({ user: 'dave' })).json()) as Json;
    await call('POST', '/preferences/dave/feedback', { type: 'choice', response_id: json.id, chosen: 0 });
    expect((await call('DELETE', '/preferences/dave')).status).toBe(204);
    expect((await call('GET', '/preferences/dave')).status).toBe(404);
    const late = await call('POST', '/preferences/dave/feedback', { type: 'choice', response_id: json.id, chosen: 0 });
    expect(late.status).toBe(404);
    expect((await call('DELETE', '/preferences/dave')).status).toBe(404);
  });

  it('learns from an edit, scored with the scorer', async () => {
    const { call } = setup();
    const res = await call('POST', '/preferences/erin/feedback', {
      type: 'edit',
      original: 'A short answer.',
      edited: 'A much longer answer that explains every step in detail, with examples and caveats.',
    });
    expect(res.status).toBe(200);
    const fb = (await res.json()) as Json;
    expect(fb.profile.feedback).toEqual({ choices: 0, edits: 1 });
    expect(fb.profile.angle_deg).toBeGreaterThan(30);
  });

  it('answers bad input with a clear 4xx naming the field', async () => {
    const { call, chat, store } = setup();
    const json = (await (await chat({ user: 'fay' })).json()) as Json;
    const post = (body: unknown) => call('POST', '/preferences/fay/feedback', body);
    const expectError = async (res: Response, status: number, param: string | null) => {
      expect(res.status).toBe(status);
      const body = (await res.json()) as Json;
      expect(body.error.param).toBe(param);
      expect(body.error.message).toBeTruthy();
    };
    await expectError(await post({ type: 'vote' }), 400, 'type');
    await expectError(await post({ type: 'choice', response_id: json.id }), 400, 'chosen');
    await expectError(await post({ type: 'choice', response_id: json.id, chosen: 'one' }), 400, 'chosen');
    await expectError(await post({ type: 'choice', response_id: 'nope', chosen: 0 }), 404, 'response_id');
    // Another user's response is as unknown as a missing one, and an unknown user has no profile to read or forget.
    const other = call('POST', '/preferences/gus/feedback', { type: 'choice', response_id: json.id, chosen: 0 });
    await expectError(await other, 404, 'response_id');
    await expectError(await call('GET', '/preferences/gus'), 404, 'user');
    await expectError(await call('DELETE', '/preferences/gus'), 404, 'user');
    await expectError(await post({ type: 'choice', response_id: json.id, chosen: 3, shown: [0, 1] }), 400, 'chosen');
    await expectError(await post({ type: 'choice', response_id: json.id, chosen: 0, shown: [0, 40] }), 400, 'shown[1]');
    await expectError(await post({ type: 'choice', response_id: json.id, chosen: 0, extra: 1 }), 400, 'extra');
    await expectError(await post({ type: 'edit', original: 'same', edited: 'same' }), 400, 'edited');
    await expectError(await call('PUT', '/preferences/fay', { preference: { speed: 1 } }), 400, 'preference.speed');
    await expectError(await call('GET', `/preferences/${'x'.repeat(600)}`), 400, 'user');
    await expectError(await chat({}, { 'x-prefsel-user': 'y'.repeat(600) }), 400, 'user');
    // A response whose candidates were kept but have expired is gone, not unknown.
    const now = Date.now();
    await store.keepReport(
      'a',
      {
        responseId: 'old',
        user: 'fay',
        attributes: ['helpfulness', 'verbosity'],
        candidates: [
          { index: 0, scores: [1, 0] },
          { index: 1, scores: [1, 1] },
        ],
        createdAt: now - 5000,
        expiresAt: now - 1000,
      },
      { maxReports: 10 },
    );
    await expectError(await post({ type: 'choice', response_id: 'old', chosen: 0 }), 410, 'response_id');
  });
});
