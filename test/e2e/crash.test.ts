import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import SQLite from 'better-sqlite3';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeSlack, type FakeMessage } from '../../devkit/fake-slack/server.js';
import { SlackRequests } from '../../devkit/slack-requests.js';
import { channels, people, populateFake } from '../../devkit/workspace.js';
import { parseSettings } from '../../src/config/load.js';
import type { Settings } from '../../src/config/settings.js';
import { fileTicketModal } from '../../views/tickets/modals.js';
import { declareModal } from '../../views/incidents/modals.js';
import { FIELDS } from '../../views/incidents/ids.js';

/**
 * kill -9 at any moment loses no acknowledged request and repeats no record. The real entry point
 * (src/index.ts, built once the way `npm start` builds it, then run with node) runs as a child process
 * against the fake Slack; a burst of /it-help submissions and incident declarations is sent, the child
 * is killed with SIGKILL at a point between the first request and the end of delivery, restarted on
 * the same database file, and so on through every kill point, with Slack answering at once and slowly.
 * At the end: every request that got an ack is exactly one record, none that did not is more than
 * one, and every message owed for them reached Slack exactly once.
 */
const ROOT = resolve(import.meta.dirname, '../..');
const SECRET = 'crash-signing-secret';
/** ms after the burst starts; the last ones fall after delivery has finished. */
const FAST_KILLS = [0, 4, 10, 20, 35, 60, 100, 170, 300, 600];
const SLOW_KILLS = [0, 15, 50, 120, 250, 500, 800, 1200, 1900, 3200];
const TICKETS_PER_BURST = 5;
const DECLARATIONS_PER_BURST = 1;

interface Child {
  proc: ChildProcess;
  port: number;
  stderr(): string;
  exited: Promise<unknown>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as { port: number };
  await new Promise((done) => server.close(done));
  return port;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Builds the entry point the way a release is built, into one file (esbuild, which tsx uses too) next
 * to a link to node_modules: starting it is quick enough to start it again twenty times.
 */
async function buildApp(out: string): Promise<string> {
  const entry = join(out, 'index.mjs');
  await build({
    entryPoints: [join(ROOT, 'src/index.ts')],
    outfile: entry,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    logLevel: 'error',
    minify: true,
    external: ['better-sqlite3', '@resvg/resvg-js'],
    banner: {
      js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
    },
  });
  symlinkSync(join(ROOT, 'node_modules'), join(out, 'node_modules'));
  return entry;
}

/**
 * Channels Slack created that the dead process's outbox still holds as pending: a creation in flight
 * at the kill, which the next start finds by name and adopts (README: conversations.create).
 */
function channelsInFlight(dbPath: string, fake: FakeSlack): string[] {
  const db = new SQLite(dbPath, { readonly: true });
  try {
    const rows = db
      .prepare("SELECT payload FROM outbox WHERE status = 'pending' AND method = 'conversations.create'")
      .all() as { payload: string }[];
    return rows
      .map((row) => (JSON.parse(row.payload) as { name?: unknown }).name)
      .filter((name): name is string => typeof name === 'string' && fake.channelByName(name) !== undefined);
  } finally {
    db.close();
  }
}

describe('kill -9 during a burst of requests', () => {
  let dir: string;
  let entry: string;
  let settings: Settings;
  let configPath: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'switchboard-crash-'));
    mkdirSync(join(dir, 'app'));
    entry = await buildApp(join(dir, 'app'));
    const input = {
      timezone: 'Europe/London',
      channels: { triage: channels.triage, incidents: channels.incidents },
      roles: { incident_commanders: [people.commander.id] },
      jobs: { sweep_cron: '* * * * * *' },
      slack: { per_channel_rate: 1000, per_channel_burst: 1000 },
    };
    const parsed = parseSettings(input);
    if (!parsed.ok) throw new Error(parsed.problems.join('\n'));
    settings = parsed.value;
    configPath = join(dir, 'config.yml');
    writeFileSync(configPath, JSON.stringify(input)); // JSON is YAML
  }, 60_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function start(fake: FakeSlack, dbPath: string): Promise<Child> {
    const port = await freePort();
    const proc = spawn(process.execPath, [entry], {
      env: {
        PATH: process.env.PATH ?? '',
        SLACK_BOT_TOKEN: 'xoxb-crash',
        SLACK_SIGNING_SECRET: SECRET,
        SLACK_API_URL: fake.apiUrl,
        PORT: String(port),
        DATABASE_URL: `file:${dbPath}`,
        ITOPS_CONFIG: configPath,
        LOG_LEVEL: 'error',
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    proc.stderr!.on('data', (chunk) => (err += String(chunk)));
    const exited = new Promise((done) => proc.on('exit', done));
    for (let i = 0; i < 600; i++) {
      if (proc.exitCode !== null) throw new Error(`the app exited (${proc.exitCode}):\n${err}`);
      const health = await fetch(`http://127.0.0.1:${port}/healthz`).then(
        (r) => r.status,
        () => 0,
      );
      if (health === 200) return { proc, port, stderr: () => err, exited };
      await sleep(20);
    }
    proc.kill('SIGKILL');
    throw new Error(`the app did not answer /healthz:\n${err}`);
  }

  async function scenario(name: string, latency: { minMs: number; maxMs: number } | undefined, kills: number[]) {
    const fake = await new FakeSlack().start();
    populateFake(fake);
    if (latency) fake.answerSlowly(latency.minMs, latency.maxMs);
    const dbPath = join(dir, `${name}.db`);
    const acked = new Set<string>();
    const sent = new Set<string>();
    const killedAt: number[] = [];
    const channelsInFlightAtKill = new Set<string>();
    let seq = 0;
    try {
      for (const [cycle, delay] of kills.entries()) {
        const child = await start(fake, dbPath);
        const slack = new SlackRequests(`http://127.0.0.1:${child.port}`, SECRET, fake.baseUrl);
        const requests: Promise<void>[] = [];
        const burstStart = Date.now();
        for (let i = 0; i < TICKETS_PER_BURST + DECLARATIONS_PER_BURST; i++) {
          const n = ++seq;
          const declaration = i >= TICKETS_PER_BURST;
          const label = `Crash ${name} ${declaration ? 'incident' : 'ticket'} ${String(n).padStart(3, '0')}`;
          sent.add(label);
          const view = declaration
            ? {
                id: `VCRASH${name}${n}`,
                hash: `h${n}`,
                ...(declareModal({
                  prefill: { title: label },
                  severities: settings.incidents.severities,
                  serviceCatalog: settings.service_catalog,
                  metadata: { source: 'command' },
                }) as any),
              }
            : {
                id: `VCRASH${name}${n}`,
                hash: `h${n}`,
                ...fileTicketModal({
                  categories: settings.service_desk.categories,
                  services: settings.service_catalog,
                  summary: label,
                  source: { kind: 'command', channel: channels.general },
                }),
              };
          const values = declaration
            ? { [FIELDS.title]: label, [FIELDS.severity]: 'P3', [FIELDS.impact]: 'Crash test' }
            : { category: 'hardware' };
          requests.push(
            slack.submitView(people.requester, view, values).then(
              (res) => {
                // Slack shows the form closed: an empty 200.
                if (res.status === 200 && !res.body?.errors && !res.body?.response_action) acked.add(label);
              },
              () => undefined,
            ),
          );
          await sleep(2);
        }
        await sleep(Math.max(0, burstStart + delay - Date.now()));
        killedAt.push(Date.now());
        child.proc.kill('SIGKILL');
        await child.exited;
        await Promise.all(requests);
        // Slack finishes what reached it before the kill (a slow answer lands after the process died).
        await fake.idle();
        for (const name of channelsInFlight(dbPath, fake)) channelsInFlightAtKill.add(name);
        void cycle;
      }

      // The last start: everything owed is processed and delivered, then a clean stop.
      const child = await start(fake, dbPath);
      const reader = new SQLite(dbPath, { readonly: true });
      try {
        let quietSince = Date.now();
        let calls = fake.calls.length;
        for (let i = 0; i < 1000; i++) {
          await sleep(30);
          const pending = reader
            .prepare(
              "SELECT (SELECT count(*) FROM inbox WHERE processed_at IS NULL AND failed_at IS NULL) + (SELECT count(*) FROM outbox WHERE status = 'pending') AS n",
            )
            .get() as { n: number };
          if (fake.calls.length !== calls || pending.n > 0) {
            calls = fake.calls.length;
            quietSince = Date.now();
          } else if (Date.now() - quietSince > 400) break;
        }
      } finally {
        reader.close();
      }
      child.proc.kill('SIGTERM');
      await child.exited;

      const db = new SQLite(dbPath, { readonly: true });
      try {
        const tickets = db.prepare('SELECT key, summary FROM tickets').all() as { key: string; summary: string }[];
        const incidents = db.prepare('SELECT id, key, title FROM incidents').all() as {
          id: number;
          key: string;
          title: string;
        }[];
        const failed = db
          .prepare("SELECT key, last_error FROM inbox WHERE failed_at IS NOT NULL AND kind <> 'receipt'")
          .all();
        expect(failed).toEqual([]);
        const records = new Map<string, string[]>();
        for (const t of tickets) records.set(t.summary, [...(records.get(t.summary) ?? []), t.key]);
        for (const i of incidents) records.set(i.title, [...(records.get(i.title) ?? []), i.key]);

        // Every acknowledged request is exactly one record; an unacknowledged one at most one.
        expect(acked.size).toBeGreaterThan(0);
        for (const label of sent) {
          const count = records.get(label)?.length ?? 0;
          if (acked.has(label)) expect(count, `${label} was acknowledged`).toBe(1);
          else expect(count, `${label} was not acknowledged`).toBeLessThanOrEqual(1);
        }

        // Every owed message reached Slack exactly once (posts in flight at a kill are found in Slack by
        // their metadata, not posted again).
        const once = (copies: FakeMessage[], what: string) =>
          expect(
            copies.map((m) => m.ts),
            `${what} reached Slack once`,
          ).toHaveLength(1);
        const triage = fake.messagesIn(channels.triage).filter((m) => !m.thread_ts);
        const dms = fake.messagesIn(people.requester.id);
        for (const t of tickets) {
          once(
            triage.filter((m) => m.text.includes(t.summary)),
            `the triage post of ${t.key}`,
          );
          once(
            dms.filter((m) => m.text.includes(`*${t.key}*`)),
            `the confirmation of ${t.key}`,
          );
        }
        const announcements = fake.messagesIn(channels.incidents).filter((m) => !m.thread_ts);
        for (const i of incidents) {
          once(
            announcements.filter((m) => m.text.includes(i.title)),
            `the announcement of ${i.key}`,
          );
          const channel = (
            db.prepare('SELECT channel FROM slack_refs WHERE key = ?').get(`incident/${i.id}/channel`) as
              { channel: string } | undefined
          )?.channel;
          expect(channel, `${i.key} has its channel`).toBeDefined();
          once(
            fake
              .messagesIn(channel!)
              .filter((m) => !m.thread_ts && m.text.includes(i.title) && m.user !== people.requester.id),
            `the summary of ${i.key}`,
          );
        }
        // One channel per incident, under its own name: a creation in flight at a kill is tried again, is
        // answered name_taken, and the channel the bot made is found by name and adopted (never a `-2`).
        expect(fake.callsTo('conversations.create'), 'channels created').toHaveLength(incidents.length);
        const retried = fake.calls.filter(
          (c) => c.method === 'conversations.create' && c.answer.error === 'name_taken',
        );
        expect(retried.length, 'creations retried after a kill').toBeGreaterThanOrEqual(channelsInFlightAtKill.size);
      } finally {
        db.close();
      }
      return { sent: sent.size, acked: acked.size, kills: killedAt.length };
    } finally {
      await fake.stop();
    }
  }

  // The two run side by side: most of their time is the app starting again.
  it.concurrent('with Slack answering at once', { timeout: 150_000 }, async () => {
    const result = await scenario('fast', undefined, FAST_KILLS);
    expect(result.kills).toBe(FAST_KILLS.length);
  });

  it.concurrent('with Slack answering in 250–300 ms', { timeout: 150_000 }, async () => {
    const result = await scenario('slow', { minMs: 250, maxMs: 300 }, SLOW_KILLS);
    expect(result.kills).toBe(SLOW_KILLS.length);
  });
});
