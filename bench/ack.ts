import { mkdtempSync, rmSync } from 'node:fs';
import { Agent } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeSlack } from '../devkit/fake-slack/server.js';
import { channels } from '../devkit/workspace.js';
import { launch, type LaunchOptions } from './lib/launch.js';
import { runLoad, type SlackBody } from './lib/load.js';
import { TicketRequests } from './lib/requests.js';
import { summarise, target, type LatencySummary, type TargetResult } from './lib/stats.js';
import { benchSettings } from './lib/targets.js';

export interface AckOptions extends LaunchOptions {
  n: number;
  c: number;
  /** Requests of each kind sent first and not measured (JIT, connection pools, SQLite page cache). */
  warmup?: number;
}

export interface AckRun {
  kind: 'command' | 'submission';
  latency: LatencySummary;
  throughput: number;
  errors: Record<string, number>;
  /** Event-loop delay in the target process during the run (ms). */
  loopDelay?: { p50: number; p99: number; max: number };
  /** The slowest requests: when they were sent (ms into the run) and how long they took. */
  slowest: { at: number; ms: number }[];
}

export interface AckResult {
  n: number;
  c: number;
  floor: AckRun[];
  app: AckRun[];
  /** app p99 / floor p99, per kind. */
  p99Ratio: Record<AckRun['kind'], number>;
  memory: { floor: { rssMb: number; peakMb: number }; app: { rssMb: number; peakMb: number } };
  ticketsFiled: number;
  /** Submissions stored in the inbox before their ack (every acknowledged one must be there). */
  submissionsStored: number;
  /** The durable insert alone: one inbox row, on a file database in WAL mode, as the ack path does it (ms). */
  inboxInsert: LatencySummary;
  targets: TargetResult[];
}

/**
 * Ack latency under a burst: N signed `/it-help` commands, then N `ticket.file` submissions, C in
 * flight, against the real app and against a bare Bolt app that only acks. The command acks before
 * opening the modal; the submission acks once it is stored in the inbox (one insert; Bolt sends the
 * HTTP answer when ack() is called), so its latency includes that durable write, and the ticket is
 * filed right after. The insert is also timed on its own.
 */
export async function benchAck(options: AckOptions): Promise<AckResult> {
  const fake = await new FakeSlack().start();
  for (const [name, id] of Object.entries(channels)) fake.addChannel(id, name);
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-bench-ack-'));
  const settings = benchSettings();
  const requests = new TicketRequests(settings, fake.baseUrl);
  const warmup = options.warmup ?? Math.min(200, Math.max(5, Math.floor(options.n / 10)));
  const results: Partial<Record<'floor' | 'app', AckRun[]>> = {};
  const memory: Partial<AckResult['memory']> = {};
  let ticketsFiled = 0;
  let submissionsStored = 0;
  let inboxInsert: LatencySummary | undefined;
  try {
    inboxInsert = await timeInboxInserts(join(dir, 'inbox.db'), Math.max(options.n, 500));
    for (const which of ['floor', 'app'] as const) {
      const dbPath = join(dir, `${which}.db`);
      const launched = await launch(which === 'app' ? 'app' : 'bare', { fakeApiUrl: fake.apiUrl, dbPath }, options);
      try {
        // Distinct requesters and summaries for warm-up and measured requests.
        const range = (from: number, count: number) => Array.from({ length: count }, (_, k) => from + k);
        const measure = async (kind: AckRun['kind'], make: (i: number) => SlackBody, from: number) => {
          // Warm-up and measured run share one keep-alive pool, so the measured run starts with its
          // C connections open (as behind a load balancer); see docs/benchmarks.md on cold connections.
          const agent = new Agent({ keepAlive: true, maxSockets: options.c });
          await runLoad(launched.port, range(from, Math.max(warmup, options.c)).map(make), options.c, agent);
          await launched.loopDelay();
          const load = await runLoad(
            launched.port,
            range(from + Math.max(warmup, options.c), options.n).map(make),
            options.c,
            agent,
          );
          agent.destroy();
          const loopDelay = await launched.loopDelay();
          const slowest = load.answers
            .map((a) => ({ at: Math.round(a.at ?? 0), ms: Math.round(a.ms) }))
            .sort((a, b) => b.ms - a.ms)
            .slice(0, 10);
          return {
            kind,
            latency: summarise(load.latencies),
            throughput: load.throughput,
            errors: load.errors,
            loopDelay,
            slowest,
          };
        };
        const commandRun = await measure('command', (i) => requests.command(i), 0);
        const submissionRun = await measure('submission', (i) => requests.fileSubmission(i), 1_000_000);
        results[which] = [commandRun, submissionRun];
        memory[which] = await launched.memory();
      } finally {
        await launched.stop();
      }
      if (which === 'app') {
        const { openDatabase } = await import('../db/client.js');
        const { db } = openDatabase(dbPath);
        const row = await db
          .selectFrom('tickets')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow();
        ticketsFiled = Number(row.n);
        const stored = await db
          .selectFrom('inbox')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('kind', '=', 'ticket.file')
          .executeTakeFirstOrThrow();
        submissionsStored = Number(stored.n);
        await db.destroy();
      }
    }
  } finally {
    await fake.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  const floor = results.floor!;
  const app = results.app!;
  const ratioOf = (kind: AckRun['kind']) =>
    app.find((r) => r.kind === kind)!.latency.p99 / floor.find((r) => r.kind === kind)!.latency.p99;
  const p99Ratio = { command: ratioOf('command'), submission: ratioOf('submission') };
  const targets: TargetResult[] = [];
  for (const kind of ['command', 'submission'] as const) {
    const p99 = app.find((r) => r.kind === kind)!.latency.p99;
    targets.push(target(`ack p99 ${kind} ≤ 1.5x floor (C=${options.c})`, p99Ratio[kind], 1.5, 'x'));
    targets.push(target(`ack p99 ${kind} < 100 ms (C=${options.c})`, p99, 100, 'ms'));
  }
  targets.push(target('RSS during ack burst < 300 MB', memory.app!.peakMb, 300, 'MB'));
  targets.push(target('durable insert before the ack p99 < 5 ms', inboxInsert!.p99, 5, 'ms'));
  return {
    n: options.n,
    c: options.c,
    floor,
    app,
    p99Ratio,
    memory: memory as AckResult['memory'],
    ticketsFiled,
    submissionsStored,
    inboxInsert: inboxInsert!,
    targets,
  };
}

/** N inbox inserts one after another, each timed: the write every acknowledged request waits for. */
async function timeInboxInserts(dbPath: string, n: number): Promise<LatencySummary> {
  const { openDatabase } = await import('../db/client.js');
  const { migrateToLatest } = await import('../db/migrate.js');
  const { receive } = await import('../db/queries/receipts.js');
  const { db } = openDatabase(dbPath);
  try {
    await migrateToLatest(db);
    const payload = {
      requester: { id: 'UBENCH001', name: 'bench' },
      input: {
        summary: 'Printer on 3rd floor jams on every job',
        details: 'It started this morning.',
        category: 'hardware',
        service: null,
        impact: 'low',
        urgency: 'medium',
        attachmentUrl: null,
      },
      source: { kind: 'command', channel: 'CGENERAL' },
    };
    const samples: number[] = [];
    for (let i = 0; i < n + 50; i++) {
      const started = performance.now();
      await receive(
        db,
        { key: `ticket.file:VBENCH${i}:h`, kind: 'ticket.file', userId: 'UBENCH001', payload },
        new Date(),
      );
      if (i >= 50) samples.push(performance.now() - started);
    }
    return summarise(samples);
  } finally {
    await db.destroy();
  }
}
