import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/clock.js';
import { startTestApp, type TestApp } from '../support/harness.js';
import { channels, people } from '../../devkit/workspace.js';
import { FORM_DID_NOT_OPEN } from '../../commands/reply.js';

const MONDAY = '2026-03-02T09:30:00.000Z';
const HOUR = 3_600_000;
const sec = (ms: number) => Math.floor(ms / 1000);

const TEMPLATES = [
  {
    id: 'laptop-patches',
    title: 'Apply monthly OS patches to office laptops',
    services: ['Laptops'],
    risk: 'low',
    implementation_plan: 'Push the patch ring via MDM',
    rollback_plan: 'Uninstall the update via MDM',
    duration: '2h',
  },
];

async function start(settings: Record<string, any> = {}, at = MONDAY): Promise<TestApp> {
  return startTestApp({
    clock: new FakeClock(at),
    settings: { ...settings, changes: { standard_templates: TEMPLATES, ...(settings.changes ?? {}) } },
  });
}

interface RequestOptions {
  title?: string;
  type?: 'normal' | 'emergency';
  risk?: string;
  services?: string[];
  start?: number;
  end?: number;
  implementer?: string;
  plan?: string;
  override?: boolean;
  overrideReason?: string;
  extra?: Record<string, unknown>;
}

async function openRequest(t: TestApp, user: { id: string; name: string }, text = '') {
  await t.slack.command('/change', text, user);
  await t.settle();
  return t.fake.lastView();
}

async function request(t: TestApp, user: { id: string; name: string }, o: RequestOptions = {}) {
  const opened = await openRequest(t, user);
  const now = t.clock.now().getTime();
  const values: Record<string, unknown> = {
    change_title: o.title ?? 'Upgrade mail relay',
    change_description: 'Routine upgrade',
    change_type: o.type ?? 'normal',
    change_services: o.services ?? ['Email'],
    change_risk: o.risk ?? 'low',
    window_start: sec(o.start ?? now + 2 * HOUR),
    window_end: sec(o.end ?? now + 3 * HOUR),
    change_implementer: o.implementer ?? user.id,
    implementation_plan: o.plan ?? 'Drain, upgrade, restore',
    rollback_plan: 'Reinstall previous package',
    freeze_override: o.override ? ['override'] : [],
    freeze_override_reason: o.overrideReason ?? null,
    ...o.extra,
  };
  const res = await t.slack.submitView(user, { id: opened.id, ...opened.view }, values);
  await t.settle();
  return res;
}

async function changeRow(t: TestApp, key: string) {
  return t.sb.db.selectFrom('changes').selectAll().where('key', '=', key).executeTakeFirstOrThrow();
}

function post(t: TestApp, key: string) {
  const message = t.fake.messagesIn(channels.changes).find((m) => !m.thread_ts && m.text.startsWith(`${key}:`));
  if (!message) throw new Error(`no post for ${key}`);
  return message;
}

async function click(
  t: TestApp,
  user: { id: string; name: string },
  action: string,
  changeId: number,
  where: { channel: string; ts: string } = { channel: channels.changes, ts: '1.1' },
) {
  await t.slack.blockAction(user, { action_id: action, value: String(changeId) }, where);
  await t.settle();
}

const lastResponse = (t: TestApp) => t.fake.responses.at(-1)?.body?.text as string | undefined;
const dmTexts = (t: TestApp, userId: string) => t.fake.messagesIn(userId).map((m) => m.text);

describe('change management end to end', () => {
  let t: TestApp;
  afterEach(async () => {
    await t.stop();
  });

  it('approves a standard change from the catalog on submit, records and announces it', async () => {
    t = await start();
    const opened = await openRequest(t, people.requester, 'standard laptop-patches');
    expect(opened.view.callback_id).toBe('change.request');
    const res = await t.slack.submitView(people.requester, { id: opened.id, ...opened.view }, {});
    expect(res.body?.response_action).toBeUndefined();
    await t.settle();
    const change = await changeRow(t, 'CHG-1');
    expect(change).toMatchObject({
      type: 'standard',
      status: 'scheduled',
      template_id: 'laptop-patches',
      risk: 'low',
      required_approvals: 0,
    });
    expect(change.approved_at).toBe(new Date(MONDAY).getTime());
    const message = post(t, 'CHG-1');
    expect(JSON.stringify(message.blocks)).toContain('Pre-approved');
    expect(JSON.stringify(message.blocks)).not.toContain('change.approve');
    expect(dmTexts(t, people.approver.id)).toHaveLength(0);
    const actions = (
      await t.sb.db.selectFrom('audit_log').select('action').where('record_key', '=', 'CHG-1').execute()
    ).map((a) => a.action);
    expect(actions).toEqual(['change.requested', 'change.approved']);
  });

  it('picks a standard template from the picker and pre-fills the request', async () => {
    t = await start();
    const picker = await openRequest(t, people.requester, 'standard');
    expect(picker.view.callback_id).toBe('change.pick_template');
    const res = await t.slack.submitView(
      people.requester,
      { id: picker.id, ...picker.view },
      { standard_template: 'laptop-patches' },
    );
    expect(res.body.response_action).toBe('update');
    expect(JSON.stringify(res.body.view)).toContain('Push the patch ring via MDM');
  });

  it('needs two approvals for a high-risk normal change; refuses self-, implementer- and outsider approval; counts a double click once', async () => {
    t = await start();
    // approver2 requests (and is in the CAB); agent implements.
    await request(t, people.approver2, { risk: 'high', implementer: people.agent.id });
    const change = await changeRow(t, 'CHG-1');
    expect(change).toMatchObject({
      status: 'pending_approval',
      required_approvals: 2,
      implementer_id: people.agent.id,
    });
    expect(JSON.stringify(post(t, 'CHG-1').blocks)).toContain('change.approve');
    // Approvers are asked by DM with buttons, except the requester.
    expect(dmTexts(t, people.approver.id).some((x) => x.includes('CHG-1'))).toBe(true);
    expect(
      t.fake.messagesIn(people.approver2.id).some((m) => JSON.stringify(m.blocks ?? []).includes('change.approve')),
    ).toBe(false);

    await click(t, people.approver2, 'change.approve', change.id);
    expect(lastResponse(t)).toContain('segregation of duties');
    await click(t, people.agent, 'change.approve', change.id);
    expect(lastResponse(t)).toContain('implementer');
    await click(t, people.outsider, 'change.approve', change.id);
    expect(lastResponse(t)).toContain('Only change approvers');
    expect(await t.sb.db.selectFrom('change_approvals').selectAll().execute()).toHaveLength(0);
    const refused = await t.sb.db
      .selectFrom('audit_log')
      .selectAll()
      .where('action', '=', 'change.approval_refused')
      .execute();
    expect(refused.map((r) => r.actor_id)).toEqual([people.approver2.id, people.agent.id, people.outsider.id]);

    await click(t, people.approver, 'change.approve', change.id);
    expect(lastResponse(t)).toContain('1 of 2');
    await click(t, people.approver, 'change.approve', change.id);
    expect(lastResponse(t)).toContain('already');
    await t.settle();
    expect(await t.sb.db.selectFrom('change_approvals').selectAll().execute()).toHaveLength(1);
    expect((await changeRow(t, 'CHG-1')).status).toBe('pending_approval');
    expect(JSON.stringify(post(t, 'CHG-1').blocks)).toContain('1 of 2');

    // A second CAB member: approver2 is the requester, so add one.
    t.fake.setUsergroup('SCAB00001', [people.approver.id, people.approver2.id, people.manager.id]);
    (t.clock as FakeClock).advance(10 * 60_000); // past the role cache
    await click(t, people.manager, 'change.approve', change.id);
    await t.settle();
    const approved = await changeRow(t, 'CHG-1');
    expect(approved.status).toBe('scheduled');
    expect(approved.approved_at).not.toBeNull();
    expect(dmTexts(t, people.approver2.id).some((x) => x.includes('is approved'))).toBe(true);
    expect(JSON.stringify(post(t, 'CHG-1').blocks)).not.toContain('change.approve');
    // A late click on a stale button changes nothing.
    await click(t, people.approver2, 'change.approve', change.id);
    expect(lastResponse(t)).toContain('no longer awaiting approval');
  });

  it('rejects with a reason from a modal; the reason reaches the requester escaped', async () => {
    t = await start();
    await request(t, people.requester);
    const change = await changeRow(t, 'CHG-1');
    await click(t, people.approver, 'change.reject', change.id);
    await t.settle();
    const modal = t.fake.lastView();
    expect(modal.view.callback_id).toBe('change.reject_reason');
    const empty = await t.slack.submitView(people.approver, { id: modal.id, ...modal.view }, { reason: '' });
    expect(empty.body.response_action).toBe('errors');
    await t.slack.submitView(
      people.approver,
      { id: modal.id, ...modal.view },
      { reason: 'No rollback tested <!channel>' },
    );
    await t.settle();
    const rejected = await changeRow(t, 'CHG-1');
    expect(rejected.status).toBe('rejected');
    const dm = dmTexts(t, people.requester.id).find((x) => x.includes('rejected'))!;
    expect(dm).toContain('&lt;!channel&gt;');
    expect(dm).not.toContain('<!channel>');
    const approval = await t.sb.db.selectFrom('change_approvals').selectAll().executeTakeFirstOrThrow();
    expect(approval).toMatchObject({ decision: 'rejected', reason: 'No rollback tested <!channel>' });
  });

  it('names the freeze in the time zone the form showed the window in, not UTC', async () => {
    // A London requester in summer time: 09:00–17:00 UTC is 10:00–18:00 on her form.
    t = await start(
      {
        changes: {
          freeze_windows: [{ name: 'Payroll run', start: '2026-06-03T09:00:00Z', end: '2026-06-03T17:00:00Z' }],
        },
      },
      '2026-06-01T09:00:00.000Z',
    );
    t.fake.addUser(people.outsider.id, people.outsider.name, 'Europe/London');
    const at = new Date('2026-06-03T10:00:00Z').getTime();
    const refused = await request(t, people.outsider, { start: at, end: at + HOUR });
    expect(refused.body.response_action).toBe('errors');
    expect(refused.body.errors.window_start).toContain('Wed 3 Jun 10:00 – Wed 3 Jun 18:00 (Europe/London)');
    expect(refused.body.errors.window_start).not.toContain('UTC');
  });

  it('refuses a normal change inside a freeze, and lets an emergency through only with a recorded override', async () => {
    const now = new Date(MONDAY).getTime();
    t = await start({
      changes: {
        freeze_windows: [
          {
            name: 'Quarter close',
            start: new Date(now).toISOString(),
            end: new Date(now + 2 * 86_400_000).toISOString(),
          },
        ],
      },
    });
    const refused = await request(t, people.requester);
    expect(refused.body.response_action).toBe('errors');
    expect(refused.body.errors.window_start).toContain('Quarter close');
    expect(await t.sb.db.selectFrom('changes').selectAll().execute()).toHaveLength(0);

    const noOverride = await request(t, people.requester, { type: 'emergency', start: now, end: now + HOUR });
    expect(noOverride.body.errors.freeze_override).toContain('override');
    await request(t, people.requester, {
      type: 'emergency',
      start: now,
      end: now + HOUR,
      override: true,
      overrideReason: 'Mail down for everyone',
    });
    const change = await changeRow(t, 'CHG-1');
    expect(change).toMatchObject({
      type: 'emergency',
      status: 'pending_approval',
      freeze_override: 1,
      freeze_override_reason: 'Mail down for everyone',
      review_required: 1,
      required_approvals: 1,
    });
    expect(
      await t.sb.db.selectFrom('audit_log').select('action').where('action', '=', 'change.freeze_overridden').execute(),
    ).toHaveLength(1);
    expect(dmTexts(t, people.emergency.id).some((x) => x.includes('CHG-1'))).toBe(true);

    // A CAB member is not an emergency approver.
    await click(t, people.approver, 'change.approve', change.id);
    expect(lastResponse(t)).toContain('emergency approvers');
    await click(t, people.emergency, 'change.approve', change.id);
    await t.settle();
    expect((await changeRow(t, 'CHG-1')).status).toBe('scheduled');

    // Retrospective CAB review, recorded later.
    await t.slack.command('/change', 'review CHG-1 Justified; add monitoring', people.approver);
    await t.settle();
    const reviewed = await changeRow(t, 'CHG-1');
    expect(reviewed.reviewed_by).toBe(people.approver.id);
    expect(reviewed.review_note).toBe('Justified; add monitoring');
  });

  it('flags a conflict with another change on the same service to the requester and on the post', async () => {
    t = await start();
    await request(t, people.requester, { title: 'First' });
    const now = t.clock.now().getTime();
    await request(t, people.requester2, { title: 'Second', start: now + 2.5 * HOUR, end: now + 4 * HOUR });
    const warning = dmTexts(t, people.requester2.id).find((x) => x.includes('Conflict'));
    expect(warning).toContain('CHG-1');
    expect(JSON.stringify(post(t, 'CHG-2').blocks)).toContain('Conflict');
    expect(JSON.stringify(post(t, 'CHG-1').blocks)).toContain('CHG-2');
    // No conflict on a different service.
    await request(t, people.requester2, { title: 'Third', services: ['Printing'] });
    expect(JSON.stringify(post(t, 'CHG-3').blocks)).not.toContain('Conflict');
  });

  it('reminds the implementer at window start once, asks for close-out once at end + grace, chases until closed', async () => {
    t = await start({ changes: { closeout_grace: '2s', closeout_chase_every: '5s' } });
    const now = t.clock.now().getTime();
    const opened = await openRequest(t, people.requester, 'standard laptop-patches');
    await t.slack.submitView(
      people.requester,
      { id: opened.id, ...opened.view },
      { window_start: sec(now + 60_000), window_end: sec(now + 120_000), change_implementer: people.agent.id },
    );
    await t.settle();
    const change = await changeRow(t, 'CHG-1');
    const startDms = () =>
      t.fake.messagesIn(people.agent.id).filter((m) => JSON.stringify(m.blocks ?? []).includes('change.start'));
    const closeDms = () =>
      t.fake.messagesIn(people.agent.id).filter((m) => JSON.stringify(m.blocks ?? []).includes('change.closeout'));

    (t.clock as FakeClock).advance(59_000);
    await t.sb.runner.sweep();
    await t.settle();
    expect(startDms()).toHaveLength(0);
    (t.clock as FakeClock).advance(1_000);
    await t.sb.runner.sweep();
    await t.sb.runner.sweep();
    await t.settle();
    expect(startDms()).toHaveLength(1);
    expect(JSON.stringify(startDms()[0]!.blocks)).toContain('change.postpone');

    await click(t, people.agent, 'change.start', change.id, { channel: `D${people.agent.id}`, ts: startDms()[0]!.ts });
    await t.settle();
    expect((await changeRow(t, 'CHG-1')).status).toBe('in_progress');

    (t.clock as FakeClock).advance(61_000); // end + 1s: not yet
    await t.sb.runner.sweep();
    await t.settle();
    expect(closeDms()).toHaveLength(0);
    (t.clock as FakeClock).advance(1_000);
    await t.sb.runner.sweep();
    await t.sb.runner.sweep();
    await t.settle();
    expect(closeDms()).toHaveLength(1);

    (t.clock as FakeClock).advance(5_000);
    await t.sb.runner.sweep();
    await t.settle();
    expect(closeDms()).toHaveLength(2);
    expect(closeDms()[1]!.text).toContain('close-out');

    await click(t, people.agent, 'change.closeout', change.id, {
      channel: `D${people.agent.id}`,
      ts: closeDms()[1]!.ts,
    });
    await t.settle();
    const modal = t.fake.lastView();
    expect(modal.view.callback_id).toBe('change.closeout_form');
    const needsNote = await t.slack.submitView(
      people.agent,
      { id: modal.id, ...modal.view },
      { closeout_outcome: 'rolled_back' },
    );
    expect(needsNote.body.errors.closeout_notes).toBeDefined();
    await t.slack.submitView(
      people.agent,
      { id: modal.id, ...modal.view },
      { closeout_outcome: 'rolled_back', closeout_notes: 'Patch broke VPN client' },
    );
    await t.settle();
    expect(await changeRow(t, 'CHG-1')).toMatchObject({
      status: 'completed',
      outcome: 'rolled_back',
      closeout_notes: 'Patch broke VPN client',
    });

    (t.clock as FakeClock).advance(60_000);
    await t.sb.runner.sweep();
    await t.settle();
    expect(closeDms()).toHaveLength(2);
  });

  it('sends an approved change back for approval when its plan is edited', async () => {
    t = await start();
    await request(t, people.requester);
    const change = await changeRow(t, 'CHG-1');
    await click(t, people.approver, 'change.approve', change.id);
    await t.settle();
    expect((await changeRow(t, 'CHG-1')).status).toBe('scheduled');
    const asksBefore = dmTexts(t, people.approver2.id).length;

    const opened = await openRequest(t, people.requester, 'edit CHG-1');
    expect(opened.view.callback_id).toBe('change.request');
    await t.slack.submitView(
      people.requester,
      { id: opened.id, ...opened.view },
      { implementation_plan: 'Drain, upgrade, reboot twice, restore' },
    );
    await t.settle();
    const edited = await changeRow(t, 'CHG-1');
    expect(edited).toMatchObject({ status: 'pending_approval', version: 2, approved_at: null });
    expect(dmTexts(t, people.approver2.id).length).toBeGreaterThan(asksBefore);
    expect(JSON.stringify(post(t, 'CHG-1').blocks)).toContain('0 of 1');
    expect(
      await t.sb.db
        .selectFrom('audit_log')
        .select('action')
        .where('action', '=', 'change.sent_back_for_approval')
        .execute(),
    ).toHaveLength(1);

    await click(t, people.approver, 'change.approve', change.id);
    await t.settle();
    expect((await changeRow(t, 'CHG-1')).status).toBe('scheduled');
    expect(await t.sb.db.selectFrom('change_approvals').select('version').execute()).toEqual([
      { version: 1 },
      { version: 2 },
    ]);
  });

  it('reminds approvers after the configured business time and tells the requester', async () => {
    t = await start({ changes: { approval_reminder_after: '2h' } });
    await request(t, people.requester);
    (t.clock as FakeClock).advance(2 * HOUR - 1000);
    await t.sb.runner.sweep();
    await t.settle();
    expect(dmTexts(t, people.approver.id).filter((x) => x.includes('Reminder'))).toHaveLength(0);
    (t.clock as FakeClock).advance(1000);
    await t.sb.runner.sweep();
    await t.settle();
    expect(dmTexts(t, people.approver.id).filter((x) => x.includes('Reminder'))).toHaveLength(1);
    expect(dmTexts(t, people.requester.id).some((x) => x.includes('reminded'))).toBe(true);
  });

  it('counts the approval reminder in business hours: a Friday-afternoon request is reminded on Monday', async () => {
    t = await start({}, '2026-03-06T15:00:00.000Z');
    await request(t, people.requester);
    const due = await t.sb.db
      .selectFrom('due_items')
      .selectAll()
      .where('kind', '=', 'change.approval_reminder')
      .executeTakeFirstOrThrow();
    expect(new Date(due.due_at).toISOString()).toBe('2026-03-09T11:00:00.000Z');
  });

  it('tells the approver when Slack would not open the rejection form, and changes nothing', async () => {
    t = await start();
    await request(t, people.requester);
    const change = await changeRow(t, 'CHG-1');
    t.fake.failNext('views.open', { error: 'expired_trigger_id' });
    const before = t.fake.responses.length;
    await t.slack.blockAction(
      people.approver,
      { action_id: 'change.reject', value: String(change.id) },
      { channel: channels.changes, ts: '1.000001' },
    );
    await t.settle();
    expect(t.fake.responses.slice(before).map((r) => r.body.text)).toEqual([FORM_DID_NOT_OPEN]);
    expect((await changeRow(t, 'CHG-1')).status).toBe('pending_approval');
  });

  it('answers an App Home click with a DM and refuses there too', async () => {
    t = await start();
    await request(t, people.requester);
    const change = await changeRow(t, 'CHG-1');
    const payload = t.slack.blockActionPayload(
      people.outsider,
      { action_id: 'change.approve', value: String(change.id) },
      { view: { id: 'VHOME', type: 'home' } },
    );
    delete (payload as any).response_url;
    await t.slack.interactive(payload);
    await t.settle();
    expect(dmTexts(t, people.outsider.id).some((x) => x.includes('Only change approvers'))).toBe(true);
    const home = t.slack.blockActionPayload(
      people.approver,
      { action_id: 'change.approve', value: String(change.id) },
      { view: { id: 'VHOME', type: 'home' } },
    );
    delete (home as any).response_url;
    await t.slack.interactive(home);
    await t.settle();
    expect((await changeRow(t, 'CHG-1')).status).toBe('scheduled');
    expect(dmTexts(t, people.approver.id).some((x) => x.includes('You approved CHG-1'))).toBe(true);
  });

  it("shows the full record, the calendar by day in the viewer's zone, and links a change to an incident", async () => {
    t = await start({
      changes: {
        freeze_windows: [
          { name: 'Year end', start: '2026-03-05T00:00:00Z', end: '2026-03-06T00:00:00Z', services: ['Email'] },
        ],
      },
    });
    t.fake.addUser(people.outsider.id, people.outsider.name, 'America/New_York');
    await request(t, people.requester, { title: 'Relay upgrade', plan: 'Drain <!here> first' });
    await t.slack.command('/change', 'show chg-1', people.requester);
    await t.settle();
    const shown = JSON.stringify(t.fake.responses.at(-1)!.body.blocks);
    expect(shown).toContain('CHG-1');
    expect(shown).toContain('requested');
    expect(shown).toContain('Drain &lt;!here&gt; first');
    expect(shown).not.toContain('<!here>');

    await t.slack.command('/change', 'calendar 7', people.outsider);
    await t.settle();
    const calendar = JSON.stringify(t.fake.responses.at(-1)!.body.blocks);
    expect(calendar).toContain('America/New_York');
    expect(calendar).toContain('Mon 2 Mar');
    expect(calendar).toContain('06:30'); // 11:30 UTC in New York
    expect(calendar).toContain('Year end');

    const now = t.clock.now().getTime();
    await t.sb.db
      .insertInto('incidents')
      .values({
        key: 'INC-42',
        title: 'Mail bounces',
        severity: 'P2',
        status: 'investigating',
        impact: '',
        declared_by: people.agent.id,
        declared_at: now,
        updated_at: now,
      })
      .execute();
    await t.slack.command('/change', 'link CHG-1 INC-42', people.agent);
    await t.settle();
    expect(lastResponse(t)).toContain('linked');
    expect(await t.sb.db.selectFrom('change_incidents').selectAll().execute()).toHaveLength(1);
    await t.slack.command('/change', 'link CHG-1 INC-99', people.agent);
    await t.settle();
    expect(lastResponse(t)).toContain('no incident INC-99');
  });
});
