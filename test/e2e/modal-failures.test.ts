import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/clock.js';
import { startTestApp, type TestApp } from '../support/harness.js';
import { channels, people } from '../../devkit/workspace.js';
import type { Person } from '../../devkit/slack-requests.js';
import { declare } from './incidents-helpers.js';
import { FORM_DID_NOT_OPEN } from '../../commands/reply.js';
import { SHORTCUTS } from '../../views/ids.js';
import { ACTIONS as INCIDENT } from '../../views/incidents/ids.js';
import { TICKET_ACTIONS as TICKET } from '../../views/tickets/ids.js';
import { CHANGE_ACTIONS as CHANGE } from '../../views/changes/ids.js';

/**
 * Every entry point that opens a form, with Slack refusing the views.open (the trigger expired): the
 * person is always told, once, where they acted (ephemerally through the response_url, by DM where
 * there is none), and nothing is recorded.
 */
const MONDAY = '2026-03-02T09:30:00.000Z';
const HOUR = 3_600_000;
const sec = (ms: number) => Math.floor(ms / 1000);

const TEMPLATES = [
  {
    id: 'laptop-patches',
    title: 'Apply monthly OS patches',
    services: ['Laptops'],
    risk: 'low',
    implementation_plan: 'Push via MDM',
    rollback_plan: 'Uninstall via MDM',
    duration: '2h',
  },
];

let t: TestApp;
/** Records the entry points act on, made once through the real forms. */
const records = { ticketId: 0, incidentId: 0, incidentChannel: '', pendingChange: 0, inProgressChange: 0 };

async function submitOpenedForm(who: Person, values: Record<string, unknown>) {
  const { id, view } = t.fake.lastView();
  const res = await t.slack.submitView(who, { id, ...view }, values);
  expect(res.body?.errors).toBeUndefined();
  await t.settle();
}

const changeId = async (key: string) =>
  (await t.sb.db.selectFrom('changes').select('id').where('key', '=', key).executeTakeFirstOrThrow()).id;

beforeAll(async () => {
  t = await startTestApp({ clock: new FakeClock(MONDAY), settings: { changes: { standard_templates: TEMPLATES } } });

  await t.slack.command('/it-help', 'Projector in room 4 is dim', people.requester);
  await t.settle();
  await submitOpenedForm(people.requester, { category: 'hardware' });
  records.ticketId = (await t.sb.db.selectFrom('tickets').select('id').executeTakeFirstOrThrow()).id;

  const incident = await declare(t, people.commander, {
    title: 'Mail delayed',
    severity: 'P2',
    impact: 'Mail takes an hour',
  });
  records.incidentId = incident.incidentId;
  records.incidentChannel = incident.channelId;

  const now = t.clock.now().getTime();
  await t.slack.command('/change', '', people.requester);
  await t.settle();
  await submitOpenedForm(people.requester, {
    change_title: 'Upgrade mail relay',
    change_type: 'normal',
    change_services: ['Email'],
    change_risk: 'low',
    window_start: sec(now + 2 * HOUR),
    window_end: sec(now + 3 * HOUR),
    change_implementer: people.requester.id,
    implementation_plan: 'Drain, upgrade, restore',
    rollback_plan: 'Reinstall previous package',
  });
  records.pendingChange = await changeId('CHG-1');

  await t.slack.command('/change', 'standard laptop-patches', people.requester);
  await t.settle();
  await submitOpenedForm(people.requester, {});
  await t.slack.command('/change', 'start CHG-2', people.requester);
  await t.settle();
  records.inProgressChange = await changeId('CHG-2');
  const statuses = await t.sb.db.selectFrom('changes').select(['key', 'status']).orderBy('id').execute();
  expect(statuses).toEqual([
    { key: 'CHG-1', status: 'pending_approval' },
    { key: 'CHG-2', status: 'in_progress' },
  ]);
}, 60_000);
afterAll(() => t?.stop());

const click = (
  who: Person,
  actionId: string,
  value: number,
  where: { channel: string; ts: string } = { channel: channels.general, ts: '1.000001' },
) => t.slack.blockAction(who, { action_id: actionId, value: String(value) }, where);
const inIncident = () => ({ channel: records.incidentChannel, ts: '1.000001' });

/** What the person was told that the form did not open: ephemeral answers and DMs. */
const toldIn = (who: Person) => ({
  ephemeral: t.fake.responses.filter((r) => r.body?.text === FORM_DID_NOT_OPEN).length,
  dm: t.fake.messagesIn(who.id).filter((m) => m.text === FORM_DID_NOT_OPEN).length,
});

interface EntryPoint {
  name: string;
  who: Person;
  /** Where the person hears of it: the interaction's response_url, or a DM when it has none. */
  told: 'ephemeral' | 'dm';
  act: () => Promise<unknown>;
}

const entryPoints: EntryPoint[] = [
  // Service desk
  {
    name: '/it-help',
    who: people.requester,
    told: 'ephemeral',
    act: () => t.slack.command('/it-help', 'Laptop will not boot', people.requester),
  },
  {
    name: '/it-help kb add',
    who: people.agent,
    told: 'ephemeral',
    act: () => t.slack.command('/it-help', 'kb add', people.agent),
  },
  {
    name: 'the ticket message shortcut',
    who: people.requester,
    told: 'ephemeral',
    act: () => {
      const message = t.fake.addMessage(channels.general, people.requester.id, 'The printer on 2 is out of toner');
      return t.slack.messageShortcut(people.requester, SHORTCUTS.ticketFromMessage, {
        channel: channels.general,
        ts: message.ts,
        text: message.text,
        user: people.requester.id,
      });
    },
  },
  {
    name: 'the ticket Resolve button',
    who: people.agent,
    told: 'ephemeral',
    act: () => click(people.agent, TICKET.resolve, records.ticketId, { channel: channels.triage, ts: '1.000001' }),
  },
  {
    name: 'the ticket Comment button',
    who: people.agent,
    told: 'ephemeral',
    act: () => click(people.agent, TICKET.comment, records.ticketId, { channel: channels.triage, ts: '1.000001' }),
  },
  {
    name: 'the ticket Escalate button',
    who: people.agent,
    told: 'ephemeral',
    act: () => click(people.agent, TICKET.escalate, records.ticketId, { channel: channels.triage, ts: '1.000001' }),
  },
  // Incidents
  {
    name: '/incident (declare)',
    who: people.commander,
    told: 'ephemeral',
    act: () => t.slack.command('/incident', 'declare VPN down', people.commander),
  },
  {
    name: '/incident outside an incident channel',
    who: people.commander,
    told: 'ephemeral',
    act: () => t.slack.command('/incident', '', people.commander),
  },
  {
    name: 'the incident message shortcut',
    who: people.agent,
    told: 'ephemeral',
    act: () => {
      const message = t.fake.addMessage(channels.general, people.requester.id, 'Wi-Fi keeps dropping on floor 3');
      return t.slack.messageShortcut(people.agent, SHORTCUTS.incidentFromMessage, {
        channel: channels.general,
        ts: message.ts,
        text: message.text,
        user: people.requester.id,
      });
    },
  },
  {
    name: '/incident update',
    who: people.commander,
    told: 'ephemeral',
    act: () => t.slack.command('/incident', 'update', people.commander, records.incidentChannel),
  },
  {
    name: '/incident resolve',
    who: people.commander,
    told: 'ephemeral',
    act: () => t.slack.command('/incident', 'resolve', people.commander, records.incidentChannel),
  },
  {
    name: 'the Assign role button',
    who: people.commander,
    told: 'ephemeral',
    act: () => click(people.commander, INCIDENT.assignRole, records.incidentId, inIncident()),
  },
  {
    name: 'the Post update button',
    who: people.commander,
    told: 'ephemeral',
    act: () => click(people.commander, INCIDENT.postUpdate, records.incidentId, inIncident()),
  },
  {
    name: 'the incident Resolve button',
    who: people.commander,
    told: 'ephemeral',
    act: () => click(people.commander, INCIDENT.resolve, records.incidentId, inIncident()),
  },
  {
    name: 'the Add follow-up action button',
    who: people.commander,
    told: 'ephemeral',
    act: () => click(people.commander, INCIDENT.addAction, records.incidentId, inIncident()),
  },
  // Changes
  {
    name: '/change',
    who: people.requester,
    told: 'ephemeral',
    act: () => t.slack.command('/change', '', people.requester),
  },
  {
    name: '/change standard (the template picker)',
    who: people.requester,
    told: 'ephemeral',
    act: () => t.slack.command('/change', 'standard', people.requester),
  },
  {
    name: '/change standard <template>',
    who: people.requester,
    told: 'ephemeral',
    act: () => t.slack.command('/change', 'standard laptop-patches', people.requester),
  },
  {
    name: '/change edit',
    who: people.requester,
    told: 'ephemeral',
    act: () => t.slack.command('/change', 'edit CHG-1', people.requester),
  },
  {
    name: '/change close',
    who: people.requester,
    told: 'ephemeral',
    act: () => t.slack.command('/change', 'close CHG-2', people.requester),
  },
  {
    name: 'the change Reject button',
    who: people.approver,
    told: 'ephemeral',
    act: () =>
      click(people.approver, CHANGE.reject, records.pendingChange, { channel: channels.changes, ts: '1.000001' }),
  },
  {
    name: 'the change Reject button in the App Home (no response_url)',
    who: people.approver,
    told: 'dm',
    act: () => {
      const { response_url: _none, ...payload } = t.slack.blockActionPayload(
        people.approver,
        { action_id: CHANGE.reject, value: String(records.pendingChange) },
        { view: { id: 'VHOME0001', type: 'home' } },
      );
      return t.slack.interactive(payload);
    },
  },
  {
    name: 'the change Ask button',
    who: people.approver,
    told: 'ephemeral',
    act: () => click(people.approver, CHANGE.ask, records.pendingChange, { channel: channels.changes, ts: '1.000001' }),
  },
  {
    name: 'the change Postpone button',
    who: people.requester,
    told: 'ephemeral',
    act: () =>
      click(people.requester, CHANGE.postpone, records.pendingChange, { channel: channels.changes, ts: '1.000001' }),
  },
  {
    name: 'the change Close out button',
    who: people.requester,
    told: 'ephemeral',
    act: () =>
      click(people.requester, CHANGE.closeout, records.inProgressChange, { channel: channels.changes, ts: '1.000001' }),
  },
];

describe('a form Slack will not open is never silent', () => {
  it.each(entryPoints)('$name: the person is told once, nothing is recorded', async ({ who, told, act }) => {
    const opensBefore = t.fake.calls.filter((c) => c.method === 'views.open').length;
    const toldBefore = toldIn(who);
    const recordsBefore = await t.sb.db.selectFrom('audit_log').select('id').execute();
    t.fake.failNext('views.open', { error: 'expired_trigger_id' });

    const res = await act();
    expect((res as { status: number }).status).toBe(200);
    await t.settle();

    const opens = t.fake.calls.filter((c) => c.method === 'views.open').slice(opensBefore);
    expect(
      opens.map((c) => c.answer.error),
      'one views.open, refused',
    ).toEqual(['expired_trigger_id']);
    const toldAfter = toldIn(who);
    expect({ ephemeral: toldAfter.ephemeral - toldBefore.ephemeral, dm: toldAfter.dm - toldBefore.dm }).toEqual(
      told === 'ephemeral' ? { ephemeral: 1, dm: 0 } : { ephemeral: 0, dm: 1 },
    );
    expect(await t.sb.db.selectFrom('audit_log').select('id').execute()).toEqual(recordsBefore);
  });
});
