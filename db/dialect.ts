import { PostgresAdapter } from 'kysely';

/** Which database engine a handle talks to: SQLite (embedded, the default) or PostgreSQL (replicas). */
export type DialectName = 'sqlite' | 'postgres';

/** The engine behind `db`, for the few statements that must be written per engine (db/ only). */
export function dialectOf(db: { getExecutor(): { readonly adapter: unknown } }): DialectName {
  return db.getExecutor().adapter instanceof PostgresAdapter ? 'postgres' : 'sqlite';
}
