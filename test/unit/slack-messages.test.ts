import type { WebClient } from '@slack/web-api';
import { describe, expect, it } from 'vitest';
import { fetchMessage } from '../../src/slack/messages.js';
import { decodeSlackText, withoutSlackMarkup } from '../../src/domain/typed-text.js';

const PARENT = { ts: '100.000001', text: 'Printers down', user: 'UPARENT1' };
const REPLY = { ts: '100.000002', text: 'R&amp;D scanner too', user: 'UREPLY01' };

/** A Slack that lists the thread's parent alone on the first page of replies, whatever the window. */
function pagingSlack(calls: Record<string, unknown>[]): WebClient {
  return {
    conversations: {
      history: async () => ({ ok: true, messages: [PARENT] }),
      replies: async (args: Record<string, unknown>) => {
        calls.push(args);
        return args.cursor
          ? { ok: true, messages: [REPLY] }
          : { ok: true, messages: [PARENT], response_metadata: { next_cursor: 'page2' } };
      },
    },
  } as unknown as WebClient;
}

describe('fetchMessage', () => {
  it('pages the thread until the reply itself turns up, and decodes its text', async () => {
    const calls: Record<string, unknown>[] = [];
    expect(await fetchMessage(pagingSlack(calls), 'C1', REPLY.ts)).toEqual({
      text: 'R&D scanner too',
      user: REPLY.user,
    });
    expect(calls).toHaveLength(2);
    expect(calls[0]).toMatchObject({ channel: 'C1', ts: REPLY.ts, oldest: REPLY.ts, inclusive: true });
    expect(calls[1]).toMatchObject({ cursor: 'page2' });
  });

  it('is undefined when the message is in neither history nor the thread', async () => {
    expect(await fetchMessage(pagingSlack([]), 'C1', '100.000009')).toBeUndefined();
  });
});

describe('Slack text', () => {
  it('decodes &lt; &gt; and &amp; once, &amp; last', () => {
    expect(decodeSlackText('R&amp;D &lt;3rd floor&gt;')).toBe('R&D <3rd floor>');
    expect(decodeSlackText('typed &amp;lt; literally')).toBe('typed &lt; literally');
  });

  it('takes out only real markup from escaped text', () => {
    expect(withoutSlackMarkup('<@U1> R&amp;D &lt;3rd floor&gt; <https://x.example|status> <#C1|general>')).toBe(
      ' R&amp;D &lt;3rd floor&gt;  ',
    );
  });
});
