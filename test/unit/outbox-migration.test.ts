import { Migrator, sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { openSqlite } from '../../db/client.js';
import { migrations } from '../../db/migrations/index.js';

/** Rows owed before the outbox kept its control data in columns are moved there on upgrade. */
describe('migration 2026-12-02-200-outbox-delivery', () => {
  it('moves fallbacks, name suffixes, refs and placeholders of pending rows out of their arguments', async () => {
    const { db } = openSqlite(':memory:');
    const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } });
    expect((await migrator.migrateTo('2026-11-23-060-backlog-index')).error).toBeUndefined();
    const legacy = [
      {
        name: 'inc-1-vpn-2',
        is_private: false,
        __base_name: 'inc-1-vpn',
        __suffix: 2,
        __on_failure: { method: 'chat.postMessage', args: { channel: 'U1', text: 'no channel' } },
      },
      { channel: { $ref: 'incident/1/channel', field: 'channel' }, topic: 'INC-1 | IC: {{name:UAGENT01}} | Next' },
      {
        channel: 'U1',
        text: 'hi',
        blocks: [
          { type: 'context', elements: [{ type: 'mrkdwn', text: 'see <{{ref:ticket/1/triage:permalink}}|triage>' }] },
        ],
      },
    ];
    for (const [i, payload] of legacy.entries()) {
      await sql`INSERT INTO outbox (created_at, method, payload, lane, status, attempts, next_attempt_at) VALUES (1, ${i === 0 ? 'conversations.create' : 'chat.postMessage'}, ${JSON.stringify(payload)}, 'l', 'pending', 0, 1)`.execute(
        db,
      );
    }
    await sql`INSERT INTO outbox (created_at, method, payload, lane, status, attempts, next_attempt_at) VALUES (1, 'chat.postMessage', '{"channel":"C1","text":"{{ref:x:ts}} sent long ago"}', 'l', 'sent', 1, 1)`.execute(
      db,
    );
    expect((await migrator.migrateToLatest()).error).toBeUndefined();

    const rows = await db.selectFrom('outbox').selectAll().orderBy('id').execute();
    expect(JSON.parse(rows[0]!.payload)).toEqual({ name: 'inc-1-vpn', is_private: false });
    expect(rows[0]!.name_suffix).toBe(2);
    expect(JSON.parse(rows[0]!.on_failure!)).toEqual({
      method: 'chat.postMessage',
      args: { channel: 'U1', text: 'no channel' },
    });
    expect(JSON.parse(rows[1]!.payload)).toEqual({ channel: null, topic: null });
    expect(JSON.parse(rows[1]!.fills!)).toEqual([
      { path: ['channel'], value: { $ref: 'incident/1/channel', field: 'channel' } },
      { path: ['topic'], value: { $compose: ['INC-1 | IC: ', { $name: 'UAGENT01' }, ' | Next'] } },
    ]);
    expect(JSON.parse(rows[2]!.fills!)).toEqual([
      {
        path: ['blocks', 0, 'elements', 0, 'text'],
        value: { $compose: ['see <', { $ref: 'ticket/1/triage', field: 'permalink' }, '|triage>'] },
      },
    ]);
    // Rows already sent are history: left as they were.
    expect(rows[3]).toMatchObject({ payload: '{"channel":"C1","text":"{{ref:x:ts}} sent long ago"}', fills: null });
    await db.destroy();
  });
});
