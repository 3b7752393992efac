import { sql, type Kysely } from 'kysely';

// Frozen: a schema change is a new migration file.
export async function up(db: Kysely<any>): Promise<void> {
  // Every sender round reads the head (oldest pending row) of each lane: answered from pending rows
  // only, instead of scanning every row ever sent.
  await sql`CREATE INDEX outbox_pending_lane ON outbox (lane, id) WHERE status = 'pending'`.execute(db);
  // A row waiting on a channel or message another row produces asks how that producer is doing.
  await sql`CREATE INDEX outbox_ref_key ON outbox (ref_key, id) WHERE ref_key IS NOT NULL`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP INDEX IF EXISTS outbox_ref_key`.execute(db);
  await sql`DROP INDEX IF EXISTS outbox_pending_lane`.execute(db);
}
