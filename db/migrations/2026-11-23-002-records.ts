import { sql, type Kysely } from 'kysely';
import { autoId } from './portable.js';
import { dialectOf } from '../dialect.js';

// Frozen: a schema change is a new migration file.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('tickets')
    .addColumn('id', 'integer', autoId(db))
    .addColumn('key', 'text', (c) => c.notNull().unique())
    .addColumn('requester_id', 'text', (c) => c.notNull())
    .addColumn('requester_name', 'text')
    .addColumn('summary', 'text', (c) => c.notNull())
    .addColumn('details', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('category', 'text', (c) => c.notNull())
    .addColumn('service', 'text')
    .addColumn('impact', 'text', (c) => c.notNull())
    .addColumn('urgency', 'text', (c) => c.notNull())
    .addColumn('priority', 'text', (c) => c.notNull())
    .addColumn('attachment_url', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('assignee_id', 'text')
    .addColumn('first_assignee_id', 'text')
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('source_channel', 'text')
    .addColumn('source_ts', 'text')
    .addColumn('source_permalink', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('first_response_at', 'bigint')
    .addColumn('first_response_due_at', 'bigint', (c) => c.notNull())
    .addColumn('resolution_due_at', 'bigint', (c) => c.notNull())
    .addColumn('paused_since', 'bigint')
    .addColumn('resolved_at', 'bigint')
    .addColumn('resolved_by', 'text')
    .addColumn('resolution_note', 'text')
    .addColumn('resolution_code', 'text')
    .addColumn('closed_at', 'bigint')
    .addColumn('cancelled_at', 'bigint')
    .addColumn('reopen_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('reassignment_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('escalated_at', 'bigint')
    .addColumn('first_response_breached', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('resolution_breached', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('csat_score', 'integer')
    .addColumn('csat_at', 'bigint')
    .addColumn('csat_requested_at', 'bigint')
    .addColumn('incident_id', 'integer')
    .execute();
  await db.schema.createIndex('tickets_created').on('tickets').column('created_at').execute();
  await db.schema.createIndex('tickets_resolved').on('tickets').column('resolved_at').execute();
  await db.schema.createIndex('tickets_status').on('tickets').columns(['status', 'created_at']).execute();
  await db.schema.createIndex('tickets_requester').on('tickets').columns(['requester_id', 'status']).execute();
  await db.schema.createIndex('tickets_service').on('tickets').columns(['service', 'status']).execute();
  await db.schema.createIndex('tickets_source').on('tickets').columns(['source_channel', 'source_ts']).execute();

  await db.schema
    .createTable('ticket_events')
    .addColumn('id', 'integer', autoId(db))
    .addColumn('ticket_id', 'integer', (c) => c.notNull().references('tickets.id'))
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('actor_id', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('body', 'text')
    .execute();
  await db.schema.createIndex('ticket_events_ticket').on('ticket_events').columns(['ticket_id', 'at']).execute();

  await db.schema
    .createTable('kb_articles')
    .addColumn('id', 'integer', autoId(db))
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('url', 'text')
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('removed_at', 'bigint')
    .execute();
  // Word matching for article suggestions; the engine-specific query stays in db/queries/kb.ts.
  if (dialectOf(db) === 'postgres') {
    // An expression index (no extra column, so rows read the same on both engines); db/queries/kb.ts
    // searches with the very same expression. Title words weigh more than body words, as bm25's weights
    // do on SQLite, and 'english' stems words like FTS5's porter tokenizer.
    await sql`CREATE INDEX kb_articles_search ON kb_articles USING gin
      ((setweight(to_tsvector('english', title), 'A') || setweight(to_tsvector('english', body), 'B')))`.execute(db);
  } else {
    await sql`CREATE VIRTUAL TABLE kb_fts USING fts5(title, body, content='kb_articles', content_rowid='id', tokenize='porter unicode61')`.execute(
      db,
    );
    await sql`CREATE TRIGGER kb_articles_ai AFTER INSERT ON kb_articles BEGIN INSERT INTO kb_fts(rowid, title, body) VALUES (new.id, new.title, new.body); END`.execute(
      db,
    );
    await sql`CREATE TRIGGER kb_articles_ad AFTER DELETE ON kb_articles BEGIN INSERT INTO kb_fts(kb_fts, rowid, title, body) VALUES ('delete', old.id, old.title, old.body); END`.execute(
      db,
    );
    await sql`CREATE TRIGGER kb_articles_au AFTER UPDATE ON kb_articles BEGIN INSERT INTO kb_fts(kb_fts, rowid, title, body) VALUES ('delete', old.id, old.title, old.body); INSERT INTO kb_fts(rowid, title, body) VALUES (new.id, new.title, new.body); END`.execute(
      db,
    );
  }

  await db.schema
    .createTable('kb_deflections')
    .addColumn('id', 'integer', autoId(db))
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('article_id', 'integer', (c) => c.notNull().references('kb_articles.id'))
    .addColumn('query', 'text', (c) => c.notNull())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('kb_deflections_at').on('kb_deflections').column('at').execute();

  await db.schema
    .createTable('incidents')
    .addColumn('id', 'integer', autoId(db))
    .addColumn('key', 'text', (c) => c.notNull().unique())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('severity', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('impact', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('declared_by', 'text', (c) => c.notNull())
    .addColumn('commander_id', 'text')
    .addColumn('started_at', 'bigint')
    .addColumn('declared_at', 'bigint', (c) => c.notNull())
    .addColumn('acknowledged_at', 'bigint')
    .addColumn('mitigated_at', 'bigint')
    .addColumn('resolved_at', 'bigint')
    .addColumn('closed_at', 'bigint')
    .addColumn('resolution_summary', 'text')
    .addColumn('channel_id', 'text')
    .addColumn('channel_name', 'text')
    .addColumn('bridge_url', 'text')
    .addColumn('bridge_started_at', 'bigint')
    .addColumn('next_update_due_at', 'bigint')
    .addColumn('last_update_at', 'bigint')
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('incidents_declared').on('incidents').column('declared_at').execute();
  await db.schema.createIndex('incidents_status').on('incidents').column('status').execute();
  await db.schema.createIndex('incidents_channel').on('incidents').column('channel_id').execute();

  await db.schema
    .createTable('incident_services')
    .addColumn('incident_id', 'integer', (c) => c.notNull().references('incidents.id'))
    .addColumn('service', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('incident_services_pk', ['incident_id', 'service'])
    .execute();
  await db.schema.createIndex('incident_services_service').on('incident_services').column('service').execute();

  await db.schema
    .createTable('incident_roles')
    .addColumn('incident_id', 'integer', (c) => c.notNull().references('incidents.id'))
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('assigned_at', 'bigint', (c) => c.notNull())
    .addColumn('assigned_by', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('incident_roles_pk', ['incident_id', 'role'])
    .execute();

  await db.schema
    .createTable('incident_timeline')
    .addColumn('id', 'integer', autoId(db))
    .addColumn('incident_id', 'integer', (c) => c.notNull().references('incidents.id'))
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('actor_id', 'text')
    .addColumn('text', 'text', (c) => c.notNull())
    .addColumn('source_ts', 'text')
    .execute();
  await db.schema
    .createIndex('incident_timeline_incident')
    .on('incident_timeline')
    .columns(['incident_id', 'at'])
    .execute();
  await sql`CREATE UNIQUE INDEX incident_timeline_source ON incident_timeline (incident_id, source_ts) WHERE source_ts IS NOT NULL`.execute(
    db,
  );

  await db.schema
    .createTable('incident_updates')
    .addColumn('id', 'integer', autoId(db))
    .addColumn('incident_id', 'integer', (c) => c.notNull().references('incidents.id'))
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('posted_by', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('impact', 'text', (c) => c.notNull())
    .addColumn('actions', 'text', (c) => c.notNull())
    .addColumn('workaround', 'text')
    .addColumn('next_update_at', 'bigint')
    .addColumn('due_at', 'bigint')
    .addColumn('on_time', 'integer')
    .addColumn('audience', 'text', (c) => c.notNull().defaultTo('all'))
    .execute();
  await db.schema
    .createIndex('incident_updates_incident')
    .on('incident_updates')
    .columns(['incident_id', 'at'])
    .execute();
  await db.schema.createIndex('incident_updates_at').on('incident_updates').column('at').execute();

  await db.schema
    .createTable('incident_subscriptions')
    .addColumn('incident_id', 'integer', (c) => c.notNull().references('incidents.id'))
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('incident_subscriptions_pk', ['incident_id', 'user_id'])
    .execute();
  await db.schema.createIndex('incident_subscriptions_user').on('incident_subscriptions').column('user_id').execute();

  await db.schema
    .createTable('incident_actions')
    .addColumn('id', 'integer', autoId(db))
    .addColumn('incident_id', 'integer', (c) => c.notNull().references('incidents.id'))
    .addColumn('text', 'text', (c) => c.notNull())
    .addColumn('owner_id', 'text', (c) => c.notNull())
    .addColumn('due_at', 'bigint', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('closed_at', 'bigint')
    .addColumn('closed_by', 'text')
    .execute();
  await db.schema.createIndex('incident_actions_due').on('incident_actions').columns(['due_at']).execute();
  await db.schema.createIndex('incident_actions_incident').on('incident_actions').column('incident_id').execute();

  await db.schema
    .createTable('changes')
    .addColumn('id', 'integer', autoId(db))
    .addColumn('key', 'text', (c) => c.notNull().unique())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('risk', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('outcome', 'text')
    .addColumn('requester_id', 'text', (c) => c.notNull())
    .addColumn('implementer_id', 'text')
    .addColumn('template_id', 'text')
    .addColumn('planned_start', 'bigint', (c) => c.notNull())
    .addColumn('planned_end', 'bigint', (c) => c.notNull())
    .addColumn('implementation_plan', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('rollback_plan', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('linked_ticket_key', 'text')
    .addColumn('required_approvals', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('freeze_override', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('freeze_override_reason', 'text')
    .addColumn('review_required', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('reviewed_at', 'bigint')
    .addColumn('reviewed_by', 'text')
    .addColumn('review_note', 'text')
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('submitted_at', 'bigint')
    .addColumn('approved_at', 'bigint')
    .addColumn('rejected_at', 'bigint')
    .addColumn('started_at', 'bigint')
    .addColumn('completed_at', 'bigint')
    .addColumn('cancelled_at', 'bigint')
    .addColumn('closeout_notes', 'text')
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('changes_created').on('changes').column('created_at').execute();
  await db.schema.createIndex('changes_completed').on('changes').column('completed_at').execute();
  await db.schema.createIndex('changes_window').on('changes').columns(['planned_start', 'planned_end']).execute();
  await db.schema.createIndex('changes_status').on('changes').column('status').execute();

  await db.schema
    .createTable('change_services')
    .addColumn('change_id', 'integer', (c) => c.notNull().references('changes.id'))
    .addColumn('service', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('change_services_pk', ['change_id', 'service'])
    .execute();
  await db.schema.createIndex('change_services_service').on('change_services').column('service').execute();

  await db.schema
    .createTable('change_approvals')
    .addColumn('id', 'integer', autoId(db))
    .addColumn('change_id', 'integer', (c) => c.notNull().references('changes.id'))
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('approver_id', 'text', (c) => c.notNull())
    .addColumn('decision', 'text', (c) => c.notNull())
    .addColumn('reason', 'text')
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('change_approvals_once', ['change_id', 'version', 'approver_id'])
    .execute();

  await db.schema
    .createTable('change_incidents')
    .addColumn('change_id', 'integer', (c) => c.notNull().references('changes.id'))
    .addColumn('incident_id', 'integer', (c) => c.notNull().references('incidents.id'))
    .addColumn('linked_at', 'bigint', (c) => c.notNull())
    .addColumn('linked_by', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('change_incidents_pk', ['change_id', 'incident_id'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of [
    'change_incidents',
    'change_approvals',
    'change_services',
    'changes',
    'incident_actions',
    'incident_subscriptions',
    'incident_updates',
    'incident_timeline',
    'incident_roles',
    'incident_services',
    'incidents',
    'kb_deflections',
    'kb_fts',
    'kb_articles',
    'ticket_events',
    'tickets',
  ]) {
    await sql`DROP TABLE IF EXISTS ${sql.table(table)}`.execute(db);
  }
}
