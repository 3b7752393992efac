import type { Kysely } from 'kysely';

// Frozen: a schema change is a new migration file.
export async function up(db: Kysely<any>): Promise<void> {
  // The backlog at a past instant counts tickets cancelled after it; this keeps that part an index range.
  await db.schema.createIndex('tickets_cancelled').on('tickets').column('cancelled_at').execute();
  // Covering indexes for the per-category and per-service breakdowns of a period: index-only reads.
  await db.schema
    .createIndex('tickets_created_breakdown')
    .on('tickets')
    .columns(['created_at', 'category', 'service'])
    .execute();
  await db.schema
    .createIndex('tickets_resolved_breakdown')
    .on('tickets')
    .columns(['resolved_at', 'category', 'service'])
    .execute();
  // Their leading columns make the single-column time indexes redundant: one less index per write.
  await db.schema.dropIndex('tickets_created').execute();
  await db.schema.dropIndex('tickets_resolved').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex('tickets_created').on('tickets').column('created_at').execute();
  await db.schema.createIndex('tickets_resolved').on('tickets').column('resolved_at').execute();
  for (const index of ['tickets_cancelled', 'tickets_created_breakdown', 'tickets_resolved_breakdown'])
    await db.schema.dropIndex(index).ifExists().execute();
}
