import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/harness.js';
import { people } from '../../devkit/workspace.js';
import { signature } from '../../devkit/slack-requests.js';

describe('the running app', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await startTestApp();
  });
  afterEach(async () => {
    await t.stop();
  });

  it('serves /healthz while the database is usable', async () => {
    const res = await fetch(`${t.slack.appUrl}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true, database: 'ok' });
  });

  it('checks its token with auth.test at start-up', () => {
    expect(t.fake.callsTo('auth.test')).toHaveLength(1);
  });

  it('rejects a forged signature and posts nothing', async () => {
    const before = t.fake.calls.length;
    const res = await t.slack.command('/it-help', 'printer', people.requester, 'CGENERAL', {
      signature: 'v0=' + '0'.repeat(64),
    });
    expect(res.status).toBe(401);
    await t.settle();
    expect(t.fake.calls.length).toBe(before);
  });

  it('rejects a stale timestamp even when correctly signed', async () => {
    const stale = Math.floor(Date.now() / 1000) - 6 * 60;
    const body = new URLSearchParams(t.slack.commandBody('/it-help', 'x', people.requester)).toString();
    const res = await t.slack.post(body, 'application/x-www-form-urlencoded', {
      timestamp: stale,
      signature: signature(t.slack.secret, stale, body),
    });
    expect(res.status).toBe(401);
  });
});

describe('when a listener fails', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await startTestApp();
  });
  afterEach(async () => {
    await t.stop();
  });

  it('still acks and tells the person, instead of a Slack timeout', async () => {
    // A database that has gone away is the realistic failure: every use case throws.
    await t.sb.db.schema.dropTable('ticket_drafts').execute();
    await t.sb.db.schema.alterTable('tickets').renameTo('tickets_gone').execute();
    const res = await t.slack.command('/it-help', 'list', people.requester);
    expect(res.status).toBe(200);
    await t.settle();
    expect(t.fake.responses.at(-1)?.body.text).toMatch(/something went wrong/);
  });
});
