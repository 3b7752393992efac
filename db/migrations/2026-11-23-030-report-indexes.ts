import { sql, type Kysely } from 'kysely';

// Frozen: a schema change is a new migration file.
// Indexes the scorecard's period filters use, and the scheduled-report ledger.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex('incidents_resolved').on('incidents').column('resolved_at').execute();
  await db.schema
    .createIndex('incidents_acknowledged')
    .on('incidents')
    .columns(['declared_at', 'acknowledged_at'])
    .execute();
  await db.schema.createIndex('tickets_csat_at').on('tickets').column('csat_at').execute();
  await db.schema.createIndex('tickets_csat_requested').on('tickets').column('csat_requested_at').execute();
  await db.schema.createIndex('changes_submitted').on('changes').column('submitted_at').execute();
  await db.schema.createIndex('changes_approved').on('changes').column('approved_at').execute();
  await db.schema.createIndex('changes_pending').on('changes').columns(['status', 'submitted_at']).execute();
  await db.schema.createIndex('change_incidents_change').on('change_incidents').column('change_id').execute();

  // One row per scheduled report (weekly/monthly per period): the post is owed once, and its trend
  // chart upload is retried from here until it goes out.
  await db.schema
    .createTable('report_deliveries')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('spec', 'text', (c) => c.notNull())
    .addColumn('period_start', 'bigint', (c) => c.notNull())
    .addColumn('period_end', 'bigint', (c) => c.notNull())
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('ref_key', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('chart_status', 'text', (c) => c.notNull())
    .addColumn('chart_attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('chart_next_at', 'bigint', (c) => c.notNull())
    .addColumn('chart_error', 'text')
    .addColumn('chart_file_id', 'text')
    .execute();
  await sql`CREATE INDEX report_deliveries_chart ON report_deliveries (chart_next_at) WHERE chart_status = 'pending'`.execute(
    db,
  );
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP TABLE IF EXISTS report_deliveries`.execute(db);
  for (const index of [
    'incidents_resolved',
    'incidents_acknowledged',
    'tickets_csat_at',
    'tickets_csat_requested',
    'changes_submitted',
    'changes_approved',
    'changes_pending',
    'change_incidents_change',
  ]) {
    await sql`DROP INDEX IF EXISTS ${sql.id(index)}`.execute(db);
  }
}
