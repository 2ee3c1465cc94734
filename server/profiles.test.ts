/**
 * Profiles end to end through the proxy, choices and edits: the real app behind client keys, the real engine over the
 * simulated upstream, and the embedded PGlite store in a temp directory (restarted: profiles survive), plus two
 * replicas sharing one PostgreSQL server (concurrent feedback for one user loses nothing; skipped where PostgreSQL is
 * not installed, failed under CI).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSqlProfileStore, openPglite, openPostgres } from '../stores/index.js';
import { startTestServer, type TestServer } from '../test/server-harness.js';
import { postgresUnavailable, startPostgres } from '../test/postgres-server.js';

type Json = Record<string, any>;
const keys = ['key-a', 'key-b'];

function client(server: TestServer, key: string | null) {
  return (method: string, path: string, body?: unknown) =>
    fetch(`${server.baseURL}${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
}
const ask = { model: 'sim', messages: [{ role: 'user', content: 'How do I brew green tea?' }], max_tokens: 48 };

describe('profiles through the proxy (PGlite)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'prefsel-profiles-'));
  const start = async () =>
    startTestServer({ app: { apiKeys: keys }, profileStore: await createSqlProfileStore(await openPglite(dir)) });
  let server: TestServer | undefined;
  afterAll(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it(
    'learns per client key, serves the learned direction, and keeps it across a restart',
    { timeout: 300_000 },
    async () => {
      server = await start();
      const a = client(server, 'key-a');
      const b = client(server, 'key-b');
      expect((await client(server, null)('GET', '/preferences/alice')).status).toBe(401);
      const first = await a('POST', '/chat/completions', {
        ...ask,
        user: 'alice',
        selection: { return_candidates: true },
      });
      expect(first.status).toBe(200);
      expect(first.headers.get('x-prefsel-preference-source')).toBe('default');
      const json = (await first.json()) as Json;
      const verbose = (json.selection.candidates as Json[]).reduce((x, y) =>
        y.scores.verbosity > x.scores.verbosity ? y : x,
      );
      const feedback = { type: 'choice', response_id: json.id, chosen: verbose.index, feedback_id: 'fb-1' };
      // Key B is another tenant: it cannot use key A's response, nor see key A's profile.
      expect((await b('POST', '/preferences/alice/feedback', feedback)).status).toBe(404);
      const learned = await a('POST', '/preferences/alice/feedback', feedback);
      expect(learned.status).toBe(200);
      const profile = ((await learned.json()) as Json).profile;
      expect(profile.feedback.choices).toBe(1);
      expect((await b('GET', '/preferences/alice')).status).toBe(404);
      const next = await a('POST', '/responses', { model: 'sim', input: 'How do I brew green tea?', user: 'alice' });
      expect(next.status).toBe(200);
      expect(next.headers.get('x-prefsel-preference-source')).toBe('profile');
      expect(
        (await b('POST', '/chat/completions', { ...ask, user: 'alice' })).headers.get('x-prefsel-preference-source'),
      ).toBe('default');
      // An edit through the proxy: both texts scored by the server's scorer, one more event on the same profile.
      const edit = await a('POST', '/preferences/alice/feedback', {
        type: 'edit',
        original: 'Steep it.',
        edited: 'Steep green tea at about 80 °C for two to three minutes; boiling water makes it bitter.',
        messages: ask.messages,
        feedback_id: 'fb-2',
      });
      expect(edit.status).toBe(200);
      const edited = ((await edit.json()) as Json).profile;
      expect(edited.feedback).toEqual({ choices: 1, edits: 1 });
      const bad = await a('POST', '/preferences/alice/feedback', { type: 'choice', response_id: json.id, chosen: 'x' });
      expect(bad.status).toBe(400);
      expect(((await bad.json()) as Json).error).toMatchObject({ type: 'invalid_request_error', param: 'chosen' });

      await server.close();
      server = await start();
      const again = (await (await client(server, 'key-a')('GET', '/preferences/alice')).json()) as Json;
      expect(again.preference).toEqual(edited.preference);
      expect(again.feedback).toEqual({ choices: 1, edits: 1 });
      // The kept response survived too, and the feedback id still replays instead of applying twice.
      const replay = (await (
        await client(server, 'key-a')('POST', '/preferences/alice/feedback', feedback)
      ).json()) as Json;
      expect(replay.applied).toBe(false);
      expect((await client(server, 'key-a')('DELETE', '/preferences/alice')).status).toBe(204);
      expect((await client(server, 'key-a')('GET', '/preferences/alice')).status).toBe(404);
    },
  );
});

const skip = postgresUnavailable();
describe.skipIf(skip !== null)(
  `profiles through two replicas on PostgreSQL${skip ? ` (skipped: ${skip})` : ''}`,
  () => {
    it('applies concurrent feedback for one user sent to both replicas', { timeout: 180_000 }, async () => {
      const pg = await startPostgres();
      const replicas: TestServer[] = [];
      try {
        for (let i = 0; i < 2; i++) {
          const store = await createSqlProfileStore(await openPostgres({ connectionString: pg.url }));
          replicas.push(await startTestServer({ profileStore: store }));
        }
        const [one, two] = replicas.map((r) => client(r, null)) as [
          ReturnType<typeof client>,
          ReturnType<typeof client>,
        ];
        const json = (await (await one('POST', '/chat/completions', { ...ask, user: 'zoe' })).json()) as Json;
        const sends = Array.from({ length: 12 }, (_, i) =>
          (i % 2 ? one : two)('POST', '/preferences/zoe/feedback', {
            type: 'choice',
            response_id: json.id,
            chosen: i % 2,
            shown: [0, 1],
            feedback_id: `c${i}`,
          }),
        );
        expect((await Promise.all(sends)).map((r) => r.status)).toEqual(Array(12).fill(200));
        const profile = (await (await two('GET', '/preferences/zoe')).json()) as Json;
        expect(profile.feedback.choices).toBe(12);
        expect(profile.version).toBe(12);
      } finally {
        for (const r of replicas) await r.close();
        await pg.stop();
      }
    });
  },
);
