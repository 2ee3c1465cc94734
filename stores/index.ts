/**
 * @module stores
 * Profile stores backed by SQL: PGlite (embedded, a data directory) and PostgreSQL (`pg`, several replicas), with the
 * same schema and migrations. The in-memory store is in the engine (`createMemoryProfileStore`).
 * @example
 * const store = await createSqlProfileStore(await openPglite('./prefsel-data'));
 * const store = await createSqlProfileStore(await openPostgres({ connectionString: process.env.DATABASE_URL! }));
 */
export { createSqlProfileStore } from './sql-store.js';
export { migrate, MIGRATIONS } from './migrations.js';
export type { Migration } from './migrations.js';
export { openPglite } from './pglite.js';
export { openPostgres } from './postgres.js';
export type { PostgresOptions } from './postgres.js';
export type { SqlDatabase, SqlQuery } from './sql.js';
