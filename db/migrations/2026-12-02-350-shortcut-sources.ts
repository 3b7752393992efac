import { type Kysely } from 'kysely';

// Frozen: a schema change is a new migration file.
export async function up(db: Kysely<any>): Promise<void> {
  // The message a message shortcut was invoked on, kept by the id of the form it opened: on submission
  // the source comes from here, never from the form's private_metadata.
  await db.schema
    .createTable('shortcut_sources')
    .addColumn('view_id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('callback_id', 'text', (c) => c.notNull())
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('ts', 'text', (c) => c.notNull())
    .addColumn('is_private', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('shortcut_sources').ifExists().execute();
}
