import type { Kysely } from 'kysely';

// Frozen: a schema change is a new migration file.
export async function up(db: Kysely<any>): Promise<void> {
  // Update punctuality counts each repeated update reminder (a missed slot) fired in the period.
  await db.schema.createIndex('due_items_kind_done').on('due_items').columns(['kind', 'done_at']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('due_items_kind_done').ifExists().execute();
}
