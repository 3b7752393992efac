import { Migrator, type Kysely, type MigrationProvider } from 'kysely';
import { migrations } from './migrations/index.js';

/**
 * Migrations are listed statically (db/migrations/index.ts) rather than read from a folder, so the same
 * code runs from TypeScript sources under test and from dist/ in production.
 */
const provider: MigrationProvider = { getMigrations: async () => migrations };

/**
 * Migration numbers are handed out in ranges to work done in parallel, so one that sorts earlier can
 * land after a later one already ran somewhere (a sandbox database, a staging copy): such a migration
 * is run when it first appears instead of refusing to start. Each migration stands alone (frozen, only
 * adding), which is what makes this safe.
 */
export async function migrateToLatest(db: Kysely<any>): Promise<string[]> {
  const migrator = new Migrator({ db, provider, allowUnorderedMigrations: true });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/** `npm run migrate`: migrate the configured database and exit. */
export async function runMigrateCommand(): Promise<void> {
  const { parseEnv, databaseLocation } = await import('../src/config/env.js');
  const { openDatabase } = await import('./client.js');
  const env = parseEnv({ SLACK_BOT_TOKEN: 'xoxb-migrate', SLACK_SIGNING_SECRET: 'migrate', ...process.env });
  if (!env.ok) {
    for (const p of env.problems) console.error(p);
    process.exit(1);
  }
  const { db } = openDatabase(databaseLocation(env.value));
  const applied = await migrateToLatest(db);
  console.log(applied.length ? `applied: ${applied.join(', ')}` : 'database is up to date');
  await db.destroy();
}

if (import.meta.url === `file://${process.argv[1]}`) await runMigrateCommand();
