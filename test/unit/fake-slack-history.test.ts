import { WebClient } from '@slack/web-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeSlack } from '../../devkit/fake-slack/server.js';

/** The fake pages history and replies the way Slack does, and keeps message metadata. */
describe('fake Slack: conversations.history and .replies', () => {
  let fake: FakeSlack;
  let client: WebClient;
  let ts: string[];
  beforeAll(async () => {
    fake = await new FakeSlack().start();
    fake.addChannel('C1', 'one');
    client = new WebClient('xoxb-t', { slackApiUrl: fake.apiUrl, retryConfig: { retries: 0 } });
    ts = [];
    for (let i = 0; i < 5; i++) {
      const answer = await client.chat.postMessage({
        channel: 'C1',
        text: `m${i}`,
        metadata: { event_type: 'switchboard_outbox', event_payload: { outbox_id: i } },
      });
      ts.push(answer.ts!);
    }
    await client.chat.postMessage({ channel: 'C1', text: 'reply', thread_ts: ts[0] });
  });
  afterAll(() => fake.stop());

  const texts = (answer: any) => answer.messages.map((m: any) => m.text);

  it('newest first, top level only, metadata only with include_all_metadata', async () => {
    const plain = await client.conversations.history({ channel: 'C1' });
    expect(texts(plain)).toEqual(['m4', 'm3', 'm2', 'm1', 'm0']);
    expect(plain.messages!.some((m: any) => m.metadata)).toBe(false);
    const withMetadata = await client.conversations.history({ channel: 'C1', include_all_metadata: true });
    expect(withMetadata.messages![0]).toMatchObject({
      metadata: { event_type: 'switchboard_outbox', event_payload: { outbox_id: 4 } },
    });
  });

  it('oldest and latest bound by ts, inclusive keeps the bounds', async () => {
    expect(texts(await client.conversations.history({ channel: 'C1', oldest: ts[1], latest: ts[3] }))).toEqual(['m2']);
    expect(
      texts(await client.conversations.history({ channel: 'C1', oldest: ts[1], latest: ts[3], inclusive: true })),
    ).toEqual(['m3', 'm2', 'm1']);
  });

  it('limit and cursor page through, has_more until the last page', async () => {
    const first = await client.conversations.history({ channel: 'C1', limit: 2 });
    expect(texts(first)).toEqual(['m4', 'm3']);
    expect(first.has_more).toBe(true);
    const second = await client.conversations.history({
      channel: 'C1',
      limit: 2,
      cursor: first.response_metadata!.next_cursor,
    });
    expect(texts(second)).toEqual(['m2', 'm1']);
    const third = await client.conversations.history({
      channel: 'C1',
      limit: 2,
      cursor: second.response_metadata!.next_cursor,
    });
    expect(texts(third)).toEqual(['m0']);
    expect(third.has_more).toBe(false);
  });

  it('replies: the parent first, then replies, with metadata when asked', async () => {
    const thread = await client.conversations.replies({ channel: 'C1', ts: ts[0]!, include_all_metadata: true });
    expect(texts(thread)).toEqual(['m0', 'reply']);
    expect(thread.messages![0]).toMatchObject({ metadata: { event_payload: { outbox_id: 0 } } });
    expect(texts(await client.conversations.replies({ channel: 'C1', ts: ts[0]!, limit: 1 }))).toEqual(['m0']);
  });
});
