import { type Kysely } from 'kysely';

// Frozen: a schema change is a new migration file.
export async function up(db: Kysely<any>): Promise<void> {
  // Which per-service approver groups an approval satisfied when it was given (JSON array of services):
  // quorum is decided on the membership at the time of approval, and auditors see why it counted.
  await db.schema.alterTable('change_approvals').addColumn('covers_services', 'text').execute();
  // Risk questionnaire answers (JSON) when the risk was computed rather than chosen.
  await db.schema.alterTable('changes').addColumn('risk_answers', 'text').execute();
  await db.schema
    .alterTable('changes')
    .addColumn('postponed_count', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.alterTable('changes').addColumn('closeout_requested_at', 'bigint').execute();
  await db.schema
    .createIndex('change_approvals_change')
    .on('change_approvals')
    .columns(['change_id', 'version'])
    .execute();
  await db.schema.createIndex('change_incidents_incident').on('change_incidents').column('incident_id').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('change_incidents_incident').ifExists().execute();
  await db.schema.dropIndex('change_approvals_change').ifExists().execute();
  await db.schema.alterTable('changes').dropColumn('closeout_requested_at').execute();
  await db.schema.alterTable('changes').dropColumn('postponed_count').execute();
  await db.schema.alterTable('changes').dropColumn('risk_answers').execute();
  await db.schema.alterTable('change_approvals').dropColumn('covers_services').execute();
}
