import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../db/client.js';
import { migrateToLatest } from '../db/migrate.js';
import { postMessage } from '../src/services/outbox.js';
import { FakeSlack } from '../devkit/fake-slack/server.js';
import { channels } from '../devkit/workspace.js';
import { launch, type LaunchOptions } from './lib/launch.js';
import { send, signed } from './lib/load.js';
import { TicketRequests } from './lib/requests.js';
import { summarise, target, type LatencySummary, type TargetResult } from './lib/stats.js';
import { benchSettings } from './lib/targets.js';
import { Agent } from 'node:http';

export interface BurstOptions extends LaunchOptions {
  /** Tickets filed during the outage. */
  burst: number;
  /** Filing window; default keeps the pace (500 tickets a minute). */
  windowMs?: number;
  /** Stop waiting for delivery after this long and project the rest from the observed rate. */
  deadlineMs: number;
  /** Progress lines while waiting. */
  log?: (line: string) => void;
}

export interface BurstResult {
  burst: number;
  windowMs: number;
  /** ms from the first filing until the last owed row was delivered (or projected). */
  deliveredMs: number;
  projected: boolean;
  /** ms until all triage posts / all confirmation DMs went out. */
  triageDoneMs: number;
  dmDoneMs: number;
  /** Confirmation DM delay after its ticket was filed. */
  dmDelay: LatencySummary;
  /** An unrelated message owed right after the last filing (another channel): its delivery delay. */
  otherLaneDelayMs: number;
  rateLimited429: number;
  postAttempts: number;
  triagePostsPerSecond: number;
  tickets: number;
  triage: { posted: number; missing: number; duplicated: number };
  dms: { sent: number; missing: number; duplicated: number };
  outbox: { sent: number; failed: number; pending: number };
  submissionAck: LatencySummary;
  peakMb: number;
  targets: TargetResult[];
}

/**
 * An outage: `burst` people file tickets against a service with an open incident (each sees the
 * known-incident step and presses "File ticket" anyway), while the fake Slack enforces about one
 * chat.postMessage per second per channel. Measures how long the owed messages take to drain, how
 * many 429s the pacing provoked, and that every ticket's triage post and confirmation DM went out
 * exactly once.
 */
export async function benchBurst(options: BurstOptions): Promise<BurstResult> {
  const log = options.log ?? (() => undefined);
  const fake = await new FakeSlack().start();
  for (const [name, id] of Object.entries(channels)) fake.addChannel(id, name);
  fake.enforceChannelRate(1);
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-bench-burst-'));
  const dbPath = join(dir, 'burst.db');
  const overrides = { slack: { per_channel_rate: 1, per_channel_burst: 1 } };
  const settings = benchSettings(overrides);
  const requests = new TicketRequests(settings, fake.baseUrl, 'UOUTAGE');
  const windowMs = options.windowMs ?? Math.max(1000, Math.round((options.burst / 500) * 60_000));

  const { db } = openDatabase(dbPath);
  await migrateToLatest(db);
  const declared = Date.now() - 10 * 60_000;
  const incident = await db
    .insertInto('incidents')
    .values({
      key: 'INC-1',
      title: 'Email is down',
      severity: 'P1',
      status: 'investigating',
      impact: 'Nobody can send mail',
      declared_by: 'UCOMMAN1',
      declared_at: declared,
      updated_at: declared,
      channel_id: 'CINC00001',
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  await db.insertInto('incident_services').values({ incident_id: incident.id, service: 'Email' }).execute();

  const launched = await launch('app', { fakeApiUrl: fake.apiUrl, dbPath, settings: overrides }, options);
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const acks: number[] = [];
  const problems: string[] = [];
  let result: BurstResult;
  try {
    const t0 = Date.now();
    const fileOne = async (i: number) => {
      await send(agent, launched.port, signed(requests.command(i)));
      const file = await send(
        agent,
        launched.port,
        signed(requests.fileSubmission(i, { service: 'Email', category: 'software' })),
      );
      acks.push(file.ms);
      const answer = JSON.parse(file.text || '{}') as { response_action?: string; view?: any };
      if (answer.response_action !== 'update')
        return void problems.push(
          `ticket ${i}: expected the known-incident step, got ${file.status} ${file.text.slice(0, 120)}`,
        );
      const confirm = await send(agent, launched.port, signed(requests.confirmSubmission(i, answer.view)));
      acks.push(confirm.ms);
      if (confirm.status !== 200 || confirm.text)
        problems.push(`ticket ${i}: "File ticket" answered ${confirm.status} ${confirm.text.slice(0, 120)}`);
    };
    const filings: Promise<void>[] = [];
    for (let i = 0; i < options.burst; i++) {
      const at = t0 + (i * windowMs) / options.burst;
      const wait = at - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      filings.push(fileOne(i));
    }
    await Promise.all(filings);
    if (problems.length > 0) throw new Error(`filing failed:\n${problems.slice(0, 5).join('\n')}`);
    const filedAt = Date.now();
    await postMessage(db, new Date(filedAt), {
      channel: channels.incidents,
      text: 'Status update for INC-1 (unrelated to the ticket burst)',
      dedupeKey: 'bench-probe',
    });
    log(
      `  burst: ${options.burst} tickets filed in ${((filedAt - t0) / 1000).toFixed(1)} s; waiting for delivery (deadline ${(options.deadlineMs / 1000).toFixed(0)} s)`,
    );

    const counts = async () => {
      const rows = await db
        .selectFrom('outbox')
        .select(['status'])
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .groupBy('status')
        .execute();
      const by = Object.fromEntries(rows.map((r) => [r.status, Number(r.n)])) as Record<string, number>;
      return { sent: by.sent ?? 0, failed: by.failed ?? 0, pending: by.pending ?? 0 };
    };
    let outbox = await counts();
    let lastLog = Date.now();
    while (outbox.pending > 0 && Date.now() - t0 < options.deadlineMs) {
      await new Promise((r) => setTimeout(r, 500));
      outbox = await counts();
      if (Date.now() - lastLog > 30_000) {
        lastLog = Date.now();
        log(
          `  burst: ${((Date.now() - t0) / 1000).toFixed(0)} s, ${outbox.sent} sent, ${outbox.pending} pending, ${fake.calls.filter((c) => c.status === 429).length} × 429`,
        );
      }
    }
    const projected = outbox.pending > 0;

    const tickets = await db.selectFrom('tickets').select(['id', 'key', 'requester_id', 'created_at']).execute();
    const rows = await db
      .selectFrom('outbox')
      .select(['lane', 'method', 'status', 'sent_at', 'created_at', 'dedupe_key', 'payload'])
      .execute();
    const sentAt = (r: (typeof rows)[number]) => r.sent_at ?? Number.NaN;
    const triageRows = rows.filter((r) => r.lane === channels.triage && r.method === 'chat.postMessage');
    const dmRows = rows.filter((r) => r.lane.startsWith('UOUTAGE'));
    const probe = rows.find((r) => r.dedupe_key === 'bench-probe')!;
    const lastSent = Math.max(...rows.map((r) => r.sent_at ?? 0));

    // What Slack (the fake) actually received.
    const top = fake.messagesIn(channels.triage).filter((m) => !m.thread_ts);
    const perKey = new Map<string, number>();
    for (const m of top) {
      const key = /^(IT-\d+)/.exec(m.text)?.[1];
      if (key) perKey.set(key, (perKey.get(key) ?? 0) + 1);
    }
    let dmSent = 0;
    let dmMissing = 0;
    let dmDup = 0;
    for (const t of tickets) {
      const n = fake.messagesIn(t.requester_id).filter((m) => m.text.includes(t.key)).length;
      dmSent += n;
      if (n === 0) dmMissing += 1;
      if (n > 1) dmDup += 1;
    }
    const posts = fake.calls.filter((c) => c.method === 'chat.postMessage');
    const triageSent = triageRows.filter((r) => r.status === 'sent');
    const triageSpan = (Math.max(...triageSent.map(sentAt)) - Math.min(...triageSent.map(sentAt))) / 1000;
    const triageRate = triageSent.length > 1 ? (triageSent.length - 1) / triageSpan : Number.NaN;
    const pendingTriage = triageRows.filter((r) => r.status === 'pending').length;
    const deliveredMs = projected ? Date.now() - t0 + (pendingTriage / triageRate) * 1000 : lastSent - t0;
    const created = new Map(tickets.map((t) => [t.requester_id, t.created_at]));
    const dmDelays = dmRows.filter((r) => r.sent_at).map((r) => r.sent_at! - (created.get(r.lane) ?? r.created_at));
    const memory = await launched.memory();
    result = {
      burst: options.burst,
      windowMs,
      deliveredMs,
      projected,
      triageDoneMs: projected ? deliveredMs : Math.max(...triageRows.map(sentAt)) - t0,
      dmDoneMs: projected ? deliveredMs : Math.max(...dmRows.map(sentAt)) - t0,
      dmDelay: summarise(dmDelays),
      otherLaneDelayMs: probe.sent_at ? probe.sent_at - filedAt : Number.NaN,
      rateLimited429: fake.calls.filter((c) => c.status === 429).length,
      postAttempts: posts.length,
      triagePostsPerSecond: triageRate,
      tickets: tickets.length,
      triage: {
        posted: top.length,
        missing: tickets.filter((t) => !perKey.has(t.key)).length,
        duplicated: [...perKey.values()].filter((n) => n > 1).length,
      },
      dms: { sent: dmSent, missing: dmMissing, duplicated: dmDup },
      outbox,
      submissionAck: summarise(acks),
      peakMb: memory.peakMb,
      targets: [],
    };
  } finally {
    agent.destroy();
    await launched.stop();
    await db.destroy();
    await fake.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  const exact =
    result.triage.missing === 0 &&
    result.triage.duplicated === 0 &&
    result.dms.missing === 0 &&
    result.dms.duplicated === 0;
  result.targets = [
    {
      name: `outage burst: every triage post and DM exactly once${result.projected ? ' (so far)' : ''}`,
      pass: exact && !result.projected && result.outbox.failed === 0,
      measured: `${result.triage.missing + result.dms.missing} lost, ${result.triage.duplicated + result.dms.duplicated} duplicated, ${result.outbox.failed} failed`,
      limit: '0 / 0 / 0',
      ratio: exact ? 0 : 1,
    },
    target('RSS during outage burst < 300 MB', result.peakMb, 300, 'MB'),
  ];
  return result;
}
