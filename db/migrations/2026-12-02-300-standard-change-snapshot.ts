import { type Kysely } from 'kysely';

// Frozen: a schema change is a new migration file.
export async function up(db: Kysely<any>): Promise<void> {
  // A standard change keeps the template it was approved from: version and content (JSON), so editing
  // the template in the settings never alters a change already approved.
  await db.schema.alterTable('changes').addColumn('template_version', 'integer').execute();
  await db.schema.alterTable('changes').addColumn('template_snapshot', 'text').execute();
  // The requester's own note (the one free text a standard change takes besides window and implementer).
  await db.schema.alterTable('changes').addColumn('requester_note', 'text').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('changes').dropColumn('requester_note').execute();
  await db.schema.alterTable('changes').dropColumn('template_snapshot').execute();
  await db.schema.alterTable('changes').dropColumn('template_version').execute();
}
