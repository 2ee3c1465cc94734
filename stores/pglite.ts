/**
 * @module stores/pglite
 * PGlite (`@electric-sql/pglite`, PostgreSQL compiled to WASM) as the embedded profile database: one directory,
 * nothing to install, the same schema as a PostgreSQL server. It is single-connection: one process per directory.
 * Loaded on demand, so library users who never open it do not load the WASM module.
 */
import type { SqlDatabase, SqlQuery } from './sql.js';

/** The part of PGlite's query interface used here (the database and its transactions share it). */
interface PgliteQueryable {
  query<T>(text: string, params?: unknown[]): Promise<{ rows: T[] }>;
}

const adapt = (q: PgliteQueryable): SqlQuery => ({
  query: async <T>(text: string, params: readonly unknown[] = []) => (await q.query<T>(text, [...params])).rows,
});

/**
 * Opens (creating when needed) a PGlite database.
 * @param dataDir a directory to persist to, or undefined for an in-memory database (tests).
 */
export async function openPglite(dataDir?: string): Promise<SqlDatabase> {
  const { PGlite } = await import('@electric-sql/pglite');
  const db = await PGlite.create(dataDir === undefined ? {} : { dataDir });
  return {
    kind: 'pglite',
    ...adapt(db),
    transaction: (fn) => db.transaction((tx) => fn(adapt(tx))),
    close: () => db.close(),
  };
}
