import type { Kysely } from 'kysely';
import { autoId } from './portable.js';

// Frozen: a schema change is a new migration file.
export async function up(db: Kysely<any>): Promise<void> {
  // The DMs about a ticket that carry buttons, by the outbox ref their post stores its channel and ts
  // under (slack_refs): when the ticket moves on, each is edited to drop the buttons that no longer
  // apply, and a click on one of those before the edit lands is recognised and refused.
  await db.schema
    .createTable('ticket_dm_buttons')
    .addColumn('id', 'integer', autoId(db))
    .addColumn('ticket_id', 'integer', (c) => c.notNull().references('tickets.id'))
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('ref_key', 'text', (c) => c.notNull().unique())
    // JSON array of the button sets the message still shows (src/domain/tickets/dm-buttons.ts).
    .addColumn('buttons', 'text', (c) => c.notNull())
    // JSON of the message as it shows once every edit owed has landed: the base of the next edit.
    .addColumn('message', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('ticket_dm_buttons_ticket').on('ticket_dm_buttons').column('ticket_id').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('ticket_dm_buttons').ifExists().execute();
}
