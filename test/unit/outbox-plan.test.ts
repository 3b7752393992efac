import { describe, expect, it } from 'vitest';
import { Kysely, SqliteDialect, type CompiledQuery } from 'kysely';
import { openSqlite } from '../../db/client.js';
import { migrateToLatest } from '../../db/migrate.js';
import { insertOutbox, outboxStatusOfRef, pendingOutbox } from '../../db/queries/outbox.js';
import type { Database } from '../../db/schema.js';

/** The sender's per-round queries must cost what is pending, not what was ever sent. */
describe('outbox query plans', () => {
  async function planOf(run: (db: Kysely<Database>) => Promise<unknown>): Promise<string> {
    const { db, sqlite } = openSqlite(':memory:');
    await migrateToLatest(db);
    let compiled: CompiledQuery | undefined;
    const logged = new Kysely<Database>({
      dialect: new SqliteDialect({ database: sqlite }),
      log: (e) => void (compiled ??= e.query),
    });
    await run(logged);
    const plan = (
      sqlite.prepare(`EXPLAIN QUERY PLAN ${compiled!.sql}`).all(...(compiled!.parameters as unknown[])) as {
        detail: string;
      }[]
    )
      .map((r) => r.detail)
      .join(' | ');
    await db.destroy();
    return plan;
  }

  it("reads each lane's head through the pending index, never scanning sent rows", async () => {
    const plan = await planOf((db) => pendingOutbox(db, 500));
    expect(plan).toContain('outbox_pending_lane');
    expect(plan).not.toMatch(/SCAN outbox(?! USING)/);
  });

  it("returns the head of every lane, however long another lane's backlog", async () => {
    const { db } = openSqlite(':memory:');
    await migrateToLatest(db);
    const now = new Date();
    for (let i = 0; i < 600; i++)
      await insertOutbox(
        db,
        { method: 'chat.postMessage', payload: { channel: 'CTRIAGE', text: `t${i}` }, lane: 'CTRIAGE' },
        now,
      );
    await insertOutbox(
      db,
      { method: 'chat.postMessage', payload: { channel: 'CINC', text: 'update' }, lane: 'CINC' },
      now,
    );
    await db.updateTable('outbox').set({ status: 'sent' }).where('id', '=', 1).execute();
    const heads = await pendingOutbox(db, 500);
    expect(heads.map((r) => [r.lane, r.id])).toEqual([
      ['CTRIAGE', 2],
      ['CINC', 601],
    ]);
    await db.destroy();
  });

  it('finds the producer of a reference by index', async () => {
    expect(await planOf((db) => outboxStatusOfRef(db, 'ticket/1/triage'))).toContain(
      'SEARCH outbox USING INDEX outbox_ref_key',
    );
  });
});
