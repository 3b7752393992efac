import { Migrator } from 'kysely';
import { describe, expect, it } from 'vitest';
import { openSqlite } from '../../db/client.js';
import { migrations } from '../../db/migrations/index.js';

/** Tickets recorded before the history carried state: the migration fills in what their rows allow. */
describe('migration 2026-12-02-400: ticket history of existing tickets', () => {
  it('fills the state after each old event and the clocks on each ticket’s last event', async () => {
    const { db, sqlite } = openSqlite(':memory:');
    const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } });
    expect((await migrator.migrateTo('2026-11-23-060-backlog-index')).error).toBeUndefined();
    const base = {
      key: 'IT-1',
      requester_id: 'UREQ1',
      summary: 's',
      details: '',
      category: 'access',
      impact: 'low',
      urgency: 'low',
      priority: 'P3',
      status: 'resolved',
      assignee_id: 'UAGENT1',
      first_assignee_id: 'UAGENT1',
      source: 'command',
      created_at: 1000,
      updated_at: 5000,
      first_response_at: 2000,
      first_response_due_at: 1500,
      resolution_due_at: 9000,
      resolved_at: 5000,
      resolved_by: 'UAGENT1',
    };
    const raw = db as unknown as import('kysely').Kysely<any>;
    const { id } = await raw.insertInto('tickets').values(base).returning('id').executeTakeFirstOrThrow();
    await raw
      .insertInto('ticket_events')
      .values([
        { ticket_id: id, at: 1000, actor_id: 'UREQ1', kind: 'filed', body: null },
        { ticket_id: id, at: 2000, actor_id: 'UAGENT1', kind: 'claim', body: null },
        { ticket_id: id, at: 5000, actor_id: 'UAGENT1', kind: 'resolve', body: null },
      ])
      .execute();
    expect((await migrator.migrateToLatest()).error).toBeUndefined();
    const events = await db.selectFrom('ticket_events').selectAll().orderBy('id').execute();
    expect(events.map((e) => [e.kind, e.status, e.priority, e.responded])).toEqual([
      ['filed', 'new', 'P3', 0],
      ['claim', 'in_progress', 'P3', 1],
      ['resolve', 'resolved', 'P3', 1],
    ]);
    // Responded after its due time: breached; resolved in time: met.
    expect(events[2]).toMatchObject({
      fr_state: 'breached',
      fr_breached: 1,
      res_state: 'met',
      res_breached: 0,
      res_due_at: 9000,
    });
    sqlite.close();
  });
});
