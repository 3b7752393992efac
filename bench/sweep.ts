import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebClient } from '@slack/web-api';
import { Kysely, SqliteDialect, type CompiledQuery } from 'kysely';
import { openSqlite } from '../db/client.js';
import { migrateToLatest } from '../db/migrate.js';
import { dueNow } from '../db/queries/due-items.js';
import type { Database } from '../db/schema.js';
import { systemClock } from '../src/clock.js';
import { DueRunner } from '../src/jobs/due-runner.js';
import { dueHandlers } from '../src/jobs/index.js';
import { silentLogger } from '../src/logger.js';
import type { ServiceContext } from '../src/services/context.js';
import { Directory } from '../src/slack/directory.js';
import { BenchChild } from './lib/child.js';
import { median, memoryOf, resetPeak, target, type TargetResult } from './lib/stats.js';
import { benchSettings } from './lib/targets.js';
import { seedOpenTickets } from './seed.js';

export interface SweepTickOptions {
  dbPath: string;
  /** Sweeps to time, each with `dueNow` fresh due items. */
  reps: number;
  dueNow: number;
}

export interface SweepTicks {
  /** ms per sweep tick that fired `dueNow` items. */
  ticks: number[];
  fired: number[];
  /** ms of a sweep with nothing due. */
  emptyTick: number;
  /** The due query as the app sends it, and SQLite's plan for it. */
  query: string;
  plan: string[];
  peakMb: number;
}

/**
 * Runs in a fresh process on a seeded database: times DueRunner.sweep() with the app's real due
 * handlers (src/jobs/index.ts), each tick with `dueNow` items due.
 */
export async function runSweepTicks(options: SweepTickOptions): Promise<SweepTicks> {
  resetPeak();
  const { db, sqlite } = openSqlite(options.dbPath);
  const settings = benchSettings();
  const ctx: ServiceContext = { db, clock: systemClock, settings, logger: silentLogger, wakeOutbox: () => undefined };
  const directory = new Directory({
    client: new WebClient('xoxb-unused', { slackApiUrl: 'http://127.0.0.1:9/' }),
    settings,
    clock: systemClock,
    logger: silentLogger,
  });
  const runner = new DueRunner({
    db,
    clock: systemClock,
    logger: silentLogger,
    handlers: dueHandlers(ctx, directory),
    afterCommit: () => undefined,
  });

  // The due query exactly as kysely compiles it, and its plan with the values bound.
  let compiled: CompiledQuery | undefined;
  const logging = new Kysely<Database>({
    dialect: new SqliteDialect({ database: sqlite }),
    log: (event) => void (compiled ??= event.query),
  });
  await dueNow(logging, new Date(), 200);
  const plan = (
    sqlite.prepare(`EXPLAIN QUERY PLAN ${compiled!.sql}`).all(...(compiled!.parameters as unknown[])) as {
      detail: string;
    }[]
  ).map((r) => r.detail);

  const ticks: number[] = [];
  const fired: number[] = [];
  for (let rep = 0; rep < options.reps; rep++) {
    seedOpenTickets(sqlite, { count: options.dueNow, dueNow: options.dueNow, duePerTicket: 0, now: Date.now() });
    const started = performance.now();
    fired.push(await runner.sweep());
    ticks.push(performance.now() - started);
  }
  const started = performance.now();
  await runner.sweep();
  const emptyTick = performance.now() - started;
  const peakMb = memoryOf('self').peakMb;
  await db.destroy();
  return { ticks, fired, emptyTick, query: compiled!.sql, plan, peakMb };
}

export interface SweepOptions {
  sizes: number[];
  dueNow: number;
  duePerTicket: number;
  reps: number;
  inline?: boolean;
  profileDir?: string;
}

export interface SweepSize {
  openTickets: number;
  pendingDueRows: number;
  seedMs: number;
  firstTickMs: number;
  medianTickMs: number;
  emptyTickMs: number;
  fired: number[];
  peakMb: number;
}

export interface SweepResult {
  sizes: SweepSize[];
  /** median tick at each size / median tick at the smallest size. */
  ratios: { from: number; to: number; ratio: number }[];
  query: string;
  plan: string[];
  targets: TargetResult[];
}

/**
 * Reminder sweep cost against the number of open tickets: one database grown to each size in turn
 * (10k → 100k → 1M open tickets with future SLA rows), a few ticks with `dueNow` items due at each.
 */
export async function benchSweep(
  options: SweepOptions,
  log: (line: string) => void = () => undefined,
): Promise<SweepResult> {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-bench-sweep-'));
  const dbPath = join(dir, 'sweep.db');
  const sizes: SweepSize[] = [];
  let query = '';
  let plan: string[] = [];
  try {
    const { db, sqlite } = openSqlite(dbPath);
    await migrateToLatest(db);
    let open = 0;
    for (const size of [...options.sizes].sort((a, b) => a - b)) {
      const started = performance.now();
      // Grow in chunks so the WAL stays small.
      for (let left = size - open; left > 0; left -= 100_000) {
        seedOpenTickets(sqlite, {
          count: Math.min(100_000, left),
          dueNow: 0,
          duePerTicket: options.duePerTicket,
          now: Date.now(),
        });
      }
      sqlite.pragma('wal_checkpoint(TRUNCATE)');
      const seedMs = performance.now() - started;
      open = size;
      const pendingDueRows = (
        sqlite.prepare(`SELECT COUNT(*) AS n FROM due_items WHERE status = 'pending'`).get() as { n: number }
      ).n;
      log(
        `  sweep: ${size.toLocaleString('en')} open tickets seeded in ${(seedMs / 1000).toFixed(1)} s; timing ${options.reps} ticks`,
      );
      const args: SweepTickOptions = { dbPath, reps: options.reps, dueNow: options.dueNow };
      let result: SweepTicks;
      if (options.inline) {
        result = await runSweepTicks(args);
      } else {
        const child = await BenchChild.start({ profileDir: options.profileDir });
        try {
          result = await child.call<SweepTicks>('sweep', args);
        } finally {
          await child.stop();
        }
      }
      // The ticks added `reps × dueNow` tickets (now handled): count them as open history too.
      open += options.reps * options.dueNow;
      query = result.query;
      plan = result.plan;
      sizes.push({
        openTickets: size,
        pendingDueRows,
        seedMs,
        firstTickMs: result.ticks[0]!,
        medianTickMs: median(result.ticks.length > 1 ? result.ticks.slice(1) : result.ticks),
        emptyTickMs: result.emptyTick,
        fired: result.fired,
        peakMb: result.peakMb,
      });
    }
    await db.destroy();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const base = sizes[0]!;
  const ratios = sizes
    .slice(1)
    .map((s) => ({ from: base.openTickets, to: s.openTickets, ratio: s.medianTickMs / base.medianTickMs }));
  const largest = sizes.at(-1)!;
  const targets: TargetResult[] = [
    target(
      `sweep tick at ${largest.openTickets.toLocaleString('en')} open tickets < 50 ms (${options.dueNow} due)`,
      largest.medianTickMs,
      50,
      'ms',
    ),
    target('RSS during sweep < 300 MB', Math.max(...sizes.map((s) => s.peakMb)), 300, 'MB'),
  ];
  return { sizes, ratios, query, plan, targets };
}
