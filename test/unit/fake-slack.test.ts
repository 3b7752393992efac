import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebClient } from '@slack/web-api';
import { BOT_USER_ID, FakeSlack, rendered, slackEscape } from '../../devkit/fake-slack/server.js';
import { checkMessageBlocks, checkView } from '../../devkit/fake-slack/block-kit.js';

/** The fake Slack refuses what Slack refuses: the suite, the sandbox and the benchmark rely on it. */
describe('the fake Slack is as strict as Slack', () => {
  let fake: FakeSlack;
  let client: WebClient;
  const call = (method: string, args: Record<string, unknown>) =>
    client.apiCall(method, args).then(
      (a) => a as any,
      (e) => e.data ?? { error: String(e) },
    );

  beforeAll(async () => {
    fake = await new FakeSlack().start();
    fake.addUser('UONE', 'one').addUser('UTWO', 'two');
    fake.addChannel('CPUBLIC', 'public', ['UONE', BOT_USER_ID]);
    fake.addChannel('CNOBOT', 'nobot', ['UONE']);
    fake.addChannel('GSECRET', 'secret', ['UONE'], { isPrivate: true });
    client = new WebClient('xoxb-test', {
      slackApiUrl: fake.apiUrl,
      retryConfig: { retries: 0 },
      rejectRateLimitedCalls: true,
    });
  });
  afterAll(() => fake.stop());

  it('stores message text escaped, keeps real markup, and returns it escaped', async () => {
    const typed = 'R&D <3rd floor> for <@UONE> at <https://example.com|the wiki>';
    expect(slackEscape(typed)).toBe('R&amp;D &lt;3rd floor&gt; for <@UONE> at <https://example.com|the wiki>');
    expect(rendered(slackEscape(typed))).toBe('R&D <3rd floor> for @UONE at the wiki');
    const m = fake.addMessage('CPUBLIC', 'UONE', typed);
    const history = await call('conversations.history', {
      channel: 'CPUBLIC',
      latest: m.ts,
      inclusive: true,
      limit: 1,
    });
    expect(history.messages[0].text).toBe('R&amp;D &lt;3rd floor&gt; for <@UONE> at <https://example.com|the wiki>');
  });

  it('pages history newest first and replies parent first, honouring limit, cursor, oldest, latest and inclusive', async () => {
    const parent = fake.addMessage('CPUBLIC', 'UONE', 'parent');
    const r1 = fake.addMessage('CPUBLIC', 'UTWO', 'reply 1', parent.ts);
    const r2 = fake.addMessage('CPUBLIC', 'UONE', 'reply 2', parent.ts);
    const after = fake.addMessage('CPUBLIC', 'UONE', 'after');

    const top = await call('conversations.history', { channel: 'CPUBLIC', limit: 2 });
    expect(top.messages.map((m: any) => m.text)).toEqual(['after', 'parent']);
    expect(top.has_more).toBe(true);
    const next = await call('conversations.history', {
      channel: 'CPUBLIC',
      limit: 2,
      cursor: top.response_metadata.next_cursor,
    });
    expect(next.messages[0].text).toMatch(/^R&amp;D/);
    // A reply is not in history: latest=<reply ts> finds the top-level message before it.
    const atReply = await call('conversations.history', {
      channel: 'CPUBLIC',
      latest: r1.ts,
      inclusive: true,
      limit: 1,
    });
    expect(atReply.messages[0].ts).toBe(parent.ts);
    expect(atReply.messages[0]).toMatchObject({ thread_ts: parent.ts, reply_count: 2 });
    const exclusive = await call('conversations.history', { channel: 'CPUBLIC', latest: after.ts, limit: 1 });
    expect(exclusive.messages[0].ts).toBe(parent.ts);

    const one = await call('conversations.replies', {
      channel: 'CPUBLIC',
      ts: parent.ts,
      latest: r2.ts,
      inclusive: true,
      limit: 1,
    });
    expect(one.messages.map((m: any) => m.text)).toEqual(['parent']);
    const window = await call('conversations.replies', {
      channel: 'CPUBLIC',
      ts: parent.ts,
      oldest: r1.ts,
      inclusive: false,
    });
    expect(window.messages.map((m: any) => m.text)).toEqual(['parent', 'reply 2']);
    const paged = await call('conversations.replies', { channel: 'CPUBLIC', ts: r2.ts, limit: 2 });
    expect(paged.messages.map((m: any) => m.text)).toEqual(['parent', 'reply 1']);
    const rest = await call('conversations.replies', {
      channel: 'CPUBLIC',
      ts: r2.ts,
      limit: 2,
      cursor: paged.response_metadata.next_cursor,
    });
    expect(rest.messages.map((m: any) => m.text)).toEqual(['reply 2']);
    expect(rest.has_more).toBe(false);
  });

  it("gives Slack's permalinks: the workspace's address, the thread for a reply; refuses unknown channels and messages", async () => {
    const parent = fake.addMessage('CPUBLIC', 'UONE', 'parent');
    const reply = fake.addMessage('CPUBLIC', 'UTWO', 'reply', parent.ts);
    const top = await call('chat.getPermalink', { channel: 'CPUBLIC', message_ts: parent.ts });
    expect(top.permalink).toBe(`https://fake.slack.com/archives/CPUBLIC/p${parent.ts.replace('.', '')}`);
    const inThread = await call('chat.getPermalink', { channel: 'CPUBLIC', message_ts: reply.ts });
    expect(inThread.permalink).toBe(
      `https://fake.slack.com/archives/CPUBLIC/p${reply.ts.replace('.', '')}?thread_ts=${parent.ts}&cid=CPUBLIC`,
    );
    expect((await call('chat.getPermalink', { channel: 'CMISSING1', message_ts: parent.ts })).error).toBe(
      'channel_not_found',
    );
    expect((await call('chat.getPermalink', { channel: 'CPUBLIC', message_ts: '1.000001' })).error).toBe(
      'message_not_found',
    );
  });

  it('exchanges a trigger_id once, within 3 seconds', async () => {
    const view = { type: 'modal', title: { type: 'plain_text', text: 'Hi' }, blocks: [] };
    const trigger = fake.issueTrigger();
    expect((await call('views.open', { trigger_id: trigger, view })).ok).toBe(true);
    expect((await call('views.open', { trigger_id: trigger, view })).error).toBe('exchanged_trigger_id');
    expect((await call('views.open', { trigger_id: `1.${Date.now() - 3500}.old`, view })).error).toBe(
      'expired_trigger_id',
    );
    expect((await call('views.open', { trigger_id: 'made-up', view })).error).toBe('invalid_trigger_id');
  });

  it('refuses Block Kit beyond its limits on every surface', () => {
    const select = (options: unknown[], extra: Record<string, unknown> = {}) => [
      {
        type: 'section',
        text: { type: 'mrkdwn', text: 'x' },
        accessory: { type: 'static_select', action_id: 'a', options, ...extra },
      },
    ];
    const opt = (value: string, text = value) => ({ text: { type: 'plain_text', text }, value });
    expect(checkMessageBlocks(select([]))?.error).toBe('invalid_blocks');
    expect(checkMessageBlocks(select(Array.from({ length: 101 }, (_, i) => opt(`v${i}`))))?.error).toBe(
      'invalid_blocks',
    );
    expect(checkMessageBlocks(select([opt('v', 'x'.repeat(76))]))?.error).toBe('invalid_blocks');
    expect(checkMessageBlocks(select([opt('v'.repeat(151))]))?.error).toBe('invalid_blocks');
    expect(checkMessageBlocks(select([opt('a')], { initial_option: opt('b') }))?.error).toBe('invalid_blocks');
    expect(checkMessageBlocks(select([opt('a')], { initial_option: opt('a') }))).toBeUndefined();
    const radios = {
      type: 'input',
      label: { type: 'plain_text', text: 'L' },
      element: { type: 'radio_buttons', action_id: 'r', options: Array.from({ length: 11 }, (_, i) => opt(`v${i}`)) },
    };
    expect(
      checkView({
        type: 'modal',
        title: { type: 'plain_text', text: 'T' },
        submit: { type: 'plain_text', text: 'OK' },
        blocks: [radios],
      })?.error,
    ).toBe('invalid_blocks');
    expect(checkView({ type: 'modal', title: { type: 'plain_text', text: 'x'.repeat(25) }, blocks: [] })?.error).toBe(
      'invalid_arguments',
    );
    expect(checkMessageBlocks([{ type: 'section', text: { type: 'mrkdwn', text: '' } }])?.error).toBe('invalid_blocks');
    expect(checkMessageBlocks([{ type: 'header', text: { type: 'plain_text', text: '😀'.repeat(76) } }])?.error).toBe(
      'invalid_blocks',
    );
    expect(
      checkMessageBlocks([
        { type: 'divider', block_id: 'a' },
        { type: 'divider', block_id: 'a' },
      ])?.error,
    ).toBe('invalid_blocks');
    expect(checkView({ type: 'home', blocks: Array.from({ length: 101 }, () => ({ type: 'divider' })) })?.error).toBe(
      'invalid_blocks',
    );
  });

  it('answers membership, length and scope errors like Slack', async () => {
    expect((await call('chat.postMessage', { channel: 'GSECRET', text: 'hi' })).error).toBe('not_in_channel');
    expect((await call('chat.postMessage', { channel: 'CNOBOT', text: 'hi' })).ok).toBe(true);
    expect((await call('chat.postMessage', { channel: 'CPUBLIC', text: 'x'.repeat(40_001) })).error).toBe(
      'msg_too_long',
    );
    expect((await call('chat.postEphemeral', { channel: 'CPUBLIC', user: 'UTWO', text: 'hi' })).error).toBe(
      'user_not_in_channel',
    );
    expect((await call('chat.postEphemeral', { channel: 'CPUBLIC', user: 'UONE', text: 'hi' })).ok).toBe(true);
    // manifest.yml asks for no im:read (channels:read covers C… channels only) and no reactions:write.
    expect((await call('conversations.info', { channel: 'DUONE' })).error).toBe('missing_scope');
    // im:history it has: a DM whose answer was lost is looked for in the DM's history.
    expect((await call('conversations.history', { channel: 'DUONE' })).ok).toBe(true);
    expect((await call('reactions.add', { channel: 'CPUBLIC', name: 'eyes', timestamp: '1.1' })).error).toBe(
      'missing_scope',
    );
  });

  it('takes a response_url body 5 times, if Slack would accept it', async () => {
    const url = `${fake.baseUrl}/response/77/${Date.now()}`;
    const post = (body: unknown) =>
      fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }).then(
        (r) => r.status,
      );
    expect(await post({ response_type: 'sometimes', text: 'x' })).toBe(400);
    expect(await post({ response_type: 'ephemeral' })).toBe(400);
    expect(
      await post({ text: 'x', blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'y'.repeat(3001) } }] }),
    ).toBe(400);
    for (let i = 0; i < 5; i++)
      expect(await post({ response_type: 'ephemeral', replace_original: false, text: `use ${i}` })).toBe(200);
    expect(await post({ text: 'sixth' })).toBe(404);
    expect(
      await fetch(`${fake.baseUrl}/response/78/${Date.now() - 31 * 60_000}`, {
        method: 'POST',
        body: '{"text":"late"}',
      }).then((r) => r.status),
    ).toBe(404);
  });

  it('limits each method to its tier when asked, with Retry-After', async () => {
    fake.enforceRateTiers({ perMinute: { 2: 2 } });
    try {
      expect((await call('usergroups.users.list', { usergroup: 'SNONE' })).error).toBe('no_such_subteam');
      expect((await call('usergroups.users.list', { usergroup: 'SNONE' })).error).toBe('no_such_subteam');
      const limited = await client.apiCall('usergroups.users.list', { usergroup: 'SNONE' }).catch((e) => e);
      expect(limited.code).toBe('slack_webapi_rate_limited_error');
      expect(limited.retryAfter).toBeGreaterThanOrEqual(1);
      // Another method's tier is counted apart.
      expect((await call('users.info', { user: 'UONE' })).ok).toBe(true);
      expect((await call('chat.postMessage', { channel: 'CPUBLIC', text: 'a' })).ok).toBe(true);
      const second = await client.apiCall('chat.postMessage', { channel: 'CPUBLIC', text: 'b' }).catch((e) => e);
      expect(second.code).toBe('slack_webapi_rate_limited_error');
      expect((await call('chat.postMessage', { channel: 'CNOBOT', text: 'c' })).ok).toBe(true);
    } finally {
      fake.enforceRateTiers(null);
    }
  });
});
