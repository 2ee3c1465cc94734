/**
 * One contract, three stores: in memory, PGlite in a temp data directory (also reopened: profiles survive a
 * restart; a second store on an open directory is refused), and a real PostgreSQL server (two pools on one database stand for two replicas: concurrent feedback for
 * one user loses no update). PostgreSQL tests skip with a message where it is not installed, and fail under CI.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KeptReport, ProfileChange, ProfileState, ProfileStore } from '../core/profiles.js';
import { createMemoryProfileStore } from '../middleware/profiles/memory-store.js';
import { postgresUnavailable, startPostgres, type TestPostgres } from '../test/postgres-server.js';
import { MIGRATIONS, migrate } from './migrations.js';
import { openPglite } from './pglite.js';
import { openPostgres } from './postgres.js';
import { createSqlProfileStore } from './sql-store.js';

const state = (choices = 0): ProfileState => ({
  attributes: ['helpfulness', 'verbosity'],
  mean: [1, 0],
  precision: [1, 0, 0, 1],
  scale: 0,
  choices,
  edits: 0,
  source: 'default',
  updatedAt: new Date(0).toISOString(),
});
/** One more choice: a change whose result is the count it produced. */
const increment = (feedbackId?: string, fingerprint?: string): ProfileChange<number> => ({
  ...(feedbackId ? { feedbackId } : {}),
  ...(fingerprint ? { fingerprint } : {}),
  apply: (current) => {
    const next = state((current?.state.choices ?? 0) + 1);
    return { state: next, result: next.choices };
  },
});
const report = (responseId: string, user: string, createdAt = Date.now()): KeptReport => ({
  responseId,
  user,
  attributes: ['helpfulness', 'verbosity'],
  candidates: [
    { index: 0, scores: [1, 2] },
    { index: 2, scores: [3, 4] },
  ],
  createdAt,
  expiresAt: createdAt + 60_000,
});
const alice = { tenant: 't1', user: 'alice' };

function contract(name: string, open: () => Promise<ProfileStore>) {
  describe(`${name} profile store`, () => {
    let store: ProfileStore;
    beforeAll(async () => {
      store = await open();
    });
    afterAll(async () => {
      await store?.close();
    });

    it('creates, versions and reads a profile; tenants never see each other', async () => {
      const user = { tenant: 't1', user: `u-${name}` };
      expect(await store.get(user)).toBeNull();
      expect(await store.update(user, increment())).toMatchObject({ status: 'applied', result: 1 });
      expect(await store.update(user, increment())).toMatchObject({ status: 'applied', profile: { version: 2 } });
      expect((await store.get(user))?.state.choices).toBe(2);
      const other = { tenant: 't2', user: user.user };
      expect(await store.get(other)).toBeNull();
      expect(await store.delete(other)).toBe(false);
      expect((await store.get(user))?.version).toBe(2);
    });

    it('applies a feedback id once, replays its result, and refuses it for another request', async () => {
      const user = { tenant: 't1', user: 'idem' };
      expect(await store.update(user, increment('f1', 'a'))).toMatchObject({ status: 'applied', result: 1 });
      expect(await store.update(user, increment('f1', 'a'))).toEqual({ status: 'replayed', result: 1 });
      expect(await store.update(user, increment('f1', 'b'))).toEqual({ status: 'conflict' });
      expect((await store.get(user))?.state.choices).toBe(1);
      // The same id under another tenant is another feedback.
      expect(await store.update({ tenant: 't2', user: 'idem' }, increment('f1', 'a'))).toMatchObject({
        status: 'applied',
      });
    });

    it('keeps reports per tenant, bounded, and forgets a user entirely on delete', async () => {
      const user = { tenant: 't1', user: 'gone' };
      await store.update(user, increment('g1'));
      await store.keepReport('t1', report('r-gone', 'gone'), { maxReports: 1000 });
      expect(await store.findReport('t1', 'r-gone')).toEqual(
        report('r-gone', 'gone', (await store.findReport('t1', 'r-gone'))!.createdAt),
      );
      expect(await store.findReport('t2', 'r-gone')).toBeNull();
      expect(await store.delete(user)).toBe(true);
      expect(await store.get(user)).toBeNull();
      expect(await store.findReport('t1', 'r-gone')).toBeNull();
      // The feedback id is forgotten too: the same id now applies to a fresh profile.
      expect(await store.update(user, increment('g1'))).toMatchObject({ status: 'applied', result: 1 });
      const t0 = Date.now();
      for (let i = 0; i < 5; i++) await store.keepReport('t3', report(`r${i}`, 'x', t0 + i), { maxReports: 3 });
      expect(await store.findReport('t3', 'r0')).toBeNull();
      expect(await store.findReport('t3', 'r4')).not.toBeNull();
    });

    it('applies concurrent changes of one user one after the other', async () => {
      const user = { tenant: 't1', user: 'busy' };
      const outcomes = await Promise.all(Array.from({ length: 20 }, (_, i) => store.update(user, increment(`c${i}`))));
      expect(outcomes.every((o) => o.status === 'applied')).toBe(true);
      expect((await store.get(user))?.state.choices).toBe(20);
    });
  });
}

contract('memory', async () => createMemoryProfileStore());

describe('PGlite', () => {
  const dir = mkdtempSync(join(tmpdir(), 'prefsel-pglite-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  contract('pglite', async () => createSqlProfileStore(await openPglite(join(dir, 'contract'))));

  it('refuses a second store on an open data directory (PGlite serves one process) until the first closes', async () => {
    const data = join(dir, 'single');
    const first = await createSqlProfileStore(await openPglite(data));
    await expect(openPglite(data)).rejects.toThrow(/in use by another profile store in this process/);
    await first.update(alice, increment('s1'));
    await first.close();
    const second = await createSqlProfileStore(await openPglite(data));
    expect((await second.get(alice))?.state.choices).toBe(1);
    await second.close();
  });

  it('keeps profiles across a restart and migrates only once', { timeout: 240_000 }, async () => {
    const data = join(dir, 'restart');
    const first = await createSqlProfileStore(await openPglite(data));
    await first.update(alice, increment('r1'));
    await first.keepReport('t1', report('resp', 'alice'), { maxReports: 10 });
    await first.close();
    const db = await openPglite(data);
    expect(await migrate(db)).toEqual([]);
    const second = await createSqlProfileStore(db);
    try {
      expect((await second.get(alice))?.state.choices).toBe(1);
      expect(await second.update(alice, increment('r1'))).toEqual({ status: 'replayed', result: 1 });
      expect((await second.findReport('t1', 'resp'))?.user).toBe('alice');
    } finally {
      await second.close();
    }
  });
});

const skip = postgresUnavailable();
describe.skipIf(skip !== null)(`PostgreSQL${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let server: TestPostgres;
  beforeAll(async () => {
    server = await startPostgres();
  });
  afterAll(async () => {
    await server?.stop();
  });
  contract('postgres', async () => createSqlProfileStore(await openPostgres({ connectionString: server.url })));

  it('two replicas migrate at once and lose no concurrent update of one user', { timeout: 180_000 }, async () => {
    const [a, b] = await Promise.all([
      openPostgres({ connectionString: server.url }).then(createSqlProfileStore),
      openPostgres({ connectionString: server.url }).then(createSqlProfileStore),
    ]);
    try {
      const user = { tenant: 'replicas', user: 'shared' };
      const writes = Array.from({ length: 30 }, (_, i) => (i % 2 ? a : b).update(user, increment(`x${i}`)));
      await Promise.all(writes);
      expect((await a.get(user))?.state.choices).toBe(30);
      expect((await b.get(user))?.version).toBe(30);
      const db = await openPostgres({ connectionString: server.url });
      const rows = await db.query<{ version: number }>('SELECT version FROM prefsel_migrations ORDER BY version');
      expect(rows.map((r) => Number(r.version))).toEqual(MIGRATIONS.map((m) => m.version));
      await db.close();
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});
