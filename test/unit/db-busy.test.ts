import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BUSY_DEADLINE_MS, DatabaseBusyError, openSqlite, type OpenedSqlite } from '../../db/client.js';
import { migrateToLatest } from '../../db/migrate.js';

/** Waiting for another connection's write lock happens off the event loop, bounded, and says so. */
describe('a write lock held by another connection', () => {
  let dir: string;
  let opened: OpenedSqlite;
  let other: SQLite.Database;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'switchboard-busy-'));
    opened = openSqlite(join(dir, 'db.sqlite'));
    await migrateToLatest(opened.db);
    other = new SQLite(join(dir, 'db.sqlite'));
  });
  afterEach(async () => {
    if (other.inTransaction) other.exec('ROLLBACK');
    other.close();
    await opened.db.destroy();
    rmSync(dir, { recursive: true, force: true });
  });
  const write = (name: string) => opened.db.insertInto('counters').values({ name, value: 1 }).execute();

  it('a write waits asynchronously and goes through when the lock is released', async () => {
    other.exec('BEGIN IMMEDIATE');
    let ticks = 0;
    const timer = setInterval(() => (ticks += 1), 5);
    setTimeout(() => other.exec('COMMIT'), 300);
    const started = Date.now();
    await write('a');
    clearInterval(timer);
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(ticks).toBeGreaterThan(20); // the event loop kept running meanwhile
    expect(await opened.db.selectFrom('counters').selectAll().execute()).toEqual([{ name: 'a', value: 1 }]);
  });

  it('gives up with DatabaseBusyError after the deadline; reads carry on; busy() says so; then fails fast', async () => {
    other.exec('BEGIN IMMEDIATE');
    other.prepare("INSERT INTO counters (name, value) VALUES ('held', 1)").run();
    const started = Date.now();
    await expect(write('b')).rejects.toBeInstanceOf(DatabaseBusyError);
    expect(Date.now() - started).toBeGreaterThanOrEqual(BUSY_DEADLINE_MS - 100);
    expect(Date.now() - started).toBeLessThan(BUSY_DEADLINE_MS + 500);
    expect(opened.busy()).toBe(true);
    expect(await opened.db.selectFrom('counters').selectAll().execute()).toEqual([]); // WAL: reads never wait
    // Known busy: the next write gives up at once instead of holding the connection.
    const again = Date.now();
    await expect(
      opened.db.transaction().execute((trx) => trx.insertInto('counters').values({ name: 'c', value: 1 }).execute()),
    ).rejects.toBeInstanceOf(DatabaseBusyError);
    expect(Date.now() - again).toBeLessThan(500);
    other.exec('ROLLBACK');
    await write('d');
    expect((await opened.db.selectFrom('counters').select('name').execute()).map((r) => r.name)).toEqual(['d']);
  });
});
