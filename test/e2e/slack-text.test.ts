import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/harness.js';
import { channels, people } from '../../devkit/workspace.js';
import { SHORTCUTS } from '../../views/ids.js';
import { FIELDS } from '../../views/incidents/ids.js';
import { allText, declare, waitFor } from './incidents-helpers.js';

/**
 * Text read from Slack: the message a reaction points at (top-level or a reply in a thread) and a
 * shortcut's message. Slack hands it over escaped (&amp; &lt; &gt;); Switchboard decodes it once, so
 * what it repeats is escaped once and what it pre-fills is what the person typed.
 */
const TYPED = 'R&D <3rd floor>';
const ONCE_ESCAPED = 'R&amp;D &lt;3rd floor&gt;';

const tickets = (t: TestApp) => t.sb.db.selectFrom('tickets').selectAll().orderBy('id').execute();
const triagePost = (t: TestApp, key: string) =>
  t.fake.messagesIn(channels.triage).find((m) => !m.thread_ts && m.text.startsWith(key));
const initialValue = (view: { blocks: any[] }, blockId: string) =>
  view.blocks.find((b: any) => b.block_id === blockId)?.element.initial_value;
const reaction = (reactor: string, reactionName: string, author: string, channel: string, ts: string) => ({
  type: 'reaction_added',
  user: reactor,
  reaction: reactionName,
  item_user: author,
  item: { type: 'message', channel, ts },
});

describe('text read from Slack', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await startTestApp();
  });
  afterEach(() => t.stop());

  it("a :ticket: reaction on a thread reply files the reply, not the thread's first message", async () => {
    const parent = t.fake.addMessage(channels.general, people.requester2.id, 'Printers down on floor 2');
    const reply = t.fake.addMessage(
      channels.general,
      people.requester.id,
      'The scanner next to them jams too',
      parent.ts,
    );
    t.fake.addMessage(channels.general, people.requester2.id, 'Thanks, same here', parent.ts);
    await t.slack.event(reaction(people.agent.id, 'ticket', people.requester.id, channels.general, reply.ts));
    await t.settle();
    const all = await tickets(t);
    expect(all).toHaveLength(1);
    expect(all[0]).toMatchObject({
      source: 'reaction',
      source_ts: reply.ts,
      requester_id: people.requester.id,
      summary: 'The scanner next to them jams too',
    });
    expect(all[0]!.details).not.toContain('Printers down');
  });

  it('a :ticket: reaction files the text as typed and the triage post shows it escaped once', async () => {
    const message = t.fake.addMessage(channels.general, people.requester2.id, `${TYPED} printer offline`);
    await t.slack.event(reaction(people.agent.id, 'ticket', people.requester2.id, channels.general, message.ts));
    await t.settle();
    const [ticket] = await tickets(t);
    expect(ticket).toMatchObject({ summary: `${TYPED} printer offline` });
    const post = triagePost(t, 'IT-1');
    expect(post, 'triage post').toBeDefined();
    expect(allText([post!])).toContain(`${ONCE_ESCAPED} printer offline`);
    expect(allText([post!])).not.toContain('&amp;amp;');
  });

  it('the timeline reaction on a thread reply records the reply, escaped once', async () => {
    const { channelId, incidentId } = await declare(t, people.commander, { title: 'Printers offline', severity: 'P2' });
    const parent = t.fake.addMessage(channelId, people.agent2.id, 'Looking at the print server');
    const reply = t.fake.addMessage(channelId, people.agent.id, `Failed over to the ${TYPED} spooler`, parent.ts);
    t.fake.addMessage(channelId, people.agent2.id, 'Confirmed', parent.ts);
    await t.slack.event(reaction(people.commander.id, 'pushpin', people.agent.id, channelId, reply.ts));
    await t.settle();
    const entries = await t.sb.db
      .selectFrom('incident_timeline')
      .selectAll()
      .where('incident_id', '=', incidentId)
      .where('kind', '=', 'message')
      .execute();
    expect(entries).toHaveLength(1);
    expect(entries[0]!.source_ts).toBe(reply.ts);
    expect(entries[0]!.text).toContain(`Failed over to the ${ONCE_ESCAPED} spooler`);
    expect(entries[0]!.text).toContain(people.agent.id);
    expect(entries[0]!.text).not.toContain('print server');
  });

  it('the ticket shortcut pre-fills the message as typed', async () => {
    const message = t.fake.addMessage(channels.general, people.requester.id, TYPED);
    await t.slack.messageShortcut(people.requester, SHORTCUTS.ticketFromMessage, {
      channel: channels.general,
      ts: message.ts,
      text: message.text,
      user: people.requester.id,
    });
    await t.settle();
    const { view } = t.fake.lastView();
    expect(initialValue(view, 'summary')).toBe(TYPED);
    expect(initialValue(view, 'details')).toBe(TYPED);
  });

  it('the incident shortcut pre-fills the message as typed, taking out only real mentions and links from the title', async () => {
    const plain = t.fake.addMessage(channels.general, people.requester.id, TYPED);
    await t.slack.messageShortcut(people.agent, SHORTCUTS.incidentFromMessage, {
      channel: channels.general,
      ts: plain.ts,
      text: plain.text,
      user: people.requester.id,
    });
    await waitFor(() => t.fake.views.length === 1);
    expect(initialValue(t.fake.lastView().view, FIELDS.title)).toBe(TYPED);
    expect(initialValue(t.fake.lastView().view, FIELDS.impact)).toBe(TYPED);

    const marked = t.fake.addMessage(
      channels.general,
      people.requester.id,
      `<@${people.agent2.id}> ${TYPED} <https://status.example.com|status>`,
    );
    await t.slack.messageShortcut(people.agent, SHORTCUTS.incidentFromMessage, {
      channel: channels.general,
      ts: marked.ts,
      text: marked.text,
      user: people.requester.id,
    });
    await waitFor(() => t.fake.views.length === 2);
    expect(initialValue(t.fake.lastView().view, FIELDS.title)).toBe(TYPED);
  });
});
