/**
 * @module stores/pglite
 * PGlite (`@electric-sql/pglite`, PostgreSQL compiled to WASM) as the embedded profile database: one directory,
 * nothing to install, the same schema as a PostgreSQL server. It is single-connection: one process per directory,
 * which a lock file enforces (`data-dir-lock.ts`). Loaded on demand, so library users who never open it do not load
 * the WASM module.
 */
import { lockDataDir } from './data-dir-lock.js';
import type { SqlDatabase, SqlQuery } from './sql.js';

/** The part of PGlite's query interface used here (the database and its transactions share it). */
interface PgliteQueryable {
  query<T>(text: string, params?: unknown[]): Promise<{ rows: T[] }>;
}

const adapt = (q: PgliteQueryable): SqlQuery => ({
  query: async <T>(text: string, params: readonly unknown[] = []) => (await q.query<T>(text, [...params])).rows,
});

/**
 * Opens (creating when needed) a PGlite database; a data directory is claimed until `close()`.
 * @param dataDir a directory to persist to, or undefined for an in-memory database (tests).
 * @throws Error when another store instance (in this process or another running one) has the directory open.
 */
export async function openPglite(dataDir?: string): Promise<SqlDatabase> {
  const lock = dataDir === undefined ? undefined : lockDataDir(dataDir);
  try {
    const { PGlite } = await import('@electric-sql/pglite');
    const db = await PGlite.create(dataDir === undefined ? {} : { dataDir });
    return {
      kind: 'pglite',
      ...adapt(db),
      transaction: (fn) => db.transaction((tx) => fn(adapt(tx))),
      async close() {
        try {
          await db.close();
        } finally {
          lock?.release();
        }
      },
    };
  } catch (err) {
    lock?.release();
    throw err;
  }
}
