import { sql, type Kysely } from 'kysely';

// Frozen: a schema change is a new migration file.
export async function up(db: Kysely<any>): Promise<void> {
  // What Slack asked for, stored before the ack: one row per delivery, keyed by Slack's own ids
  // (view id + hash, trigger id, event id). A use case marks its row processed in the transaction of
  // its effect; rows never processed are retried with back-off until they succeed or fail for good.
  await db.schema
    .createTable('inbox')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text')
    .addColumn('payload', 'text')
    .addColumn('received_at', 'bigint', (c) => c.notNull())
    .addColumn('processed_at', 'bigint')
    .addColumn('failed_at', 'bigint')
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'bigint')
    .addColumn('last_error', 'text')
    .execute();
  // Only work still to do is indexed for the sweep; pruning reads by age.
  await sql`CREATE INDEX inbox_pending ON inbox (next_attempt_at) WHERE processed_at IS NULL AND failed_at IS NULL`.execute(
    db,
  );
  await db.schema.createIndex('inbox_received').on('inbox').column('received_at').execute();
  // Receipts recorded so far keep deduplicating: they are deliveries already processed.
  await sql`INSERT INTO inbox (key, kind, received_at, processed_at) SELECT key, 'receipt', received_at, received_at FROM inbound_receipts`.execute(
    db,
  );
  await db.schema.dropTable('inbound_receipts').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('inbound_receipts')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('received_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('inbound_receipts_at').on('inbound_receipts').column('received_at').execute();
  await sql`INSERT INTO inbound_receipts (key, received_at) SELECT key, received_at FROM inbox WHERE processed_at IS NOT NULL`.execute(
    db,
  );
  await db.schema.dropTable('inbox').execute();
}
