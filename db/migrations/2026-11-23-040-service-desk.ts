import { type Kysely } from 'kysely';
import { autoId } from './portable.js';

// Frozen: a schema change is a new migration file.
export async function up(db: Kysely<any>): Promise<void> {
  // Working time spent waiting on the requester, so re-prioritising keeps the pause credited.
  await db.schema
    .alterTable('tickets')
    .addColumn('paused_ms', 'bigint', (c) => c.notNull().defaultTo(0))
    .execute();
  // What a requester typed while the "before you file" step shows known incidents and KB answers.
  await db.schema
    .createTable('ticket_drafts')
    .addColumn('id', 'integer', autoId(db))
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('input', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('used_at', 'bigint')
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('ticket_drafts').execute();
  await db.schema.alterTable('tickets').dropColumn('paused_ms').execute();
}
