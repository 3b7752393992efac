import { sql, type Kysely } from 'kysely';

// Frozen: a schema change is a new migration file.
export async function up(db: Kysely<any>): Promise<void> {
  // The sender reads the oldest pending rows every round: walk the pending rows in id order instead of
  // scanning every row ever sent from the start of the table.
  await sql`CREATE INDEX outbox_pending_id ON outbox (id) WHERE status = 'pending'`.execute(db);
  // A row waiting on a channel or message another row produces asks how that producer is doing.
  await sql`CREATE INDEX outbox_ref_key ON outbox (ref_key, id) WHERE ref_key IS NOT NULL`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP INDEX IF EXISTS outbox_ref_key`.execute(db);
  await sql`DROP INDEX IF EXISTS outbox_pending_id`.execute(db);
}
