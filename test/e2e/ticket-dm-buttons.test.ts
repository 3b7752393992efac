import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/clock.js';
import { startTestApp, type TestApp } from '../support/harness.js';
import { people, channels } from '../../devkit/workspace.js';

async function fileTicket(t: TestApp, who: { id: string; name: string }, summary: string) {
  await t.slack.command('/it-help', summary, who);
  await t.settle();
  const { id, view } = t.fake.lastView();
  await t.slack.submitView(who, { id, ...view }, { category: 'hardware' });
  await t.settle();
}

const ticket = (t: TestApp) =>
  t.sb.db.selectFrom('tickets').selectAll().where('key', '=', 'IT-1').executeTakeFirstOrThrow();
const triagePost = (t: TestApp) =>
  t.fake.messagesIn(channels.triage).find((m) => !m.thread_ts && m.text.startsWith('IT-1'))!;
const buttons = (message: { blocks?: any[] }) =>
  (message.blocks ?? []).flatMap((b: any) =>
    b.type === 'actions' ? b.elements.map((e: any) => ({ ...e, block_id: b.block_id })) : [],
  );
const button = (message: { blocks?: any[] }, actionId: string) =>
  buttons(message).find((e: any) => e.action_id === actionId);
const contextLines = (message: { blocks?: any[] }) =>
  (message.blocks ?? [])
    .filter((b: any) => b.type === 'context')
    .flatMap((b: any) => b.elements.map((e: any) => e.text));
const dmsTo = (t: TestApp, who: { id: string }) => t.fake.messagesIn(who.id).filter((m) => m.text.includes('IT-1'));

async function resolve(t: TestApp, agent: { id: string; name: string }) {
  const post = triagePost(t);
  await t.slack.blockAction(agent, button(post, 'ticket.resolve'), { channel: channels.triage, ts: post.ts });
  await t.settle();
  const { id, view } = t.fake.lastView();
  await t.slack.submitView(
    agent,
    { id, ...view },
    { resolution_note: 'Replaced the VPN profile', resolution_code: 'fixed' },
  );
  await t.settle();
}

describe('service desk: buttons on older DMs follow the ticket', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await startTestApp({ clock: new FakeClock(new Date()) });
  });
  afterEach(() => t.stop());

  it("takes Cancel off the requester's DMs once the ticket is resolved, keeping their text and saying so", async () => {
    await fileTicket(t, people.requester, 'VPN drops every hour');
    const post = triagePost(t);
    await t.slack.blockAction(people.agent, button(post, 'ticket.claim'), { channel: channels.triage, ts: post.ts });
    await t.settle();
    const before = dmsTo(t, people.requester);
    // The receipt and "is working on your request", each with Add a comment and Cancel request.
    expect(before).toHaveLength(2);
    for (const dm of before) expect(button(dm, 'ticket.cancel')).toBeDefined();
    const texts = before.map((dm) => dm.text);
    const receiptLink = JSON.stringify(before[0]!.blocks).match(/https:\/\/[a-z.]*slack\.com\/archives\/[^|"]+/)![0];

    await resolve(t, people.agent);

    const [receipt, working, resolved] = dmsTo(t, people.requester);
    for (const dm of [receipt!, working!]) {
      expect(button(dm, 'ticket.cancel')).toBeUndefined();
      expect(button(dm, 'ticket.comment')).toBeUndefined();
      expect(contextLines(dm)).toContain(`IT-1 is resolved by <@${people.agent.id}>.`);
    }
    expect([receipt!.text, working!.text]).toEqual(texts);
    // The receipt keeps its link to the triage post.
    expect(JSON.stringify(receipt!.blocks)).toContain(receiptLink);
    // The resolution DM itself comes with the buttons that fit now.
    expect(button(resolved!, 'ticket.rate.5')).toBeDefined();
    expect(button(resolved!, 'ticket.reopen')).toBeDefined();

    // Rated, then reopened: the rating buttons go first, then Reopen.
    await t.slack.blockAction(people.requester, button(resolved!, 'ticket.rate.4'), {
      channel: resolved!.channel,
      ts: resolved!.ts,
    });
    await t.settle();
    let edited = t.fake.message(resolved!.channel, resolved!.ts)!;
    expect(button(edited, 'ticket.rate.4')).toBeUndefined();
    expect(button(edited, 'ticket.reopen')).toBeDefined();
    expect(contextLines(edited)).toContain('IT-1 is already rated ★★★★☆.');

    await t.slack.blockAction(people.requester, button(edited, 'ticket.reopen'), {
      channel: resolved!.channel,
      ts: resolved!.ts,
    });
    await t.settle();
    edited = t.fake.message(resolved!.channel, resolved!.ts)!;
    expect(buttons(edited)).toEqual([]);
    expect(contextLines(edited)).toContain('IT-1 was reopened.');
    expect((await ticket(t)).status).toBe('in_progress');
  });

  it('refuses a click on a stale DM button before its removal lands, changing nothing, and audits it', async () => {
    await fileTicket(t, people.requester, 'Laptop will not charge');
    const receipt = dmsTo(t, people.requester)[0]!;
    const cancel = button(receipt, 'ticket.cancel');
    expect(cancel).toBeDefined();

    // Slack is down for edits: the DM still shows Cancel after the ticket is resolved.
    t.fake.failNext('chat.update', { status: 503 }, 50);
    await resolve(t, people.agent);
    expect((await ticket(t)).status).toBe('resolved');
    expect(button(t.fake.message(receipt.channel, receipt.ts)!, 'ticket.cancel')).toBeDefined();

    const answered = t.fake.responses.length;
    await t.slack.blockAction(people.requester, cancel, { channel: receipt.channel, ts: receipt.ts });
    await t.settle();
    expect(t.fake.responses.slice(answered).map((r) => r.body.text)).toEqual([
      `That button is out of date: IT-1 is resolved by <@${people.agent.id}>. Nothing was changed.`,
    ]);
    const after = await ticket(t);
    expect(after).toMatchObject({ status: 'resolved', cancelled_at: null });
    const refusals = await t.sb.db
      .selectFrom('audit_log')
      .selectAll()
      .where('action', '=', 'ticket.cancel_refused')
      .execute();
    expect(refusals).toHaveLength(1);
    expect(refusals[0]).toMatchObject({ actor_id: people.requester.id, record_key: 'IT-1', source: 'button' });
    expect(refusals[0]!.detail).toContain('out of date');
    expect(
      await t.sb.db.selectFrom('audit_log').select('id').where('action', '=', 'ticket.cancel').execute(),
    ).toHaveLength(0);

    // Add a comment on the same stale row opens no form (the check before a form applies the same rule).
    const views = t.fake.views.length;
    await t.slack.blockAction(people.requester, button(receipt, 'ticket.comment'), {
      channel: receipt.channel,
      ts: receipt.ts,
    });
    await t.settle();
    expect(t.fake.responses.at(-1)!.body.text).toMatch(/^That button is out of date: IT-1 is resolved/);
    expect(t.fake.views.length).toBe(views);
  });

  it("takes the agent's buttons off the old assignee's DM when the ticket is handed to someone else", async () => {
    await fileTicket(t, people.requester, 'Monitor flickers');
    const assign = (to: string) => ({
      action_id: 'ticket.assign',
      block_id: 'ticket.actions.1',
      type: 'users_select',
      selected_user: to,
    });
    await t.slack.blockAction(people.agent, assign(people.agent2.id), {
      channel: channels.triage,
      ts: triagePost(t).ts,
    });
    await t.settle();
    const assigned = dmsTo(t, people.agent2).at(-1)!;
    expect(button(assigned, 'ticket.resolve')).toBeDefined();

    await t.slack.blockAction(people.agent, assign(people.agent.id), {
      channel: channels.triage,
      ts: triagePost(t).ts,
    });
    await t.settle();
    const edited = t.fake.message(assigned.channel, assigned.ts)!;
    expect(buttons(edited)).toEqual([]);
    expect(edited.text).toBe(assigned.text);
    expect(contextLines(edited)).toContain(`IT-1 is now assigned to <@${people.agent.id}>.`);
    // The requester's buttons still apply: the ticket is open.
    for (const dm of dmsTo(t, people.requester)) expect(button(dm, 'ticket.cancel')).toBeDefined();
  });
});
