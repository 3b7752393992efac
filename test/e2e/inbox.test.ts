import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { onPostgres } from '../support/database.js';
import SQLite from 'better-sqlite3';
import { FakeClock } from '../../src/clock.js';
import { MAX_INBOX_ATTEMPTS } from '../../src/jobs/inbox.js';
import { startTestApp, type TestApp } from '../support/harness.js';
import { channels, people } from '../../devkit/workspace.js';

/** What Slack asked for is stored before the ack and processed after it, once, retried until done. */
describe('the inbox: stored before the ack, done when its effect is', () => {
  let t: TestApp;
  let clock: FakeClock;
  beforeEach(async () => {
    clock = new FakeClock(new Date());
    t = await startTestApp({ clock });
  });
  afterEach(() => t.stop());

  const tickets = () => t.sb.db.selectFrom('tickets').selectAll().execute();
  const inboxRow = (key: string) => t.sb.db.selectFrom('inbox').selectAll().where('key', '=', key).executeTakeFirst();
  const reaction = (ts: string) => ({
    type: 'reaction_added',
    user: people.agent.id,
    reaction: 'ticket',
    item_user: people.requester2.id,
    item: { type: 'message', channel: channels.general, ts },
  });

  it('a :ticket: reaction whose message read fails once with a 500 files one ticket on the retry', async () => {
    const message = t.fake.addMessage(channels.general, people.requester2.id, 'VPN drops every ten minutes');
    t.fake.failNext('conversations.history', { status: 500 });
    const res = await t.slack.event(reaction(message.ts), { eventId: 'EvTicket500' });
    expect(res.status).toBe(200);
    await t.settle();
    expect(await tickets()).toHaveLength(0);
    // Not remembered as handled: pending, one attempt, due again after the back-off.
    const pending = await inboxRow('event:EvTicket500');
    expect(pending).toMatchObject({ kind: 'event', processed_at: null, failed_at: null, attempts: 1 });
    expect(pending!.next_attempt_at).toBeGreaterThan(clock.now().getTime());

    // The sweep before the back-off has passed leaves it alone; after it, the ticket is filed.
    await t.sb.inbox.sweep();
    expect(await tickets()).toHaveLength(0);
    clock.advance(5_000);
    await t.sb.inbox.sweep();
    await t.settle();
    const filed = await tickets();
    expect(filed).toHaveLength(1);
    expect(filed[0]).toMatchObject({
      source: 'reaction',
      source_ts: message.ts,
      requester_id: people.requester2.id,
      summary: 'VPN drops every ten minutes',
    });
    expect((await inboxRow('event:EvTicket500'))!.processed_at).not.toBeNull();

    // Slack's redelivery of the same event and later sweeps change nothing.
    await t.slack.event(reaction(message.ts), { eventId: 'EvTicket500', retryNum: 1 });
    clock.advance(60_000);
    await t.sb.inbox.sweep();
    await t.settle();
    expect(await tickets()).toHaveLength(1);
    expect(t.fake.messagesIn(people.requester2.id).filter((m) => m.text.includes('IT-1'))).toHaveLength(1);
  });

  it('a redelivery of an event whose handling failed is handled then, once', async () => {
    const message = t.fake.addMessage(channels.general, people.requester2.id, 'Printer offline');
    t.fake.failNext('conversations.history', { status: 503 });
    await t.slack.event(reaction(message.ts), { eventId: 'EvRedeliver' });
    await t.settle();
    expect(await tickets()).toHaveLength(0);
    await t.slack.event(reaction(message.ts), { eventId: 'EvRedeliver', retryNum: 1 });
    await t.settle();
    expect(await tickets()).toHaveLength(1);
    clock.advance(60_000);
    await t.sb.inbox.sweep();
    await t.settle();
    expect(await tickets()).toHaveLength(1);
  });

  it('a reaction that keeps failing is given up after the last attempt and the person who reacted is told, once', async () => {
    const message = t.fake.addMessage(channels.general, people.requester2.id, 'Laptop will not boot');
    t.fake.failNext('conversations.history', { status: 500 }, MAX_INBOX_ATTEMPTS);
    await t.slack.event(reaction(message.ts), { eventId: 'EvAlwaysFails' });
    await t.settle();
    for (let i = 1; i < MAX_INBOX_ATTEMPTS; i++) {
      clock.advance(5 * 60_000);
      await t.sb.inbox.sweep();
    }
    await t.settle();
    expect(await inboxRow('event:EvAlwaysFails')).toMatchObject({ attempts: MAX_INBOX_ATTEMPTS, processed_at: null });
    expect((await inboxRow('event:EvAlwaysFails'))!.failed_at).not.toBeNull();
    expect(await tickets()).toHaveLength(0);
    const told = t.fake.messagesIn(people.agent.id).filter((m) => m.text.includes('did not become a ticket'));
    expect(told).toHaveLength(1);
    // Given up means given up: a later sweep neither files nor tells again.
    clock.advance(60 * 60_000);
    await t.sb.inbox.sweep();
    await t.settle();
    expect(await tickets()).toHaveLength(0);
    expect(t.fake.messagesIn(people.agent.id).filter((m) => m.text.includes('did not become a ticket'))).toHaveLength(
      1,
    );
  });

  // Edits the SQLite file behind the app's back.
  it.skipIf(onPostgres)(
    'a request stored but not processed before the process stopped is processed at the next start, once',
    async () => {
      await t.slack.command('/it-help', 'Monitor flickers', people.requester);
      await t.settle();
      const { id, view } = t.fake.lastView();
      await t.sb.stop();
      // What a crash right after the ack leaves behind: the stored submission, nothing else.
      const sqlite = new SQLite(t.dbPath);
      const input = {
        summary: 'Monitor flickers',
        details: '',
        category: 'hardware',
        service: null,
        impact: 'low',
        urgency: 'medium',
        attachmentUrl: null,
      };
      sqlite
        .prepare(
          'INSERT INTO inbox (key, kind, user_id, payload, received_at, next_attempt_at) VALUES (?, ?, ?, ?, ?, ?)',
        )
        .run(
          `ticket.file:${id}:h`,
          'ticket.file',
          people.requester.id,
          JSON.stringify({
            requester: people.requester,
            input,
            source: { kind: 'command', channel: channels.general },
          }),
          clock.now().getTime(),
          clock.now().getTime(),
        );
      sqlite.close();
      void view;
      await t.restart();
      await t.settle();
      const filed = await tickets();
      expect(filed).toHaveLength(1);
      expect(filed[0]).toMatchObject({ summary: 'Monitor flickers', requester_id: people.requester.id });
      expect(t.fake.messagesIn(people.requester.id).filter((m) => m.text.includes('IT-1'))).toHaveLength(1);
      // The same form delivered again (Slack retrying the submission) files nothing more.
      await t.slack.submitView(people.requester, { id, ...view }, { category: 'hardware' });
      await t.restart();
      await t.settle();
      expect(await tickets()).toHaveLength(1);
    },
  );
});
