import type { ColumnDefinitionBuilder } from 'kysely';
import { dialectOf } from '../dialect.js';

/**
 * The integer primary key the database hands out: AUTOINCREMENT on SQLite (ids never reused), an
 * identity column on PostgreSQL. Migrations written before PostgreSQL was supported use it too: on
 * SQLite it writes exactly what they wrote before.
 */
export const autoId =
  (db: Parameters<typeof dialectOf>[0]) =>
  (column: ColumnDefinitionBuilder): ColumnDefinitionBuilder =>
    dialectOf(db) === 'postgres'
      ? column.primaryKey().generatedByDefaultAsIdentity()
      : column.primaryKey().autoIncrement();
