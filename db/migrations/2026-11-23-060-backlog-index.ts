import type { Kysely } from 'kysely';

// Frozen: a schema change is a new migration file.
export async function up(db: Kysely<any>): Promise<void> {
  // The backlog at a past instant counts tickets cancelled after it; this keeps that part an index range.
  await db.schema.createIndex('tickets_cancelled').on('tickets').column('cancelled_at').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('tickets_cancelled').ifExists().execute();
}
