import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/harness.js';
import { people } from '../../devkit/workspace.js';

/** Events API deliveries: Slack retries (X-Slack-Retry-Num) carry the same event_id and must act once. */
describe('Events API idempotency', () => {
  let t: TestApp;
  let seen: { user: string; eventId: string | undefined; retryNum: number | undefined }[];

  beforeEach(async () => {
    t = await startTestApp();
    seen = [];
    // A probe listener, registered on the running app, counts what reaches listeners.
    t.sb.app.event('app_home_opened', async ({ event, body, context }) => {
      seen.push({ user: event.user, eventId: (body as { event_id?: string }).event_id, retryNum: context.retryNum });
    });
  });
  afterEach(async () => {
    await t.stop();
  });

  async function until(condition: () => boolean, what: string): Promise<void> {
    for (let i = 0; i < 200; i++) {
      if (condition()) return;
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error(`timed out waiting for ${what}`);
  }

  const homeOpened = (user: string) => ({ type: 'app_home_opened', user, channel: `D${user}`, tab: 'home' });

  it('a retried delivery of the same event reaches listeners once', async () => {
    const first = await t.slack.event(homeOpened(people.requester.id), { eventId: 'Ev0001DUP' });
    expect(first.status).toBe(200);
    await until(() => seen.length === 1, 'the first delivery');

    const retry = await t.slack.event(homeOpened(people.requester.id), { eventId: 'Ev0001DUP', retryNum: 1 });
    expect(retry.status).toBe(200);
    const retry2 = await t.slack.event(homeOpened(people.requester.id), { eventId: 'Ev0001DUP', retryNum: 2 });
    expect(retry2.status).toBe(200);

    // A different event afterwards is handled: once it has arrived, the retries were decided too.
    await t.slack.event(homeOpened(people.agent.id), { eventId: 'Ev0002' });
    await until(() => seen.length === 2, 'the sentinel event');
    await t.settle();

    expect(seen).toEqual([
      { user: people.requester.id, eventId: 'Ev0001DUP', retryNum: undefined },
      { user: people.agent.id, eventId: 'Ev0002', retryNum: undefined },
    ]);
    const receipts = await t.sb.db.selectFrom('inbox').select(['key', 'kind', 'processed_at']).orderBy('key').execute();
    expect(receipts.map((r) => [r.key, r.kind, r.processed_at !== null])).toEqual([
      ['event:Ev0001DUP', 'event', true],
      ['event:Ev0002', 'event', true],
    ]);
  });

  it('a retry whose first delivery never arrived is handled (once)', async () => {
    await t.slack.event(homeOpened(people.agent2.id), { eventId: 'Ev0003LOST', retryNum: 1 });
    await until(() => seen.length === 1, 'the retry');
    await t.slack.event(homeOpened(people.agent2.id), { eventId: 'Ev0003LOST', retryNum: 2 });
    await t.slack.event(homeOpened(people.agent.id), { eventId: 'Ev0004' });
    await until(() => seen.length === 2, 'the sentinel event');
    expect(seen.map((s) => [s.eventId, s.retryNum])).toEqual([
      ['Ev0003LOST', 1],
      ['Ev0004', undefined],
    ]);
  });

  it('the same event delivered twice at the same moment is still handled once', async () => {
    const [a, b] = await Promise.all([
      t.slack.event(homeOpened(people.requester2.id), { eventId: 'Ev0005RACE' }),
      t.slack.event(homeOpened(people.requester2.id), { eventId: 'Ev0005RACE', retryNum: 1 }),
    ]);
    expect([a.status, b.status]).toEqual([200, 200]);
    await t.slack.event(homeOpened(people.agent.id), { eventId: 'Ev0006' });
    await until(() => seen.some((s) => s.eventId === 'Ev0006'), 'the sentinel event');
    await t.settle();
    expect(seen.filter((s) => s.eventId === 'Ev0005RACE')).toHaveLength(1);
  });

  it('distinct events are not mistaken for duplicates', async () => {
    for (let i = 0; i < 5; i++) await t.slack.event(homeOpened(people.requester.id), { eventId: `Ev1${i}` });
    await until(() => seen.length === 5, 'five events');
    await t.settle();
    expect(seen.map((s) => s.eventId)).toEqual(['Ev10', 'Ev11', 'Ev12', 'Ev13', 'Ev14']);
  });

  it('an unsigned event is refused and reaches no listener', async () => {
    const body = JSON.stringify(t.slack.eventEnvelope(homeOpened(people.requester.id), 'Ev0007FORGED'));
    const res = await t.slack.post(body, 'application/json', { signature: 'v0=' + 'f'.repeat(64) });
    expect(res.status).toBe(401);
    await t.slack.event(homeOpened(people.agent.id), { eventId: 'Ev0008' });
    await until(() => seen.length === 1, 'the sentinel event');
    expect(seen.map((s) => s.eventId)).toEqual(['Ev0008']);
    // The forged delivery left no receipt that would swallow the real one later.
    const real = await t.slack.event(homeOpened(people.requester.id), { eventId: 'Ev0007FORGED' });
    expect(real.status).toBe(200);
    await until(() => seen.length === 2, 'the real delivery');
  });
});
