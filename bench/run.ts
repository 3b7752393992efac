import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { benchAck, type AckResult } from './ack.js';
import { benchBurst, type BurstResult } from './burst.js';
import { benchReports, type ReportsResult } from './reports.js';
import { benchStartup, type StartupResult } from './startup.js';
import { benchSweep, type SweepResult } from './sweep.js';
import { mb, ms, ratio, table, type TargetResult } from './lib/stats.js';

/**
 * `npm run bench [-- flags]`: Switchboard's performance benchmark. Prints a table per section and the
 * targets with PASS/MISS, and writes bench/results.json. docs/benchmarks.md explains each section.
 */
const SECTIONS = ['ack', 'burst', 'sweep', 'reports', 'startup'] as const;
type Section = (typeof SECTIONS)[number];

const { values: flags } = parseArgs({
  options: {
    only: { type: 'string', default: SECTIONS.join(',') },
    n: { type: 'string', default: '2000' },
    c: { type: 'string', default: '50' },
    warmup: { type: 'string' },
    burst: { type: 'string', default: '500' },
    'burst-window': { type: 'string' },
    'burst-deadline': { type: 'string', default: '900' },
    sizes: { type: 'string', default: '10000,100000,1000000' },
    due: { type: 'string', default: '100' },
    'due-per-ticket': { type: 'string', default: '2' },
    reps: { type: 'string', default: '5' },
    tickets: { type: 'string', default: '1000000' },
    incidents: { type: 'string', default: '50000' },
    changes: { type: 'string', default: '100000' },
    days: { type: 'string', default: '730' },
    'report-runs': { type: 'string', default: '2' },
    'reports-root': { type: 'string' },
    'startup-runs': { type: 'string', default: '3' },
    build: { type: 'boolean', default: false },
    profile: { type: 'string' },
    inline: { type: 'boolean', default: false },
    out: { type: 'string', default: fileURLToPath(new URL('./results.json', import.meta.url)) },
    help: { type: 'boolean', default: false },
  },
});

if (flags.help) {
  process.stdout.write(`npm run bench -- [flags]
  --only ack,burst,sweep,reports,startup   sections to run (default: all)
  --n 2000 --c 50 [--warmup 200]           ack: requests of each kind, concurrency
  --burst 500 [--burst-window ms] [--burst-deadline 900]   outage burst: tickets, filing window, seconds to wait
  --sizes 10000,100000,1000000 --due 100 --due-per-ticket 2 --reps 5   sweep
  --tickets 1000000 --incidents 50000 --changes 100000 --days 730 --report-runs 2 [--reports-root DIR]   reports
  --startup-runs 3 [--build]               start-up (with --build also node dist/src/index.js)
  --profile DIR                            write .cpuprofile files of the measured processes
  --inline                                 run the app in this process (quick checks only)
  --out bench/results.json
`);
  process.exit(0);
}

const int = (name: keyof typeof flags) => {
  const value = Number(String(flags[name]).replace(/_/g, ''));
  if (!Number.isFinite(value) || value < 0) throw new Error(`--${name} must be a number`);
  return value;
};
const sections = new Set(
  String(flags.only)
    .split(',')
    .map((s) => s.trim()) as Section[],
);
for (const s of sections)
  if (!SECTIONS.includes(s)) throw new Error(`--only: unknown section ${s} (${SECTIONS.join(', ')})`);
const say = (line = '') => process.stdout.write(`${line}\n`);
const how = { inline: flags.inline, profileDir: flags.profile };

function commit(): string {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

const results: {
  machine: Record<string, unknown>;
  flags: Record<string, unknown>;
  ack?: AckResult;
  burst?: BurstResult;
  sweep?: SweepResult;
  reports?: ReportsResult;
  startup?: StartupResult;
  targets: TargetResult[];
} = {
  machine: {
    at: new Date().toISOString(),
    commit: commit(),
    node: process.version,
    cpus: cpus().length,
    cpu: cpus()[0]?.model,
    memGb: +(totalmem() / 2 ** 30).toFixed(1),
    loadavgAtStart: loadavg().map((l) => +l.toFixed(2)),
  },
  flags: { ...flags },
  targets: [],
};

say(
  `Switchboard benchmark · ${results.machine.cpus} cores (${results.machine.cpu}) · load ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')} · node ${process.version}`,
);

if (sections.has('ack')) {
  say(
    `\n== 1. Ack latency under a burst: ${int('n')} commands + ${int('n')} ticket.file submissions, C=${int('c')} ==`,
  );
  const r = await benchAck({ n: int('n'), c: int('c'), warmup: flags.warmup ? int('warmup') : undefined, ...how });
  results.ack = r;
  const rows: (string | number)[][] = [
    ['target', 'request', 'p50', 'p95', 'p99', 'max', 'req/s', 'errors', 'loop delay p99/max'],
  ];
  for (const [name, runs] of [
    ['bare Bolt (floor)', r.floor],
    ['Switchboard', r.app],
  ] as const) {
    for (const run of runs) {
      const loop = run.loopDelay ? `${ms(run.loopDelay.p99, 0)} / ${ms(run.loopDelay.max, 0)}` : 'n/a';
      rows.push([
        name,
        run.kind,
        ms(run.latency.p50),
        ms(run.latency.p95),
        ms(run.latency.p99),
        ms(run.latency.max),
        run.throughput.toFixed(0),
        JSON.stringify(run.errors),
        loop,
      ]);
    }
  }
  say(table(rows));
  for (const run of r.app)
    say(
      `slowest app ${run.kind}s (sent at ms → took ms): ${run.slowest
        .slice(0, 6)
        .map((x) => `${x.at}→${x.ms}`)
        .join(', ')}`,
    );
  say(
    `p99 ratio app/floor: command ${ratio(r.p99Ratio.command)}, submission ${ratio(r.p99Ratio.submission)} · tickets filed ${r.ticketsFiled} · peak RSS app ${mb(r.memory.app.peakMb)}, floor ${mb(r.memory.floor.peakMb)}`,
  );
  say(
    `durable insert before each submission's ack (inbox row, WAL): p50 ${ms(r.inboxInsert.p50, 3)} / p99 ${ms(r.inboxInsert.p99, 3)} / max ${ms(r.inboxInsert.max, 3)} · submissions stored ${r.submissionsStored}`,
  );
  results.targets.push(...r.targets);
}

if (sections.has('burst')) {
  say(
    `\n== 2. Outage burst: ${int('burst')} tickets against a service with an open incident, Slack at ~1 post/s/channel ==`,
  );
  const r = await benchBurst({
    burst: int('burst'),
    windowMs: flags['burst-window'] ? int('burst-window') : undefined,
    deadlineMs: int('burst-deadline') * 1000,
    log: say,
    ...how,
  });
  results.burst = r;
  say(
    table([
      ['measure', 'value'],
      ['tickets filed (window)', `${r.tickets} (${(r.windowMs / 1000).toFixed(0)} s)`],
      [
        r.projected ? 'all owed rows delivered (PROJECTED)' : 'all owed rows delivered after',
        `${(r.deliveredMs / 1000).toFixed(1)} s`,
      ],
      ['triage posts done after', `${(r.triageDoneMs / 1000).toFixed(1)} s`],
      ['confirmation DMs done after', `${(r.dmDoneMs / 1000).toFixed(1)} s`],
      [
        'DM delay after filing p50 / p95 / max',
        `${(r.dmDelay.p50 / 1000).toFixed(1)} / ${(r.dmDelay.p95 / 1000).toFixed(1)} / ${(r.dmDelay.max / 1000).toFixed(1)} s`,
      ],
      ['unrelated channel message delay', `${(r.otherLaneDelayMs / 1000).toFixed(1)} s`],
      ['triage posts per second', r.triagePostsPerSecond.toFixed(2)],
      ['429s seen by Slack / postMessage attempts', `${r.rateLimited429} / ${r.postAttempts}`],
      [
        'triage posts: posted / missing / duplicated',
        `${r.triage.posted} / ${r.triage.missing} / ${r.triage.duplicated}`,
      ],
      ['DMs: sent / missing / duplicated', `${r.dms.sent} / ${r.dms.missing} / ${r.dms.duplicated}`],
      ['outbox sent / failed / pending', `${r.outbox.sent} / ${r.outbox.failed} / ${r.outbox.pending}`],
      ['submission ack p50 / p99 during the burst', `${ms(r.submissionAck.p50)} / ${ms(r.submissionAck.p99)}`],
      ['peak RSS', mb(r.peakMb)],
    ]),
  );
  results.targets.push(...r.targets);
}

if (sections.has('sweep')) {
  const sizes = String(flags.sizes)
    .split(',')
    .map((s) => Number(s.replace(/_/g, '')));
  say(
    `\n== 3. Reminder sweep: ${int('due')} items due per tick, open tickets ${sizes.map((s) => s.toLocaleString('en')).join(' / ')} ==`,
  );
  const r = await benchSweep(
    {
      sizes,
      dueNow: int('due'),
      duePerTicket: int('due-per-ticket'),
      reps: int('reps'),
      inline: flags.inline,
      profileDir: flags.profile,
    },
    say,
  );
  results.sweep = r;
  say(
    table([
      ['open tickets', 'pending due rows', 'first tick', 'median tick', 'empty tick', 'fired', 'peak RSS'],
      ...r.sizes.map((s) => [
        s.openTickets.toLocaleString('en'),
        s.pendingDueRows.toLocaleString('en'),
        ms(s.firstTickMs),
        ms(s.medianTickMs),
        ms(s.emptyTickMs, 2),
        s.fired.join(','),
        mb(s.peakMb),
      ]),
    ]),
  );
  for (const x of r.ratios)
    say(`median tick ${x.to.toLocaleString('en')} / ${x.from.toLocaleString('en')} open tickets: ${ratio(x.ratio)}`);
  say(`due query: ${r.query}`);
  say(`EXPLAIN QUERY PLAN: ${r.plan.join(' | ')}`);
  results.targets.push(...r.targets);
}

if (sections.has('reports')) {
  say(
    `\n== 4. Reports: scorecard for a quarter and a year over ${int('tickets').toLocaleString('en')} tickets, ${int('incidents').toLocaleString('en')} incidents, ${int('changes').toLocaleString('en')} changes ==`,
  );
  const r = await benchReports(
    {
      tickets: int('tickets'),
      incidents: int('incidents'),
      changes: int('changes'),
      days: int('days'),
      runs: int('report-runs'),
      root: flags['reports-root'],
      inline: flags.inline,
      profileDir: flags.profile,
    },
    say,
  );
  results.reports = r;
  if ('skipped' in r) say(`SKIPPED: ${r.skipped}`);
  else {
    say(
      table([
        ['period', 'runs (first cold)', 'peak RSS'],
        ...r.timings.map((t) => [t.range, t.runsMs.map((x) => ms(x, 0)).join(' / '), mb(t.peakMb)]),
      ]),
    );
    for (const t of r.timings) {
      say(`slowest statements (${t.range}, last run):`);
      for (const s of t.slowest) say(`  ${ms(s.ms, 0).padStart(8)}  ${s.sql}`);
    }
  }
  results.targets.push(...r.targets);
}

if (sections.has('startup')) {
  say(`\n== 5. Start-up: spawn → /healthz 200, idle RSS after 2 s ==`);
  const r = await benchStartup({ runs: int('startup-runs'), build: flags.build });
  results.startup = r;
  say(
    table([
      ['command', 'start-up (first on a new db, then restarts)', 'idle RSS', 'build'],
      ...r.modes.map((m) => [
        m.command,
        m.runsMs.map((x) => ms(x, 0)).join(' / '),
        m.idleRssMb.map(mb).join(' / '),
        m.buildMs ? ms(m.buildMs, 0) : '',
      ]),
    ]),
  );
  results.targets.push(...r.targets);
}

say('\n== Targets ==');
say(
  table([
    ['target', 'verdict', 'measured', 'limit', 'measured/limit'],
    ...results.targets.map((t) => [t.name, t.pass ? 'PASS' : 'MISS', t.measured, t.limit, ratio(t.ratio)]),
  ]),
);
results.machine.loadavgAtEnd = loadavg().map((l) => +l.toFixed(2));
writeFileSync(String(flags.out), `${JSON.stringify(results, null, 2)}\n`);
say(`\nwrote ${flags.out}`);
process.exit(0);
