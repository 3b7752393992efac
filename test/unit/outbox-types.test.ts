import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RespondArguments } from '@slack/bolt';
import { WebClient } from '@slack/web-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/clock.js';
import { silentLogger } from '../../src/logger.js';
import { OutboxSender } from '../../src/slack/outbox-sender.js';
import { owe, owedMethods, postMessage, refChannel, refTs, type OwedMethod } from '../../src/services/outbox.js';
import { openSqlite, type OpenedSqlite } from '../../db/client.js';
import { migrateToLatest } from '../../db/migrate.js';
import { insertOutbox } from '../../db/queries/outbox.js';
import type { Db, Executor } from '../../db/schema.js';
import { FakeSlack } from '../../devkit/fake-slack/server.js';
import { composed, nameOf } from '../../views/text.js';

/**
 * Never run: `npm run typecheck` (tsc reads test/) checks these lines. Each `@ts-expect-error` must
 * meet an error on the line below it, or tsc reports the directive as unused.
 */
// Each @ts-expect-error stays on the line before the call it expects to fail, so no reformatting:
// prettier-ignore
export function owedCallsAreTypeChecked(db: Executor, now: Date): void {
  // @ts-expect-error chat.postMessage needs a channel
  void owe(db, now, 'chat.postMessage', { text: 'no channel' });
  // @ts-expect-error not a method the outbox sends
  void owe(db, now, 'chat.delete', { channel: 'C1', ts: '1.000100' });
  // @ts-expect-error a block of a kind Block Kit does not have
  void owe(db, now, 'chat.postMessage', { channel: 'C1', text: 'x', blocks: [{ type: 'sektion', text: { type: 'mrkdwn', text: 'x' } }] });
  // @ts-expect-error Slack's generic `{type: string}` block is not accepted: only the known kinds
  void postMessage(db, now, { channel: 'C1', text: 'x', blocks: [{ type: 'section', text: 42 }] });
  // @ts-expect-error a send-time value stands only where Slack takes free text, not for a block's kind
  void owe(db, now, 'chat.postMessage', { channel: 'C1', text: 'x', blocks: [{ type: composed('section') }] });
  // @ts-expect-error the wrong type for a flag
  void owe(db, now, 'conversations.create', { name: 'inc-1', is_private: 'no' });
  // @ts-expect-error a bookmark is a link
  void owe(db, now, 'bookmarks.add', { channel_id: 'C1', title: 'Bridge', type: 'file', link: 'https://meet.example/1' });
  // @ts-expect-error the fallback is type-checked as well: its post needs a channel
  void owe(db, now, 'conversations.create', { name: 'inc-1' }, { onFailure: { method: 'chat.postMessage', args: { text: 'no channel' } } });
  // @ts-expect-error control data belongs to the row (OweOptions), not to Slack's arguments
  void owe(db, now, 'conversations.create', { name: 'inc-1', __on_failure: { method: 'chat.postMessage' } });
  // @ts-expect-error a response_url body is sent as it is: no send-time values
  const answer: RespondArguments = { response_type: 'ephemeral', text: composed('IC: ', nameOf('U1')) };

  // Send-time values where Slack takes text: channels, timestamps, composed text, inside blocks too.
  void owe(db, now, 'conversations.setTopic', { channel: refChannel('incident:1:channel'), topic: composed('IC: ', nameOf('U1')) });
  void owe(db, now, 'pins.add', { channel: refChannel('incident:1:channel'), timestamp: refTs('incident:1:summary') });
  void owe(db, now, 'chat.postMessage', {
    channel: 'C1',
    text: 'x',
    blocks: [{ type: 'rich_text', elements: [{ type: 'rich_text_section', elements: [{ type: 'channel', channel_id: refChannel('incident:1:channel') }] }] }],
  });
  void answer;
}

describe('the outbox edge', () => {
  let dir: string;
  let opened: OpenedSqlite;
  let db: Db;
  let fake: FakeSlack;
  let sender: OutboxSender;
  const clock = new FakeClock('2026-03-02T09:00:00.000Z');
  const now = () => clock.now();

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'switchboard-outbox-types-'));
    opened = openSqlite(join(dir, 'outbox.db'));
    db = opened.db;
    await migrateToLatest(db);
    fake = await new FakeSlack().start();
    fake.addChannel('C1', 'c1').addUser('UREQ0001', 'rita').addUser('UAGENT01', 'alice');
    const client = new WebClient('xoxb-t', {
      slackApiUrl: fake.apiUrl,
      retryConfig: { retries: 0 },
      rejectRateLimitedCalls: true,
    });
    sender = new OutboxSender({ db, client, clock, logger: silentLogger, pacing: { rate: 1000, burst: 1000 } });
  });
  afterEach(async () => {
    await sender.stop();
    await fake.stop();
    await db.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('sends every method the outbox owes, with its arguments as owed and its send-time values filled in', async () => {
    const channel = refChannel('incident:7:channel');
    // One example per method (the type makes sure none is missing), in the order a declaration owes them.
    const examples: { [M in OwedMethod]: () => Promise<boolean> } = {
      'conversations.create': () =>
        owe(
          db,
          now(),
          'conversations.create',
          { name: 'inc-7-vpn', is_private: false },
          { refKey: 'incident:7:channel' },
        ),
      'conversations.invite': () => owe(db, now(), 'conversations.invite', { channel, users: 'UREQ0001' }),
      'conversations.setTopic': () =>
        owe(db, now(), 'conversations.setTopic', { channel, topic: composed('INC-7 | IC: ', nameOf('UAGENT01')) }),
      'chat.postMessage': () =>
        owe(
          db,
          now(),
          'chat.postMessage',
          { channel, text: 'INC-7 summary', blocks: [{ type: 'section', text: { type: 'mrkdwn', text: '*INC-7*' } }] },
          { refKey: 'incident:7:summary' },
        ),
      'chat.update': () =>
        owe(
          db,
          now(),
          'chat.update',
          { channel: refChannel('incident:7:summary'), ts: refTs('incident:7:summary'), text: 'INC-7 summary, edited' },
          { refKey: 'incident:7:summary' },
        ),
      'chat.postEphemeral': () =>
        owe(db, now(), 'chat.postEphemeral', { channel, user: 'UREQ0001', text: 'Added to the INC-7 timeline.' }),
      'pins.add': () => owe(db, now(), 'pins.add', { channel, timestamp: refTs('incident:7:summary') }),
      'bookmarks.add': () =>
        owe(db, now(), 'bookmarks.add', {
          channel_id: channel,
          title: 'Bridge INC-7',
          type: 'link',
          link: 'https://meet.example/inc-7',
        }),
    };
    for (const example of Object.values(examples)) await example();
    await sender.flush();

    const rows = await db.selectFrom('outbox').select(['method', 'status', 'last_error']).orderBy('id').execute();
    expect(rows.map((r) => r.method).sort()).toEqual([...owedMethods].sort());
    expect(rows.every((r) => r.status === 'sent')).toBe(true);
    const created = fake.calls.find((c) => c.method === 'conversations.create')!;
    const id = [...fake.channels.values()].find((c) => c.name === 'inc-7-vpn')!.id;
    expect(created.args).toMatchObject({ name: 'inc-7-vpn' });
    const sent = (method: string) =>
      fake.calls.filter((c) => c.method === method && c.status === 200).map((c) => c.args);
    expect(sent('conversations.invite')).toEqual([expect.objectContaining({ channel: id, users: 'UREQ0001' })]);
    expect(sent('conversations.setTopic')).toEqual([
      expect.objectContaining({ channel: id, topic: 'INC-7 | IC: alice' }),
    ]);
    const [post] = fake.messagesIn(id);
    expect(post).toMatchObject({ text: 'INC-7 summary, edited' });
    expect(sent('chat.update')).toEqual([expect.objectContaining({ channel: id, ts: post!.ts })]);
    expect(sent('chat.postEphemeral')).toEqual([expect.objectContaining({ channel: id, user: 'UREQ0001' })]);
    expect(fake.channels.get(id)!.pins).toEqual([post!.ts]);
    expect(fake.channels.get(id)!.bookmarks).toEqual([{ title: 'Bridge INC-7', link: 'https://meet.example/inc-7' }]);
  });

  it('never sends a stored call of a method the outbox does not owe, and says why', async () => {
    await insertOutbox(db, { method: 'chat.delete', payload: { channel: 'C1', ts: '1.000100' }, lane: 'C1' }, now());
    await sender.flush();

    expect(fake.calls.filter((c) => c.method === 'chat.delete')).toEqual([]);
    const [row] = await db.selectFrom('outbox').selectAll().execute();
    expect(row).toMatchObject({ status: 'failed', last_error: 'chat.delete is not a method the outbox sends' });
  });
});
