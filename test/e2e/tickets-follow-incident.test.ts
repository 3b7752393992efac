import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/clock.js';
import { startTestApp, type TestApp } from '../support/harness.js';
import { channels, people } from '../../devkit/workspace.js';
import { FIELDS } from '../../views/incidents/ids.js';
import { allText, waitFor } from './incidents-helpers.js';

type Person = { id: string; name: string };
const SEC = 1000;

async function fileTicket(t: TestApp, who: Person, summary: string) {
  await t.slack.command('/it-help', summary, who);
  await t.settle();
  const { id, view } = t.fake.lastView();
  await t.slack.submitView(who, { id, ...view }, { category: 'hardware' });
  await t.settle();
}
async function tick(t: TestApp, ms: number) {
  (t.clock as FakeClock).advance(ms);
  await t.sb.runner.sweep();
  await t.sb.runner.sweep();
  await t.settle();
}
const ticket = (t: TestApp, key: string) =>
  t.sb.db.selectFrom('tickets').selectAll().where('key', '=', key).executeTakeFirstOrThrow();
const triagePost = (t: TestApp, key: string) =>
  t.fake.messagesIn(channels.triage).find((m) => !m.thread_ts && m.text.startsWith(key))!;
const button = (message: { blocks?: any[] }, actionId: string) =>
  message
    .blocks!.flatMap((b: any) => (b.type === 'actions' ? b.elements : []))
    .find((e: any) => e.action_id === actionId);

describe('tickets escalated to an incident follow it', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await startTestApp({
      clock: new FakeClock(new Date()),
      settings: { sla: { policies: { P4: { first_response: '60s', resolution: '120s', calendar: '24x7' } } } },
    });
  });
  afterEach(() => t.stop());

  async function escalate(key: string, title: string) {
    const post = triagePost(t, key);
    await t.slack.blockAction(people.agent, button(post, 'ticket.escalate'), { channel: channels.triage, ts: post.ts });
    await waitFor(() => t.fake.views.some((v) => v.view.callback_id === 'incident.declare'));
    const view = t.fake.lastView();
    await t.slack.submitView(
      people.agent,
      { id: view.id, ...view.view },
      { [FIELDS.title]: title, [FIELDS.severity]: 'P3', [FIELDS.impact]: 'Some people' },
    );
    await t.settle();
    const ref = await t.sb.db
      .selectFrom('slack_refs')
      .selectAll()
      .where('key', 'like', 'incident/%/channel')
      .orderBy('updated_at', 'desc')
      .executeTakeFirstOrThrow();
    return ref.channel;
  }

  it("pauses the linked ticket's SLA while the incident is open, then resolves it with the incident and tells the requester", async () => {
    await fileTicket(t, people.requester, 'Cannot reach the file share');
    const channelId = await escalate('IT-1', 'File share down');
    let row = await ticket(t, 'IT-1');
    expect(row).toMatchObject({ incident_id: 1, hold_reason: 'waiting_on_incident', status: 'new' });
    expect(button(triagePost(t, 'IT-1'), 'ticket.unlink')).toBeDefined();

    // Well past both targets: nothing breaches while the incident is open.
    await tick(t, 300 * SEC);
    row = await ticket(t, 'IT-1');
    expect(row.resolution_breached).toBe(0);
    expect(t.fake.messagesIn(channels.triage).some((m) => m.text.includes('SLA breached'))).toBe(false);

    await t.slack.command('/incident', 'resolve', people.agent, channelId);
    await waitFor(() => t.fake.views.some((v) => v.view.callback_id === 'incident.resolve'));
    const resolve = t.fake.lastView();
    await t.slack.submitView(
      people.agent,
      { id: resolve.id, ...resolve.view },
      { [FIELDS.resolution]: 'Restarted the storage controller' },
    );
    await t.settle();
    row = await ticket(t, 'IT-1');
    expect(row).toMatchObject({
      status: 'resolved',
      resolution_code: 'fixed',
      hold_reason: null,
      resolution_breached: 0,
    });
    expect(row.resolution_note).toBe('Resolved with incident INC-1: Restarted the storage controller');
    const dms = t.fake.messagesIn(people.requester.id);
    const resolvedDm = dms.find((m) => m.text.startsWith('*IT-1* is resolved'))!;
    expect(resolvedDm).toBeDefined();
    expect(allText([resolvedDm])).toContain('Restarted the storage controller');
    expect(allText([resolvedDm])).toContain('ticket.rate');
    // Not overdue in the agents' queue any more.
    const open = await t.sb.db
      .selectFrom('tickets')
      .select('key')
      .where('status', 'in', ['new', 'in_progress', 'waiting_on_requester'])
      .execute();
    expect(open).toEqual([]);
  });

  it('refuses an outsider who clicks Unlink: audited, the ticket still follows the incident, nobody told otherwise', async () => {
    await fileTicket(t, people.requester, 'Printer offline');
    await escalate('IT-1', 'Printers offline');
    const before = await ticket(t, 'IT-1');
    const requesterDms = t.fake.messagesIn(people.requester.id).length;
    const post = triagePost(t, 'IT-1');
    await t.slack.blockAction(people.outsider, button(post, 'ticket.unlink'), {
      channel: channels.triage,
      ts: post.ts,
    });
    await t.settle();
    expect(await ticket(t, 'IT-1')).toEqual(before);
    expect(t.fake.messagesIn(people.requester.id)).toHaveLength(requesterDms);
    expect(t.fake.messagesIn(channels.triage).some((m) => m.text.includes('unlinked the ticket'))).toBe(false);
    const audit = await t.sb.db
      .selectFrom('audit_log')
      .select(['action', 'record_key'])
      .where('actor_id', '=', people.outsider.id)
      .execute();
    expect(audit).toEqual([{ action: 'ticket.unlink_refused', record_key: 'IT-1' }]);
    expect(button(triagePost(t, 'IT-1'), 'ticket.unlink')).toBeDefined();
  });

  it('lets an agent unlink a ticket: its clock runs again and it is not resolved with the incident', async () => {
    await fileTicket(t, people.requester, 'Laptop is slow');
    const channelId = await escalate('IT-1', 'Slow laptops');
    const post = triagePost(t, 'IT-1');
    await t.slack.blockAction(people.outsider, button(post, 'ticket.unlink'), {
      channel: channels.triage,
      ts: post.ts,
    });
    await t.settle();
    expect((await ticket(t, 'IT-1')).incident_id).toBe(1);
    await t.slack.blockAction(people.agent, button(post, 'ticket.unlink'), { channel: channels.triage, ts: post.ts });
    await t.settle();
    let row = await ticket(t, 'IT-1');
    expect(row).toMatchObject({ incident_id: null, hold_reason: null });
    expect(button(triagePost(t, 'IT-1'), 'ticket.unlink')).toBeUndefined();
    expect(
      t.fake
        .messagesIn(channels.triage)
        .some((m) => m.thread_ts === post.ts && m.text.includes('unlinked the ticket from INC-1')),
    ).toBe(true);
    expect(t.fake.messagesIn(people.requester.id).some((m) => m.text.includes('not as part of INC-1'))).toBe(true);

    await t.slack.command('/incident', 'resolve', people.agent, channelId);
    await waitFor(() => t.fake.views.some((v) => v.view.callback_id === 'incident.resolve'));
    const resolve = t.fake.lastView();
    await t.slack.submitView(people.agent, { id: resolve.id, ...resolve.view }, { [FIELDS.resolution]: 'Patched' });
    await t.settle();
    row = await ticket(t, 'IT-1');
    expect(row.status).not.toBe('resolved');
  });
});
