import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/clock.js';
import { startTestApp, type TestApp } from '../support/harness.js';
import { channels, people } from '../../devkit/workspace.js';
import type { Person } from '../../devkit/slack-requests.js';
import { FIELDS } from '../../views/incidents/ids.js';
import { declare, mrkdwnText, waitFor } from './incidents-helpers.js';

/**
 * Privacy by default (ticket reactions in private spaces), who may post and export the scorecard and
 * reviews, and the cleaning of typed text at the edge.
 */
const PRIVATE = 'CPRIVATE1';
const LISTED = 'CLISTED01';
const tickets = (t: TestApp) => t.sb.db.selectFrom('tickets').selectAll().orderBy('id').execute();
const auditAction = (t: TestApp, action: string) =>
  t.sb.db.selectFrom('audit_log').selectAll().where('action', '=', action).execute();
const lastResponse = (t: TestApp) => t.fake.responses.at(-1)?.body?.text as string | undefined;

function react(t: TestApp, reactor: Person, channel: string, message: { ts: string; user: string }) {
  return t.slack.event({
    type: 'reaction_added',
    user: reactor.id,
    reaction: 'ticket',
    item_user: message.user,
    item: { type: 'message', channel, ts: message.ts },
  });
}

describe('ticket reactions in private channels, group DMs and DMs', () => {
  let t: TestApp;
  afterEach(() => t.stop());

  async function start() {
    t = await startTestApp({
      clock: new FakeClock(new Date()),
      settings: { service_desk: { reaction_private_channels: [LISTED] } },
    });
    for (const id of [PRIVATE, LISTED]) {
      t.fake.addChannel(id, id.toLowerCase(), [people.requester.id, people.agent.id]);
      t.fake.channels.get(id)!.is_private = true;
    }
  }

  it('files nothing when someone other than the author reacts in a private channel or a DM; audited without the text', async () => {
    await start();
    const secret = t.fake.addMessage(PRIVATE, people.requester.id, 'Salary review: Bob 85k, Alice 92k');
    await react(t, people.agent, PRIVATE, secret);
    const dm = t.fake.addMessage('DUREQ0002', people.requester2.id, 'my medical leave starts Monday');
    await react(t, people.agent, 'DUREQ0002', dm);
    const group = t.fake.addMessage('GMPIM0001', people.requester.id, 'the new-hire list, confidential');
    await react(t, people.agent, 'GMPIM0001', group);
    await t.settle();
    expect(await tickets(t)).toHaveLength(0);
    expect(t.fake.messagesIn(channels.triage)).toHaveLength(0);
    const refused = await auditAction(t, 'ticket.reaction_refused');
    expect(refused).toHaveLength(3);
    expect(JSON.stringify(refused)).not.toMatch(/Salary|medical|new-hire/);
    // The conversation was looked up as Slack reports it: conversations.info for the C… channel only.
    expect(t.fake.callsTo('conversations.info').map((c) => c.args.channel)).toEqual([PRIVATE]);
    expect(t.fake.callsTo('conversations.history')).toHaveLength(0);
  });

  it("files the author's own reaction, and anyone's in a listed channel, with only a link copied to triage", async () => {
    await start();
    const own = t.fake.addMessage(PRIVATE, people.requester.id, 'Salary review: my laptop died mid-meeting');
    await react(t, people.requester, PRIVATE, own);
    const listed = t.fake.addMessage(LISTED, people.requester2.id, 'HR case 553: printer leaks documents');
    await react(t, people.agent, LISTED, listed);
    await t.settle();
    const filed = await tickets(t);
    expect(filed.map((x) => [x.requester_id, x.source_channel])).toEqual([
      [people.requester.id, PRIVATE],
      [people.requester2.id, LISTED],
    ]);
    for (const ticket of filed) {
      expect(ticket.summary).toBe('Request from a private conversation (see the link)');
      // Only the link is kept (as the ticket's source, shown once on the triage post); no text is copied.
      expect(ticket.details).toBe('');
      expect(ticket.source_permalink).toMatch(/^https:\/\/fake\.slack\.com\/archives\//);
    }
    const triage = JSON.stringify(t.fake.messagesIn(channels.triage));
    expect(triage).not.toMatch(/Salary|HR case/);
    expect(triage).toContain(`https://fake.slack.com/archives/${PRIVATE}/p`);
    // In a public channel the text is still copied, as before.
    const open = t.fake.addMessage(channels.general, people.requester2.id, 'VPN drops every hour');
    await react(t, people.agent, channels.general, open);
    await t.settle();
    expect((await tickets(t)).at(-1)!.summary).toBe('VPN drops every hour');
  });

  it('counts a conversation Slack will not describe as private', async () => {
    await start();
    const message = t.fake.addMessage(channels.general, people.requester.id, 'Board minutes draft');
    t.fake.failNext('conversations.info', { error: 'missing_scope' });
    await react(t, people.agent, channels.general, message);
    await t.settle();
    expect(await tickets(t)).toHaveLength(0);
    expect(await auditAction(t, 'ticket.reaction_refused')).toHaveLength(1);
  });
});

describe('who may post the scorecard and upload reviews', () => {
  let t: TestApp;
  afterEach(() => t.stop());

  it('refuses posting to a channel or here without a post role; audited, nothing posted; the own scorecard stays', async () => {
    t = await startTestApp({ clock: new FakeClock(new Date()) });
    const posts = () => t.fake.callsTo('chat.postMessage').length;
    const before = posts();
    await t.slack.command('/itops', `report 7d <#${channels.executives}|exec>`, people.outsider);
    await waitFor(() => Boolean(lastResponse(t)?.startsWith('Posting')));
    await t.slack.command('/itops', 'report here', people.outsider, channels.general);
    await waitFor(() => t.fake.responses.filter((r) => String(r.body.text).startsWith('Posting')).length === 2);
    await t.settle();
    expect(posts()).toBe(before);
    const refused = await auditAction(t, 'report.post_refused');
    expect(refused.map((r) => r.detail)).toEqual([
      expect.stringContaining(channels.executives),
      expect.stringContaining(channels.general),
    ]);
    expect(await auditAction(t, 'report.post')).toHaveLength(0);

    await t.slack.command('/itops', 'report 7d', people.outsider);
    await waitFor(() =>
      t.fake.responses.some(
        (r) =>
          String(r.body.text ?? '').includes('scorecard') &&
          r.body.response_type === 'ephemeral' &&
          Array.isArray(r.body.blocks),
      ),
    );

    // An agent holds a post role by default.
    await t.slack.command('/itops', `report 7d <#${channels.executives}|exec>`, people.agent);
    await waitFor(() => t.fake.messagesIn(channels.executives).length === 1);
    expect(await auditAction(t, 'report.post')).toHaveLength(1);
  });

  it('follows reports.post_roles and own_scorecard_for_everyone; refused views and exports are audited', async () => {
    t = await startTestApp({
      clock: new FakeClock(new Date()),
      settings: { reports: { post_roles: ['managers'], own_scorecard_for_everyone: false } },
    });
    await t.slack.command('/itops', `report 7d <#${channels.executives}|exec>`, people.agent);
    await waitFor(() => Boolean(lastResponse(t)?.startsWith('Posting')));
    await t.slack.command('/itops', 'report 7d', people.outsider);
    await waitFor(() => Boolean(lastResponse(t)?.startsWith('The scorecard is for')));
    await t.slack.command('/itops', 'export tickets 30d', people.agent);
    await waitFor(() => Boolean(lastResponse(t)?.startsWith('Exports are for')));
    await t.settle();
    expect(t.fake.messagesIn(channels.executives)).toHaveLength(0);
    expect(t.fake.uploads).toHaveLength(0);
    expect((await auditAction(t, 'report.post_refused')).map((r) => r.actor_id)).toEqual([people.agent.id]);
    expect((await auditAction(t, 'report.view_refused')).map((r) => r.actor_id)).toEqual([people.outsider.id]);
    expect((await auditAction(t, 'report.export_refused')).map((r) => r.actor_id)).toEqual([people.agent.id]);
    // The App Home "send me the scorecard" is one's own scorecard: refused too, and audited.
    await t.slack.blockAction(
      people.outsider,
      { action_id: 'reports.home_scorecard' },
      { channel: 'DUOUTSID1', ts: '1.1' },
    );
    await t.settle();
    expect(t.fake.messagesIn(people.outsider.id).filter((m) => m.text.includes('scorecard'))).toHaveLength(0);
    expect((await auditAction(t, 'report.post_refused')).map((r) => r.actor_id)).toEqual([
      people.agent.id,
      people.outsider.id,
    ]);
  });

  it("uploads an incident's review only for a post role, and only into the incident's own channel", async () => {
    t = await startTestApp({ clock: new FakeClock(new Date()) });
    const { incidentId, channelId } = await declare(t, people.commander, { title: 'Printing down', severity: 'P3' });
    await t.slack.blockAction(
      people.outsider,
      { action_id: 'incident.export_review', value: String(incidentId) },
      { channel: channels.general, ts: '1.1' },
    );
    await t.settle();
    expect(lastResponse(t)).toMatch(/is for IT staff/);
    expect(t.fake.uploads).toHaveLength(0);
    expect(await auditAction(t, 'incident.review_export_refused')).toEqual([
      expect.objectContaining({ actor_id: people.outsider.id, record_key: 'INC-1' }),
    ]);
    // Someone allowed, clicking from #general: the file goes to the incident's channel, not #general.
    await t.slack.blockAction(
      people.agent,
      { action_id: 'incident.export_review', value: String(incidentId) },
      { channel: channels.general, ts: '1.1' },
    );
    await waitFor(() => t.fake.uploads.some((u) => u.channel !== undefined));
    expect(t.fake.uploads.map((u) => u.channel)).toEqual([channelId]);
    expect(t.fake.uploads[0]!.filename).toBe('inc-1-review.md');
  });
});

describe('typed text is cleaned at the edge', () => {
  let t: TestApp;
  afterEach(() => t.stop());

  it('a NUL-wrapped user id never becomes a mention, in the channel or the review draft; bidi and zero-width characters are gone', async () => {
    t = await startTestApp({ clock: new FakeClock(new Date()) });
    const title = 'Printer \u0000U0BOSS01\u0000 down \u202Egnp.exe\u202C now\u200B';
    const { incidentId, channelId } = await declare(t, people.commander, {
      title,
      severity: 'P2',
      impact: 'Ask \u2066<@U0BOSS01>\u2069 \u0000U0BOSS01\u0000',
    });
    const [incident] = await t.sb.db.selectFrom('incidents').selectAll().execute();
    expect(incident!.title).toBe('Printer U0BOSS01 down gnp.exe now');
    expect(incident!.impact).not.toMatch(/[\u0000\u2066\u2069]/);
    await t.slack.command('/incident', 'resolve', people.commander, channelId);
    await t.settle();
    const form = t.fake.lastView();
    await t.slack.submitView(
      people.commander,
      { id: form.id, ...form.view },
      { [FIELDS.resolution]: 'Restarted \u0000U0BOSS01\u0000 spooler' },
    );
    await t.settle();
    const review = t.fake.messagesIn(channelId).find((m) => m.text.includes('review'))!;
    expect(review).toBeDefined();
    expect(mrkdwnText(t.fake.messagesIn(channelId))).not.toContain('<@U0BOSS01>');
    expect(mrkdwnText(t.fake.messagesIn(channels.incidents))).not.toContain('<@U0BOSS01>');
    expect(JSON.stringify(t.fake.calls.map((c) => c.args))).not.toMatch(/\\u0000|\u202E|\u200B/);
    void incidentId;
  });

  it('refuses service names and categories that are not in the catalog, on every path', async () => {
    t = await startTestApp({ clock: new FakeClock(new Date()) });
    const long = 'S'.repeat(311);
    const forge = async (user: Person, command: string, text: string, state: (values: Record<string, any>) => void) => {
      const count = t.fake.views.length;
      await t.slack.command(command, text, user);
      await waitFor(() => t.fake.views.length > count);
      const { id, view } = t.fake.lastView();
      const payload = t.slack.viewSubmissionPayload(user, { id, ...view }, {}) as any;
      state(payload.view.state.values);
      return t.slack.interactive(payload);
    };
    // A change request with a 311-character service.
    const now = t.clock.now().getTime();
    const change = await forge(people.requester, '/change', '', (v) => {
      v.change_title = { change_title: { type: 'plain_text_input', value: 'Upgrade' } };
      v.change_services = { change_services: { type: 'multi_static_select', selected_options: [{ value: long }] } };
      v.change_risk = { change_risk: { type: 'static_select', selected_option: { value: 'low' } } };
      v.window_start = { window_start: { type: 'datetimepicker', selected_date_time: Math.floor(now / 1000) + 7200 } };
      v.window_end = { window_end: { type: 'datetimepicker', selected_date_time: Math.floor(now / 1000) + 10800 } };
      v.implementation_plan = { implementation_plan: { type: 'plain_text_input', value: 'x' } };
      v.rollback_plan = { rollback_plan: { type: 'plain_text_input', value: 'y' } };
    });
    expect(change.body.response_action).toBe('errors');
    expect(JSON.stringify(change.body.errors)).toContain('not in the service catalog');
    // A ticket with a made-up category and service.
    const ticket = await forge(people.requester, '/it-help', 'printer', (v) => {
      v.category = { category: { type: 'static_select', selected_option: { value: 'free money' } } };
      v.service = { service: { type: 'static_select', selected_option: { value: long } } };
    });
    expect(ticket.body.response_action).toBe('errors');
    // An incident with an unknown service: nothing declared, the declarer told.
    const incident = await forge(people.commander, '/incident', 'declare Mail down', (v) => {
      v[FIELDS.services] = { [FIELDS.services]: { type: 'multi_static_select', selected_options: [{ value: long }] } };
    });
    expect(incident.status).toBe(200);
    await t.settle();
    expect(await t.sb.db.selectFrom('changes').selectAll().execute()).toHaveLength(0);
    expect(await t.sb.db.selectFrom('tickets').selectAll().execute()).toHaveLength(0);
    expect(await t.sb.db.selectFrom('incidents').selectAll().execute()).toHaveLength(0);
    expect(t.fake.messagesIn(people.commander.id).at(-1)!.text).toContain('not in the service catalog');
  });
});
