import { Migrator } from 'kysely';
import { describe, expect, it } from 'vitest';
import { openSqlite } from '../../db/client.js';
import { migrateToLatest } from '../../db/migrate.js';
import { migrations } from '../../db/migrations/index.js';

describe('migrations', () => {
  it('runs a migration that sorts before one already applied (numbers are handed out in ranges)', async () => {
    const { db } = openSqlite(':memory:');
    try {
      const earlier = '2026-12-02-300-standard-change-snapshot';
      const without = Object.fromEntries(Object.entries(migrations).filter(([name]) => name !== earlier));
      const first = await new Migrator({
        db: db as never,
        provider: { getMigrations: async () => without },
      }).migrateToLatest();
      expect(first.error).toBeUndefined();
      expect(await migrateToLatest(db as never)).toEqual([earlier]);
      const columns = (await db.introspection.getTables())
        .find((t) => t.name === 'changes')!
        .columns.map((c) => c.name);
      expect(columns).toEqual(expect.arrayContaining(['template_version', 'template_snapshot', 'requester_note']));
      expect(await migrateToLatest(db as never)).toEqual([]);
    } finally {
      await db.destroy();
    }
  });
});
