import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/clock.js';
import { startTestApp, type TestApp } from '../support/harness.js';
import { channels, people } from '../../devkit/workspace.js';

type Person = { id: string; name: string };
const SEC = 1000;

async function fileTicket(t: TestApp, who: Person, summary: string, values: Record<string, unknown> = {}) {
  await t.slack.command('/it-help', summary, who);
  await t.settle();
  const { id, view } = t.fake.lastView();
  await t.slack.submitView(who, { id, ...view }, { category: 'hardware', ...values });
  await t.settle();
}
async function tick(t: TestApp, ms: number) {
  (t.clock as FakeClock).advance(ms);
  await t.sb.runner.sweep();
  await t.sb.runner.sweep();
  await t.settle();
}
const ticket = (t: TestApp, key = 'IT-1') =>
  t.sb.db.selectFrom('tickets').selectAll().where('key', '=', key).executeTakeFirstOrThrow();
const triagePost = (t: TestApp, key = 'IT-1') =>
  t.fake.messagesIn(channels.triage).find((m) => !m.thread_ts && m.text.startsWith(key))!;
const dmTexts = (t: TestApp, who: string) =>
  t.fake
    .messagesIn(who)
    .map((m) => `${m.text} ${JSON.stringify(m.blocks ?? [])}`)
    .join('\n');

describe('service desk: the rough edges of the first week', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await startTestApp({ clock: new FakeClock(new Date()), settings: { service_desk: { close_after: '10s' } } });
  });
  afterEach(() => t.stop());

  it('tells the requester about a priority change and the auto-close', async () => {
    await fileTicket(t, people.requester, 'Docking station dead');
    const post = triagePost(t);
    await t.slack.blockAction(
      people.agent,
      {
        action_id: 'ticket.priority',
        block_id: 'ticket.actions.1',
        type: 'static_select',
        selected_option: { value: 'P2' },
      },
      { channel: channels.triage, ts: post.ts },
    );
    await t.settle();
    expect(dmTexts(t, people.requester.id)).toContain(`<@${people.agent.id}> changed the priority from P4 to P2`);
    await t.slack.blockAction(
      people.agent,
      { action_id: 'ticket.resolve', value: '1' },
      { channel: channels.triage, ts: post.ts },
    );
    await t.settle();
    const { id, view } = t.fake.lastView();
    await t.slack.submitView(people.agent, { id, ...view }, { resolution_note: 'New dock', resolution_code: 'fixed' });
    await t.settle();
    await tick(t, 11 * SEC);
    expect((await ticket(t)).status).toBe('closed');
    expect(dmTexts(t, people.requester.id)).toContain('It is now closed');
  });

  it('keeps long /it-help text whole: the summary cut at a word, the whole text in Details', async () => {
    const text = `${'The shared printer on the third floor '.repeat(5)}keeps jamming on every job since Monday`;
    expect(text.length).toBeGreaterThan(150);
    await t.slack.command('/it-help', text, people.requester);
    await t.settle();
    const view = t.fake.lastView().view;
    const summary = view.blocks.find((b: any) => b.block_id === 'summary').element.initial_value as string;
    const details = view.blocks.find((b: any) => b.block_id === 'details').element.initial_value as string;
    expect([...summary].length).toBeLessThanOrEqual(150);
    expect(summary.endsWith('…')).toBe(true);
    expect(text.startsWith(summary.slice(0, -1))).toBe(true);
    expect(text.charAt(summary.length - 1)).toBe(' ');
    expect(details).toBe(text);
  });

  it('files a reaction ticket for the author, tells both the author and the person who reacted, and links the message once', async () => {
    const message = t.fake.addMessage(channels.general, people.requester2.id, 'VPN drops every ten minutes');
    await t.slack.event({
      type: 'reaction_added',
      user: people.agent.id,
      reaction: 'ticket',
      item_user: people.requester2.id,
      item: { type: 'message', channel: channels.general, ts: message.ts },
    });
    await t.settle();
    expect(dmTexts(t, people.requester2.id)).toContain(`<@${people.agent.id}> filed *IT-1* for you from your message`);
    expect(dmTexts(t, people.requester2.id)).not.toContain("Thanks, we've got it");
    expect(dmTexts(t, people.agent.id)).toContain(`You filed *IT-1* for <@${people.requester2.id}>`);
    const permalink = `https://fake.slack.com/archives/${channels.general}/p${message.ts.replace('.', '')}`;
    const post = JSON.stringify(triagePost(t).blocks);
    expect(post.split(permalink).length - 1).toBe(1);
    expect((await ticket(t)).details).toBe('VPN drops every ten minutes');
    const filed = await t.sb.db
      .selectFrom('audit_log')
      .selectAll()
      .where('action', '=', 'ticket.filed')
      .executeTakeFirstOrThrow();
    expect(filed.actor_id).toBe(people.agent.id);
  });

  it("keeps a long comment's fallback text within Slack's advised 4,000 characters, in the DM and the thread", async () => {
    await fileTicket(t, people.requester, 'Build server logs');
    const post = triagePost(t);
    // A pasted log with blank lines: every line quoted (`>`) makes the message longer than the comment.
    const comment = '1\n\n'.repeat(966);
    await t.slack.blockAction(
      people.agent,
      { action_id: 'ticket.comment', value: '1' },
      { channel: channels.triage, ts: post.ts },
    );
    await t.settle();
    const { id, view } = t.fake.lastView();
    await t.slack.submitView(people.agent, { id, ...view }, { comment });
    await t.settle();
    const dm = t.fake.messagesIn(people.requester.id).find((m) => m.text.includes('wrote:'))!;
    expect(dm).toBeDefined();
    expect([...dm.text].length).toBeLessThanOrEqual(4000);
    expect(dm.text.endsWith('…')).toBe(true);
    const thread = t.fake
      .messagesIn(channels.triage)
      .find((m) => m.thread_ts === post.ts && m.text.includes('commented:'))!;
    expect([...thread.text].length).toBeLessThanOrEqual(4000);
  });

  it('shows the start of long details on the triage post and the whole text in its thread', async () => {
    const details = Array.from({ length: 45 }, (_, i) => `Step ${i}: tried restarting & reinstalling the driver.`).join(
      '\n',
    );
    expect(details.length).toBeGreaterThan(2000);
    await fileTicket(t, people.requester, 'Scanner fails', { details });
    const failed = await t.sb.db
      .selectFrom('outbox')
      .select(['method', 'last_error'])
      .where('status', '=', 'failed')
      .execute();
    expect(failed).toEqual([]);
    expect(await t.sb.db.selectFrom('tickets').select('key').execute()).toHaveLength(1);
    const post = triagePost(t);
    expect(JSON.stringify(post.blocks)).toContain('Full details in the thread');
    const thread = t.fake.messagesIn(channels.triage).filter((m) => m.thread_ts === post.ts);
    const full = thread.find((m) => m.text.startsWith('Full details of IT-1'))!;
    expect(full).toBeDefined();
    const shown = full
      .blocks!.filter((b: any) => b.type === 'section')
      .map((b: any) => b.text.text)
      .join('');
    expect(shown).toBe(details.replace(/&/g, '&amp;'));
  });

  it('emoji-heavy text fits Slack, which counts an emoji as two units: the triage post and the receipt go out', async () => {
    // 140 characters, within the form's 150, but 280 UTF-16 units: Slack's limits count units.
    const summary = '🔥'.repeat(140);
    await fileTicket(t, people.requester, 'x', { summary, details: '🚨'.repeat(1400) });
    const post = triagePost(t);
    expect(post).toBeDefined();
    expect(dmTexts(t, people.requester.id)).toContain('IT-1');
    const failed = await t.sb.db
      .selectFrom('outbox')
      .select(['method', 'last_error'])
      .where('status', '=', 'failed')
      .execute();
    expect(failed).toEqual([]);
    const texts = JSON.stringify(post.blocks);
    expect(texts).toContain('🔥🔥');
    expect(texts).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])/);
  });
});
