import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeClock } from '../../src/clock.js';
import { startTestApp, type TestApp } from '../support/harness.js';
import { channels, people } from '../../devkit/workspace.js';
import type { Person } from '../../devkit/slack-requests.js';
import { FORM_DID_NOT_OPEN } from '../../commands/reply.js';

/**
 * Whoever comments, cancels, reopens or adds a knowledge-base article hears that it worked; Waiting
 * on requester asks the agent what is needed and gives the requester the question.
 */
const S = 1000;
const tickets = (t: TestApp) => t.sb.db.selectFrom('tickets').selectAll().orderBy('id').execute();
const triagePost = (t: TestApp, key: string) =>
  t.fake.messagesIn(channels.triage).find((m) => !m.thread_ts && m.text.startsWith(key))!;
const threadOf = (t: TestApp, ts: string) => t.fake.messagesIn(channels.triage).filter((m) => m.thread_ts === ts);
const dmsTo = (t: TestApp, user: Person) => t.fake.messagesIn(user.id).map((m) => m.text);
const ephemeralsTo = (t: TestApp, user: Person) =>
  t.fake.calls.filter((c) => c.method === 'chat.postEphemeral' && c.args.user === user.id);
const audited = (t: TestApp, action: string) =>
  t.sb.db.selectFrom('audit_log').selectAll().where('action', '=', action).execute();
const button = (message: { blocks?: any[] }, actionId: string) =>
  message
    .blocks!.flatMap((b: any) =>
      b.type === 'actions'
        ? b.elements.map((e: any) => ({ ...e, block_id: b.block_id }))
        : b.accessory
          ? [{ ...b.accessory, block_id: b.block_id }]
          : [],
    )
    .find((e: any) => e.action_id === actionId);

function openedModal(t: TestApp) {
  const { id, view } = t.fake.lastView();
  return { id, ...view };
}

async function fileTicket(t: TestApp, who: Person, summary: string) {
  await t.slack.command('/it-help', summary, who);
  await t.settle();
  await t.slack.submitView(who, openedModal(t), { category: 'hardware' });
  await t.settle();
  return (await tickets(t)).at(-1)!;
}

async function claim(t: TestApp, key: string) {
  const post = triagePost(t, key);
  await t.slack.blockAction(people.agent, button(post, 'ticket.claim'), { channel: channels.triage, ts: post.ts });
  await t.settle();
}

/** Clicks a button on a message in a DM (or the triage channel) as `who`. */
async function click(
  t: TestApp,
  who: Person,
  message: { channel: string; ts: string; blocks?: any[] },
  actionId: string,
) {
  await t.slack.blockAction(who, button(message, actionId), { channel: message.channel, ts: message.ts });
  await t.settle();
}

describe('service desk: confirmations', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await startTestApp({ clock: new FakeClock(new Date()) });
  });
  afterEach(() => t.stop());

  it('confirms a comment by DM to whoever wrote it, naming the ticket', async () => {
    await fileTicket(t, people.requester, 'Monitor flickers');
    await click(t, people.requester, t.fake.messagesIn(people.requester.id).at(-1)!, 'ticket.comment');
    await t.slack.submitView(people.requester, openedModal(t), { comment: 'It started after the update' });
    await t.settle();
    expect(dmsTo(t, people.requester).at(-1)).toBe('Your comment on *IT-1* was added.');

    // An agent's comment (Message requester) goes to the requester; the agent is told it went.
    const post = triagePost(t, 'IT-1');
    await click(t, people.agent, post, 'ticket.comment');
    await t.slack.submitView(people.agent, openedModal(t), { comment: 'Can you send a photo?' });
    await t.settle();
    expect(dmsTo(t, people.agent).at(-1)).toBe('Your comment on *IT-1* was added. The requester gets it by DM.');
    expect(dmsTo(t, people.requester).at(-1)).toContain('Can you send a photo?');
    expect(dmsTo(t, people.requester).filter((text) => text.startsWith('Your comment'))).toHaveLength(1);
  });

  it('confirms a cancel with a note only the requester sees, where they clicked', async () => {
    await fileTicket(t, people.requester, 'Need a second monitor');
    await claim(t, 'IT-1');
    const dm = t.fake.messagesIn(people.requester.id).at(-1)!;
    await click(t, people.requester, dm, 'ticket.cancel');
    expect((await tickets(t))[0]!.status).toBe('cancelled');
    expect(
      ephemeralsTo(t, people.requester).map((c) => ({ channel: c.args.channel, text: c.args.text, ok: c.answer.ok })),
    ).toEqual([{ channel: dm.channel, text: expect.stringMatching(/^You cancelled \*IT-1\*/), ok: true }]);
    expect(dmsTo(t, people.requester).some((text) => text.startsWith('You cancelled'))).toBe(false);
    expect(dmsTo(t, people.agent).at(-1)).toContain('The requester cancelled *IT-1*');
  });

  it('confirms a cancel by DM when Slack will not show a note where the click was', async () => {
    // /it-help IT-1 in a private channel the bot is not in: the card comes by response_url, a note there is refused.
    t.fake.addChannel('CNOBOT001', 'private-team', [people.requester.id], { isPrivate: true });
    await fileTicket(t, people.requester, 'Headset crackles');
    await t.slack.command('/it-help', 'IT-1', people.requester, 'CNOBOT001');
    await t.settle();
    const card = t.fake.responses.at(-1)!.body;
    await t.slack.blockAction(people.requester, button(card, 'ticket.cancel'), {
      channel: 'CNOBOT001',
      ts: '1700000000.000100',
    });
    await t.settle();
    expect((await tickets(t))[0]!.status).toBe('cancelled');
    expect(ephemeralsTo(t, people.requester).map((c) => c.answer.error)).toEqual(['not_in_channel']);
    expect(dmsTo(t, people.requester).at(-1)).toMatch(/^You cancelled \*IT-1\*/);
  });

  it('confirms a reopen to whoever reopened it and tells the assignee', async () => {
    await fileTicket(t, people.requester, 'VPN drops every hour');
    await claim(t, 'IT-1');
    await click(t, people.agent, triagePost(t, 'IT-1'), 'ticket.resolve');
    await t.slack.submitView(people.agent, openedModal(t), {
      resolution_note: 'Updated the client',
      resolution_code: 'fixed',
    });
    await t.settle();
    const resolved = t.fake.messagesIn(people.requester.id).at(-1)!;
    await click(t, people.requester, resolved, 'ticket.reopen');
    expect((await tickets(t))[0]!.status).toBe('in_progress');
    expect(ephemeralsTo(t, people.requester).map((c) => c.args)).toEqual([
      expect.objectContaining({
        channel: resolved.channel,
        text: `You reopened *IT-1*; it is open again. <@${people.agent.id}> has it again and was told.`,
      }),
    ]);
    expect(dmsTo(t, people.agent).at(-1)).toContain('reopened *IT-1*');
  });

  it('confirms a new knowledge-base article to its author by DM with its id and title', async () => {
    await t.slack.command('/it-help', 'kb add', people.agent);
    await t.settle();
    await t.slack.submitView(people.agent, openedModal(t), {
      kb_title: 'Reset your <VPN> password',
      kb_body: 'Go to https://id.example.com and choose Reset.',
    });
    await t.settle();
    const [article] = await t.sb.db.selectFrom('kb_articles').selectAll().execute();
    expect(dmsTo(t, people.agent).at(-1)).toMatch(
      new RegExp(`^Added \\*KB-${article!.id}\\* to the knowledge base: Reset your &lt;VPN&gt; password\\.`),
    );
  });
});

describe('service desk: waiting on requester asks what is needed', () => {
  let t: TestApp;
  let clock: FakeClock;
  beforeEach(async () => {
    clock = new FakeClock(new Date());
    t = await startTestApp({ clock, settings: { slack: { role_cache_ttl: '1s' } } });
  });
  afterEach(() => t.stop());

  it('opens the form before a slow role look-up, DMs the requester the question with Add a comment, and records it in the thread', async () => {
    await fileTicket(t, people.requester, 'Laptop will not boot');
    await claim(t, 'IT-1');
    const post = triagePost(t, 'IT-1');
    clock.advance(2 * S); // the agents group is looked up in Slack again
    // Slower than a trigger_id lives: a form opened after the look-up would be refused.
    t.fake.failNext('usergroups.users.list', { delayMs: 3200 });
    const since = t.fake.calls.length;
    await t.slack.blockAction(people.agent, button(post, 'ticket.wait'), { channel: channels.triage, ts: post.ts });
    await vi.waitFor(
      () => expect(t.fake.calls.slice(since).filter((c) => c.method === 'usergroups.users.list')).toHaveLength(1),
      { timeout: 6000, interval: 20 },
    );
    const [opened, lookup] = ['views.open', 'usergroups.users.list'].map((method) =>
      t.fake.calls.slice(since).find((c) => c.method === method)!,
    );
    expect(opened!.answer.ok).toBe(true);
    expect(lookup!.at - lookup!.arrivedAt).toBeGreaterThanOrEqual(3000);
    expect(opened!.arrivedAt).toBeLessThan(lookup!.arrivedAt);
    await t.settle();
    const modal = openedModal(t);
    expect(modal.callback_id).toBe('ticket.wait_modal');
    expect(modal.blocks[0]).toMatchObject({
      type: 'input',
      block_id: 'question',
      element: { type: 'plain_text_input', max_length: 1000 },
    });
    expect((await tickets(t))[0]!.status).toBe('in_progress'); // nothing changes until the agent says what they need

    const res = await t.slack.submitView(people.agent, modal, {
      question: 'Which room are you in, and is the <!here> light on?',
    });
    expect(res.body ?? {}).not.toHaveProperty('response_action');
    await t.settle();
    expect((await tickets(t))[0]).toMatchObject({
      status: 'waiting_on_requester',
      hold_reason: 'waiting_on_requester',
    });
    const dm = t.fake.messagesIn(people.requester.id).at(-1)!;
    expect(dm.text).toContain('needs something from you to continue');
    expect(dm.text).toContain('>Which room are you in, and is the &lt;!here&gt; light on?');
    expect(button(dm, 'ticket.comment')).toMatchObject({ text: { text: 'Add a comment' } });
    expect(threadOf(t, post.ts).at(-1)!.text).toMatch(
      /is waiting on the requester; the SLA clock is paused\. Asked:\n>Which room are you in/,
    );
    const history = await t.sb.db
      .selectFrom('ticket_events')
      .select(['kind', 'body'])
      .where('kind', '=', 'wait_on_requester')
      .execute();
    expect(history).toEqual([{ kind: 'wait_on_requester', body: expect.stringContaining('Which room are you in') }]);

    // The requester answers with the button under the question: the ticket is back with the agent.
    await click(t, people.requester, dm, 'ticket.comment');
    await t.slack.submitView(people.requester, openedModal(t), { comment: 'Room 4; the light is off' });
    await t.settle();
    expect((await tickets(t))[0]).toMatchObject({ status: 'in_progress', hold_reason: null });
  }, 15_000);

  it('refuses an empty or too long question inline, changing nothing', async () => {
    await fileTicket(t, people.requester, 'Printer jams');
    const post = triagePost(t, 'IT-1');
    await click(t, people.agent, post, 'ticket.wait');
    const modal = openedModal(t);
    const before = t.fake.messagesIn(people.requester.id).length;
    const empty = await t.slack.submitView(people.agent, modal, { question: '   ' });
    expect(empty.body).toEqual({
      response_action: 'errors',
      errors: { question: 'Say what you need from the requester.' },
    });
    const long = await t.slack.submitView(people.agent, modal, { question: 'x'.repeat(1001) });
    expect(long.body).toEqual({ response_action: 'errors', errors: { question: 'At most 1000 characters.' } });
    await t.settle();
    expect((await tickets(t))[0]!.status).toBe('new');
    expect(t.fake.messagesIn(people.requester.id)).toHaveLength(before);
  });

  it("an outsider's click shows the refusal in place of the form, and a submission is refused, audited and changes nothing", async () => {
    const ticket = await fileTicket(t, people.requester, 'Wi-Fi drops');
    const post = triagePost(t, 'IT-1');
    await click(t, people.outsider, post, 'ticket.wait');
    const opened = t.fake.views.find((v) => v.method === 'views.open' && v.view.callback_id === 'ticket.wait_modal')!;
    const replaced = t.fake.views.at(-1)!;
    expect(replaced).toMatchObject({ id: opened.id, method: 'views.update' });
    expect(JSON.stringify(replaced.view.blocks)).toMatch(/Only service-desk agents can do that/);
    expect(await audited(t, 'ticket.wait_on_requester_refused')).toHaveLength(1);

    const requesterDms = t.fake.messagesIn(people.requester.id).length;
    const thread = threadOf(t, post.ts).length;
    const res = await t.slack.submitView(
      people.outsider,
      { id: opened.id, ...opened.view },
      { question: 'Send me your password' },
    );
    expect(res.body).toMatchObject({
      response_action: 'errors',
      errors: { question: expect.stringMatching(/Only service-desk agents can do that/) },
    });
    await t.settle();
    expect((await tickets(t))[0]).toEqual(ticket);
    expect(t.fake.messagesIn(people.requester.id)).toHaveLength(requesterDms);
    expect(threadOf(t, post.ts)).toHaveLength(thread);
    const refusals = await audited(t, 'ticket.wait_on_requester_refused');
    expect(refusals.map((r) => ({ actor: r.actor_id, key: r.record_key, source: r.source }))).toEqual([
      { actor: people.outsider.id, key: 'IT-1', source: 'button' },
      { actor: people.outsider.id, key: 'IT-1', source: 'modal' },
    ]);
  });

  it('tells the agent when Slack would not open the form', async () => {
    await fileTicket(t, people.requester, 'Projector in room 4 is dim');
    const post = triagePost(t, 'IT-1');
    t.fake.failNext('views.open', { error: 'expired_trigger_id' });
    const before = t.fake.responses.length;
    await click(t, people.agent, post, 'ticket.wait');
    expect(
      t.fake.responses
        .slice(before)
        .map((r) => r.body.text)
        .join(),
    ).toContain(FORM_DID_NOT_OPEN);
    expect((await tickets(t))[0]!.status).toBe('new');
  });
});
