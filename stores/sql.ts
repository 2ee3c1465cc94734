/**
 * @module stores/sql
 * The little SQL surface the profile store needs, so one implementation ({@link createSqlProfileStore}) serves both
 * PGlite (Postgres in WASM, embedded) and PostgreSQL (`pg`): parameterised queries returning rows, and transactions.
 */

/** Runs one parameterised statement. */
export interface SqlQuery {
  query<T = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<T[]>;
}

/** A database: queries, transactions (committed when `fn` resolves, rolled back when it throws), and close. */
export interface SqlDatabase extends SqlQuery {
  /** `pglite` or `postgres`. */
  readonly kind: string;
  transaction<T>(fn: (tx: SqlQuery) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
