import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { openDatabase, type OpenedDatabase } from '../../db/client.js';

/**
 * Which database the suite runs on: SQLite by default, PostgreSQL when TEST_DATABASE_URL is set (CI runs
 * both). On PostgreSQL every test database is a schema of its own in that one database, dropped after.
 */
const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL || undefined;
export const onPostgres = TEST_DATABASE_URL !== undefined;

/** Every schema the suite makes starts with this, so a run can clear what a killed run left behind. */
const TEST_SCHEMA_PREFIX = 'sbtest_';

export interface TestDatabase {
  /** What DATABASE_URL is set to for the app under test. */
  url: string;
  /** The SQLite file ('' on PostgreSQL or in memory), for tests that look at the file itself. */
  path: string;
  drop(): Promise<void>;
}

/** A fresh, empty database: a temp SQLite file (or memory), or a new PostgreSQL schema. */
export async function createTestDatabase(options: { memory?: boolean } = {}): Promise<TestDatabase> {
  if (TEST_DATABASE_URL) {
    const schema = `${TEST_SCHEMA_PREFIX}${process.pid}_${randomBytes(4).toString('hex')}`;
    await adminQuery(`CREATE SCHEMA ${schema}`);
    const url = new URL(TEST_DATABASE_URL);
    url.searchParams.set('schema', schema);
    return { url: url.toString(), path: '', drop: () => adminQuery(`DROP SCHEMA IF EXISTS ${schema} CASCADE`) };
  }
  if (options.memory) return { url: ':memory:', path: '', drop: async () => {} };
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-test-'));
  const path = join(dir, 'switchboard.db');
  return { url: `file:${path}`, path, drop: async () => rmSync(dir, { recursive: true, force: true }) };
}

/** A fresh database opened directly (not through the app), for unit tests of queries and jobs. */
export async function openTestDatabase(): Promise<OpenedDatabase & { close(): Promise<void> }> {
  const target = await createTestDatabase({ memory: true });
  const opened = openDatabase(target.url.startsWith('file:') ? target.url.slice(5) : target.url);
  return {
    ...opened,
    close: async () => {
      await opened.db.destroy();
      await target.drop();
    },
  };
}

async function adminQuery(text: string): Promise<void> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

/** Vitest global setup: on PostgreSQL, drop the schemas an interrupted earlier run left behind. */
export async function clearLeftoverSchemas(): Promise<void> {
  if (!TEST_DATABASE_URL) return;
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  try {
    const { rows } = await client.query<{ name: string }>(
      `SELECT nspname AS name FROM pg_namespace WHERE nspname LIKE '${TEST_SCHEMA_PREFIX}%'`,
    );
    for (const { name } of rows) await client.query(`DROP SCHEMA IF EXISTS ${name} CASCADE`);
  } finally {
    await client.end();
  }
}
