import type { WebClient } from '@slack/web-api';
import { cleanTyped, decodeSlackText } from '../domain/typed-text.js';
import { isFinalSlackAnswer } from './errors.js';

/** A message read back from Slack: its text as the person typed it, and who wrote it. */
export interface SlackMessage {
  text: string;
  user?: string;
}

/** Replies read per page while looking for one in its thread: the parent comes first, then the reply. */
const REPLIES_PAGE = 10;

type Found = { ts?: string; text?: string; user?: string } | undefined;

/**
 * The message at `ts` in `channel`, top-level or a reply in a thread; undefined when Slack says it
 * cannot be read (or it is not there). Only the message with exactly that ts is accepted: history's
 * newest-before-ts may be another message, and replies always start with the thread's parent. A
 * failure that may pass (5xx, 429, a timeout) is thrown, so the event is retried.
 */
export async function fetchMessage(client: WebClient, channel: string, ts: string): Promise<SlackMessage | undefined> {
  try {
    const message = (await topLevelMessage(client, channel, ts)) ?? (await threadReply(client, channel, ts));
    if (!message) return undefined;
    // Read-back text is typed text too: cleaned by the same rule as payloads, and decoded once here.
    return { text: cleanTyped(decodeSlackText(message.text ?? '')), ...(message.user ? { user: message.user } : {}) };
  } catch (error) {
    if (isFinalSlackAnswer(error)) return undefined;
    throw error;
  }
}

async function topLevelMessage(client: WebClient, channel: string, ts: string): Promise<Found> {
  const history = await client.conversations.history({ channel, latest: ts, inclusive: true, limit: 1 });
  return history.messages?.find((m) => m.ts === ts);
}

/** Pages the thread from `ts` on (after its parent, which Slack always lists first) until the reply itself turns up. */
async function threadReply(client: WebClient, channel: string, ts: string): Promise<Found> {
  let cursor: string | undefined;
  do {
    const page = await client.conversations.replies({
      channel,
      ts,
      oldest: ts,
      inclusive: true,
      limit: REPLIES_PAGE,
      ...(cursor ? { cursor } : {}),
    });
    const found = page.messages?.find((m) => m.ts === ts);
    if (found) return found;
    cursor = page.response_metadata?.next_cursor || undefined;
  } while (cursor);
  return undefined;
}
