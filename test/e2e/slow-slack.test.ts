import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/clock.js';
import { TRIGGER_TTL_MS, type RecordedCall } from '../../devkit/fake-slack/server.js';
import { startTestApp, type TestApp } from '../support/harness.js';
import { channels, people } from '../../devkit/workspace.js';
import { declare, waitFor } from './incidents-helpers.js';
import { FIELDS } from '../../views/incidents/ids.js';
import { FORM_DID_NOT_OPEN } from '../../commands/reply.js';

/**
 * Slack allows 3 seconds for an ack and for views.open after the trigger. With Slack answering every
 * call in 1–1.5 s, nothing slow may come first: forms open at once, submissions are recorded and
 * acknowledged at once, and the look-ups (user groups, names, time zones) happen afterwards.
 */
const MONDAY = '2026-03-02T09:30:00.000Z';
const HOUR = 3_600_000;
const sec = (ms: number) => Math.floor(ms / 1000);
const EMAIL_APPROVERS = 'SEMAILAP1';
const VPN_APPROVERS = 'SVPNAPPR1';

const issuedAt = (triggerId: string) => Number(/^\d+\.(\d{13})\./.exec(triggerId)![1]);

function changeValues(t: TestApp, user: string, title = 'Upgrade mail relay') {
  const now = t.clock.now().getTime();
  return {
    change_title: title,
    change_description: 'Routine upgrade',
    change_type: 'normal',
    change_services: ['Email', 'Network / VPN'],
    change_risk: 'low',
    window_start: sec(now + 2 * HOUR),
    window_end: sec(now + 3 * HOUR),
    change_implementer: user,
    implementation_plan: 'Drain, upgrade, restore',
    rollback_plan: 'Reinstall previous package',
    freeze_override: [],
    freeze_override_reason: null,
  };
}

async function timed<T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = Date.now();
  const value = await work();
  return { value, ms: Date.now() - started };
}

const LATENCY = { minMs: 1000, maxMs: 1500 };

/**
 * The views.open for a trigger: accepted by Slack (within the trigger's 3 seconds), and sent before any
 * other Slack call could have been answered, so no look-up came first.
 */
function expectOpenedInTime(call: RecordedCall | undefined) {
  expect(call, 'views.open was called').toBeDefined();
  expect(call!.answer).toMatchObject({ ok: true });
  const delay = call!.arrivedAt - issuedAt(String(call!.args.trigger_id));
  expect(delay).toBeLessThan(TRIGGER_TTL_MS);
  expect(delay).toBeLessThan(LATENCY.minMs);
}

const approvalDms = (t: TestApp, user: string, key: string) =>
  t.fake
    .messagesIn(user)
    .filter((m) => m.text.includes(key) && JSON.stringify(m.blocks ?? []).includes('change.approve'));

describe('a slow Slack never makes a form late', () => {
  let t: TestApp;
  afterEach(() => t.stop());

  async function start() {
    t = await startTestApp({
      clock: new FakeClock(MONDAY),
      settings: {
        changes: { approver_groups_by_service: { Email: [EMAIL_APPROVERS], 'Network / VPN': [VPN_APPROVERS] } },
      },
    });
    t.fake.setUsergroup(EMAIL_APPROVERS, [people.agent.id]);
    t.fake.setUsergroup(VPN_APPROVERS, [people.agent2.id]);
  }

  it(
    'the change form opens within the trigger, its submission is acknowledged within 3 s, and it records one change whose approvers are asked once',
    { timeout: 40_000 },
    async () => {
      await start();
      t.fake.answerSlowly(LATENCY.minMs, LATENCY.maxMs);

      const command = await timed(() => t.slack.command('/change', '', people.requester));
      expect(command.value.status).toBe(200);
      expect(command.ms).toBeLessThan(3000);
      await waitFor(() => t.fake.calls.some((c) => c.method === 'views.open'), 10_000);
      expectOpenedInTime(t.fake.calls.find((c) => c.method === 'views.open'));
      const opened = t.fake.lastView();

      const submitted = await timed(() =>
        t.slack.submitView(people.requester, { id: opened.id, ...opened.view }, changeValues(t, people.requester.id)),
      );
      expect(submitted.value.status).toBe(200);
      expect(submitted.value.body?.errors).toBeUndefined();
      expect(submitted.ms).toBeLessThan(3000);

      // Afterwards, at Slack's pace: the CAB and both service groups are looked up and asked, once each.
      await waitFor(
        () =>
          [people.approver, people.approver2, people.agent, people.agent2].every(
            (p) => approvalDms(t, p.id, 'CHG-1').length === 1,
          ),
        30_000,
      );
      const changes = await t.sb.db.selectFrom('changes').select(['key', 'status']).execute();
      expect(changes).toEqual([{ key: 'CHG-1', status: 'pending_approval' }]);
      // Nobody was told the form failed.
      expect(
        t.fake
          .messagesIn(people.requester.id)
          .filter((m) => /did not go through|went wrong/.test(m.text) || m.text === FORM_DID_NOT_OPEN),
      ).toHaveLength(0);
      expect(t.fake.responses.filter((r) => r.body?.text === FORM_DID_NOT_OPEN)).toHaveLength(0);
    },
  );

  it(
    '/incident update opens the form within the trigger and records one update acknowledged within 3 s, for the commander and for an incident manager',
    { timeout: 40_000 },
    async () => {
      await start();
      const { channelId, incidentId } = await declare(t, people.commander, {
        title: 'Mail delayed',
        severity: 'P2',
        impact: 'Mail takes an hour',
      });
      t.fake.answerSlowly(LATENCY.minMs, LATENCY.maxMs);

      for (const [n, who] of [people.commander, people.manager].entries()) {
        const opensBefore = t.fake.calls.filter((c) => c.method === 'views.open').length;
        const command = await timed(() => t.slack.command('/incident', 'update', who, channelId));
        expect(command.ms).toBeLessThan(3000);
        await waitFor(() => t.fake.calls.filter((c) => c.method === 'views.open').length > opensBefore, 10_000);
        const call = t.fake.calls.filter((c) => c.method === 'views.open').at(-1);
        expectOpenedInTime(call);
        const opened = t.fake.lastView();
        const submitted = await timed(() =>
          t.slack.submitView(
            who,
            { id: opened.id, ...opened.view },
            { [FIELDS.impact]: `Mail takes an hour (update ${n + 1})`, [FIELDS.actions]: 'Draining the queue' },
          ),
        );
        expect(submitted.value.body?.errors).toBeUndefined();
        expect(submitted.ms).toBeLessThan(3000);
      }
      const updates = await t.sb.db
        .selectFrom('incident_updates')
        .select('impact')
        .where('incident_id', '=', incidentId)
        .orderBy('id')
        .execute();
      expect(updates.map((u) => u.impact)).toEqual(['Mail takes an hour (update 1)', 'Mail takes an hour (update 2)']);
    },
  );

  it(
    '/incident update by someone who may not post updates opens at once and then says so, recording nothing',
    { timeout: 40_000 },
    async () => {
      await start();
      const { channelId, incidentId } = await declare(t, people.commander, {
        title: 'Printers offline',
        severity: 'P3',
      });
      t.fake.answerSlowly(LATENCY.minMs, LATENCY.maxMs);
      await t.slack.command('/incident', 'update', people.outsider, channelId);
      await waitFor(() => t.fake.calls.some((c) => c.method === 'views.update' && c.answer.ok), 15_000);
      expectOpenedInTime(t.fake.calls.filter((c) => c.method === 'views.open').at(-1));
      const notice = t.fake.calls.filter((c) => c.method === 'views.update').at(-1)!.args.view;
      expect(JSON.stringify(notice.blocks)).toContain('can post updates');
      expect(notice.submit).toBeUndefined();
      expect(
        await t.sb.db.selectFrom('incident_updates').select('id').where('incident_id', '=', incidentId).execute(),
      ).toHaveLength(0);
    },
  );
});

describe('a form submitted twice records once', () => {
  let t: TestApp;
  afterEach(() => t.stop());

  it('the change form submitted twice at once and again later creates one change, one post and one confirmation', async () => {
    t = await startTestApp({ clock: new FakeClock(MONDAY) });
    await t.slack.command('/change', '', people.requester);
    await t.settle();
    const opened = t.fake.lastView();
    const view = { id: opened.id, ...opened.view };
    const values = changeValues(t, people.requester.id, 'Rotate TLS certificates');
    const [a, b] = await Promise.all([
      t.slack.submitView(people.requester, view, values),
      t.slack.submitView(people.requester, view, values),
    ]);
    expect([a.status, b.status]).toEqual([200, 200]);
    await t.settle();
    const later = await t.slack.submitView(people.requester, view, values);
    expect(later.body?.errors).toBeUndefined();
    await t.settle();

    expect(await t.sb.db.selectFrom('changes').select('key').execute()).toEqual([{ key: 'CHG-1' }]);
    expect(
      t.fake.messagesIn(channels.changes).filter((m) => !m.thread_ts && m.text.includes('Rotate TLS certificates')),
    ).toHaveLength(1);
    expect(
      t.fake.messagesIn(people.requester.id).filter((m) => m.text.includes('CHG-1') && m.text.includes('submitted')),
    ).toHaveLength(1);
    expect(approvalDms(t, people.approver.id, 'CHG-1')).toHaveLength(1);
    expect(
      await t.sb.db.selectFrom('audit_log').select('id').where('action', '=', 'change.requested').execute(),
    ).toHaveLength(1);
  });

  it('a corrected resubmission after an inline error is not mistaken for a double submission', async () => {
    t = await startTestApp({ clock: new FakeClock(MONDAY) });
    await t.slack.command('/change', '', people.requester);
    await t.settle();
    const opened = t.fake.lastView();
    const view = { id: opened.id, ...opened.view };
    const now = t.clock.now().getTime();
    const refused = await t.slack.submitView(people.requester, view, {
      ...changeValues(t, people.requester.id),
      window_start: sec(now - HOUR),
      window_end: sec(now + HOUR),
    });
    expect(refused.body?.errors).toBeDefined();
    const fixed = await t.slack.submitView(people.requester, view, changeValues(t, people.requester.id));
    expect(fixed.body?.errors).toBeUndefined();
    await t.settle();
    expect(await t.sb.db.selectFrom('changes').select('key').execute()).toEqual([{ key: 'CHG-1' }]);
  });
});

describe('the change Reject form opens before the approver look-ups', () => {
  let t: TestApp;
  afterEach(() => t.stop());

  /** Four services, each with its own approver group: with the CAB and ECAB, six user groups to look up. */
  const SERVICE_GROUPS = {
    Email: 'SEMAILAP1',
    'Network / VPN': 'SVPNAPPR1',
    Laptops: 'SLAPTOPS1',
    Printing: 'SPRINTRS1',
  };
  const LOOKUP_MS = 1000;

  async function pendingChange(): Promise<{ id: number; clock: FakeClock }> {
    const clock = new FakeClock(MONDAY);
    t = await startTestApp({
      clock,
      settings: {
        changes: {
          approver_groups_by_service: Object.fromEntries(Object.entries(SERVICE_GROUPS).map(([s, g]) => [s, [g]])),
        },
      },
    });
    for (const group of Object.values(SERVICE_GROUPS)) t.fake.setUsergroup(group, [people.agent.id]);
    await t.slack.command('/change', '', people.requester);
    await t.settle();
    const opened = t.fake.lastView();
    await t.slack.submitView(people.requester, { id: opened.id, ...opened.view }, changeValues(t, people.requester.id));
    await t.settle();
    const change = await t.sb.db.selectFrom('changes').select(['id', 'status']).executeTakeFirstOrThrow();
    expect(change.status).toBe('pending_approval');
    // Past the role cache: the click has to ask Slack about every group again, each answer taking a second.
    clock.advance(10 * 60_000);
    t.fake.failNext('usergroups.users.list', { delayMs: LOOKUP_MS }, 100);
    return { id: change.id, clock };
  }

  const rejectClick = (who: { id: string; name: string }, changeId: number) =>
    timed(() =>
      t.slack.blockAction(
        who,
        { action_id: 'change.reject', value: String(changeId) },
        { channel: channels.changes, ts: '1.000001' },
      ),
    );

  it(
    "an approver's Reject opens the reason form within the trigger and the rejection is recorded",
    { timeout: 40_000 },
    async () => {
      const change = await pendingChange();
      const opensBefore = t.fake.calls.filter((c) => c.method === 'views.open').length;
      const click = await rejectClick(people.approver, change.id);
      expect(click.ms).toBeLessThan(3000);
      await waitFor(() => t.fake.calls.filter((c) => c.method === 'views.open').length > opensBefore, 10_000);
      const open = t.fake.calls.filter((c) => c.method === 'views.open').at(-1)!;
      expect(open.answer).toMatchObject({ ok: true });
      expect(open.arrivedAt - issuedAt(String(open.args.trigger_id))).toBeLessThan(LOOKUP_MS);
      // The look-ups run side by side: all six are answered in about one look-up's time.
      const lookups = () =>
        t.fake.calls.filter((c) => c.method === 'usergroups.users.list' && c.arrivedAt >= open.arrivedAt);
      await waitFor(() => lookups().length >= 6, 10_000);
      await t.fake.idle();
      expect(Math.max(...lookups().map((c) => c.at)) - Math.min(...lookups().map((c) => c.arrivedAt))).toBeLessThan(
        2 * LOOKUP_MS,
      );

      const form = t.fake.lastView();
      expect(form.view.callback_id).toBe('change.reject_reason');
      const submitted = await timed(() =>
        t.slack.submitView(people.approver, { id: form.id, ...form.view }, { reason: 'No rollback tested' }),
      );
      expect(submitted.value.body?.errors).toBeUndefined();
      expect(submitted.ms).toBeLessThan(3000);
      await t.settle();
      expect(
        await t.sb.db.selectFrom('changes').select('status').where('id', '=', change.id).executeTakeFirstOrThrow(),
      ).toEqual({ status: 'rejected' });
      expect(await t.sb.db.selectFrom('change_approvals').select(['approver_id', 'decision']).execute()).toEqual([
        { approver_id: people.approver.id, decision: 'rejected' },
      ]);
    },
  );

  it(
    'someone who may not reject sees the form open at once and then replaced by the refusal; nothing is recorded',
    { timeout: 40_000 },
    async () => {
      const change = await pendingChange();
      await rejectClick(people.outsider, change.id);
      await waitFor(() => t.fake.calls.some((c) => c.method === 'views.update' && c.answer.ok), 15_000);
      const open = t.fake.calls.filter((c) => c.method === 'views.open').at(-1)!;
      expect(open.answer).toMatchObject({ ok: true });
      expect(open.arrivedAt - issuedAt(String(open.args.trigger_id))).toBeLessThan(LOOKUP_MS);
      const notice = t.fake.calls.filter((c) => c.method === 'views.update').at(-1)!.args.view;
      expect(JSON.stringify(notice.blocks)).toMatch(/not an approver|Only/i);
      expect(notice.submit).toBeUndefined();
      await t.settle();
      expect(
        await t.sb.db.selectFrom('changes').select('status').where('id', '=', change.id).executeTakeFirstOrThrow(),
      ).toEqual({ status: 'pending_approval' });
      expect(await t.sb.db.selectFrom('change_approvals').selectAll().execute()).toEqual([]);
      expect(
        await t.sb.db.selectFrom('audit_log').select('action').where('actor_id', '=', people.outsider.id).execute(),
      ).toEqual([{ action: 'change.approval_refused' }]);
    },
  );
});
