import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeSlack } from '../../devkit/fake-slack/server.js';
import { SlackRequests } from '../../devkit/slack-requests.js';
import { freePort, runEntryPoint, waitHealthy, waitUntil, type Child } from '../support/child.js';

/**
 * kill -9 while Slack is slow and posts are in flight: after a restart on the same database, every
 * owed post is in Slack exactly once (the ones Slack took before the kill are found by their metadata,
 * not sent again).
 */
const SECRET = 'crash-signing-secret';
const TRIAGE = 'CTRIAGE01';
const TICKETS = 40;
const REQUESTERS = Array.from({ length: 7 }, (_, i) => ({
  id: `UREQ${String(i + 1).padStart(4, '0')}`,
  name: `person${i + 1}`,
}));

describe('delivery survives kill -9', () => {
  let dir: string;
  let fake: FakeSlack;
  const children: Child[] = [];
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'switchboard-crash-'));
    fake = await new FakeSlack().start();
    fake.addChannel(TRIAGE, 'triage');
    for (const r of REQUESTERS) fake.addUser(r.id, r.name);
  });
  afterAll(async () => {
    for (const c of children) if (c.alive()) c.child.kill('SIGKILL');
    await fake.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it(
    'a burst of 40 tickets, killed three times mid-delivery, every triage post and DM reaches Slack once',
    { timeout: 120_000 },
    async () => {
      const config = join(dir, 'settings.yml');
      writeFileSync(
        config,
        `timezone: Europe/London\nchannels:\n  triage: ${TRIAGE}\nslack:\n  per_channel_rate: 100\n  per_channel_burst: 100\n`,
      );
      const dbPath = join(dir, 'switchboard.db');
      const port = await freePort();
      const env = {
        SLACK_BOT_TOKEN: 'xoxb-crash',
        SLACK_SIGNING_SECRET: SECRET,
        SLACK_API_URL: fake.apiUrl,
        PORT: String(port),
        DATABASE_URL: `file:${dbPath}`,
        ITOPS_CONFIG: config,
        LOG_LEVEL: 'warn',
      };
      const start = async () => {
        const run = runEntryPoint(env);
        children.push(run);
        await waitHealthy(run, port);
        return run;
      };
      const slack = new SlackRequests(`http://127.0.0.1:${port}`, SECRET, fake.baseUrl);

      let run = await start();
      await slack.command('/it-help', '', REQUESTERS[0]!);
      await waitUntil(() => fake.views.length > 0, 5000, 'the form opened');
      const form = fake.lastView();
      fake.answerSlowly(250, 300);
      // The burst: forty forms submitted at once by seven people.
      const acks = await Promise.all(
        Array.from({ length: TICKETS }, (_, i) =>
          slack.submitView(
            REQUESTERS[i % REQUESTERS.length]!,
            { id: `VCRASH${i}`, ...form.view },
            { summary: `Crash ticket ${i + 1}`, category: 'hardware' },
          ),
        ),
      );
      expect(acks.map((a) => a.status)).toEqual(Array(TICKETS).fill(200));
      const sqlite = new SQLite(dbPath, { readonly: true });
      const count = (sql: string) => (sqlite.prepare(sql).get() as { n: number }).n;
      try {
        await waitUntil(() => count('SELECT count(*) AS n FROM tickets') === TICKETS, 15_000, 'all tickets recorded');

        // Three kills, each while posts are in flight, at different stages of the delivery.
        const posted = () => fake.callsTo('chat.postMessage').length;
        for (const after of [4, 25, 45]) {
          await waitUntil(
            () => posted() >= after && fake.callsInFlight('chat.postMessage') >= 2,
            25_000,
            `posts in flight after ${after}`,
          );
          run.child.kill('SIGKILL');
          await run.exited;
          run = await start();
        }
        await waitUntil(
          () => count("SELECT count(*) AS n FROM outbox WHERE status = 'pending'") === 0,
          30_000,
          'everything delivered',
        ).catch((e) => {
          console.log(run.stderr().slice(-3000));
          console.log(
            sqlite
              .prepare(
                "SELECT id, method, lane, attempts, last_error, attempt_started_at, next_attempt_at FROM outbox WHERE status = 'pending' LIMIT 20",
              )
              .all(),
          );
          throw e;
        });
        expect(count("SELECT count(*) AS n FROM outbox WHERE status = 'failed'")).toBe(0);
      } finally {
        sqlite.close();
      }

      // Every triage post once, every requester's confirmation once.
      const triage = fake
        .messagesIn(TRIAGE)
        .filter((m) => !m.thread_ts)
        .map((m) => m.text.split(':')[0]);
      expect(triage.sort()).toEqual(Array.from({ length: TICKETS }, (_, i) => `IT-${i + 1}`).sort());
      for (const [i, r] of REQUESTERS.entries()) {
        const dms = fake.messagesIn(r.id).map((m) => /IT-\d+/.exec(m.text)?.[0]);
        const owed = Array.from({ length: TICKETS }, (_, n) => n).filter((n) => n % REQUESTERS.length === i);
        expect(dms.length, `${r.id} DMs`).toBe(owed.length);
        expect(new Set(dms).size).toBe(owed.length);
      }
      // The kills did hit posts Slack had taken: those were found in Slack rather than sent again.
      expect(
        fake.calls.filter(
          (c) =>
            (c.method === 'conversations.history' || c.method === 'conversations.replies') &&
            c.args.include_all_metadata,
        ).length,
      ).toBeGreaterThan(0);
      run.child.kill('SIGTERM');
      expect((await run.exited).code).toBe(0);
      fake.answerSlowly(undefined);
    },
  );
});
