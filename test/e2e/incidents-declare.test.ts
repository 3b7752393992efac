import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/harness.js';
import { channels, groups, people } from '../../devkit/workspace.js';
import { BOT_USER_ID } from '../../devkit/fake-slack/server.js';
import { FIELDS } from '../../views/incidents/ids.js';
import { SHORTCUTS } from '../../views/ids.js';
import { allText, declare, mrkdwnText, waitFor } from './incidents-helpers.js';

describe('declaring an incident', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await startTestApp({
      settings: {
        incidents: {
          stakeholder_channels: [{ channel: channels.stakeholders, severities: ['P1', 'P2'], services: ['Email'] }],
        },
      },
    });
  });
  afterEach(async () => {
    await t.stop();
  });

  it('opens a modal with severities and their definitions, services and commander', async () => {
    await t.slack.command('/incident', 'declare Email is down', people.agent);
    await waitFor(() => t.fake.views.length > 0);
    const view = t.fake.lastView().view;
    expect(view.callback_id).toBe('incident.declare');
    const title = view.blocks.find((b: any) => b.block_id === FIELDS.title);
    expect(title.element.initial_value).toBe('Email is down');
    const severity = view.blocks.find((b: any) => b.block_id === FIELDS.severity);
    expect(severity.element.options.map((o: any) => o.value)).toEqual(['P1', 'P2', 'P3', 'P4']);
    expect(JSON.stringify(view.blocks)).toContain('business-critical service');
    expect(view.blocks.some((b: any) => b.block_id === FIELDS.services)).toBe(true);
    expect(view.blocks.some((b: any) => b.block_id === FIELDS.commander)).toBe(true);
  });

  it('creates the channel, invites, sets the topic, pins a live summary and announces', async () => {
    const { channelId, key } = await declare(t, people.agent, {
      title: 'Printing broken on floor 3',
      severity: 'P3',
      services: ['Printing'],
      impact: 'Floor 3 cannot print',
      commander: people.commander.id,
    });
    expect(key).toBe('INC-1');
    const channel = t.fake.channels.get(channelId)!;
    expect(channel.name).toBe('inc-1-printing-broken-on-floor-3');
    expect(channel.is_private).toBe(false);
    expect([...channel.members].sort()).toEqual([BOT_USER_ID, people.agent.id, people.commander.id].sort());
    expect(channel.topic).toContain('INC-1 P3');
    expect(channel.topic).toContain('Investigating');
    expect(channel.topic).toContain(`IC: ${people.commander.name}`); // topics cannot render mentions: the name is filled in
    expect(channel.pins).toHaveLength(1);
    const summary = t.fake.message(channelId, channel.pins[0]!)!;
    expect(JSON.stringify(summary.blocks)).toContain('incident.post_update');
    expect(JSON.stringify(summary.blocks)).toContain('Floor 3 cannot print');
    const announcement = t.fake.messagesIn(channels.incidents);
    expect(announcement).toHaveLength(1);
    expect(allText(announcement)).toContain('INC-1');
    expect(allText(announcement)).toContain('incident.subscribe');
    // P3 on Printing: no bridge, no executives notice, stakeholders only for P1/P2 Email.
    expect(t.fake.messagesIn(channels.executives)).toHaveLength(0);
    expect(t.fake.messagesIn(channels.stakeholders)).toHaveLength(0);
    expect(channel.bookmarks).toHaveLength(0);
    const row = await t.sb.db.selectFrom('incidents').selectAll().executeTakeFirstOrThrow();
    expect(row.commander_id).toBe(people.commander.id);
    expect(row.acknowledged_at).toBeNull();
    const audit = await t.sb.db.selectFrom('audit_log').selectAll().where('action', '=', 'incident.declared').execute();
    expect(audit).toHaveLength(1);
  });

  it('links the incident channel in the very first announcement and in the executives notice', async () => {
    const { channelId } = await declare(t, people.commander, {
      title: 'SSO down for everyone',
      severity: 'P1',
      services: ['Email'],
    });
    expect(channelId).toMatch(/^C/);
    const firstPosts = (channel: string) =>
      t.fake.callsTo('chat.postMessage').filter((c) => c.args.channel === channel && !c.args.thread_ts);
    for (const audience of [channels.incidents, channels.executives, channels.stakeholders]) {
      const [first] = firstPosts(audience);
      expect(first, audience).toBeDefined();
      const blocks = JSON.stringify(first!.args.blocks);
      expect(blocks, audience).toContain(`{"type":"channel","channel_id":"${channelId}"}`);
      expect(blocks, audience).not.toContain('$ref');
    }
    expect(allText(t.fake.messagesIn(channels.incidents))).toContain('Join ');
    // Later edits keep the link.
    await t.slack.command('/incident', 'status identified', people.commander, channelId);
    await t.settle();
    const edits = t.fake.callsTo('chat.update').filter((c) => c.args.channel === channels.incidents);
    expect(edits.length).toBeGreaterThan(0);
    expect(JSON.stringify(edits.at(-1)!.args.blocks)).toContain(`"channel_id":"${channelId}"`);
  });

  it('mobilises a P1: bridge link posted and bookmarked, managers paged, executives and stakeholders told', async () => {
    const { channelId } = await declare(t, people.commander, {
      title: 'Email down for everyone',
      severity: 'P1',
      services: ['Email'],
    });
    const channel = t.fake.channels.get(channelId)!;
    expect(channel.bookmarks).toEqual([{ title: 'Bridge INC-1', link: 'https://meet.example.com/switchboard-INC-1' }]);
    const inChannel = allText(t.fake.messagesIn(channelId));
    expect(inChannel).toContain('https://meet.example.com/switchboard-INC-1');
    expect(inChannel).toContain(`<!subteam^${groups.managers}>`);
    const announce = allText(t.fake.messagesIn(channels.incidents));
    expect(announce).toContain(`<!subteam^${groups.managers}>`);
    expect(announce).toContain('meet.example.com');
    expect(t.fake.messagesIn(channels.executives)).toHaveLength(1);
    expect(t.fake.messagesIn(channels.stakeholders)).toHaveLength(1);
    // The commander declared it: acknowledged at once.
    const row = await t.sb.db.selectFrom('incidents').selectAll().executeTakeFirstOrThrow();
    expect(row.acknowledged_at).toBe(row.declared_at);
    expect(row.bridge_url).toBe('https://meet.example.com/switchboard-INC-1');
  });

  it('gets a unique channel name when the name is taken', async () => {
    t.fake.addChannel('CTAKEN001', 'inc-1-vpn-down');
    const { channelId } = await declare(t, people.agent, { title: 'VPN down' });
    expect(t.fake.channels.get(channelId)!.name).toBe('inc-1-vpn-down-2');
  });

  it('keeps the record and tells the declarer when Slack will not create the channel', async () => {
    t.fake.failNext('conversations.create', { error: 'restricted_action' });
    await declare(t, people.agent, { title: 'Wi-Fi flaky' });
    const row = await t.sb.db.selectFrom('incidents').selectAll().executeTakeFirstOrThrow();
    expect(row.key).toBe('INC-1');
    const dm = allText(t.fake.messagesIn(people.agent.id));
    expect(dm).toContain('INC-1 is declared and recorded');
    expect(dm).toContain('would not create its channel');
    // The announcement still goes out, without a link to a channel that does not exist.
    const announcement = t.fake.messagesIn(channels.incidents);
    expect(announcement).toHaveLength(1);
    expect(allText(announcement)).toContain('INC-1');
    expect(JSON.stringify(announcement[0]!.blocks)).not.toContain('"type":"channel"');
  });

  it('says so in the channel when an invite fails, and keeps going', async () => {
    const ghost = 'UGHOST001';
    const { channelId } = await declare(t, people.agent, { title: 'Laptops not booting', commander: ghost });
    expect(allText(t.fake.messagesIn(channelId))).toContain(`Could not invite <@${ghost}>`);
    expect(t.fake.channels.get(channelId)!.pins).toHaveLength(1);
  });

  it('escapes hostile text everywhere it is repeated', async () => {
    const { channelId } = await declare(t, people.agent, {
      title: '<!channel> everything down',
      impact: '<https://evil|bank> <@U123>',
    });
    const text = mrkdwnText([...t.fake.messagesIn(channelId), ...t.fake.messagesIn(channels.incidents)]);
    expect(text).not.toContain('<!channel>');
    expect(text).toContain('&lt;!channel&gt;');
    expect(text).not.toContain('<https://evil|bank>');
    expect(t.fake.channels.get(channelId)!.name).toBe('inc-1-channel-everything-down');
  });

  it('declares from a message with the shortcut, pre-filled, with the message on the timeline', async () => {
    const source = t.fake.addMessage(
      channels.general,
      people.requester.id,
      'Outlook keeps saying disconnected\nSince 9am for the whole sales team',
    );
    await t.slack.messageShortcut(people.agent, SHORTCUTS.incidentFromMessage, {
      channel: channels.general,
      ts: source.ts,
      text: source.text,
      user: people.requester.id,
    });
    await waitFor(() => t.fake.views.length > 0);
    const view = t.fake.lastView();
    const title = view.view.blocks.find((b: any) => b.block_id === FIELDS.title);
    expect(title.element.initial_value).toBe('Outlook keeps saying disconnected');
    const impact = view.view.blocks.find((b: any) => b.block_id === FIELDS.impact);
    expect(impact.element.initial_value).toContain('whole sales team');
    await t.slack.submitView(people.agent, { id: view.id, ...view.view }, { [FIELDS.severity]: 'P2' });
    await t.settle();
    const row = await t.sb.db.selectFrom('incidents').selectAll().executeTakeFirstOrThrow();
    expect(row.severity).toBe('P2');
    const timeline = await t.sb.db.selectFrom('incident_timeline').selectAll().where('kind', '=', 'source').execute();
    expect(timeline[0]!.text).toContain('https://fake.slack.com/archives/CGENERAL/');
  });

  it('refuses an empty title inline', async () => {
    await t.slack.command('/incident', '', people.agent);
    await waitFor(() => t.fake.views.length > 0);
    const view = t.fake.lastView();
    const res = await t.slack.submitView(
      people.agent,
      { id: view.id, ...view.view },
      { [FIELDS.title]: '  ', [FIELDS.severity]: 'P2' },
    );
    expect(res.body.response_action).toBe('errors');
    expect(res.body.errors[FIELDS.title]).toBeTruthy();
    expect(await t.sb.db.selectFrom('incidents').selectAll().execute()).toHaveLength(0);
  });

  it('links a ticket declared from and lists open incidents for its service', async () => {
    const now = Date.now();
    await t.sb.db
      .insertInto('tickets')
      .values({
        key: 'IT-7',
        requester_id: people.requester.id,
        requester_name: 'rita',
        summary: 'No email',
        details: '',
        category: 'software',
        service: 'Email',
        impact: 'high',
        urgency: 'high',
        priority: 'P1',
        attachment_url: null,
        status: 'new',
        assignee_id: null,
        first_assignee_id: null,
        source: 'command',
        source_channel: null,
        source_ts: null,
        source_permalink: null,
        created_at: now,
        updated_at: now,
        first_response_at: null,
        first_response_due_at: now,
        resolution_due_at: now,
        paused_since: null,
        resolved_at: null,
        resolved_by: null,
        resolution_note: null,
        resolution_code: null,
        closed_at: null,
        cancelled_at: null,
        reopen_count: 0,
        reassignment_count: 0,
        escalated_at: null,
        first_response_breached: 0,
        resolution_breached: 0,
        csat_score: null,
        csat_at: null,
        csat_requested_at: null,
        incident_id: null,
      })
      .execute();
    const ticket = await t.sb.db.selectFrom('tickets').select('id').executeTakeFirstOrThrow();
    const { declareIncident } = await import('../../src/services/incidents/index.js');
    const { openIncidentsForService } = await import('../../db/queries/incidents.js');
    const outcome = await declareIncident(t.sb.ctx, {
      title: 'Email down',
      severity: 'P2',
      services: ['Email'],
      actor: { id: people.agent.id },
      linkedTicketId: ticket.id,
      declarerIsAgent: true,
    });
    expect(outcome.ok).toBe(true);
    await t.settle();
    const linked = await t.sb.db.selectFrom('tickets').select('incident_id').executeTakeFirstOrThrow();
    expect(linked.incident_id).toBe(1);
    const open = await openIncidentsForService(t.sb.db, 'Email');
    expect(open).toEqual([expect.objectContaining({ key: 'INC-1', title: 'Email down', severity: 'P2' })]);
    expect(open[0]!.channel_id).toMatch(/^C/);
    expect(await openIncidentsForService(t.sb.db, 'Printing')).toEqual([]);
  });
});
