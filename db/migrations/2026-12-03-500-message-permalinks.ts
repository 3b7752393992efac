import { type Kysely } from 'kysely';

// Frozen: a schema change is a new migration file.
export async function up(db: Kysely<any>): Promise<void> {
  // The link Slack's chat.getPermalink gave for a message (workspace and thread included), kept so a
  // link shown again is not asked for again. Null until first asked for.
  await db.schema.alterTable('slack_refs').addColumn('permalink', 'text').execute();
  await db.schema.alterTable('shortcut_sources').addColumn('permalink', 'text').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('slack_refs').dropColumn('permalink').execute();
  await db.schema.alterTable('shortcut_sources').dropColumn('permalink').execute();
}
