import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Kysely, SqliteDialect } from 'kysely';
import { openSqlite } from '../db/client.js';
import type { Database } from '../db/schema.js';
import { BenchChild } from './lib/child.js';
import { memoryOf, resetPeak, target, type TargetResult } from './lib/stats.js';
import { seedHistory } from './seed.js';

/**
 * The scorecard over a large history. Written against a small interface so it runs wherever the
 * reporting queries exist: `scorecard(db, {start, end, asOf})` from db/queries/reports.ts, loaded at
 * run time. `root` points at another checkout (its queries and migrations) for trying a branch.
 */
interface ReportsModule {
  scorecard(db: unknown, range: { start: number; end: number; asOf: number }): Promise<unknown>;
}

const HERE = fileURLToPath(new URL('..', import.meta.url));

function reportsModulePath(root = HERE): string {
  return join(resolve(root), 'db', 'queries', 'reports.ts');
}

async function loadModule<T>(path: string): Promise<T> {
  return (await import(pathToFileURL(path).href)) as T;
}

export interface ReportRange {
  name: string;
  start: number;
  end: number;
  asOf: number;
}

/** The last complete calendar quarter (UTC) and the last 365 days, as of `now`. */
function reportRanges(now: number): ReportRange[] {
  const d = new Date(now);
  const quarterStartMonth = Math.floor(d.getUTCMonth() / 3) * 3;
  const end = Date.UTC(d.getUTCFullYear(), quarterStartMonth, 1);
  const start = Date.UTC(d.getUTCFullYear(), quarterStartMonth - 3, 1);
  return [
    { name: 'quarter', start, end, asOf: end },
    { name: 'year', start: now - 365 * 86_400_000, end: now, asOf: now },
  ];
}

export interface ReportRunOptions {
  dbPath: string;
  root?: string;
  ranges: ReportRange[];
  /** Runs per range; the first runs on a cold connection. */
  runs: number;
}

export interface ReportTiming {
  range: string;
  runsMs: number[];
  peakMb: number;
  /** The slowest statements of the last run, to say where the time goes. */
  slowest: { ms: number; sql: string }[];
}

/** Runs in a fresh process: times the scorecard for each range and records its peak RSS. */
export async function runReports(options: ReportRunOptions): Promise<ReportTiming[]> {
  const mod = await loadModule<ReportsModule>(reportsModulePath(options.root));
  const { sqlite, db } = openSqlite(options.dbPath);
  const out: ReportTiming[] = [];
  for (const range of options.ranges) {
    resetPeak();
    const runsMs: number[] = [];
    let statements: { ms: number; sql: string }[] = [];
    for (let run = 0; run < options.runs; run++) {
      statements = [];
      const logged = new Kysely<Database>({
        dialect: new SqliteDialect({ database: sqlite }),
        log: (event) =>
          void statements.push({
            ms: event.queryDurationMillis,
            sql: event.query.sql.replace(/\s+/g, ' ').slice(0, 160),
          }),
      });
      const started = performance.now();
      await mod.scorecard(logged, { start: range.start, end: range.end, asOf: range.asOf });
      runsMs.push(performance.now() - started);
    }
    out.push({
      range: range.name,
      runsMs,
      peakMb: memoryOf('self').peakMb,
      slowest: statements.sort((a, b) => b.ms - a.ms).slice(0, 5),
    });
  }
  await db.destroy();
  return out;
}

export interface ReportsOptions {
  tickets: number;
  incidents: number;
  changes: number;
  days: number;
  runs: number;
  root?: string;
  inline?: boolean;
  profileDir?: string;
}

export type ReportsResult =
  | { skipped: string; targets: TargetResult[] }
  | {
      seeded: { tickets: number; incidents: number; changes: number; days: number; seedMs: number; dbMb: number };
      timings: ReportTiming[];
      targets: TargetResult[];
    };

export async function benchReports(
  options: ReportsOptions,
  log: (line: string) => void = () => undefined,
): Promise<ReportsResult> {
  const modulePath = reportsModulePath(options.root);
  if (!existsSync(modulePath))
    return {
      skipped: `reports module not present (${modulePath}); this section runs once the reports branch is merged`,
      targets: [],
    };
  const root = resolve(options.root ?? HERE);
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-bench-reports-'));
  const dbPath = join(dir, 'reports.db');
  try {
    const started = performance.now();
    const { db, sqlite } = openSqlite(dbPath);
    const { migrateToLatest } = await loadModule<{ migrateToLatest(db: unknown): Promise<string[]> }>(
      join(root, 'db', 'migrate.ts'),
    );
    await migrateToLatest(db);
    const now = Date.now();
    seedHistory(sqlite, {
      tickets: options.tickets,
      incidents: options.incidents,
      changes: options.changes,
      days: options.days,
      now,
    });
    sqlite.pragma('wal_checkpoint(TRUNCATE)');
    const dbMb =
      (
        sqlite.prepare('SELECT page_count * page_size AS b FROM pragma_page_count(), pragma_page_size()').get() as {
          b: number;
        }
      ).b / 1048576;
    await db.destroy();
    const seedMs = performance.now() - started;
    log(
      `  reports: seeded ${options.tickets.toLocaleString('en')} tickets, ${options.incidents.toLocaleString('en')} incidents, ${options.changes.toLocaleString('en')} changes in ${(seedMs / 1000).toFixed(1)} s (${dbMb.toFixed(0)} MB)`,
    );
    const args: ReportRunOptions = { dbPath, root: options.root, ranges: reportRanges(now), runs: options.runs };
    let timings: ReportTiming[];
    if (options.inline) {
      timings = await runReports(args);
    } else {
      const child = await BenchChild.start({ profileDir: options.profileDir });
      try {
        timings = await child.call<ReportTiming[]>('reports', args);
      } finally {
        await child.stop();
      }
    }
    const quarter = timings.find((t) => t.range === 'quarter')!;
    const targets = [
      target(
        `quarterly scorecard over ${options.tickets.toLocaleString('en')} tickets < 1 s (slowest run)`,
        Math.max(...quarter.runsMs),
        1000,
        'ms',
      ),
      target('RSS during reports < 300 MB', Math.max(...timings.map((t) => t.peakMb)), 300, 'MB'),
    ];
    return {
      seeded: {
        tickets: options.tickets,
        incidents: options.incidents,
        changes: options.changes,
        days: options.days,
        seedMs,
        dbMb,
      },
      timings,
      targets,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
