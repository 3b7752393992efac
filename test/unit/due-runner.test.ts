import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kysely, SqliteDialect } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/clock.js';
import { silentLogger } from '../../src/logger.js';
import { DueRunner } from '../../src/jobs/due-runner.js';
import type { DueHandler } from '../../src/services/context.js';
import { openSqlite, type OpenedSqlite } from '../../db/client.js';
import { migrateToLatest } from '../../db/migrate.js';
import { cancelDue, dueNow, pendingDueFor, scheduleDue } from '../../db/queries/due-items.js';
import { nextNumber } from '../../db/queries/counters.js';
import type { Db } from '../../db/schema.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const START = '2026-03-02T09:00:00.000Z';

interface Fired {
  kind: string;
  recordId: number;
  data: Record<string, unknown>;
  at: number;
}

describe('DueRunner', () => {
  let dir: string;
  let opened: OpenedSqlite;
  let db: Db;
  let clock: FakeClock;
  let fired: Fired[];
  let afterCommits: number;

  /** Records the firing and writes a row in the same transaction, so the tests can see what committed. */
  const recording: DueHandler = async (trx, item, now) => {
    fired.push({ kind: item.kind, recordId: item.record_id, data: item.data, at: now.getTime() });
    await nextNumber(trx, `fired:${item.kind}:${item.record_id}`);
    return 'reminded';
  };

  function runner(handlers: Record<string, DueHandler> = { remind: recording }, on: Db = db): DueRunner {
    return new DueRunner({ db: on, clock, logger: silentLogger, handlers, afterCommit: () => (afterCommits += 1) });
  }

  const schedule = (
    recordId: number,
    dueInMs: number,
    extra: { kind?: string; point?: string | number; payload?: unknown } = {},
  ) =>
    scheduleDue(
      db,
      {
        kind: extra.kind ?? 'remind',
        recordType: 'ticket',
        recordId,
        dueAt: new Date(clock.now().getTime() + dueInMs),
        point: extra.point,
        payload: extra.payload,
      },
      clock.now(),
    );

  const counter = async (name: string, on: Db = db) =>
    (await on.selectFrom('counters').select('value').where('name', '=', name).executeTakeFirst())?.value;
  const items = (on: Db = db) => on.selectFrom('due_items').selectAll().orderBy('id').execute();

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'switchboard-due-'));
    opened = openSqlite(join(dir, 'due.db'));
    db = opened.db;
    await migrateToLatest(db);
    clock = new FakeClock(START);
    fired = [];
    afterCommits = 0;
  });
  afterEach(async () => {
    await db.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('fires each due item exactly once, with its payload, and not before it is due', async () => {
    await schedule(1, 10 * MINUTE, { payload: { note: 'first response' } });
    await schedule(2, 20 * MINUTE);
    const r = runner();

    expect(await r.sweep()).toBe(0);
    expect(fired).toEqual([]);
    expect(afterCommits).toBe(0);

    clock.advance(10 * MINUTE);
    expect(await r.sweep()).toBe(1);
    expect(fired).toEqual([
      { kind: 'remind', recordId: 1, data: { note: 'first response' }, at: clock.now().getTime() },
    ]);
    expect(afterCommits).toBe(1);

    expect(await r.sweep()).toBe(0);
    clock.advance(10 * MINUTE);
    expect(await r.sweep()).toBe(1);
    expect(await r.sweep()).toBe(0);
    clock.advance(24 * HOUR);
    expect(await r.sweep()).toBe(0);

    expect(fired.map((f) => f.recordId)).toEqual([1, 2]);
    const rows = await items();
    expect(rows.map((i) => [i.status, i.outcome])).toEqual([
      ['done', 'reminded'],
      ['done', 'reminded'],
    ]);
    expect(rows[0]!.done_at).toBe(new Date(START).getTime() + 10 * MINUTE);
  });

  it('overlapping sweep() calls share one sweep and fire nothing twice', async () => {
    for (let id = 1; id <= 30; id++) await schedule(id, 0);
    const r = runner();
    const results = await Promise.all([r.sweep(), r.sweep(), r.sweep()]);
    expect(results).toEqual([30, 30, 30]);
    expect(fired).toHaveLength(30);
    expect(new Set(fired.map((f) => f.recordId)).size).toBe(30);
    expect(await r.sweep()).toBe(0);
  });

  it('two runners sweeping the same database at once never fire an item twice', async () => {
    for (let id = 1; id <= 30; id++) await schedule(id, 0);
    // Separate runners do not share a sweep; the claim (pending → done) is what keeps it to once.
    const [a, b] = await Promise.all([runner().sweep(), runner().sweep()]);
    expect(a + b).toBe(30);
    expect(fired).toHaveLength(30);
    expect(new Set(fired.map((f) => f.recordId)).size).toBe(30);
    for (let id = 1; id <= 30; id++) expect(await counter(`fired:remind:${id}`)).toBe(1);
  });

  it("a handler's writes commit with the claim; a throwing handler rolls both back and the item is retried later", async () => {
    await schedule(1, 0);
    await schedule(2, 0);
    let failNext = true;
    const flaky: DueHandler = async (trx, item, now) => {
      await recording(trx, item, now);
      if (item.record_id === 1 && failNext) {
        failNext = false;
        throw new Error('directory unavailable');
      }
      return 'reminded';
    };
    const r = runner({ remind: flaky });

    // Record 1 fails, record 2 (independent) still fires.
    expect(await r.sweep()).toBe(1);
    expect(await counter('fired:remind:1')).toBeUndefined();
    expect(await counter('fired:remind:2')).toBe(1);
    const [broken] = await pendingDueFor(db, 'ticket', 1);
    expect(broken).toBeDefined();
    expect(broken!.status).toBe('pending');
    expect(broken!.due_at).toBe(clock.now().getTime() + MINUTE);
    expect(broken!.outcome).toBe('error: directory unavailable');

    // Postponed, not spinning: the next sweeps leave it alone until its new time.
    expect(await r.sweep()).toBe(0);
    clock.advance(MINUTE - 1);
    expect(await r.sweep()).toBe(0);
    clock.advance(1);
    expect(await r.sweep()).toBe(1);
    expect(await counter('fired:remind:1')).toBe(1);
    const rows = await items();
    expect(rows.map((i) => [i.record_id, i.status, i.outcome])).toEqual([
      [1, 'done', 'reminded'],
      [2, 'done', 'reminded'],
    ]);
  });

  it('stores the same (kind, record, point) only once', async () => {
    await schedule(1, 10 * MINUTE, { point: 'update-1' });
    await schedule(1, 15 * MINUTE, { point: 'update-1' });
    await schedule(1, 20 * MINUTE, { point: 'update-2' });
    await schedule(1, 10 * MINUTE, { point: 'update-1', kind: 'escalate' });
    await schedule(2, 10 * MINUTE, { point: 'update-1' });
    // Without a point the due time tells them apart.
    await schedule(3, 30 * MINUTE);
    await schedule(3, 30 * MINUTE);
    await schedule(3, 31 * MINUTE);
    await db.transaction().execute(async (trx) => {
      await scheduleDue(
        trx,
        { kind: 'remind', recordType: 'ticket', recordId: 1, dueAt: new Date(0), point: 'update-1' },
        clock.now(),
      );
    });

    const rows = await items();
    expect(rows.map((i) => [i.kind, i.record_id, i.dedupe_key])).toEqual([
      ['remind', 1, 'remind:ticket:1:update-1'],
      ['remind', 1, 'remind:ticket:1:update-2'],
      ['escalate', 1, 'escalate:ticket:1:update-1'],
      ['remind', 2, 'remind:ticket:2:update-1'],
      ['remind', 3, `remind:ticket:3:${clock.now().getTime() + 30 * MINUTE}`],
      ['remind', 3, `remind:ticket:3:${clock.now().getTime() + 31 * MINUTE}`],
    ]);
    // The first scheduling wins: a repeat does not move the due time.
    expect(rows[0]!.due_at).toBe(clock.now().getTime() + 10 * MINUTE);

    // Once fired, the same point cannot be scheduled again either.
    clock.advance(10 * MINUTE);
    await runner({ remind: recording, escalate: recording }).sweep();
    await schedule(1, 5 * MINUTE, { point: 'update-1' });
    clock.advance(HOUR);
    await runner({ remind: recording, escalate: recording }).sweep();
    expect(fired.filter((f) => f.kind === 'remind' && f.recordId === 1)).toHaveLength(2);
  });

  it('cancelDue stops pending items of the record (optionally of some kinds) from firing', async () => {
    await schedule(1, 10 * MINUTE, { kind: 'remind' });
    await schedule(1, 10 * MINUTE, { kind: 'warn' });
    await schedule(1, 10 * MINUTE, { kind: 'breach' });
    await schedule(2, 10 * MINUTE, { kind: 'remind' });
    await cancelDue(db, 'ticket', 1, clock.now(), ['remind', 'warn']);
    const r = runner({ remind: recording, warn: recording, breach: recording });
    clock.advance(10 * MINUTE);
    expect(await r.sweep()).toBe(2);
    expect(fired.map((f) => [f.kind, f.recordId])).toEqual([
      ['breach', 1],
      ['remind', 2],
    ]);

    await schedule(3, 10 * MINUTE);
    await cancelDue(db, 'ticket', 3, clock.now());
    clock.advance(HOUR);
    expect(await r.sweep()).toBe(0);
    const cancelled = await db.selectFrom('due_items').selectAll().where('status', '=', 'cancelled').execute();
    expect(cancelled.map((i) => [i.kind, i.record_id])).toEqual([
      ['remind', 1],
      ['warn', 1],
      ['remind', 3],
    ]);
    // A cancel does not touch items already done.
    await cancelDue(db, 'ticket', 2, clock.now());
    expect((await items()).find((i) => i.record_id === 2)!.status).toBe('done');
  });

  it('an item cancelled after the sweep read it (here by an earlier handler of the same sweep) does not fire', async () => {
    await schedule(1, 0, { kind: 'auto-close' });
    await schedule(1, MINUTE, { kind: 'remind' });
    clock.advance(MINUTE);
    const autoClose: DueHandler = async (trx, item, now) => {
      fired.push({ kind: item.kind, recordId: item.record_id, data: item.data, at: now.getTime() });
      await cancelDue(trx, 'ticket', item.record_id, now);
      return 'closed';
    };
    // Both were due when the sweep read its list; the claim sees the cancel.
    expect((await dueNow(db, clock.now(), 10)).map((i) => i.kind)).toEqual(['auto-close', 'remind']);
    expect(await runner({ 'auto-close': autoClose, remind: recording }).sweep()).toBe(1);
    expect(fired.map((f) => f.kind)).toEqual(['auto-close']);
    expect((await items()).map((i) => [i.kind, i.status])).toEqual([
      ['auto-close', 'done'],
      ['remind', 'cancelled'],
    ]);
  });

  it('after downtime, items overdue by hours each fire once on the first sweep, oldest first', async () => {
    await schedule(1, 1 * HOUR);
    await schedule(2, 2 * HOUR);
    await schedule(3, 3 * HOUR);
    await schedule(4, 30 * HOUR); // still in the future after the outage
    clock.advance(12 * HOUR);
    const r = runner();
    expect(await r.sweep()).toBe(3);
    expect(fired.map((f) => f.recordId)).toEqual([1, 2, 3]);
    expect(fired.every((f) => f.at === clock.now().getTime())).toBe(true);
    expect(await r.sweep()).toBe(0);
    expect(afterCommits).toBe(1);
  });

  it('catches up on more items than one batch holds', async () => {
    for (let id = 1; id <= 450; id++) await schedule(id, id * 1000);
    clock.advance(HOUR);
    expect(await runner().sweep()).toBe(450);
    expect(fired.map((f) => f.recordId)).toEqual(Array.from({ length: 450 }, (_, i) => i + 1));
  });

  it('a new runner on the same database file (a restart) does not refire done items', async () => {
    await schedule(1, MINUTE);
    await schedule(2, 2 * HOUR);
    clock.advance(MINUTE);
    expect(await runner().sweep()).toBe(1);
    await db.destroy();

    // Restart: a new connection and a new runner, an hour later.
    opened = openSqlite(join(dir, 'due.db'));
    db = opened.db;
    await migrateToLatest(db);
    clock.advance(HOUR);
    const after = runner();
    expect(await after.sweep()).toBe(0);
    clock.advance(HOUR);
    expect(await after.sweep()).toBe(1);
    expect(fired.map((f) => f.recordId)).toEqual([1, 2]);
    expect(await counter('fired:remind:1')).toBe(1);
    expect(await counter('fired:remind:2')).toBe(1);
  });

  it('an item of a kind nobody handles is closed with a note rather than retried forever', async () => {
    await schedule(1, 0, { kind: 'retired-kind' });
    expect(await runner().sweep()).toBe(1);
    expect((await items())[0]).toMatchObject({ status: 'done', outcome: 'no handler for retired-kind' });
  });

  it('the sweep query walks the pending-due index, so its cost follows what is due, not what is scheduled', async () => {
    // Many future items and a long done history; only two are due.
    await db.transaction().execute(async (trx) => {
      for (let id = 1; id <= 2000; id++)
        await scheduleDue(
          trx,
          {
            kind: 'remind',
            recordType: 'ticket',
            recordId: id,
            dueAt: new Date(clock.now().getTime() + (id <= 2 ? 0 : 30 * 86_400_000)),
          },
          clock.now(),
        );
      for (let id = 3001; id <= 4000; id++) {
        await scheduleDue(trx, { kind: 'remind', recordType: 'ticket', recordId: id, dueAt: new Date(0) }, clock.now());
      }
      await trx.updateTable('due_items').set({ status: 'done' }).where('record_id', '>', 3000).execute();
    });

    // Capture the exact SQL the runner's query sends, then ask SQLite how it runs it.
    const captured: { sql: string; parameters: readonly unknown[] }[] = [];
    const spy = new Kysely<any>({
      dialect: new SqliteDialect({ database: opened.sqlite }),
      log: (event) => void captured.push(event.query),
    });
    const due = await dueNow(spy as unknown as Db, clock.now(), 200);
    expect(due.map((d) => d.record_id)).toEqual([1, 2]);
    expect(captured).toHaveLength(1);
    const { sql, parameters } = captured[0]!;
    const plan = opened.sqlite
      .prepare(`EXPLAIN QUERY PLAN ${sql}`)
      .all(...(parameters as unknown[]))
      .map((row) => (row as { detail: string }).detail);
    expect(plan.some((step) => /USING (COVERING )?INDEX due_items_pending \(due_at<\?\)/.test(step))).toBe(true);
    expect(plan.join('\n')).not.toMatch(/SCAN due_items(?! USING)/);
    expect(plan.join('\n')).not.toContain('TEMP B-TREE');
  });
});
