/**
 * @module stores/postgres
 * PostgreSQL through `pg`'s connection pool, for several prefsel replicas sharing profiles. Every connection waits
 * at most `connectTimeoutMs` to connect and every statement at most `statementTimeoutMs`, so a stalled database
 * becomes an error, not a hung request.
 */
import type { SqlDatabase, SqlQuery } from './sql.js';

/** Options of {@link openPostgres}. */
export interface PostgresOptions {
  /** `postgres://user:password@host:5432/db` */
  connectionString: string;
  /** Pool size. @default 10 */
  maxConnections?: number;
  /** @default 5000 */
  connectTimeoutMs?: number;
  /** @default 10000 */
  statementTimeoutMs?: number;
}

/** Opens a pool (connections are made on first use). */
export async function openPostgres(options: PostgresOptions): Promise<SqlDatabase> {
  const { default: pg } = await import('pg');
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.maxConnections ?? 10,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 5000,
    statement_timeout: options.statementTimeoutMs ?? 10_000,
  });
  // An idle connection the server drops must not crash the process; the next query reconnects.
  pool.on('error', () => {});
  const run =
    (client: { query: (text: string, params: unknown[]) => Promise<{ rows: unknown[] }> }): SqlQuery['query'] =>
    async <T>(text: string, params: readonly unknown[] = []) =>
      (await client.query(text, [...params])).rows as T[];
  return {
    kind: 'postgres',
    query: run(pool),
    async transaction(fn) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const result = await fn({ query: run(client) });
        await client.query('COMMIT');
        return result;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {});
        throw err;
      } finally {
        client.release();
      }
    },
    close: () => pool.end(),
  };
}
