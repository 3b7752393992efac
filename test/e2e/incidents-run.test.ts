import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/harness.js';
import { channels, groups, people } from '../../devkit/workspace.js';
import { ACTIONS, FIELDS } from '../../views/incidents/ids.js';
import { allText, blockIdOf, declare, messageWithAction, waitFor } from './incidents-helpers.js';

const mention = (p: { id: string; name: string }) => `<@${p.id}|${p.name}>`;

describe('running an incident', () => {
  let t: TestApp;
  let channelId: string;
  let incidentId: number;
  beforeEach(async () => {
    t = await startTestApp({ settings: { incidents: { custom_roles: ['liaison'] } } });
    ({ channelId, incidentId } = await declare(t, people.agent, {
      title: 'VPN drops every hour',
      severity: 'P3',
      commander: people.commander.id,
    }));
  });
  afterEach(async () => {
    await t.stop();
  });

  const summary = () => t.fake.message(channelId, t.fake.channels.get(channelId)!.pins[0]!)!;
  const row = () => t.sb.db.selectFrom('incidents').selectAll().where('id', '=', incidentId).executeTakeFirstOrThrow();

  it('assigns roles with /incident role inside the channel; the topic and summary follow', async () => {
    await t.slack.command('/incident', `role ${mention(people.agent2)} comms`, people.commander, channelId);
    await t.settle();
    expect(JSON.stringify(summary().blocks)).toContain('Communications lead');
    expect(JSON.stringify(summary().blocks)).toContain(people.agent2.id);
    expect(t.fake.channels.get(channelId)!.members.has(people.agent2.id)).toBe(true);
    await t.slack.command('/incident', `role ${mention(people.manager)} commander`, people.commander, channelId);
    await t.settle();
    expect(t.fake.channels.get(channelId)!.topic).toContain(`IC: ${people.manager.name}`);
    expect((await row()).commander_id).toBe(people.manager.id);
    await t.slack.command('/incident', `role ${mention(people.requester)} liaison`, people.manager, channelId);
    await t.settle();
    expect(JSON.stringify(summary().blocks)).toContain('Liaison');
  });

  it('lets the communications lead post updates but not change the status through one', async () => {
    await t.slack.command('/incident', `role ${mention(people.agent2)} comms`, people.commander, channelId);
    await t.settle();
    const s = summary();
    await t.slack.blockAction(
      people.agent2,
      { action_id: ACTIONS.postUpdate, value: String(incidentId) },
      { channel: channelId, ts: s.ts },
    );
    await waitFor(() => t.fake.views.some((v) => v.view.callback_id === 'incident.update'));
    const view = t.fake.lastView();
    const values = { [FIELDS.impact]: 'Remote staff drop hourly', [FIELDS.actions]: 'Checking the concentrator' };
    const refused = await t.slack.submitView(
      people.agent2,
      { id: view.id, ...view.view },
      { ...values, [FIELDS.status]: 'monitoring' },
    );
    expect(refused.body?.response_action).toBe('errors');
    expect(refused.body.errors[FIELDS.status]).toContain('status');
    expect((await row()).status).toBe('investigating');
    expect(await t.sb.db.selectFrom('incident_updates').selectAll().execute()).toHaveLength(0);
    const posted = await t.slack.submitView(people.agent2, { id: view.id, ...view.view, hash: 'h2' }, values);
    expect(posted.body?.response_action).toBeUndefined();
    expect(await t.sb.db.selectFrom('incident_updates').selectAll().execute()).toHaveLength(1);
    expect((await row()).status).toBe('investigating');
  });

  it('answers modal submissions without looking people up in Slack first, even after the directory cache expired', async () => {
    await t.slack.command('/incident', 'resolve', people.commander, channelId);
    await waitFor(() => t.fake.views.some((v) => v.view.callback_id === 'incident.resolve'));
    const resolve = t.fake.lastView();
    await t.slack.blockAction(
      people.commander,
      { action_id: ACTIONS.assignRole, value: String(incidentId) },
      { channel: channelId, ts: summary().ts },
    );
    await waitFor(() => t.fake.views.some((v) => v.view.callback_id === 'incident.role'));
    const role = t.fake.lastView();
    // The commander takes a while to write: the cached name and group membership expire meanwhile.
    (t.clock as any).advance(10 * 60_000);
    const lookups = () =>
      t.fake.calls.filter((c) => c.method === 'users.info' || c.method === 'usergroups.users.list').length;
    const before = lookups();
    const assigned = await t.slack.submitView(
      people.commander,
      { id: role.id, ...role.view },
      { [FIELDS.role]: 'scribe', [FIELDS.user]: people.agent2.id },
    );
    expect(assigned.body?.response_action).toBeUndefined();
    const resolved = await t.slack.submitView(
      people.commander,
      { id: resolve.id, ...resolve.view },
      { [FIELDS.resolution]: 'Concentrator firmware rolled back' },
    );
    expect(resolved.body?.response_action).toBeUndefined();
    expect(lookups()).toBe(before);
    expect((await row()).status).toBe('resolved');
    const audit = await t.sb.db
      .selectFrom('audit_log')
      .select(['action', 'actor_name'])
      .where('action', '=', 'incident.resolved')
      .executeTakeFirstOrThrow();
    expect(audit.actor_name).toBe(people.commander.name);
  });

  it("records acknowledgement on the commander's first action", async () => {
    expect((await row()).acknowledged_at).toBeNull();
    await t.slack.command('/incident', 'status identified', people.commander, channelId);
    await t.settle();
    const r = await row();
    expect(r.acknowledged_at).not.toBeNull();
    expect(r.status).toBe('identified');
  });

  it('acknowledges with the button, once', async () => {
    const s = summary();
    await t.slack.blockAction(
      people.commander,
      { action_id: ACTIONS.ack, value: String(incidentId), block_id: blockIdOf(s, ACTIONS.ack) },
      { channel: channelId, ts: s.ts },
    );
    await t.settle();
    expect((await row()).acknowledged_at).not.toBeNull();
    expect(JSON.stringify(summary().blocks)).not.toContain(ACTIONS.ack);
    await t.slack.blockAction(
      people.commander,
      { action_id: ACTIONS.ack, value: String(incidentId) },
      { channel: channelId, ts: s.ts },
    );
    await t.settle();
    expect(t.fake.responses.at(-1)!.body.text).toContain('already acknowledged');
  });

  it('changes status with the select: announced in the channel and the incidents channel thread, summary updated', async () => {
    const s = summary();
    await t.slack.blockAction(
      people.commander,
      {
        action_id: ACTIONS.status,
        type: 'static_select',
        block_id: blockIdOf(s, ACTIONS.status),
        selected_option: { value: 'monitoring' },
      },
      { channel: channelId, ts: s.ts },
    );
    await t.settle();
    expect((await row()).status).toBe('monitoring');
    expect((await row()).mitigated_at).not.toBeNull();
    expect(allText(t.fake.messagesIn(channelId))).toContain('to *Monitoring*');
    const thread = t.fake.messagesIn(channels.incidents).filter((m) => m.thread_ts);
    expect(allText(thread)).toContain('Monitoring');
    const announcement = t.fake.messagesIn(channels.incidents).find((m) => !m.thread_ts)!;
    expect(announcement.text).toContain('Monitoring');
    expect(JSON.stringify(summary().blocks)).toContain(':eyes: Monitoring');
  });

  it('refuses status, severity and role changes from others, ephemerally, changing nothing', async () => {
    const s = summary();
    await t.slack.blockAction(
      people.outsider,
      {
        action_id: ACTIONS.severity,
        type: 'static_select',
        block_id: blockIdOf(s, ACTIONS.severity),
        selected_option: { value: 'P1' },
      },
      { channel: channelId, ts: s.ts },
    );
    await t.slack.command('/incident', 'status monitoring', people.outsider, channelId);
    await t.slack.command('/incident', `role ${mention(people.outsider)} commander`, people.outsider, channelId);
    await t.settle();
    const refusals = t.fake.responses.filter((r) => String(r.body.text).includes('Only the commander'));
    expect(refusals).toHaveLength(3);
    expect(refusals.every((r) => r.body.response_type === 'ephemeral')).toBe(true);
    const r = await row();
    expect(r.severity).toBe('P3');
    expect(r.status).toBe('investigating');
    expect(r.commander_id).toBe(people.commander.id);
  });

  it('lets an incident manager (via the group) change severity; raising to P1 starts the bridge then', async () => {
    await t.slack.command('/incident', 'severity P1', people.manager, channelId);
    await t.settle();
    const r = await row();
    expect(r.severity).toBe('P1');
    expect(r.bridge_url).toBe('https://meet.example.com/switchboard-INC-1');
    expect(t.fake.channels.get(channelId)!.bookmarks).toHaveLength(1);
    expect(allText(t.fake.messagesIn(channelId))).toContain(`<!subteam^${groups.managers}>`);
    expect(t.fake.messagesIn(channels.executives)).toHaveLength(1);
    // Lowering keeps the channel and the bridge.
    await t.slack.command('/incident', 'severity P2', people.manager, channelId);
    await t.settle();
    expect((await row()).bridge_url).not.toBeNull();
    expect(t.fake.channels.get(channelId)!.bookmarks).toHaveLength(1);
    expect(t.fake.callsTo('conversations.archive')).toHaveLength(0);
  });

  it('assigns a role with the button and modal', async () => {
    const s = summary();
    await t.slack.blockAction(
      people.commander,
      { action_id: ACTIONS.assignRole, value: String(incidentId) },
      { channel: channelId, ts: s.ts },
    );
    await waitFor(() => t.fake.views.some((v) => v.view.callback_id === 'incident.role'));
    const view = t.fake.lastView();
    await t.slack.submitView(
      people.commander,
      { id: view.id, ...view.view },
      { [FIELDS.role]: 'scribe', [FIELDS.user]: people.agent2.id },
    );
    await t.settle();
    expect(JSON.stringify(summary().blocks)).toContain('Scribe');
  });

  it('shows the status card inside the channel and lists open incidents outside', async () => {
    await t.slack.command('/incident', '', people.outsider, channelId);
    await t.settle();
    expect(JSON.stringify(t.fake.responses.at(-1)!.body.blocks)).toContain('VPN drops every hour');
    expect(JSON.stringify(t.fake.responses.at(-1)!.body.blocks)).toContain(ACTIONS.postUpdate);
    await t.slack.command('/incident', 'list', people.outsider, channels.general);
    await t.settle();
    expect(JSON.stringify(t.fake.responses.at(-1)!.body.blocks)).toContain('INC-1');
  });

  it('answers a stale button on a resolved incident clearly and changes nothing', async () => {
    const s = { ...summary() };
    const statusBlock = blockIdOf(s, ACTIONS.status);
    await t.slack.command('/incident', 'resolve', people.commander, channelId);
    await waitFor(() => t.fake.views.some((v) => v.view.callback_id === 'incident.resolve'));
    const view = t.fake.lastView();
    await t.slack.submitView(
      people.commander,
      { id: view.id, ...view.view },
      { [FIELDS.resolution]: 'Replaced the VPN concentrator' },
    );
    await t.settle();
    await t.slack.blockAction(
      people.commander,
      {
        action_id: ACTIONS.status,
        type: 'static_select',
        block_id: statusBlock,
        selected_option: { value: 'identified' },
      },
      { channel: channelId, ts: s.ts },
    );
    await t.slack.blockAction(
      people.commander,
      { action_id: ACTIONS.postUpdate, value: String(incidentId) },
      { channel: channelId, ts: s.ts },
    );
    await t.settle();
    const texts = t.fake.responses.slice(-2).map((r) => r.body.text);
    expect(texts.every((x) => x.includes('INC-1 is already resolved'))).toBe(true);
    expect((await row()).status).toBe('resolved');
  });

  it('announces subscribe confirmations ephemerally, once', async () => {
    const ann = messageWithAction(t, channels.incidents, ACTIONS.subscribe);
    await t.slack.blockAction(
      people.requester,
      { action_id: ACTIONS.subscribe, value: String(incidentId) },
      { channel: channels.incidents, ts: ann.ts },
    );
    await t.slack.blockAction(
      people.requester,
      { action_id: ACTIONS.subscribe, value: String(incidentId) },
      { channel: channels.incidents, ts: ann.ts },
    );
    await t.settle();
    expect(t.fake.responses.map((r) => r.body.text)).toEqual(
      expect.arrayContaining([expect.stringContaining('Subscribed'), expect.stringContaining('already subscribed')]),
    );
    const subs = await t.sb.db.selectFrom('incident_subscriptions').selectAll().execute();
    expect(subs).toHaveLength(1);
  });
});
