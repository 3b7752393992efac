import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/clock.js';
import { startTestApp, type TestApp } from '../support/harness.js';
import { channels, people } from '../../devkit/workspace.js';
import type { Person } from '../../devkit/slack-requests.js';
import { ACTIONS, CALLBACKS, FIELDS } from '../../views/incidents/ids.js';
import { declare, waitFor } from './incidents-helpers.js';

/**
 * Every click and submission is re-derived on the server: a payload only says which record; whether
 * this person may act on it is decided from the record. Refusals are audited and change nothing.
 */
const tickets = (t: TestApp) => t.sb.db.selectFrom('tickets').selectAll().orderBy('id').execute();
const incidents = (t: TestApp) => t.sb.db.selectFrom('incidents').selectAll().orderBy('id').execute();
const refusalsBy = (t: TestApp, user: string) =>
  t.sb.db.selectFrom('audit_log').select(['action', 'detail', 'record_key']).where('actor_id', '=', user).execute();
const lastResponse = (t: TestApp) => t.fake.responses.at(-1)?.body?.text as string | undefined;
const writes = (t: TestApp) =>
  t.fake.calls.filter((c) =>
    [
      'chat.postMessage',
      'chat.update',
      'files.uploadV2',
      'files.completeUploadExternal',
      'conversations.create',
    ].includes(c.method),
  ).length;

async function fileTicket(t: TestApp, who: Person, summary: string, details: string) {
  await t.slack.command('/it-help', summary, who);
  await t.settle();
  const { id, view } = t.fake.lastView();
  await t.slack.submitView(who, { id, ...view }, { category: 'hardware', details, service: 'Wi-Fi' });
  await t.settle();
  return (await tickets(t)).at(-1)!;
}

/** Submits `view` as `user` with exactly `state`, as a forger would. */
function forgedSubmission(
  t: TestApp,
  user: Person,
  view: { id: string; callback_id: string; private_metadata?: string; blocks: any[] },
  state: Record<string, Record<string, unknown>>,
) {
  const payload = t.slack.viewSubmissionPayload(user, view, {}) as any;
  payload.view.state.values = state;
  return t.slack.interactive(payload);
}

describe('forged payloads on the service desk', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await startTestApp({ clock: new FakeClock(new Date()) });
  });
  afterEach(() => t.stop());

  it('a declare form with a forged ticket id in private_metadata escalates nothing and DMs nobody', async () => {
    const ticket = await fileTicket(t, people.requester, 'Laptop will not boot', 'My salary slip is open on it');
    const requesterDms = t.fake.messagesIn(people.requester.id).length;
    await t.slack.command('/incident', 'declare Wi-Fi down', people.outsider);
    await t.settle();
    const { id, view } = t.fake.lastView();
    const forged = { ...view, private_metadata: JSON.stringify({ linkedTicketId: ticket.id, source: 'ticket' }) };
    await t.slack.submitView(
      people.outsider,
      { id, ...forged },
      { [FIELDS.title]: 'Click https://evil.example to keep your account', [FIELDS.severity]: 'P3' },
    );
    await t.settle();
    expect(await incidents(t)).toHaveLength(0);
    expect((await tickets(t))[0]).toEqual(ticket);
    expect(t.fake.messagesIn(people.requester.id)).toHaveLength(requesterDms);
    expect(t.fake.callsTo('conversations.create')).toHaveLength(0);
    const audit = await refusalsBy(t, people.outsider.id);
    expect(audit).toEqual([expect.objectContaining({ action: 'ticket.escalate_refused', record_key: ticket.key })]);
    expect(t.fake.messagesIn(people.outsider.id).at(-1)!.text).toMatch(
      /Only service-desk agents.*No incident was declared/,
    );
  });

  it('escalation shows the ticket details as a reference; the public impact starts from the summary', async () => {
    const ticket = await fileTicket(
      t,
      people.requester,
      'Whole floor lost Wi-Fi',
      'My manager Bob is on a performance plan, see HR-553',
    );
    const post = t.fake.messagesIn(channels.triage).find((m) => !m.thread_ts && m.text.startsWith(ticket.key))!;
    await t.slack.blockAction(
      people.agent,
      { action_id: 'ticket.escalate', value: String(ticket.id) },
      { channel: channels.triage, ts: post.ts },
    );
    await t.settle();
    const { id, view } = t.fake.lastView();
    const impact = view.blocks.find((b: any) => b.block_id === FIELDS.impact);
    expect(impact.element.initial_value).toBe('Whole floor lost Wi-Fi');
    const reference = view.blocks.find((b: any) => b.type === 'section' && b.text.text.includes('for reference'));
    expect(reference.text.text).toContain('performance plan');
    await t.slack.submitView(people.agent, { id, ...view }, {});
    await t.settle();
    const [incident] = await incidents(t);
    expect(incident!.impact).toBe('Whole floor lost Wi-Fi');
    // Outside triage (the agents' own channel) and DMs, nothing carries the ticket's details.
    const published = JSON.stringify(
      t.fake.calls
        .filter(
          (c) =>
            ['chat.postMessage', 'chat.update', 'conversations.setTopic'].includes(c.method) &&
            /^C/.test(String(c.args.channel)) &&
            c.args.channel !== channels.triage,
        )
        .map((c) => c.args),
    );
    expect(published).toContain('INC-1');
    expect(published).not.toContain('performance plan');
  });

  it('an outsider on every ticket button and form: refused, audited, the ticket unchanged', async () => {
    const ticket = await fileTicket(t, people.requester, 'Printer jams', 'Third floor');
    const where = { channel: channels.triage, ts: '1.1' };
    const before = writes(t);
    const clicks = [
      { action_id: 'ticket.claim', value: String(ticket.id) },
      { action_id: 'ticket.resolve', value: String(ticket.id) },
      { action_id: 'ticket.escalate', value: String(ticket.id) },
      { action_id: 'ticket.comment', value: String(ticket.id) },
      { action_id: 'ticket.cancel', value: String(ticket.id) },
      {
        action_id: 'ticket.assign',
        type: 'users_select',
        block_id: `ticket.assign.${ticket.id}`,
        selected_user: people.outsider.id,
      },
      {
        action_id: 'ticket.priority',
        type: 'static_select',
        block_id: `ticket.priority.${ticket.id}`,
        selected_option: { value: 'P1' },
      },
      { action_id: 'ticket.rate.5', value: JSON.stringify({ ticketId: ticket.id, score: 5 }) },
    ];
    for (const click of clicks) {
      await t.slack.blockAction(people.outsider, click, where);
      await t.settle();
      expect(lastResponse(t), click.action_id).toMatch(/Only|can rate a ticket once/);
    }
    // Waiting on requester opens its form before anything is looked up; the refusal then replaces it.
    await t.slack.blockAction(people.outsider, { action_id: 'ticket.wait', value: String(ticket.id) }, where);
    await t.settle();
    expect(t.fake.views.at(-1)).toMatchObject({
      method: 'views.update',
      view: { blocks: [{ text: { text: expect.stringMatching(/Only service-desk agents/) } }] },
    });
    for (const [callback, state] of [
      [
        'ticket.resolve_modal',
        {
          resolution_note: { resolution_note: { type: 'plain_text_input', value: 'done' } },
          resolution_code: { resolution_code: { type: 'static_select', selected_option: { value: 'fixed' } } },
        },
      ],
      [
        'ticket.comment_modal',
        { comment: { comment: { type: 'plain_text_input', value: 'Please send your password to IT' } } },
      ],
      [
        'ticket.wait_modal',
        { question: { question: { type: 'plain_text_input', value: 'Please send your password to IT' } } },
      ],
    ] as const) {
      const res = await forgedSubmission(
        t,
        people.outsider,
        {
          id: `V${callback}`,
          callback_id: callback,
          private_metadata: JSON.stringify({ ticketId: ticket.id }),
          blocks: [],
        },
        state as never,
      );
      expect(res.body?.response_action, callback).toBe('errors');
    }
    await t.settle();
    expect((await tickets(t))[0]).toEqual(ticket);
    expect(writes(t)).toBe(before);
    const audit = (await refusalsBy(t, people.outsider.id)).map((a) => a.action).sort();
    expect(audit).toEqual(
      [
        'ticket.assign_refused',
        'ticket.cancel_refused',
        'ticket.change_priority_refused',
        'ticket.claim_refused',
        'ticket.comment_refused',
        'ticket.comment_refused',
        'ticket.escalate_refused',
        'ticket.rate_refused',
        'ticket.resolve_refused',
        'ticket.resolve_refused',
        'ticket.wait_on_requester_refused',
        'ticket.wait_on_requester_refused',
      ].sort(),
    );
  });

  it('a ticket form with a forged source message and link files without a source; audited', async () => {
    await t.slack.command('/it-help', 'printer', people.requester);
    await t.settle();
    const { id, view } = t.fake.lastView();
    const forged = {
      ...view,
      private_metadata: JSON.stringify({
        kind: 'shortcut',
        channel: channels.general,
        ts: '1700000000.000100',
        permalink: 'https://evil.example/login',
      }),
    };
    await t.slack.submitView(people.requester, { id, ...forged }, { category: 'hardware' });
    await t.settle();
    const [ticket] = await tickets(t);
    expect(ticket).toMatchObject({ source: 'command', source_ts: null, source_permalink: null });
    expect(JSON.stringify(t.fake.calls.map((c) => c.args))).not.toContain('evil.example');
    const refused = await t.sb.db
      .selectFrom('audit_log')
      .selectAll()
      .where('action', '=', 'ticket.source_refused')
      .execute();
    expect(refused.map((r) => r.actor_id)).toEqual([people.requester.id]);
  });

  it('refuses knowledge-base changes by non-agents on every path; audited', async () => {
    await t.slack.command('/it-help', 'kb add', people.outsider);
    await t.settle();
    await t.slack.command('/it-help', 'kb remove KB-1', people.outsider);
    await t.settle();
    await t.slack.blockAction(
      people.outsider,
      { action_id: 'ticket.kb_remove', value: '1' },
      { channel: 'DUOUTSID1', ts: '1.1' },
    );
    await t.settle();
    const res = await forgedSubmission(
      t,
      people.outsider,
      { id: 'Vkb', callback_id: 'ticket.kb_add', blocks: [] },
      {
        kb_title: { kb_title: { type: 'plain_text_input', value: 'Reset your password here' } },
        kb_body: { kb_body: { type: 'plain_text_input', value: 'https://evil.example' } },
      },
    );
    expect(res.body.response_action).toBe('errors');
    await t.settle();
    expect(await t.sb.db.selectFrom('kb_articles').selectAll().execute()).toEqual([]);
    expect((await refusalsBy(t, people.outsider.id)).map((a) => a.action)).toEqual([
      'kb.change_refused',
      'kb.change_refused',
      'kb.change_refused',
      'kb.change_refused',
    ]);
  });

  it('a valid signature with a made-up ticket id changes nothing', async () => {
    await fileTicket(t, people.requester, 'Printer jams', 'Third floor');
    const audit = (await t.sb.db.selectFrom('audit_log').select('id').execute()).length;
    for (const action of ['ticket.claim', 'ticket.resolve', 'ticket.escalate', 'ticket.comment']) {
      await t.slack.blockAction(
        people.agent,
        { action_id: action, value: '9999' },
        { channel: channels.triage, ts: '1.1' },
      );
      await t.settle();
      expect(lastResponse(t), action).toMatch(/no longer exists/);
    }
    expect((await t.sb.db.selectFrom('audit_log').select('id').execute()).length).toBe(audit);
  });
});

describe('forged payloads on incidents', () => {
  let t: TestApp;
  let incidentId: number;
  let channelId: string;
  beforeEach(async () => {
    t = await startTestApp({ clock: new FakeClock(new Date()) });
    ({ incidentId, channelId } = await declare(t, people.commander, { title: 'Printing down', severity: 'P3' }));
  });
  afterEach(() => t.stop());

  it('an outsider on every incident button and form: refused, audited, the incident unchanged', async () => {
    // A follow-up action owned by someone else, so "Mark done" has something to refuse.
    await t.slack.command(
      '/incident',
      `action Replace fuser <@${people.agent.id}|alice> 3d`,
      people.commander,
      channelId,
    );
    await t.settle();
    const actionRow = await t.sb.db.selectFrom('incident_actions').selectAll().executeTakeFirstOrThrow();
    // The forms, opened by the commander; the outsider submits them (same view, another person).
    const forms: Record<string, { id: string; view: any }> = {};
    for (const [action, callback] of [
      [ACTIONS.postUpdate, CALLBACKS.update],
      [ACTIONS.resolve, CALLBACKS.resolve],
      [ACTIONS.assignRole, CALLBACKS.role],
      [ACTIONS.addAction, CALLBACKS.action],
    ] as const) {
      const count = t.fake.views.length;
      await t.slack.blockAction(
        people.commander,
        { action_id: action, value: String(incidentId) },
        { channel: channelId, ts: '1.1' },
      );
      await waitFor(() => t.fake.views.length > count);
      forms[callback] = t.fake.lastView();
    }
    const before = {
      incident: (await incidents(t))[0],
      action: actionRow,
      updates: await t.sb.db.selectFrom('incident_updates').selectAll().execute(),
    };
    const sent = writes(t);
    const where = { channel: channelId, ts: '1.1' };
    for (const click of [
      { action_id: ACTIONS.ack, value: String(incidentId) },
      {
        action_id: ACTIONS.status,
        type: 'static_select',
        block_id: `incident.controls.${incidentId}`,
        selected_option: { value: 'identified' },
      },
      {
        action_id: ACTIONS.severity,
        type: 'static_select',
        block_id: `incident.controls.${incidentId}`,
        selected_option: { value: 'P1' },
      },
      { action_id: ACTIONS.assignRole, value: String(incidentId) },
      { action_id: ACTIONS.postUpdate, value: String(incidentId) },
      { action_id: ACTIONS.resolve, value: String(incidentId) },
      { action_id: ACTIONS.close, value: String(incidentId) },
      { action_id: ACTIONS.addAction, value: String(incidentId) },
      { action_id: ACTIONS.exportReview, value: String(incidentId) },
      { action_id: ACTIONS.actionDone, value: String(actionRow.id) },
    ]) {
      await t.slack.blockAction(people.outsider, click, where);
      await t.settle();
      expect(lastResponse(t), click.action_id).toMatch(/^Only|is for IT staff/);
    }
    const submit = (callback: string, values: Record<string, unknown>) =>
      t.slack.submitView(people.outsider, { id: forms[callback]!.id, ...forms[callback]!.view }, values);
    for (const [callback, values] of [
      [CALLBACKS.update, { [FIELDS.impact]: 'Forged update: click https://evil.example', [FIELDS.actions]: 'none' }],
      [CALLBACKS.resolve, { [FIELDS.resolution]: 'Resolved (not really)' }],
      [CALLBACKS.role, { [FIELDS.role]: 'commander', [FIELDS.user]: people.outsider.id }],
      [CALLBACKS.action, { [FIELDS.actionText]: 'Send me your password', [FIELDS.owner]: people.itManager.id }],
    ] as const) {
      const res = await submit(callback, values);
      expect(res.body?.response_action, callback).toBe('errors');
    }
    await t.settle();
    expect((await incidents(t))[0]).toEqual(before.incident);
    expect(await t.sb.db.selectFrom('incident_actions').selectAll().execute()).toEqual([before.action]);
    expect(await t.sb.db.selectFrom('incident_updates').selectAll().execute()).toEqual(before.updates);
    expect(writes(t)).toBe(sent);
    const audit = await refusalsBy(t, people.outsider.id);
    expect(audit.every((a) => a.action.endsWith('_refused'))).toBe(true);
    // 8 buttons (ack, status, severity, assign role, post update, resolve, close, add action), Mark done, 4 forms
    expect(audit.map((a) => a.action).filter((a) => a === 'incident.action_refused').length).toBe(13);
    expect(audit.map((a) => a.action)).toContain('incident.review_export_refused');
  });

  it('a select naming a status or severity Switchboard never offers is out of date: the commander is told, nothing changes', async () => {
    const before = (await incidents(t))[0];
    const audit = (await t.sb.db.selectFrom('audit_log').select('id').execute()).length;
    for (const click of [
      {
        action_id: ACTIONS.status,
        type: 'static_select',
        block_id: `incident.controls.${incidentId}`,
        selected_option: { value: 'closed' },
      },
      {
        action_id: ACTIONS.severity,
        type: 'static_select',
        block_id: `incident.controls.${incidentId}`,
        selected_option: { value: 'P0' },
      },
      { action_id: ACTIONS.ack, value: 'not-an-incident' },
    ]) {
      const answered = t.fake.responses.length;
      await t.slack.blockAction(people.commander, click, { channel: channelId, ts: '1.1' });
      await t.settle();
      expect(t.fake.responses.length, click.action_id).toBe(answered + 1);
      expect(lastResponse(t), click.action_id).toBe('That button is out of date. Nothing was changed.');
    }
    expect((await incidents(t))[0]).toEqual(before);
    expect((await t.sb.db.selectFrom('audit_log').select('id').execute()).length).toBe(audit);
  });

  it('a valid signature with a made-up incident id changes nothing', async () => {
    const audit = (await t.sb.db.selectFrom('audit_log').select('id').execute()).length;
    for (const action of [
      ACTIONS.ack,
      ACTIONS.resolve,
      ACTIONS.close,
      ACTIONS.exportReview,
      ACTIONS.addAction,
      ACTIONS.assignRole,
    ]) {
      await t.slack.blockAction(
        people.commander,
        { action_id: action, value: '777' },
        { channel: channelId, ts: '1.1' },
      );
      await t.settle();
      expect(lastResponse(t), action).toMatch(/no longer exists/);
    }
    expect((await t.sb.db.selectFrom('audit_log').select('id').execute()).length).toBe(audit);
  });
});
