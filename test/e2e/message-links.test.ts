import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/clock.js';
import { startTestApp, type TestApp } from '../support/harness.js';
import { channels, people } from '../../devkit/workspace.js';
import { SHORTCUTS } from '../../views/ids.js';
import { TICKET_FIELDS } from '../../views/tickets/ids.js';
import { waitFor } from './incidents-helpers.js';

/**
 * Links to messages are Slack's (chat.getPermalink): the workspace's own address and, for a reply,
 * the thread it is in. A link built by hand (https://slack.com/archives/…) has neither.
 */
type Person = { id: string; name: string };
const triagePost = (t: TestApp, key = 'IT-1') =>
  t.fake.messagesIn(channels.triage).find((m) => !m.thread_ts && m.text.startsWith(key))!;
const linkOf = (channel: string, ts: string, threadTs?: string) =>
  `https://fake.slack.com/archives/${channel}/p${ts.replace('.', '')}${threadTs ? `?thread_ts=${threadTs}&cid=${channel}` : ''}`;
const homeOf = async (t: TestApp, who: Person) => {
  const before = t.fake.views.filter((v) => v.method === 'views.publish' && v.user === who.id).length;
  await t.slack.event({ type: 'app_home_opened', user: who.id, channel: `D${who.id}`, tab: 'home' });
  await waitFor(() => t.fake.views.filter((v) => v.method === 'views.publish' && v.user === who.id).length > before);
  return t.fake.views.filter((v) => v.method === 'views.publish' && v.user === who.id).at(-1)!.view;
};

async function fileTicket(t: TestApp, who: Person, summary: string) {
  await t.slack.command('/it-help', summary, who);
  await t.settle();
  const { id, view } = t.fake.lastView();
  await t.slack.submitView(who, { id, ...view }, { category: 'hardware' });
  await t.settle();
}

describe("links to messages are Slack's permalinks", () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await startTestApp({ clock: new FakeClock(new Date()) });
  });
  afterEach(() => t.stop());

  it('a ticket from a reaction on a thread reply links the reply in its thread', async () => {
    const parent = t.fake.addMessage(channels.general, people.requester.id, 'Anyone else without Wi-Fi?');
    const reply = t.fake.addMessage(channels.general, people.requester2.id, 'Yes, floor 2 is down too', parent.ts);
    await t.slack.event({
      type: 'reaction_added',
      user: people.requester2.id,
      reaction: 'ticket',
      item_user: people.requester2.id,
      item: { type: 'message', channel: channels.general, ts: reply.ts },
    });
    await t.settle();
    const link = linkOf(channels.general, reply.ts, parent.ts);
    const ticket = await t.sb.db.selectFrom('tickets').selectAll().executeTakeFirstOrThrow();
    expect(ticket.source_permalink).toBe(link);
    expect(JSON.stringify(triagePost(t).blocks)).toContain(link);
    expect(JSON.stringify(triagePost(t).blocks)).not.toContain('https://slack.com/');
  });

  it('a ticket from the shortcut on a thread reply links the reply in its thread, in the form and on the ticket', async () => {
    const parent = t.fake.addMessage(channels.general, people.requester.id, 'Printer queue stuck');
    const reply = t.fake.addMessage(channels.general, people.requester.id, 'Still stuck after a restart', parent.ts);
    await t.slack.messageShortcut(people.requester, SHORTCUTS.ticketFromMessage, {
      channel: channels.general,
      ts: reply.ts,
      text: reply.text,
      user: people.requester.id,
    });
    await waitFor(() => t.fake.views.length > 0);
    await t.settle(); // the person reads the form before submitting it: the link has been asked for
    const { id, view } = t.fake.lastView();
    await t.slack.submitView(
      people.requester,
      { id, ...view },
      { [TICKET_FIELDS.summary]: 'Printer queue stuck', [TICKET_FIELDS.category]: 'hardware' },
    );
    await t.settle();
    const ticket = await t.sb.db.selectFrom('tickets').selectAll().executeTakeFirstOrThrow();
    expect(ticket.source_permalink).toBe(linkOf(channels.general, reply.ts, parent.ts));
    // Asked of Slack once, when the form opened; the submission reuses it.
    expect(t.fake.callsTo('chat.getPermalink').filter((c) => c.args.message_ts === reply.ts)).toHaveLength(1);
  });

  it("the requester's receipt links the triage post with Slack's link, asked for again after a Slack failure", async () => {
    t.fake.failNext('chat.getPermalink', { status: 503 });
    await fileTicket(t, people.requester, 'Laptop will not boot');
    const post = triagePost(t);
    const link = `<${linkOf(channels.triage, post.ts)}|View in triage>`;
    const receipt = () => JSON.stringify(t.fake.messagesIn(people.requester.id)[0]?.blocks ?? []);
    // The edit that adds the link waits its back-off, then asks Slack again.
    (t.clock as FakeClock).advance(5000);
    await waitFor(() => receipt().includes(link), 5000);
    expect(receipt()).not.toContain('<|View in triage>');
  });

  it('the Home triage queue opens the triage post by its Slack link, asked of Slack once', async () => {
    await fileTicket(t, people.requester, 'Monitor flickers');
    const post = triagePost(t);
    // A claimed ticket's row offers Open (an unclaimed one, Claim).
    await t.slack.blockAction(
      people.agent2,
      { action_id: 'ticket.claim', value: '1' },
      { channel: channels.triage, ts: post.ts },
    );
    await t.settle();
    const asked = t.fake.callsTo('chat.getPermalink').length;
    for (let i = 0; i < 2; i++) {
      const home = await homeOf(t, people.agent);
      const row = home.blocks.find((b: any) => b.block_id === 'home.ticket.1');
      expect(row.accessory).toMatchObject({ action_id: 'ticket.open_link', url: linkOf(channels.triage, post.ts) });
    }
    // The receipt asked for it already; the Home tab reuses the kept link.
    expect(t.fake.callsTo('chat.getPermalink').length).toBe(asked);
  });
});
