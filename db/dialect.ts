import { PostgresAdapter, type Kysely } from 'kysely';

/** Which database engine a handle talks to: SQLite (embedded, the default) or PostgreSQL (replicas). */
export type DialectName = 'sqlite' | 'postgres';

/** The engine behind `db`, for the few statements that must be written per engine (db/ only). */
export function dialectOf(db: Kysely<any>): DialectName {
  return db.getExecutor().adapter instanceof PostgresAdapter ? 'postgres' : 'sqlite';
}
