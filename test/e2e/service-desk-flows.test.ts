import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/clock.js';
import { startTestApp, type TestApp } from '../support/harness.js';
import { channels, people } from '../../devkit/workspace.js';
import { waitFor } from './incidents-helpers.js';

type Person = { id: string; name: string };

async function fileTicket(t: TestApp, who: Person, summary: string, values: Record<string, unknown> = {}) {
  await t.slack.command('/it-help', summary, who);
  await t.settle();
  const { id, view } = t.fake.lastView();
  await t.slack.submitView(who, { id, ...view }, { category: 'hardware', ...values });
  await t.settle();
}

const ticket = (t: TestApp, key = 'IT-1') =>
  t.sb.db.selectFrom('tickets').selectAll().where('key', '=', key).executeTakeFirstOrThrow();
const triagePost = (t: TestApp, key = 'IT-1') =>
  t.fake.messagesIn(channels.triage).find((m) => !m.thread_ts && m.text.startsWith(key))!;
const actionIds = (blocks: any[] | undefined) =>
  (blocks ?? [])
    .flatMap((b: any) => (b.type === 'actions' ? b.elements : b.accessory ? [b.accessory] : []))
    .map((e: any) => e.action_id as string);
const lastResponse = (t: TestApp) => t.fake.responses.at(-1)!.body;

describe('service desk: who gets which buttons', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await startTestApp({ clock: new FakeClock(new Date()) });
  });
  afterEach(() => t.stop());

  it('gives the assignee the agent buttons in "assigned to you", never the requester\'s', async () => {
    await fileTicket(t, people.requester, 'Monitor flickers');
    const post = triagePost(t);
    const assign = {
      action_id: 'ticket.assign',
      block_id: `ticket.actions.1`,
      type: 'users_select',
      selected_user: people.agent2.id,
    };
    await t.slack.blockAction(people.agent, assign, { channel: channels.triage, ts: post.ts });
    await t.settle();
    const dm = t.fake.messagesIn(people.agent2.id).find((m) => m.text.includes('assigned'))!;
    expect(dm).toBeDefined();
    const ids = actionIds(dm.blocks);
    expect(ids).toEqual(expect.arrayContaining(['ticket.comment', 'ticket.resolve', 'ticket.wait']));
    expect(ids).not.toContain('ticket.cancel');
    expect(JSON.stringify(dm.blocks)).not.toContain('Add a comment');
    expect(JSON.stringify(dm.blocks)).not.toContain('Cancel request');
  });

  it('asks before a Claim takes a ticket from its assignee, and tells that assignee', async () => {
    await fileTicket(t, people.requester, 'Laptop will not charge');
    const post = triagePost(t);
    const claim = { action_id: 'ticket.claim', value: '1' };
    await t.slack.blockAction(people.agent, claim, { channel: channels.triage, ts: post.ts });
    await t.settle();
    expect((await ticket(t)).assignee_id).toBe(people.agent.id);

    // A stale Claim by another agent: nothing changes, a question is asked.
    await t.slack.blockAction(people.agent2, claim, { channel: channels.triage, ts: post.ts });
    await t.settle();
    expect((await ticket(t)).assignee_id).toBe(people.agent.id);
    const prompt = lastResponse(t);
    expect(prompt.text).toContain('assigned to someone else');
    expect(JSON.stringify(prompt.blocks)).toContain(`Take it from <@${people.agent.id}>?`);
    const take = prompt.blocks
      .flatMap((b: any) => b.elements ?? [])
      .find((e: any) => e.action_id === 'ticket.take_over');

    await t.slack.blockAction(people.agent2, take, { channel: channels.triage, ts: post.ts });
    await t.settle();
    const after = await ticket(t);
    expect(after.assignee_id).toBe(people.agent2.id);
    expect(after.reassignment_count).toBe(1);
    expect(lastResponse(t).text).toContain('You took IT-1 over');
    expect(
      t.fake
        .messagesIn(people.agent.id)
        .some((m) => m.text.includes(`<@${people.agent2.id}> took *IT-1* over from you`)),
    ).toBe(true);
    const thread = t.fake.messagesIn(channels.triage).filter((m) => m.thread_ts === post.ts);
    expect(thread.some((m) => m.text.includes('took the ticket over from'))).toBe(true);

    // A take-over confirmed after someone else took it meanwhile is refused.
    await t.slack.blockAction(
      people.agent,
      { action_id: 'ticket.take_over', value: JSON.stringify({ ticketId: 1, from: people.agent.id }) },
      { channel: channels.triage, ts: post.ts },
    );
    await t.settle();
    expect((await ticket(t)).assignee_id).toBe(people.agent2.id);
  });

  it('asks before a take-over only when the claim itself is allowed: a non-agent is refused and audited, a resolved ticket says so', async () => {
    await fileTicket(t, people.requester, 'Headset crackles');
    const post = triagePost(t);
    const claim = { action_id: 'ticket.claim', value: '1' };
    await t.slack.blockAction(people.agent, claim, { channel: channels.triage, ts: post.ts });
    await t.settle();

    await t.slack.blockAction(people.outsider, claim, { channel: channels.triage, ts: post.ts });
    await t.settle();
    expect(lastResponse(t).text).toMatch(/^IT-1: Only service-desk agents/);
    expect(JSON.stringify(lastResponse(t).blocks ?? [])).not.toContain('ticket.take_over');
    const refused = await t.sb.db
      .selectFrom('audit_log')
      .select('action')
      .where('actor_id', '=', people.outsider.id)
      .execute();
    expect(refused.map((r) => r.action)).toEqual(['ticket.claim_refused']);

    await t.slack.blockAction(
      people.agent,
      { action_id: 'ticket.resolve', value: '1' },
      { channel: channels.triage, ts: post.ts },
    );
    await t.settle();
    const { id, view } = t.fake.lastView();
    await t.slack.submitView(
      people.agent,
      { id, ...view },
      { resolution_note: 'New headset', resolution_code: 'fixed' },
    );
    await t.settle();
    await t.slack.blockAction(people.agent2, claim, { channel: channels.triage, ts: post.ts });
    await t.settle();
    expect(lastResponse(t).text).toBe('IT-1: This ticket is already resolved.');
    expect((await ticket(t)).assignee_id).toBe(people.agent.id);
  });

  it("looks a ticket up by key, with the viewer's own actions, and opens no form", async () => {
    await fileTicket(t, people.requester, 'Printer jams');
    const views = t.fake.views.length;
    await t.slack.command('/it-help', 'IT-1', people.requester);
    await t.settle();
    expect(t.fake.views.length).toBe(views);
    let card = lastResponse(t);
    expect(card.text).toContain('IT-1');
    expect(actionIds(card.blocks)).toEqual(expect.arrayContaining(['ticket.comment', 'ticket.cancel']));
    expect(actionIds(card.blocks)).not.toContain('ticket.resolve');

    await t.slack.command('/it-help', 'show it-1', people.agent);
    await t.settle();
    card = lastResponse(t);
    expect(actionIds(card.blocks)).toEqual(
      expect.arrayContaining(['ticket.claim', 'ticket.resolve', 'ticket.comment']),
    );
    expect(actionIds(card.blocks)).not.toContain('ticket.cancel');

    await t.slack.command('/it-help', 'IT-1', people.outsider);
    await t.settle();
    card = lastResponse(t);
    expect(card.text).toContain('not one of your tickets');
    expect(JSON.stringify(card.blocks ?? [])).not.toContain('Printer jams');

    await t.slack.command('/it-help', 'IT-99', people.agent);
    await t.settle();
    expect(lastResponse(t).text).toContain('IT-99 is not one of your tickets');
    expect(t.fake.views.length).toBe(views);
  });

  it('gives the App Home triage queue Claim and Open buttons', async () => {
    await fileTicket(t, people.requester, 'Keyboard sticky');
    await fileTicket(t, people.requester2, 'Mouse dead');
    const post = triagePost(t, 'IT-2');
    await t.slack.blockAction(
      people.agent2,
      { action_id: 'ticket.claim', value: '2' },
      { channel: channels.triage, ts: post.ts },
    );
    await t.settle();
    await t.slack.event({ type: 'app_home_opened', user: people.agent.id, channel: 'DUAGENT01', tab: 'home' });
    await waitFor(() => t.fake.views.some((v) => v.method === 'views.publish' && v.user === people.agent.id));
    const home = t.fake.views.filter((v) => v.method === 'views.publish' && v.user === people.agent.id).at(-1)!.view;
    const rows = home.blocks.filter((b: any) => String(b.block_id ?? '').startsWith('home.ticket.'));
    const one = rows.find((b: any) => b.block_id === 'home.ticket.1');
    const two = rows.find((b: any) => b.block_id === 'home.ticket.2');
    expect(one.accessory).toMatchObject({ action_id: 'ticket.claim', value: '1' });
    expect(two.accessory).toMatchObject({
      action_id: 'ticket.open_link',
      url: `https://fake.slack.com/archives/${channels.triage}/p${post.ts.replace('.', '')}`,
    });
    // Claim from the Home tab works (told by DM: the Home tab has no response_url).
    await t.slack.blockAction(people.agent, { action_id: 'ticket.claim', value: '1' }, { view: home } as any);
    await t.settle();
    expect((await ticket(t)).assignee_id).toBe(people.agent.id);
  });
});
