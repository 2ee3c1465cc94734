/**
 * @module stores/migrations
 * The profile schema, as numbered migrations recorded in `prefsel_migrations`. The same statements run on PGlite
 * and PostgreSQL. Several replicas starting at once take one advisory lock, so each migration runs exactly once.
 */
import type { SqlDatabase } from './sql.js';

/** One schema step: statements run in one transaction, then recorded. */
export interface Migration {
  version: number;
  name: string;
  statements: string[];
}

/** Every migration, in order. Append only: a released migration is never edited. */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'profiles, feedback ids, kept reports',
    statements: [
      `CREATE TABLE prefsel_profiles (
        tenant text NOT NULL,
        user_id text NOT NULL,
        state jsonb NOT NULL,
        version bigint NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant, user_id))`,
      `CREATE TABLE prefsel_feedback (
        tenant text NOT NULL,
        user_id text NOT NULL,
        feedback_id text NOT NULL,
        fingerprint text,
        result jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant, user_id, feedback_id))`,
      `CREATE TABLE prefsel_reports (
        tenant text NOT NULL,
        response_id text NOT NULL,
        user_id text NOT NULL,
        report jsonb NOT NULL,
        created_at bigint NOT NULL,
        expires_at bigint NOT NULL,
        PRIMARY KEY (tenant, response_id))`,
      'CREATE INDEX prefsel_reports_created_at ON prefsel_reports (created_at)',
      'CREATE INDEX prefsel_reports_user ON prefsel_reports (tenant, user_id)',
    ],
  },
];

/** Any fixed 64-bit number: the advisory lock replicas take while migrating. */
const MIGRATION_LOCK = 7_412_356_001;

/**
 * Brings the schema up to date.
 * @returns the versions applied now (empty when it already was).
 */
export async function migrate(db: SqlDatabase, migrations: readonly Migration[] = MIGRATIONS): Promise<number[]> {
  return db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await tx.query(`CREATE TABLE IF NOT EXISTS prefsel_migrations (
      version integer PRIMARY KEY,
      name text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now())`);
    const rows = await tx.query<{ version: number }>('SELECT version FROM prefsel_migrations');
    const done = new Set(rows.map((r) => Number(r.version)));
    const applied: number[] = [];
    for (const migration of migrations) {
      if (done.has(migration.version)) continue;
      for (const statement of migration.statements) await tx.query(statement);
      await tx.query('INSERT INTO prefsel_migrations (version, name) VALUES ($1, $2)', [
        migration.version,
        migration.name,
      ]);
      applied.push(migration.version);
    }
    return applied;
  });
}
