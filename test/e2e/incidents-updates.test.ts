import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clock.js';
import { startTestApp, type TestApp } from '../support/harness.js';
import { channels, groups, people } from '../../devkit/workspace.js';
import { ACTIONS, FIELDS } from '../../views/incidents/ids.js';
import { allText, declare, messageWithAction, waitFor } from './incidents-helpers.js';

const SEC = 1000;
const P1 = { label: 'Critical', description: 'Down for most people.', update_cadence: '20s', bridge: true };
const fast = {
  incidents: {
    severities: { P1 },
    overdue_grace: '5s',
    stakeholder_channels: [{ channel: channels.stakeholders, severities: ['P1'], services: [] }],
  },
};

async function tick(t: TestApp, ms: number) {
  (t.clock as any).advance(ms);
  // A sweep already running (the start-up catch-up, the cron tick) read the clock before the advance:
  // the second call starts a fresh one.
  await t.sb.runner.sweep();
  await t.sb.runner.sweep();
  await t.settle();
}

const reminders = (t: TestApp, where: string) =>
  t.fake.messagesIn(where).filter((m) => m.text.startsWith('A stakeholder update for'));
const escalations = (t: TestApp, where: string) =>
  t.fake.messagesIn(where).filter((m) => m.text.includes('is overdue'));
const updates = (t: TestApp, where: string) =>
  t.fake.messagesIn(where).filter((m) => m.text.startsWith('Update on') || m.text.includes('resolved:'));

describe('timed stakeholder updates', () => {
  let t: TestApp;
  afterEach(async () => {
    await t.stop();
  });

  it('reminds at the cadence, escalates when overdue, pre-fills the modal, fans out with threading, stops on resolve', async () => {
    t = await startTestApp({ settings: fast });
    const { channelId, incidentId } = await declare(t, people.commander, {
      title: 'SSO login failing',
      severity: 'P1',
      impact: 'Nobody can log in to SSO apps',
    });
    await t.slack.command('/incident', `role <@${people.agent2.id}|arnold> comms`, people.commander, channelId);
    const ann = messageWithAction(t, channels.incidents, ACTIONS.subscribe);
    await t.slack.blockAction(
      people.requester,
      { action_id: ACTIONS.subscribe, value: String(incidentId) },
      { channel: channels.incidents, ts: ann.ts },
    );
    await t.settle();

    // Not yet due.
    await tick(t, 19 * SEC);
    expect(reminders(t, channelId)).toHaveLength(0);
    // Due: the commander and comms lead are reminded in the channel and by DM, exactly once.
    await tick(t, 1 * SEC);
    await t.sb.runner.sweep();
    await t.settle();
    expect(reminders(t, channelId)).toHaveLength(1);
    expect(reminders(t, people.commander.id)).toHaveLength(1);
    expect(reminders(t, people.agent2.id)).toHaveLength(1);
    expect(allText(reminders(t, channelId))).toContain(ACTIONS.postUpdate);
    // Overdue by the grace: the incident managers are mentioned in the channel.
    expect(escalations(t, channelId)).toHaveLength(0);
    await tick(t, 5 * SEC);
    expect(escalations(t, channelId)).toHaveLength(1);
    expect(allText(escalations(t, channelId))).toContain(`<!subteam^${groups.managers}>`);
    const pinned = () => t.fake.message(channelId, t.fake.channels.get(channelId)!.pins[0]!)!;
    expect(allText([pinned()])).toContain('(overdue)');
    // Still nothing posted: reminded again one cadence after the first reminder.
    await tick(t, 15 * SEC);
    expect(reminders(t, channelId)).toHaveLength(2);

    // The comms lead opens the modal from the DM reminder: pre-filled.
    const dm = reminders(t, people.agent2.id).at(-1)!;
    await t.slack.blockAction(
      people.agent2,
      { action_id: ACTIONS.postUpdate, value: String(incidentId) },
      { channel: dm.channel, ts: dm.ts },
    );
    await waitFor(() => t.fake.views.some((v) => v.view.callback_id === 'incident.update'));
    const view = t.fake.lastView();
    const block = (id: string) => view.view.blocks.find((b: any) => b.block_id === id);
    expect(block(FIELDS.status).element.initial_option.value).toBe('investigating');
    expect(block(FIELDS.impact).element.initial_value).toBe('Nobody can log in to SSO apps');
    expect(block(FIELDS.nextUpdate).element.initial_option.value).toBe(String(20 * SEC));
    expect(block(FIELDS.audience).element.initial_option.value).toBe('all');
    // The commander moves the status (the comms lead may post updates, not change the status).
    await t.slack.command('/incident', 'status identified', people.commander, channelId);
    await t.settle();
    await t.slack.submitView(
      people.agent2,
      { id: view.id, ...view.view },
      {
        [FIELDS.status]: 'identified',
        [FIELDS.actions]: 'Rolling back the IdP <!here> certificate',
        [FIELDS.workaround]: 'Use the VPN portal',
      },
    );
    await t.settle();

    // Fan-out: incident channel top-level; incidents, stakeholders and executives threaded under their announcement; subscriber DM.
    expect(updates(t, channelId)).toHaveLength(1);
    for (const audience of [channels.incidents, channels.stakeholders, channels.executives]) {
      const head = t.fake.messagesIn(audience).find((m) => !m.thread_ts)!;
      const posted = updates(t, audience);
      expect(posted, audience).toHaveLength(1);
      expect(posted[0]!.thread_ts).toBe(head.ts);
    }
    expect(updates(t, people.requester.id)).toHaveLength(1);
    const text = allText(updates(t, channels.stakeholders));
    expect(text).toContain('Identified');
    expect(text).toContain('&lt;!here&gt;');
    expect(text).toContain('Use the VPN portal');
    const row = await t.sb.db
      .selectFrom('incidents')
      .selectAll()
      .where('id', '=', incidentId)
      .executeTakeFirstOrThrow();
    expect(row.status).toBe('identified');
    const first = await t.sb.db.selectFrom('incident_updates').selectAll().executeTakeFirstOrThrow();
    expect(first.on_time).toBe(0);
    expect(first.due_at).toBe(row.declared_at + 20 * SEC);
    // The pinned summary and topic show the next update time.
    expect(t.fake.channels.get(channelId)!.topic).toContain('Next update');
    expect(allText([pinned()])).not.toContain('(overdue)');

    // The next reminder comes a cadence after the update; an update before it is on time and threads again.
    await tick(t, 19 * SEC);
    expect(reminders(t, channelId)).toHaveLength(2);
    const summary = t.fake.message(channelId, t.fake.channels.get(channelId)!.pins[0]!)!;
    await t.slack.blockAction(
      people.commander,
      { action_id: ACTIONS.postUpdate, value: String(incidentId) },
      { channel: channelId, ts: summary.ts },
    );
    await waitFor(() => t.fake.views.filter((v) => v.view.callback_id === 'incident.update').length === 2);
    const second = t.fake.lastView();
    expect(second.view.blocks.find((b: any) => b.block_id === FIELDS.actions).element.initial_value).toContain(
      'Rolling back',
    );
    await t.slack.submitView(people.commander, { id: second.id, ...second.view }, {});
    await t.settle();
    expect(updates(t, channels.stakeholders)).toHaveLength(2);
    expect(updates(t, channels.stakeholders).every((m) => m.thread_ts)).toBe(true);
    const all = await t.sb.db.selectFrom('incident_updates').selectAll().orderBy('id').execute();
    expect(all.map((u) => u.on_time)).toEqual([0, 1]);

    // Resolve: reminders stop at once; every audience gets a final "resolved" update.
    await t.slack.command('/incident', 'resolve', people.commander, channelId);
    await waitFor(() => t.fake.views.some((v) => v.view.callback_id === 'incident.resolve'));
    const resolve = t.fake.lastView();
    await t.slack.submitView(
      people.commander,
      { id: resolve.id, ...resolve.view },
      { [FIELDS.resolution]: 'Certificate rolled back' },
    );
    await t.settle();
    for (const audience of [channels.incidents, channels.stakeholders, channels.executives, people.requester.id]) {
      expect(allText(t.fake.messagesIn(audience)), audience).toContain('INC-1 resolved');
    }
    const remindersBefore = reminders(t, channelId).length;
    const escalationsBefore = escalations(t, channelId).length;
    await tick(t, 60 * SEC);
    await tick(t, 60 * SEC);
    expect(reminders(t, channelId)).toHaveLength(remindersBefore);
    expect(escalations(t, channelId)).toHaveLength(escalationsBefore);
    const pending = await t.sb.db
      .selectFrom('due_items')
      .selectAll()
      .where('status', '=', 'pending')
      .where('record_type', '=', 'incident')
      .execute();
    expect(pending).toHaveLength(0);
    const audit = await t.sb.db
      .selectFrom('audit_log')
      .select('action')
      .where('record_type', '=', 'incident')
      .execute();
    expect(audit.map((a) => a.action)).toEqual(
      expect.arrayContaining([
        'incident.update_reminded',
        'incident.update_overdue_escalated',
        'incident.update_posted',
        'incident.resolved',
      ]),
    );
    const timeline = await t.sb.db.selectFrom('incident_timeline').select('kind').execute();
    expect(timeline.map((e) => e.kind)).toEqual(expect.arrayContaining(['reminder', 'escalation', 'update']));
  });

  it('reminds once after a restart, and once (not a burst) after downtime', async () => {
    t = await startTestApp({ settings: fast });
    const { channelId } = await declare(t, people.commander, { title: 'Network down in Leeds', severity: 'P1' });
    await t.restart();
    await tick(t, 20 * SEC);
    expect(reminders(t, channelId)).toHaveLength(1);
    // Down for ten cadences: one catch-up reminder on start, then the cadence resumes from then.
    await t.sb.stop();
    (t.clock as any).advance(200 * SEC);
    await t.restart().catch(() => undefined);
    await tick(t, 0);
    expect(reminders(t, channelId)).toHaveLength(2);
    await tick(t, 10 * SEC);
    expect(reminders(t, channelId)).toHaveLength(2);
    await tick(t, 10 * SEC);
    expect(reminders(t, channelId)).toHaveLength(3);
  });

  it('does not flood: a P1 with many subscribers is delivered through the paced outbox', async () => {
    t = await startTestApp({ settings: fast });
    const { channelId, incidentId } = await declare(t, people.commander, { title: 'Slack outage', severity: 'P1' });
    const subscribers = Array.from({ length: 30 }, (_, i) => `USUB${String(i).padStart(5, '0')}`);
    for (const id of subscribers) {
      t.fake.addUser(id);
      await t.slack.blockAction(
        { id },
        { action_id: ACTIONS.subscribe, value: String(incidentId) },
        { channel: channels.incidents, ts: '1.1' },
      );
    }
    // Slack answers 429 beyond ~1 message per second per channel; the sender backs off and retries.
    t.fake.failNext('chat.postMessage', { status: 429, retryAfter: 0 }, 3);
    const summary = t.fake.message(channelId, t.fake.channels.get(channelId)!.pins[0]!)!;
    await t.slack.blockAction(
      people.commander,
      { action_id: ACTIONS.postUpdate, value: String(incidentId) },
      { channel: channelId, ts: summary.ts },
    );
    await waitFor(() => t.fake.views.some((v) => v.view.callback_id === 'incident.update'));
    const view = t.fake.lastView();
    await t.slack.submitView(
      people.commander,
      { id: view.id, ...view.view },
      { [FIELDS.impact]: 'Nobody can use Slack', [FIELDS.actions]: 'Working with the vendor' },
    );
    await t.settle();
    await tick(t, 2 * SEC);
    for (const id of subscribers) expect(updates(t, id), id).toHaveLength(1);
    const dmRows = await t.sb.db
      .selectFrom('outbox')
      .select(['lane', 'method'])
      .where('lane', 'like', 'USUB%')
      .execute();
    expect(new Set(dmRows.map((r) => r.lane)).size).toBe(30);
    const failed = await t.sb.db.selectFrom('outbox').selectAll().where('status', '=', 'failed').execute();
    expect(failed).toHaveLength(0);
  });
});

describe('timed stakeholder updates in real time', () => {
  let t: TestApp;
  afterEach(async () => {
    await t.stop();
  });

  it('fires a 2-second cadence reminder from the running scheduler', async () => {
    t = await startTestApp({
      clock: systemClock,
      settings: {
        incidents: { severities: { P1: { ...P1, update_cadence: '2s' } } },
        jobs: { sweep_cron: '* * * * * *' },
      },
    });
    const { channelId } = await declare(t, people.commander, { title: 'Wi-Fi down in HQ', severity: 'P1' });
    const start = Date.now();
    await waitFor(() => reminders(t, channelId).length >= 1, 4500);
    expect(Date.now() - start).toBeGreaterThanOrEqual(1000);
    expect(reminders(t, people.commander.id).length).toBeGreaterThanOrEqual(1);
  }, 10_000);
});

describe('update reminders ahead of the due time', () => {
  let t: TestApp;
  afterEach(async () => {
    await t.stop();
  });
  const MIN = 60 * SEC;
  const realistic = {
    incidents: {
      severities: { P1: { ...P1, update_cadence: '30m' } },
      overdue_grace: '10m',
      update_reminder_lead: '5m',
    },
  };
  const headsUps = (t: TestApp, where: string) =>
    t.fake.messagesIn(where).filter((m) => m.text.startsWith('Heads-up: the next stakeholder update'));

  it('gives a heads-up the lead before the due time, then reminds at due, then escalates after the grace', async () => {
    t = await startTestApp({ settings: realistic });
    const { channelId, incidentId } = await declare(t, people.commander, { title: 'Email down', severity: 'P1' });
    await tick(t, 24 * MIN);
    expect(headsUps(t, channelId)).toHaveLength(0);
    await tick(t, 1 * MIN);
    expect(headsUps(t, channelId)).toHaveLength(1);
    expect(headsUps(t, people.commander.id)).toHaveLength(1);
    expect(headsUps(t, channelId)[0]!.text).toContain('due in 5m');
    expect(allText(headsUps(t, people.commander.id))).toContain(ACTIONS.postUpdate);
    expect(reminders(t, channelId)).toHaveLength(0);
    await tick(t, 5 * MIN);
    expect(reminders(t, channelId)).toHaveLength(1);
    expect(escalations(t, channelId)).toHaveLength(0);
    await tick(t, 10 * MIN);
    expect(escalations(t, channelId)).toHaveLength(1);
    expect(headsUps(t, channelId)).toHaveLength(1);
    const audit = await t.sb.db
      .selectFrom('audit_log')
      .select('action')
      .where('record_type', '=', 'incident')
      .execute();
    expect(audit.map((a) => a.action)).toContain('incident.update_heads_up');

    // The commander posts from the heads-up of the next cycle: on time.
    const summary = t.fake.message(channelId, t.fake.channels.get(channelId)!.pins[0]!)!;
    await t.slack.blockAction(
      people.commander,
      { action_id: ACTIONS.postUpdate, value: String(incidentId) },
      { channel: channelId, ts: summary.ts },
    );
    await waitFor(() => t.fake.views.some((v) => v.view.callback_id === 'incident.update'));
    let view = t.fake.lastView();
    await t.slack.submitView(
      people.commander,
      { id: view.id, ...view.view },
      { [FIELDS.impact]: 'No mail', [FIELDS.actions]: 'Failing over' },
    );
    await t.settle();
    await tick(t, 25 * MIN);
    expect(headsUps(t, channelId)).toHaveLength(2);
    const dm = headsUps(t, people.commander.id).at(-1)!;
    await t.slack.blockAction(
      people.commander,
      { action_id: ACTIONS.postUpdate, value: String(incidentId) },
      { channel: dm.channel, ts: dm.ts },
    );
    await waitFor(() => t.fake.views.filter((v) => v.view.callback_id === 'incident.update').length === 2);
    view = t.fake.lastView();
    await t.slack.submitView(people.commander, { id: view.id, ...view.view }, {});
    await t.settle();
    const posted = await t.sb.db.selectFrom('incident_updates').select('on_time').orderBy('id').execute();
    expect(posted.map((u) => u.on_time)).toEqual([0, 1]);
  });

  it('never gives more notice than half the cadence', async () => {
    t = await startTestApp({
      settings: { incidents: { severities: { P1: { ...P1, update_cadence: '4m' } }, update_reminder_lead: '5m' } },
    });
    const { channelId } = await declare(t, people.commander, { title: 'VPN down', severity: 'P1' });
    await tick(t, 1 * MIN + 59 * SEC);
    expect(headsUps(t, channelId)).toHaveLength(0);
    await tick(t, 1 * SEC);
    expect(headsUps(t, channelId)).toHaveLength(1);
    expect(headsUps(t, channelId)[0]!.text).toContain('due in 2m');
  });

  it('keeps the next-update time the commander chose when the severity is lowered', async () => {
    t = await startTestApp({ settings: realistic });
    const { channelId, incidentId } = await declare(t, people.commander, { title: 'Wi-Fi flaky', severity: 'P1' });
    const summary = t.fake.message(channelId, t.fake.channels.get(channelId)!.pins[0]!)!;
    await t.slack.blockAction(
      people.commander,
      { action_id: ACTIONS.postUpdate, value: String(incidentId) },
      { channel: channelId, ts: summary.ts },
    );
    await waitFor(() => t.fake.views.some((v) => v.view.callback_id === 'incident.update'));
    const view = t.fake.lastView();
    await t.slack.submitView(
      people.commander,
      { id: view.id, ...view.view },
      {
        [FIELDS.impact]: 'Some floors',
        [FIELDS.actions]: 'Replacing an access point',
        [FIELDS.nextUpdate]: String(2 * 60 * MIN),
      },
    );
    await t.settle();
    const chosen = (
      await t.sb.db
        .selectFrom('incidents')
        .select('next_update_due_at')
        .where('id', '=', incidentId)
        .executeTakeFirstOrThrow()
    ).next_update_due_at;
    expect(chosen).toBe(t.clock.now().getTime() + 2 * 60 * MIN);
    await t.slack.command('/incident', 'severity P2', people.commander, channelId);
    await t.settle();
    const after = await t.sb.db
      .selectFrom('incidents')
      .select(['severity', 'next_update_due_at'])
      .where('id', '=', incidentId)
      .executeTakeFirstOrThrow();
    expect(after).toEqual({ severity: 'P2', next_update_due_at: chosen });
    // No reminder before the chosen time.
    await tick(t, 60 * MIN);
    expect(reminders(t, channelId)).toHaveLength(0);
  });
});
