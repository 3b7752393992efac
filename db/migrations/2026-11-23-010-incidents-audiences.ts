import { sql, type Kysely } from 'kysely';

// Frozen: a schema change is a new migration file.
export async function up(db: Kysely<any>): Promise<void> {
  // Everyone (channel or person) who has heard about an incident: later updates thread under the first
  // message each audience received, and the final "resolved" update reaches all of them.
  await db.schema
    .createTable('incident_audiences')
    .addColumn('incident_id', 'integer', (c) => c.notNull().references('incidents.id'))
    .addColumn('target', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('first_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('incident_audiences_pk', ['incident_id', 'target'])
    .execute();
  // Bumped whenever the update schedule restarts (an update posted, severity or status changed,
  // resolved): reminders of an older schedule recognise themselves as superseded.
  await db.schema
    .alterTable('incidents')
    .addColumn('update_generation', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await sql`CREATE INDEX incident_actions_status ON incident_actions (status, due_at)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP TABLE IF EXISTS incident_audiences`.execute(db);
}
