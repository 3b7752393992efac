import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeSlack } from '../../devkit/fake-slack/server.js';
import { SlackRequests } from '../../devkit/slack-requests.js';
import { freePort, runEntryPoint, waitHealthy, waitUntil, type Child } from '../support/child.js';

/**
 * Socket Mode as Slack runs it: routine refreshes, warnings, a disabled link, dropped connections and an
 * apps.connections.open that fails. The real entry point reconnects every time, keeps handling
 * commands, reports the socket on /healthz, and never exits.
 */
const REQUESTER = { id: 'UREQ0001', name: 'rita' };

describe('Socket Mode reconnects', () => {
  let dir: string;
  let fake: FakeSlack;
  let run: Child | undefined;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'switchboard-socket-'));
    fake = await new FakeSlack().start();
    fake.addUser(REQUESTER.id, REQUESTER.name).addChannel('CGENERAL', 'general');
    fake.pingEvery(200);
  });
  afterAll(async () => {
    if (run?.alive()) run.child.kill('SIGKILL');
    await fake.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it(
    'after each kind of disconnect and a failing apps.connections.open, it reconnects and handles a command; the process stays up',
    { timeout: 90_000 },
    async () => {
      const port = await freePort();
      run = runEntryPoint({
        SLACK_BOT_TOKEN: 'xoxb-socket',
        SLACK_APP_TOKEN: 'xapp-1-socket',
        SLACK_API_URL: fake.apiUrl,
        PORT: String(port),
        DATABASE_URL: `file:${join(dir, 'sb.db')}`,
        LOG_LEVEL: 'warn',
      });
      await waitHealthy(run, port);
      const slack = new SlackRequests('http://unused', 'unused', fake.baseUrl);
      const opens = () => fake.calls.filter((c) => c.method === 'apps.connections.open').length;
      const health = async () => {
        const res = await fetch(`http://127.0.0.1:${port}/healthz`);
        return { status: res.status, body: (await res.json()) as Record<string, unknown> };
      };
      expect(await health()).toEqual({ status: 200, body: { ok: true, database: 'ok', socket: 'connected' } });

      const commandHandled = async (what: string) => {
        const views = fake.views.length;
        const ack = await fake.deliver(
          'slash_commands',
          slack.commandBody('/it-help', `after ${what}`, REQUESTER),
          10_000,
        );
        expect(ack, what).toEqual({});
        await waitUntil(() => fake.views.length > views, 10_000, `form opened after ${what}`);
        expect(fake.lastView().view.callback_id).toBe('ticket.file');
      };
      const reconnected = async (what: string, before: number) => {
        await waitUntil(() => opens() > before && fake.socketConnections === 1, 20_000, `reconnected after ${what}`);
        await waitUntil(async () => (await health()).status === 200, 10_000, `healthy after ${what}`);
      };

      await commandHandled('start');
      for (const reason of ['refresh_requested', 'warning', 'link_disabled'] as const) {
        const before = opens();
        fake.sendDisconnect(reason);
        await reconnected(reason, before);
        await commandHandled(reason);
      }

      let before = opens();
      fake.dropConnections();
      await reconnected('a dropped connection', before);
      await commandHandled('a dropped connection');

      // apps.connections.open answers 503 once on the way back.
      before = opens();
      fake.failNext('apps.connections.open', { status: 503 });
      fake.sendDisconnect('refresh_requested');
      await waitUntil(
        () => fake.calls.some((c) => c.method === 'apps.connections.open' && c.status === 503),
        10_000,
        'the 503',
      );
      await reconnected('a 503 from apps.connections.open', before + 1);
      await commandHandled('a 503 from apps.connections.open');

      // Slack refuses the connection for a while: /healthz says the socket is down, then up again.
      fake.failNext('apps.connections.open', { error: 'internal_error' }, 4);
      before = opens();
      fake.dropConnections();
      await waitUntil(async () => (await health()).status === 503, 10_000, '503 while the socket is down');
      expect((await health()).body).toMatchObject({ ok: false, socket: 'down', database: 'ok' });
      await reconnected('refused connections', before + 4);
      await commandHandled('refused connections');

      expect(run.alive()).toBe(true);
      expect(run.stderr()).not.toMatch(/unhandled|uncaught/i);
      run.child.kill('SIGTERM');
      expect((await run.exited).code).toBe(0);
    },
  );
});
