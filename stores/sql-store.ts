/**
 * @module stores/sql-store
 * The {@link ProfileStore} over SQL, the same for PGlite and PostgreSQL. A change of one user runs in one
 * transaction that first takes a transaction-scoped advisory lock on (tenant, user), so changes from any number of
 * replicas are applied one after the other, even for a user who has no row yet (which `SELECT … FOR UPDATE` alone
 * could not lock); the row is then read `FOR UPDATE`, changed, written with its version incremented, and the
 * feedback id recorded, all or nothing.
 */
import type {
  KeepLimits,
  KeptReport,
  ProfileChange,
  ProfileKey,
  ProfileState,
  ProfileStore,
  StoredProfile,
  UpdateOutcome,
} from '../core/profiles.js';
import { migrate } from './migrations.js';
import type { SqlDatabase } from './sql.js';

/** The lock key of one user: JSON keeps tenant and user apart whatever they contain. */
const lockKey = (key: ProfileKey) => JSON.stringify([key.tenant, key.user]);

/**
 * Migrates the schema and returns the store. Closing the store closes the database.
 * @example const store = await createSqlProfileStore(await openPglite('./data'));
 */
export async function createSqlProfileStore(db: SqlDatabase): Promise<ProfileStore> {
  await migrate(db);
  /** Reports kept since the last pruning; pruning runs about every 1% of the limit, so the bound overshoots ≤ 1%. */
  let sincePrune = Number.POSITIVE_INFINITY;

  return {
    kind: db.kind,
    async get(key) {
      const [row] = await db.query<{ state: ProfileState; version: string | number }>(
        'SELECT state, version FROM prefsel_profiles WHERE tenant = $1 AND user_id = $2',
        [key.tenant, key.user],
      );
      return row ? { state: row.state, version: Number(row.version) } : null;
    },
    async update<R>(key: ProfileKey, change: ProfileChange<R>): Promise<UpdateOutcome<R>> {
      return db.transaction(async (tx) => {
        await tx.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [lockKey(key)]);
        if (change.feedbackId !== undefined) {
          const [seen] = await tx.query<{ fingerprint: string | null; result: R }>(
            'SELECT fingerprint, result FROM prefsel_feedback WHERE tenant = $1 AND user_id = $2 AND feedback_id = $3',
            [key.tenant, key.user, change.feedbackId],
          );
          if (seen) {
            return (seen.fingerprint ?? undefined) === change.fingerprint
              ? { status: 'replayed' as const, result: seen.result }
              : { status: 'conflict' as const };
          }
        }
        const [row] = await tx.query<{ state: ProfileState; version: string | number }>(
          'SELECT state, version FROM prefsel_profiles WHERE tenant = $1 AND user_id = $2 FOR UPDATE',
          [key.tenant, key.user],
        );
        const current: StoredProfile | null = row ? { state: row.state, version: Number(row.version) } : null;
        const { state, result } = change.apply(current);
        const version = (current?.version ?? 0) + 1;
        await tx.query(
          `INSERT INTO prefsel_profiles (tenant, user_id, state, version) VALUES ($1, $2, $3::jsonb, $4)
           ON CONFLICT (tenant, user_id) DO UPDATE SET state = EXCLUDED.state, version = EXCLUDED.version, updated_at = now()`,
          [key.tenant, key.user, JSON.stringify(state), version],
        );
        if (change.feedbackId !== undefined) {
          await tx.query(
            `INSERT INTO prefsel_feedback (tenant, user_id, feedback_id, fingerprint, result)
             VALUES ($1, $2, $3, $4, $5::jsonb)`,
            [key.tenant, key.user, change.feedbackId, change.fingerprint ?? null, JSON.stringify(result)],
          );
        }
        return { status: 'applied' as const, profile: { state, version }, result };
      });
    },
    async delete(key) {
      return db.transaction(async (tx) => {
        await tx.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [lockKey(key)]);
        const params = [key.tenant, key.user];
        let removed = 0;
        for (const table of ['prefsel_profiles', 'prefsel_feedback', 'prefsel_reports']) {
          const rows = await tx.query(`DELETE FROM ${table} WHERE tenant = $1 AND user_id = $2 RETURNING 1`, params);
          removed += rows.length;
        }
        return removed > 0;
      });
    },
    async keepReport(tenant: string, report: KeptReport, limits: KeepLimits) {
      await db.query(
        `INSERT INTO prefsel_reports (tenant, response_id, user_id, report, created_at, expires_at)
         VALUES ($1, $2, $3, $4::jsonb, $5, $6)
         ON CONFLICT (tenant, response_id) DO UPDATE
           SET user_id = EXCLUDED.user_id, report = EXCLUDED.report,
               created_at = EXCLUDED.created_at, expires_at = EXCLUDED.expires_at`,
        [
          tenant,
          report.responseId,
          report.user,
          JSON.stringify({ attributes: report.attributes, candidates: report.candidates }),
          report.createdAt,
          report.expiresAt,
        ],
      );
      if (++sincePrune < Math.max(1, Math.floor(limits.maxReports / 100))) return;
      sincePrune = 0;
      // Expired reports stay as long again, so feedback on them is told "expired" (410) rather than "unknown".
      await db.query('DELETE FROM prefsel_reports WHERE expires_at + (expires_at - created_at) < $1', [Date.now()]);
      const [{ count }] = (await db.query<{ count: string | number }>(
        'SELECT count(*) AS count FROM prefsel_reports',
      )) as [{ count: string | number }];
      const excess = Number(count) - limits.maxReports;
      if (excess > 0) {
        await db.query(
          `DELETE FROM prefsel_reports WHERE (tenant, response_id) IN
             (SELECT tenant, response_id FROM prefsel_reports ORDER BY created_at LIMIT $1)`,
          [excess],
        );
      }
    },
    async findReport(tenant, responseId) {
      const [row] = await db.query<{
        user_id: string;
        report: Pick<KeptReport, 'attributes' | 'candidates'>;
        created_at: string | number;
        expires_at: string | number;
      }>('SELECT user_id, report, created_at, expires_at FROM prefsel_reports WHERE tenant = $1 AND response_id = $2', [
        tenant,
        responseId,
      ]);
      if (!row) return null;
      return {
        responseId,
        user: row.user_id,
        attributes: row.report.attributes,
        candidates: row.report.candidates,
        createdAt: Number(row.created_at),
        expiresAt: Number(row.expires_at),
      };
    },
    close: () => db.close(),
  };
}
