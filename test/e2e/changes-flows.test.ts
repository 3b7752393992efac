import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/clock.js';
import { startTestApp, type TestApp } from '../support/harness.js';
import { channels, people } from '../../devkit/workspace.js';

const MONDAY = '2026-03-02T09:30:00.000Z';
const HOUR = 3_600_000;
const sec = (ms: number) => Math.floor(ms / 1000);
type Person = { id: string; name: string };

async function request(t: TestApp, user: Person, values: Record<string, unknown> = {}) {
  await t.slack.command('/change', '', user);
  await t.settle();
  const opened = t.fake.lastView();
  const now = t.clock.now().getTime();
  const res = await t.slack.submitView(
    user,
    { id: opened.id, ...opened.view },
    {
      change_title: 'Rotate mail certificates',
      change_type: 'normal',
      change_services: ['Email'],
      change_risk: 'low',
      window_start: sec(now + HOUR),
      window_end: sec(now + 2 * HOUR),
      implementation_plan: 'Install new certs',
      rollback_plan: 'Restore old certs',
      ...values,
    },
  );
  await t.settle();
  return res;
}

const row = (t: TestApp, key = 'CHG-1') =>
  t.sb.db.selectFrom('changes').selectAll().where('key', '=', key).executeTakeFirstOrThrow();
async function click(
  t: TestApp,
  user: Person,
  action: string,
  id: number,
  where = { channel: channels.changes as string, ts: '1.1' },
) {
  await t.slack.blockAction(user, { action_id: action, value: String(id) }, where);
  await t.settle();
}
const lastResponse = (t: TestApp) => t.fake.responses.at(-1)?.body?.text as string | undefined;

describe('change flows', () => {
  let t: TestApp;
  afterEach(async () => {
    await t.stop();
  });

  it("requires an approval from the service's approver group on top of the CAB quorum", async () => {
    t = await startTestApp({
      clock: new FakeClock(MONDAY),
      settings: { changes: { approver_groups_by_service: { Email: [people.manager.id] } } },
    });
    await request(t, people.requester);
    const change = await row(t);
    // The service approver is asked too.
    expect(t.fake.messagesIn(people.manager.id).some((m) => m.text.includes('CHG-1'))).toBe(true);
    await click(t, people.approver, 'change.approve', change.id);
    expect(lastResponse(t)).toContain('still needs the Email approver group');
    expect((await row(t)).status).toBe('pending_approval');
    await click(t, people.manager, 'change.approve', change.id);
    expect((await row(t)).status).toBe('scheduled');
    const covers = await t.sb.db
      .selectFrom('change_approvals')
      .select(['approver_id', 'covers_services'])
      .orderBy('id')
      .execute();
    expect(covers).toEqual([
      { approver_id: people.approver.id, covers_services: '[]' },
      { approver_id: people.manager.id, covers_services: '["Email"]' },
    ]);
  });

  it('works out the risk from the questionnaire and asks for two approvals when it is high', async () => {
    t = await startTestApp({ clock: new FakeClock(MONDAY) });
    const missing = await request(t, people.requester, { change_risk: 'questionnaire' });
    expect(missing.body.response_action).toBe('errors');
    expect(Object.keys(missing.body.errors)).toContain('risk_tested');
    await request(t, people.requester, {
      change_risk: 'questionnaire',
      risk_impact: 'high',
      risk_blast_radius: 'company',
      risk_tested: 'yes',
      risk_rollback_ready: 'no',
    });
    expect(await row(t)).toMatchObject({ risk: 'high', required_approvals: 2 });
    expect(JSON.parse((await row(t)).risk_answers!)).toEqual({
      impact: 'high',
      blast_radius: 'company',
      tested: true,
      rollback_ready: false,
    });
  });

  it('validates the window inline: end after start, not in the past for a normal change', async () => {
    t = await startTestApp({ clock: new FakeClock(MONDAY) });
    const now = t.clock.now().getTime();
    const backwards = await request(t, people.requester, {
      window_start: sec(now + 2 * HOUR),
      window_end: sec(now + HOUR),
    });
    expect(backwards.body.errors.window_end).toContain('after the start');
    const past = await request(t, people.requester, { window_start: sec(now - 5 * HOUR), window_end: sec(now + HOUR) });
    expect(past.body.errors.window_start).toContain('past');
    expect(await t.sb.db.selectFrom('changes').selectAll().execute()).toHaveLength(0);
  });

  it('postpones from the window-start reminder: a new window sends a normal change back for approval', async () => {
    t = await startTestApp({ clock: new FakeClock(MONDAY) });
    await request(t, people.requester, { change_implementer: people.agent.id });
    const change = await row(t);
    await click(t, people.approver, 'change.approve', change.id);
    (t.clock as FakeClock).advance(HOUR);
    await t.sb.runner.sweep();
    await t.settle();
    const reminder = t.fake
      .messagesIn(people.agent.id)
      .find((m) => JSON.stringify(m.blocks ?? []).includes('change.postpone'))!;
    expect(reminder).toBeDefined();
    // Someone else cannot postpone it.
    await click(t, people.outsider, 'change.postpone', change.id);
    expect(lastResponse(t)).toContain('Only the implementer or requester');
    await click(t, people.agent, 'change.postpone', change.id, { channel: reminder.channel, ts: reminder.ts });
    const modal = t.fake.lastView();
    expect(modal.view.callback_id).toBe('change.postpone_window');
    const now = t.clock.now().getTime();
    await t.slack.submitView(
      people.agent,
      { id: modal.id, ...modal.view },
      { window_start: sec(now + 24 * HOUR), window_end: sec(now + 25 * HOUR), reason: 'Vendor delay' },
    );
    await t.settle();
    expect(await row(t)).toMatchObject({
      status: 'pending_approval',
      version: 2,
      postponed_count: 1,
      planned_start: now + 24 * HOUR,
    });
    const postponed = await t.sb.db
      .selectFrom('audit_log')
      .selectAll()
      .where('action', '=', 'change.postponed')
      .executeTakeFirstOrThrow();
    expect(postponed.detail).toContain('Vendor delay');
    // The old window's close-out request never fires.
    (t.clock as FakeClock).advance(3 * HOUR);
    await t.sb.runner.sweep();
    await t.settle();
    expect(
      t.fake.messagesIn(people.agent.id).filter((m) => JSON.stringify(m.blocks ?? []).includes('change.closeout')),
    ).toHaveLength(0);
  });

  it('posts a question to the change thread and tells the requester', async () => {
    t = await startTestApp({ clock: new FakeClock(MONDAY) });
    await request(t, people.requester);
    const change = await row(t);
    await click(t, people.approver, 'change.ask', change.id);
    const modal = t.fake.lastView();
    expect(modal.view.callback_id).toBe('change.question');
    await t.slack.submitView(
      people.approver,
      { id: modal.id, ...modal.view },
      { question: 'Is the <!channel> rollback tested?' },
    );
    await t.settle();
    const thread = t.fake.messagesIn(channels.changes).filter((m) => m.thread_ts);
    expect(thread.some((m) => m.text.includes('Is the &lt;!channel&gt; rollback tested?'))).toBe(true);
    expect(t.fake.messagesIn(people.requester.id).some((m) => m.text.includes('asks about CHG-1'))).toBe(true);
  });

  it('cancels by the requester only, and a stale approve after cancellation changes nothing', async () => {
    t = await startTestApp({ clock: new FakeClock(MONDAY) });
    await request(t, people.requester);
    const change = await row(t);
    await t.slack.command('/change', 'cancel CHG-1 not needed', people.outsider);
    await t.settle();
    expect(lastResponse(t)).toContain('Only the requester');
    await t.slack.command('/change', 'cancel CHG-1 not needed', people.requester);
    await t.settle();
    expect((await row(t)).status).toBe('cancelled');
    await click(t, people.approver, 'change.approve', change.id);
    expect(lastResponse(t)).toContain('no longer awaiting approval');
    expect(await t.sb.db.selectFrom('change_approvals').selectAll().execute()).toHaveLength(0);
    expect(
      await t.sb.db
        .selectFrom('due_items')
        .selectAll()
        .where('status', '=', 'pending')
        .where('record_type', '=', 'change')
        .execute(),
    ).toHaveLength(0);
  });
});
