import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeSlack } from '../../devkit/fake-slack/server.js';
import { SlackRequests } from '../../devkit/slack-requests.js';
import { startTestApp, type TestApp } from '../support/harness.js';
import { people } from '../../devkit/workspace.js';
import { freePort, runEntryPoint, waitHealthy, type Child } from '../support/child.js';

/** Correctly signed bodies that are not what Slack sends: each is refused with 400, and nothing stops. */
const FORM = 'application/x-www-form-urlencoded';
const JSON_TYPE = 'application/json';
const SHAPES: [string, string, string][] = [
  ['payload=null', FORM, 'payload=null'],
  ['payload=[]', FORM, 'payload=%5B%5D'],
  ['payload=42', FORM, 'payload=42'],
  ['payload="text"', FORM, 'payload=%22text%22'],
  ['payload without a type', FORM, `payload=${encodeURIComponent('{"user":{"id":"U1"}}')}`],
  ['payload of truncated JSON', FORM, `payload=${encodeURIComponent('{"type":"block_actions","user":')}`],
  ['a form that is neither', FORM, 'hello=world'],
  ['JSON null', JSON_TYPE, 'null'],
  ['a JSON array', JSON_TYPE, '[{"type":"event_callback"}]'],
  ['a JSON number', JSON_TYPE, '42'],
  ['a JSON string', JSON_TYPE, '"event_callback"'],
  ['truncated JSON', JSON_TYPE, '{"type":"event_callback","event":{'],
  ['JSON without a type', JSON_TYPE, '{"event":{"type":"reaction_added"}}'],
  ['JSON with an empty type', JSON_TYPE, '{"type":""}'],
  ['an empty body', JSON_TYPE, ''],
];

describe('requests not shaped like Slack', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.stop());

  for (const [name, type, body] of SHAPES) {
    it(`${name}: 400, and the app still serves`, async () => {
      const res = await t.slack.post(body, type);
      expect(res.status).toBe(400);
      const health = await fetch(`${t.slack.appUrl}/healthz`);
      expect(health.status).toBe(200);
    });
  }

  it('a signed timestamp more than 5 minutes ahead is refused like a stale one; a valid command still works', async () => {
    const body = new URLSearchParams(t.slack.commandBody('/it-help', 'help', people.requester)).toString();
    const now = Math.floor(Date.now() / 1000);
    expect((await t.slack.post(body, FORM, { timestamp: now + 301 })).status).toBe(401);
    expect((await t.slack.post(body, FORM, { timestamp: now - 301 })).status).toBe(401);
    expect((await t.slack.post(body, FORM, { timestamp: now + 60 })).status).toBe(200);
    expect((await t.slack.command('/it-help', 'help', people.requester)).status).toBe(200);
  });
});

describe('the real entry point and bodies that used to stop it', () => {
  let dir: string;
  let fake: FakeSlack;
  let run: Child | undefined;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'switchboard-malformed-'));
    fake = await new FakeSlack().start();
  });
  afterAll(async () => {
    if (run?.alive()) run.child.kill('SIGKILL');
    await fake.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it(
    'payload=null and JSON null: 400 each, a log line each, the process alive and healthy',
    { timeout: 60_000 },
    async () => {
      const port = await freePort();
      const secret = 'malformed-secret';
      run = runEntryPoint({
        SLACK_BOT_TOKEN: 'xoxb-m',
        SLACK_SIGNING_SECRET: secret,
        SLACK_API_URL: fake.apiUrl,
        PORT: String(port),
        DATABASE_URL: `file:${join(dir, 'm.db')}`,
        LOG_LEVEL: 'warn',
      });
      await waitHealthy(run, port);
      const slack = new SlackRequests(`http://127.0.0.1:${port}`, secret, fake.baseUrl);
      for (const [body, type] of [
        ['payload=null', FORM],
        ['null', JSON_TYPE],
        ['[1,2]', JSON_TYPE],
        ['{"type":"event_callback"', JSON_TYPE],
      ] as const) {
        expect((await slack.post(body, type)).status, body).toBe(400);
      }
      await new Promise((r) => setTimeout(r, 200));
      expect(run.alive()).toBe(true);
      expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
      expect(run.stdout().match(/refused a request not shaped like Slack/g)).toHaveLength(4);
      run.child.kill('SIGTERM');
      expect((await run.exited).code).toBe(0);
    },
  );
});
