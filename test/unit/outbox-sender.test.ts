import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorCode, WebClient } from '@slack/web-api';
import { Kysely, SqliteDialect } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/clock.js';
import { silentLogger } from '../../src/logger.js';
import { OutboxSender, type Pacing } from '../../src/slack/outbox-sender.js';
import { owe, postMessage, refChannel, updateMessage } from '../../src/services/outbox.js';
import { openSqlite, type OpenedSqlite } from '../../db/client.js';
import { migrateToLatest } from '../../db/migrate.js';
import { pendingOutbox } from '../../db/queries/outbox.js';
import { getSlackRef } from '../../db/queries/slack-refs.js';
import type { Db } from '../../db/schema.js';
import { BOT_USER_ID, FakeSlack } from '../../devkit/fake-slack/server.js';
import { composed, nameOf } from '../../views/text.js';

const FAST: Pacing = { rate: 1000, burst: 1000 };

describe('OutboxSender', () => {
  let dir: string;
  let dbFile: string;
  let opened: OpenedSqlite;
  let db: Db;
  let fake: FakeSlack;
  let clock: FakeClock;
  let senders: OutboxSender[];
  /** Calls the sender made that are in flight right now, per lane-ish key (channel or name). */
  let inFlight: Map<string, number>;
  let maxInFlight: number;
  let maxInFlightPerChannel: number;

  function client(): WebClient {
    const c = new WebClient('xoxb-t', {
      slackApiUrl: fake.apiUrl,
      retryConfig: { retries: 0 },
      rejectRateLimitedCalls: true,
    });
    // Watch concurrency without changing behaviour: lanes run in parallel, a lane never does.
    const real = c.apiCall.bind(c);
    c.apiCall = async (method: string, options?: Record<string, unknown>) => {
      const key = String(options?.channel ?? options?.name ?? method);
      inFlight.set(key, (inFlight.get(key) ?? 0) + 1);
      maxInFlightPerChannel = Math.max(maxInFlightPerChannel, inFlight.get(key)!);
      maxInFlight = Math.max(
        maxInFlight,
        [...inFlight.values()].reduce((a, b) => a + b, 0),
      );
      try {
        return await real(method, options);
      } finally {
        inFlight.set(key, inFlight.get(key)! - 1);
      }
    };
    return c;
  }

  function sender(options: { pacing?: Pacing; on?: Db; webClient?: WebClient } = {}): OutboxSender {
    const s = new OutboxSender({
      db: options.on ?? db,
      client: options.webClient ?? client(),
      clock,
      logger: silentLogger,
      pacing: options.pacing ?? FAST,
    });
    senders.push(s);
    return s;
  }

  const rows = (on: Db = db) => on.selectFrom('outbox').selectAll().orderBy('id').execute();
  const postsTo = (channel: string) =>
    fake.calls.filter((c) => c.method === 'chat.postMessage' && c.args.channel === channel);
  const attemptsOf = (method: string) => fake.calls.filter((c) => c.method === method);
  const texts = (channel: string) => fake.messagesIn(channel).map((m) => m.text);
  const now = () => clock.now();

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'switchboard-outbox-'));
    dbFile = join(dir, 'outbox.db');
    opened = openSqlite(dbFile);
    db = opened.db;
    await migrateToLatest(db);
    fake = await new FakeSlack().start();
    for (const id of ['C1', 'C2', 'C3', 'C4']) fake.addChannel(id, id.toLowerCase());
    fake.addUser('UREQ0001', 'rita').addUser('UAGENT01', 'alice');
    clock = new FakeClock('2026-03-02T09:00:00.000Z');
    senders = [];
    inFlight = new Map();
    maxInFlight = 0;
    maxInFlightPerChannel = 0;
  });
  afterEach(async () => {
    for (const s of senders) await s.stop();
    await fake.stop();
    await db.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('delivers a post once and stores its channel and ts under the ref key', async () => {
    await postMessage(db, now(), { channel: 'C1', text: 'New ticket IT-1', refKey: 'ticket:1:triage' });
    const s = sender();
    await s.flush();
    await s.flush();

    expect(postsTo('C1')).toHaveLength(1);
    const [message] = fake.messagesIn('C1');
    expect(message).toMatchObject({ text: 'New ticket IT-1' });
    expect(await getSlackRef(db, 'ticket:1:triage')).toEqual({ channel: 'C1', ts: message!.ts });
    const [row] = await rows();
    expect(row).toMatchObject({ status: 'sent', attempts: 1, sent_at: now().getTime(), last_error: null });
    expect(JSON.parse(row!.result!)).toEqual({ channel: 'C1', ts: message!.ts });
    // unfurls are off for every post the bot makes
    expect(postsTo('C1')[0]!.args).toMatchObject({ unfurl_links: 'false', unfurl_media: 'false' });
  });

  it('fills in display names in topics at send time, and keeps the topic within 250 characters', async () => {
    await owe(db, now(), 'conversations.setTopic', {
      channel: 'C1',
      topic: composed('INC-1 | IC: ', nameOf('UAGENT01'), ` | ${'x'.repeat(240)}`),
    });
    await owe(db, now(), 'conversations.setTopic', { channel: 'C2', topic: composed('IC: ', nameOf('UNOBODY1')) });
    const s = sender();
    await s.flush();
    const topicOf = (channel: string) =>
      fake.calls.find((c) => c.method === 'conversations.setTopic' && c.args.channel === channel)!.args.topic as string;
    expect(topicOf('C1').slice(0, 20)).toBe('INC-1 | IC: alice | ');
    expect([...topicOf('C1')].length).toBe(250);
    expect(topicOf('C2')).toBe('IC: UNOBODY1'); // Slack does not know the user: the ID stands in
    expect(fake.channels.get('C1')!.topic.startsWith('INC-1 | IC: alice')).toBe(true);
  });

  it('honours 429 Retry-After: the lane waits, other lanes carry on, then it is delivered (not counted as an attempt)', async () => {
    fake.failNext('chat.postMessage', { status: 429, retryAfter: 30 });
    await postMessage(db, now(), { channel: 'C1', text: 'c1 first' });
    const s = sender();
    await s.flush();
    expect(attemptsOf('chat.postMessage')).toHaveLength(1);
    expect(attemptsOf('chat.postMessage')[0]!.status).toBe(429);
    const [paused] = await rows();
    expect(paused).toMatchObject({
      status: 'pending',
      attempts: 0,
      last_error: 'ratelimited',
      next_attempt_at: now().getTime() + 30_000,
    });

    // Another lane is unaffected; the paused lane keeps its order.
    await postMessage(db, now(), { channel: 'C1', text: 'c1 second' });
    await postMessage(db, now(), { channel: 'C2', text: 'c2 only' });
    await s.flush();
    expect(texts('C2')).toEqual(['c2 only']);
    expect(texts('C1')).toEqual([]);

    clock.advance(29_999);
    await s.flush();
    expect(postsTo('C1')).toHaveLength(1);

    clock.advance(1);
    await s.flush();
    expect(texts('C1')).toEqual(['c1 first', 'c1 second']);
    expect(postsTo('C1')).toHaveLength(3);
    expect((await rows()).map((r) => [r.status, r.attempts])).toEqual([
      ['sent', 1],
      ['sent', 1],
      ['sent', 1],
    ]);
  });

  it('retries 5xx with exponential back-off, then delivers', async () => {
    fake.failNext('chat.postMessage', { status: 500 }, 2);
    await postMessage(db, now(), { channel: 'C1', text: 'after two failures' });
    const s = sender();
    const t0 = now().getTime();

    await s.flush();
    expect((await rows())[0]).toMatchObject({
      status: 'pending',
      attempts: 1,
      last_error: 'HTTP 500',
      next_attempt_at: t0 + 1000,
    });
    clock.advance(999);
    await s.flush();
    expect(attemptsOf('chat.postMessage')).toHaveLength(1);

    clock.advance(1);
    await s.flush();
    expect((await rows())[0]).toMatchObject({
      status: 'pending',
      attempts: 2,
      last_error: 'HTTP 500',
      next_attempt_at: t0 + 1000 + 2000,
    });
    clock.advance(1999);
    await s.flush();
    expect(attemptsOf('chat.postMessage')).toHaveLength(2);

    clock.advance(1);
    await s.flush();
    expect(texts('C1')).toEqual(['after two failures']);
    expect(attemptsOf('chat.postMessage').map((c) => c.status)).toEqual([500, 500, 200]);
    expect((await rows())[0]).toMatchObject({ status: 'sent', attempts: 3 });
  });

  it("retries Slack's transient ok:false answers like internal_error", async () => {
    fake.failNext('chat.postMessage', { error: 'internal_error' });
    await postMessage(db, now(), { channel: 'C1', text: 'hello' });
    const s = sender();
    await s.flush();
    expect((await rows())[0]).toMatchObject({ status: 'pending', attempts: 1, last_error: 'internal_error' });
    clock.advance(1000);
    await s.flush();
    expect(texts('C1')).toEqual(['hello']);
  });

  it('marks a permanent ok:false answer failed with its error, owes the fallback and delivers it', async () => {
    fake.failNext('conversations.create', { error: 'restricted_action' });
    await owe(
      db,
      now(),
      'conversations.create',
      { name: 'inc-42-vpn' },
      {
        refKey: 'incident:42:channel',
        onFailure: {
          method: 'chat.postMessage',
          args: { channel: 'UREQ0001', text: 'The channel for INC-42 could not be created.' },
        },
      },
    );
    // Something that depended on the channel cannot go either, and says why.
    await postMessage(db, now(), { channel: refChannel('incident:42:channel'), text: 'INC-42 declared' });
    const s = sender();
    await s.flush();

    const [create, dependent, fallback] = await rows();
    expect(create).toMatchObject({ method: 'conversations.create', status: 'failed', last_error: 'restricted_action' });
    expect(dependent).toMatchObject({
      status: 'failed',
      last_error: 'depends on incident:42:channel, which was never delivered',
    });
    expect(fallback).toMatchObject({ method: 'chat.postMessage', status: 'sent', lane: 'UREQ0001' });
    expect(texts('UREQ0001')).toEqual(['The channel for INC-42 could not be created.']);
    expect(await getSlackRef(db, 'incident:42:channel')).toBeUndefined();

    // Final: never tried again, the fallback never owed twice.
    clock.advance(3_600_000);
    await s.flush();
    expect(attemptsOf('conversations.create')).toHaveLength(1);
    expect(texts('UREQ0001')).toHaveLength(1);
    expect((await rows()).length).toBe(3);
  });

  it('gives up after the maximum number of attempts, records why, and delivers the fallback', async () => {
    fake.failNext('chat.postMessage', { status: 503 }, 12);
    await owe(
      db,
      now(),
      'chat.postMessage',
      { channel: 'C1', text: 'never arrives' },
      {
        onFailure: { method: 'chat.postMessage', args: { channel: 'UAGENT01', text: 'Could not post to C1' } },
      },
    );
    const s = sender();
    for (let i = 0; i < 20; i++) {
      await s.flush();
      clock.advance(10 * 60_000);
    }
    expect(attemptsOf('chat.postMessage').filter((c) => c.args.channel === 'C1')).toHaveLength(12);
    const [row, fallback] = await rows();
    expect(row).toMatchObject({ status: 'failed', attempts: 12, last_error: 'gave up after 12 attempts: HTTP 503' });
    expect(fallback).toMatchObject({ status: 'sent' });
    expect(texts('UAGENT01')).toEqual(['Could not post to C1']);
    expect(texts('C1')).toEqual([]);
  });

  it('a 429 on a method limited by tier pauses that method in every channel, while posts carry on', async () => {
    await postMessage(db, now(), { channel: 'C1', text: 'one', refKey: 'r:1' });
    await postMessage(db, now(), { channel: 'C2', text: 'two', refKey: 'r:2' });
    const s = sender();
    await s.flush();
    fake.failNext('chat.update', { status: 429, retryAfter: 30 });
    await updateMessage(db, now(), 'r:1', { text: 'one, edited' });
    await s.flush();
    await updateMessage(db, now(), 'r:2', { text: 'two, edited' });
    await postMessage(db, now(), { channel: 'C3', text: 'three' });
    await s.flush();
    await s.flush();
    // chat.update is Tier 3 across the workspace: C2's edit waits too instead of earning its own 429.
    expect(attemptsOf('chat.update')).toHaveLength(1);
    expect(texts('C3')).toEqual(['three']);

    clock.advance(30_000);
    await s.flush();
    expect(texts('C1')).toEqual(['one, edited']);
    expect(texts('C2')).toEqual(['two, edited']);
    expect(attemptsOf('chat.update')).toHaveLength(3);
  });

  it('a 429 on posting pauses only the channel it was posted to', async () => {
    fake.failNext('chat.postMessage', { status: 429, retryAfter: 30 });
    await postMessage(db, now(), { channel: 'C1', text: 'c1' });
    await postMessage(db, now(), { channel: 'C2', text: 'c2' });
    const s = sender();
    await s.flush();
    await s.flush();
    expect(texts('C1').length + texts('C2').length).toBe(1);
    clock.advance(30_000);
    await s.flush();
    expect(texts('C1')).toEqual(['c1']);
    expect(texts('C2')).toEqual(['c2']);
  });

  it('defers an update whose message is not posted yet, then applies the updates after the post, in order', async () => {
    fake.failNext('chat.postMessage', { status: 500 });
    await db.transaction().execute(async (trx) => {
      await postMessage(trx, now(), { channel: 'C1', text: 'v1', refKey: 'ticket:7:triage' });
      await updateMessage(trx, now(), 'ticket:7:triage', { text: 'v2' });
      await updateMessage(trx, now(), 'ticket:7:triage', { text: 'v3' });
    });
    const s = sender();
    await s.flush();
    expect(attemptsOf('chat.update')).toHaveLength(0);
    expect((await rows()).map((r) => r.status)).toEqual(['pending', 'pending', 'pending']);

    clock.advance(1000);
    await s.flush();
    const [message] = fake.messagesIn('C1');
    expect(message!.text).toBe('v3');
    expect(attemptsOf('chat.update').map((c) => [c.args.channel, c.args.ts, c.args.text])).toEqual([
      ['C1', message!.ts, 'v2'],
      ['C1', message!.ts, 'v3'],
    ]);
    expect(await getSlackRef(db, 'ticket:7:triage')).toEqual({ channel: 'C1', ts: message!.ts });
    expect((await rows()).map((r) => r.status)).toEqual(['sent', 'sent', 'sent']);
  });

  it('a reply in the thread of a message not posted yet waits for it', async () => {
    await postMessage(db, now(), { channel: 'C2', text: 'unblocks nothing' });
    fake.failNext('chat.postMessage', { status: 500 });
    await db.transaction().execute(async (trx) => {
      await postMessage(trx, now(), { channel: 'C1', text: 'parent', refKey: 'incident:1:announce' });
    });
    await postMessage(db, now(), {
      channel: refChannel('incident:1:announce'),
      threadOf: 'incident:1:announce',
      text: 'reply',
    });
    const s = sender();
    await s.flush();
    clock.advance(1000);
    await s.flush();
    const [parent, reply] = fake.messagesIn('C1');
    expect(parent!.text).toBe('parent');
    expect(reply).toMatchObject({ text: 'reply', thread_ts: parent!.ts });
  });

  it('updates whose post failed for good fail too, instead of waiting forever', async () => {
    fake.failNext('chat.postMessage', { error: 'channel_not_found' });
    await db.transaction().execute(async (trx) => {
      await postMessage(trx, now(), { channel: 'C1', text: 'v1', refKey: 'ticket:8:triage' });
      await updateMessage(trx, now(), 'ticket:8:triage', { text: 'v2' });
      await updateMessage(trx, now(), 'ticket:8:triage', { text: 'v3' });
    });
    const s = sender();
    await s.flush();
    clock.advance(60_000);
    await s.flush();
    expect((await rows()).map((r) => [r.method, r.status, r.last_error])).toEqual([
      ['chat.postMessage', 'failed', 'channel_not_found'],
      ['chat.update', 'failed', 'depends on ticket:8:triage, which was never delivered'],
      ['chat.update', 'failed', 'depends on ticket:8:triage, which was never delivered'],
    ]);
    expect(await pendingOutbox(db, 10)).toEqual([]);
  });

  it('a channel name that is taken gets -2 (then -3), and the ref stores the new channel id', async () => {
    fake.addChannel('CTAKEN01', 'inc-42-vpn');
    await owe(db, now(), 'conversations.create', { name: 'inc-42-vpn' }, { refKey: 'incident:42:channel' });
    await postMessage(db, now(), { channel: refChannel('incident:42:channel'), text: 'Welcome to INC-42' });
    const s = sender();
    await s.flush();

    const created = fake.channelByName('inc-42-vpn-2');
    expect(created).toBeDefined();
    expect(attemptsOf('conversations.create').map((c) => [c.args.name, c.answer.ok ? 'ok' : c.answer.error])).toEqual([
      ['inc-42-vpn', 'name_taken'],
      ['inc-42-vpn-2', 'ok'],
    ]);
    expect(await getSlackRef(db, 'incident:42:channel')).toEqual({ channel: created!.id, ts: null });
    expect(texts(created!.id)).toEqual(['Welcome to INC-42']);

    // Both -2 and -3 taken as well: the next free suffix.
    fake.addChannel('CTAKEN02', 'inc-43');
    fake.addChannel('CTAKEN03', 'inc-43-2');
    await owe(db, now(), 'conversations.create', { name: 'inc-43' }, { refKey: 'incident:43:channel' });
    await s.flush();
    expect(fake.channelByName('inc-43-3')).toBeDefined();
    expect((await getSlackRef(db, 'incident:43:channel'))!.channel).toBe(fake.channelByName('inc-43-3')!.id);
  });

  describe('a channel created but its answer lost', () => {
    const channelsNamed = (prefix: string) => [...fake.channels.values()].filter((c) => c.name.startsWith(prefix));
    const creates = () =>
      attemptsOf('conversations.create').map((c) => [
        c.args.name,
        c.status === 200 ? (c.answer.ok ? 'ok' : c.answer.error) : `lost ${c.status}`,
      ]);
    beforeEach(() => {
      // The fake stamps `created` on the test's clock, as Slack would on the same wall clock as the app.
      fake.now = () => clock.now().getTime();
    });

    it('is adopted on the retry: one channel, and the incident posts to it', async () => {
      await owe(db, now(), 'conversations.create', { name: 'inc-50-dns' }, { refKey: 'incident:50:channel' });
      await postMessage(db, now(), { channel: refChannel('incident:50:channel'), text: 'Welcome to INC-50' });
      fake.failNext('conversations.create', { applied: true, status: 500 });
      const s = sender();
      await s.flush();
      expect(channelsNamed('inc-50')).toHaveLength(1);
      expect(await getSlackRef(db, 'incident:50:channel')).toBeUndefined();

      clock.advance(5_000);
      await s.flush();
      const made = fake.channelByName('inc-50-dns')!;
      expect(creates()).toEqual([
        ['inc-50-dns', 'lost 500'],
        ['inc-50-dns', 'name_taken'],
      ]);
      expect(channelsNamed('inc-50').map((c) => c.name)).toEqual(['inc-50-dns']);
      expect(await getSlackRef(db, 'incident:50:channel')).toEqual({ channel: made.id, ts: null });
      expect(texts(made.id)).toEqual(['Welcome to INC-50']);
      const create = (await rows()).find((r) => r.method === 'conversations.create')!;
      expect(create).toMatchObject({ status: 'sent', name_suffix: null });
      expect(JSON.parse(create.result!)).toMatchObject({ channel: made.id });
    });

    it('is adopted after a restart when the connection dropped, across pages of channels', async () => {
      for (let i = 0; i < 450; i++) fake.addChannel(`CFILL${String(i).padStart(4, '0')}`, `team-${i}`);
      await owe(db, now(), 'conversations.create', { name: 'inc-51' }, { refKey: 'incident:51:channel' });
      await postMessage(db, now(), { channel: refChannel('incident:51:channel'), text: 'Welcome to INC-51' });
      fake.failNext('conversations.create', { applied: true, hangUp: true });
      const first = sender();
      await first.flush();
      await first.stop();
      expect((await rows())[0]!.attempt_started_at).not.toBeNull();

      clock.advance(60_000);
      await sender().flush();
      const made = fake.channelByName('inc-51')!;
      expect(channelsNamed('inc-51')).toHaveLength(1);
      expect(attemptsOf('conversations.list').length).toBeGreaterThanOrEqual(3);
      expect(attemptsOf('conversations.list')[0]!.args).toMatchObject({
        types: 'public_channel,private_channel',
        exclude_archived: 'true',
      });
      expect(texts(made.id)).toEqual(['Welcome to INC-51']);
    });

    it('someone else’s channel of that name, or the bot’s own from long before, still gets -2', async () => {
      const s = sender();
      const cases = [
        { n: 52, creator: 'UAGENT01', created: () => clock.now().getTime() / 1000 },
        { n: 53, creator: BOT_USER_ID, created: () => clock.now().getTime() / 1000 - 86_400 },
      ];
      for (const { n, creator, created } of cases) {
        await owe(db, now(), 'conversations.create', { name: `inc-${n}` }, { refKey: `incident:${n}:channel` });
        // The first attempt fails without effect: its outcome is unknown to the sender.
        fake.failNext('conversations.create', { status: 500 });
        await s.flush();
        expect((await rows()).at(-1)!.attempt_started_at).not.toBeNull();
        fake.addChannel(`CTAKEN${n}`, `inc-${n}`, [creator], { creator, created: Math.floor(created()) });
        const listsBefore = attemptsOf('conversations.list').length;

        clock.advance(5_000);
        await s.flush();
        expect(attemptsOf('conversations.list').length).toBeGreaterThan(listsBefore);
        expect(fake.channelByName(`inc-${n}-2`)).toBeDefined();
        expect((await getSlackRef(db, `incident:${n}:channel`))!.channel).toBe(fake.channelByName(`inc-${n}-2`)!.id);
      }
    });
  });

  it('a taken name at the 80-character limit is shortened to fit its suffix', async () => {
    const long = 'inc-' + 'a'.repeat(76);
    fake.addChannel('CTAKEN09', long);
    await owe(db, now(), 'conversations.create', { name: long }, { refKey: 'incident:9:channel' });
    await sender().flush();
    const created = attemptsOf('conversations.create').at(-1)!;
    expect(created.answer.ok).toBe(true);
    expect(created.args.name).toBe(long.slice(0, 78) + '-2');
  });

  it('already_in_channel counts as delivered', async () => {
    fake.addChannel('CINC00001', 'inc-1', ['UREQ0001']);
    await owe(
      db,
      now(),
      'conversations.invite',
      { channel: 'CINC00001', users: 'UREQ0001' },
      {
        onFailure: { method: 'chat.postMessage', args: { channel: 'UAGENT01', text: 'invite failed' } },
      },
    );
    await sender().flush();
    const all = await rows();
    expect(all).toHaveLength(1);
    expect(all[0]).toMatchObject({ status: 'sent', last_error: null });
    expect(JSON.parse(all[0]!.result!)).toMatchObject({ note: 'already_in_channel' });
    expect(texts('UAGENT01')).toEqual([]);
  });

  it('an update of a message someone deleted posts it again and moves the ref there', async () => {
    await postMessage(db, now(), { channel: 'C1', text: 'v1', refKey: 'ticket:9:triage' });
    const s = sender();
    await s.flush();
    const first = (await getSlackRef(db, 'ticket:9:triage'))!;
    fake.messages.splice(
      fake.messages.findIndex((m) => m.ts === first.ts),
      1,
    );

    await updateMessage(db, now(), 'ticket:9:triage', { text: 'v2' });
    await s.flush();
    const [reposted] = fake.messagesIn('C1');
    expect(reposted!.text).toBe('v2');
    expect(reposted!.ts).not.toBe(first.ts);
    expect(await getSlackRef(db, 'ticket:9:triage')).toEqual({ channel: 'C1', ts: reposted!.ts });

    // Later edits go to the new message.
    await updateMessage(db, now(), 'ticket:9:triage', { text: 'v3' });
    await s.flush();
    expect(fake.messagesIn('C1').map((m) => [m.ts, m.text])).toEqual([[reposted!.ts, 'v3']]);
    expect(attemptsOf('chat.update').at(-1)!.args.ts).toBe(reposted!.ts);
  });

  it('keeps order within each lane while lanes run in parallel', async () => {
    // Every call is slow, so lanes can only keep up by running side by side.
    fake.failNext('*', { delayMs: 30 }, 1000);
    for (let i = 1; i <= 5; i++)
      for (const channel of ['C1', 'C2', 'C3', 'C4'])
        await postMessage(db, now(), { channel, text: `${channel} #${i}` });
    await sender().flush();
    for (const channel of ['C1', 'C2', 'C3', 'C4'])
      expect(texts(channel)).toEqual([1, 2, 3, 4, 5].map((i) => `${channel} #${i}`));
    expect(maxInFlight).toBeGreaterThanOrEqual(2);
    expect(maxInFlightPerChannel).toBe(1);
  });

  it('paces each channel with a token bucket: a burst at once, then one per 1/rate seconds', async () => {
    for (let i = 1; i <= 5; i++) await postMessage(db, now(), { channel: 'C1', text: `m${i}` });
    await postMessage(db, now(), { channel: 'C2', text: 'other channel' });
    const s = sender({ pacing: { rate: 1, burst: 2 } });

    await s.flush();
    expect(texts('C1')).toEqual(['m1', 'm2']);
    expect(texts('C2')).toEqual(['other channel']);
    clock.advance(999);
    await s.flush();
    expect(texts('C1')).toHaveLength(2);
    clock.advance(1);
    await s.flush();
    expect(texts('C1')).toHaveLength(3);
    clock.advance(500);
    await s.flush();
    expect(texts('C1')).toHaveLength(3);
    clock.advance(500);
    await s.flush();
    clock.advance(1000);
    await s.flush();
    expect(texts('C1')).toEqual(['m1', 'm2', 'm3', 'm4', 'm5']);
    // Waiting for a token is not a failed attempt.
    expect((await rows()).every((r) => r.status === 'sent' && r.attempts === 1)).toBe(true);
  });

  it('a dedupe key prevents a second enqueue, before and after delivery', async () => {
    expect(
      await postMessage(db, now(), {
        channel: 'C1',
        text: 'Update due for INC-1',
        dedupeKey: 'incident:1:update-reminder:3',
      }),
    ).toBe(true);
    expect(
      await postMessage(db, now(), {
        channel: 'C1',
        text: 'Update due for INC-1',
        dedupeKey: 'incident:1:update-reminder:3',
      }),
    ).toBe(false);
    const s = sender();
    await s.flush();
    expect(
      await postMessage(db, now(), { channel: 'C1', text: 'again', dedupeKey: 'incident:1:update-reminder:3' }),
    ).toBe(false);
    await s.flush();
    expect(texts('C1')).toEqual(['Update due for INC-1']);
    expect(await rows()).toHaveLength(1);
    // No key, no deduplication.
    expect(await postMessage(db, now(), { channel: 'C1', text: 'x' })).toBe(true);
    expect(await postMessage(db, now(), { channel: 'C1', text: 'x' })).toBe(true);
  });

  it('delivers every row exactly once across a restart in the middle of a stream', async () => {
    const channels = ['C1', 'C2', 'C3', 'C4'];
    for (let i = 1; i <= 10; i++)
      for (const channel of channels) await postMessage(db, now(), { channel, text: `${channel}/${i}` });
    fake.failNext('*', { delayMs: 5 }, 1000);

    // Stop the first sender once a dozen messages are out.
    const webClient = client();
    const first = sender({ webClient });
    const realCall = webClient.apiCall.bind(webClient);
    let calls = 0;
    let stopping: Promise<void> | undefined;
    webClient.apiCall = async (method: string, options?: Record<string, unknown>) => {
      const answer = await realCall(method, options);
      if (++calls === 12) stopping = first.stop();
      return answer;
    };
    first.start();
    await new Promise<void>((resolve) => {
      const poll = setInterval(() => {
        if (stopping) {
          clearInterval(poll);
          resolve();
        }
      }, 5);
    });
    await stopping;
    const pendingAtStop = (await pendingOutbox(db, 100)).length;
    expect(pendingAtStop).toBeGreaterThan(0);
    expect(pendingAtStop).toBeLessThan(40);
    await db.destroy();

    // Restart: a new connection to the same file and a new sender.
    opened = openSqlite(dbFile);
    db = opened.db;
    await migrateToLatest(db);
    const second = sender();
    await second.flush();

    const posted = fake.calls
      .filter((c) => c.method === 'chat.postMessage' && c.answer.ok)
      .map((c) => String(c.args.text));
    expect(posted).toHaveLength(40);
    expect(new Set(posted).size).toBe(40);
    for (const channel of channels)
      expect(texts(channel)).toEqual(Array.from({ length: 10 }, (_, i) => `${channel}/${i + 1}`));
    expect((await rows()).every((r) => r.status === 'sent' && r.attempts === 1)).toBe(true);
  });

  /** A client whose first `n` chat.postMessage answers are lost after Slack accepted the post. */
  function losingAnswers(n: number): WebClient {
    const c = client();
    const real = c.apiCall.bind(c);
    let left = n;
    c.apiCall = async (method: string, options?: Record<string, unknown>) => {
      const answer = await real(method, options);
      if (method === 'chat.postMessage' && left-- > 0)
        throw Object.assign(new Error('socket hang up'), { code: ErrorCode.RequestError });
      return answer;
    };
    return c;
  }

  describe('a post whose answer was lost is looked up, never sent twice', () => {
    beforeEach(() => clock.set(new Date())); // Slack's timestamps and the sender's clock agree

    it('in a channel: found by its metadata in history, marked sent with its ts', async () => {
      await postMessage(db, now(), { channel: 'C1', text: 'triage post', refKey: 'ticket:1:triage' });
      await updateMessage(db, now(), 'ticket:1:triage', { text: 'triage post, edited' });
      const s = sender({ webClient: losingAnswers(1) });
      await s.flush();
      // A busy channel since: the post is more than a page of history back.
      for (let i = 0; i < 450; i++) fake.addMessage('C1', 'UREQ0001', `chatter ${i}`);
      const [row] = await rows();
      expect(row).toMatchObject({ status: 'pending', last_error: 'socket hang up' });
      expect(row!.attempt_started_at).not.toBeNull();
      clock.advance(1000);
      await s.flush();

      expect(postsTo('C1')).toHaveLength(1);
      const posted = fake.messagesIn('C1').filter((m) => m.user !== 'UREQ0001');
      expect(posted).toHaveLength(1);
      expect(posted[0]).toMatchObject({
        text: 'triage post, edited',
        metadata: { event_type: 'switchboard_outbox', event_payload: { outbox_id: row!.id } },
      });
      expect(await getSlackRef(db, 'ticket:1:triage')).toEqual({ channel: 'C1', ts: posted[0]!.ts });
      const lookups = fake.calls.filter((c) => c.method === 'conversations.history');
      expect(lookups.length).toBeGreaterThanOrEqual(2); // paged with the cursor
      expect(lookups[0]!.args).toMatchObject({
        channel: 'C1',
        include_all_metadata: 'true',
        inclusive: 'true',
        limit: '200',
      });
      expect(Number(lookups[0]!.args.oldest)).toBeLessThan(row!.attempt_started_at! / 1000);
      expect(Number(lookups[0]!.args.latest)).toBeGreaterThan(row!.attempt_started_at! / 1000);
      expect((await rows())[0]).toMatchObject({
        status: 'sent',
        attempt_started_at: null,
        result: JSON.stringify({ channel: 'C1', ts: posted[0]!.ts }),
      });
    });

    it('in a DM: the DM channel is opened and its history read', async () => {
      await postMessage(db, now(), { channel: 'UREQ0001', text: 'your ticket' });
      const s = sender({ webClient: losingAnswers(1) });
      await s.flush();
      clock.advance(1000);
      await s.flush();
      expect(fake.messagesIn('UREQ0001').map((m) => m.text)).toEqual(['your ticket']);
      expect(postsTo('UREQ0001')).toHaveLength(1);
      expect(fake.calls.find((c) => c.method === 'conversations.history')!.args.channel).toBe(
        fake.dmChannelOf('UREQ0001'),
      );
      expect((await rows())[0]).toMatchObject({ status: 'sent' });
    });

    it('in a thread: the thread replies are read', async () => {
      await postMessage(db, now(), { channel: 'C1', text: 'parent', refKey: 'parent' });
      await postMessage(db, now(), { channel: refChannel('parent'), text: 'reply', threadOf: 'parent' });
      const c = client();
      const real = c.apiCall.bind(c);
      let lost = false;
      c.apiCall = async (method: string, options?: Record<string, unknown>) => {
        const answer = await real(method, options);
        if (method === 'chat.postMessage' && options?.thread_ts && !lost) {
          lost = true;
          throw Object.assign(new Error('socket hang up'), { code: ErrorCode.RequestError });
        }
        return answer;
      };
      const s = sender({ webClient: c });
      await s.flush();
      clock.advance(1000);
      await s.flush();
      expect(fake.messagesIn('C1').map((m) => m.text)).toEqual(['parent', 'reply']);
      expect(fake.calls.filter((c) => c.method === 'conversations.replies')).toHaveLength(1);
      expect((await rows()).map((r) => r.status)).toEqual(['sent', 'sent']);
    });

    it('not in Slack: sent then, once', async () => {
      await postMessage(db, now(), { channel: 'C1', text: 'never arrived' });
      // The attempt started, and then the process died before the call left.
      await db
        .updateTable('outbox')
        .set({ attempt_started_at: now().getTime() - 5000 })
        .execute();
      const s = sender();
      await s.flush();
      expect(texts('C1')).toEqual(['never arrived']);
      expect(fake.calls.map((c) => c.method)).toEqual(['conversations.history', 'chat.postMessage']);
      expect((await rows())[0]).toMatchObject({ status: 'sent', attempt_started_at: null });
    });

    it('a lookup Slack refuses for a while is retried before anything is sent again', async () => {
      await postMessage(db, now(), { channel: 'C1', text: 'once' });
      const s = sender({ webClient: losingAnswers(1) });
      await s.flush();
      fake.failNext('conversations.history', { status: 503 });
      clock.advance(1000);
      await s.flush();
      expect(postsTo('C1')).toHaveLength(1);
      expect((await rows())[0]!.attempt_started_at).not.toBeNull();
      clock.advance(10_000);
      await s.flush();
      expect(postsTo('C1')).toHaveLength(1);
      expect(texts('C1')).toEqual(['once']);
      expect((await rows())[0]).toMatchObject({ status: 'sent' });
    });
  });

  it('tags every post with its outbox row, and sends the arguments as they were recorded, template syntax and all', async () => {
    const typed = 'Printer {{ref:nope:ts}} says {{name:UAGENT01}} and {"$ref":"x","field":"ts"}';
    await postMessage(db, now(), {
      channel: 'C1',
      text: typed,
      blocks: [{ type: 'section', text: { type: 'mrkdwn', text: typed } }],
    });
    await owe(db, now(), 'conversations.setTopic', { channel: 'C2', topic: typed });
    const s = sender();
    await s.flush();
    const [post] = postsTo('C1');
    expect(post!.args.text).toBe(typed);
    expect(post!.args.blocks[0].text.text).toBe(typed);
    expect(post!.args.metadata).toEqual({ event_type: 'switchboard_outbox', event_payload: { outbox_id: 1 } });
    expect(fake.channels.get('C2')!.topic).toBe(typed);
    expect(fake.calls.filter((c) => c.method === 'users.info')).toHaveLength(0);
    expect((await rows()).map((r) => r.status)).toEqual(['sent', 'sent']);
  });

  it('reads pending rows through the pending index, not the whole history', async () => {
    await db.transaction().execute(async (trx) => {
      for (let i = 0; i < 500; i++) await postMessage(trx, now(), { channel: 'C1', text: `old ${i}` });
      await trx.updateTable('outbox').set({ status: 'sent' }).execute();
      await postMessage(trx, now(), { channel: 'C1', text: 'waiting' });
    });
    const captured: { sql: string; parameters: readonly unknown[] }[] = [];
    const spy = new Kysely<any>({
      dialect: new SqliteDialect({ database: opened.sqlite }),
      log: (event) => void captured.push(event.query),
    });
    const pending = await pendingOutbox(spy as unknown as Db, 500);
    expect(pending.map((r) => JSON.parse(r.payload).text)).toEqual(['waiting']);
    const { sql, parameters } = captured[0]!;
    const plan = opened.sqlite
      .prepare(`EXPLAIN QUERY PLAN ${sql}`)
      .all(...(parameters as unknown[]))
      .map((row) => (row as { detail: string }).detail)
      .join('\n');
    expect(plan).toMatch(/USING (COVERING )?INDEX outbox_pending/);
  });
});
