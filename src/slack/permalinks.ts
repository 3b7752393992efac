import type { WebClient } from '@slack/web-api';
import type { Executor } from '../../db/schema.js';
import { getSlackRefWithPermalink, keepRefPermalink } from '../../db/queries/slack-refs.js';
import { isFinalSlackAnswer } from './errors.js';

/**
 * Links to messages come from Slack (chat.getPermalink, no scope needed), never built by hand: only
 * Slack knows the workspace's address and, for a reply, the thread it belongs to.
 */

/**
 * Slack's link to a message; undefined when Slack says there is no such channel or message (or it
 * refuses for good). A transient failure (429, 5xx, a timeout) is thrown, for the caller to retry.
 */
export async function messagePermalink(client: WebClient, channel: string, ts: string): Promise<string | undefined> {
  try {
    const answer = await client.chat.getPermalink({ channel, message_ts: ts });
    return answer.permalink || undefined;
  } catch (error) {
    if (isFinalSlackAnswer(error)) return undefined;
    throw error;
  }
}

/** The same, where nothing can wait for a retry (a form opening within its 3 s): any failure is "no link". */
export async function messagePermalinkNow(client: WebClient, channel: string, ts: string): Promise<string | undefined> {
  return messagePermalink(client, channel, ts).catch(() => undefined);
}

/**
 * Slack's link to the message stored under a slack_refs key, asked for once and kept with the ref.
 * `no_ref` while the message has not been posted; `gone` when Slack no longer knows it. Transient
 * failures are thrown.
 */
export async function refPermalink(
  db: Executor,
  client: WebClient,
  key: string,
): Promise<{ kind: 'found'; permalink: string } | { kind: 'no_ref' } | { kind: 'gone' }> {
  const ref = await getSlackRefWithPermalink(db, key);
  if (!ref?.ts) return { kind: 'no_ref' };
  if (ref.permalink) return { kind: 'found', permalink: ref.permalink };
  const permalink = await messagePermalink(client, ref.channel, ref.ts);
  if (!permalink) return { kind: 'gone' };
  await keepRefPermalink(db, key, ref, permalink);
  return { kind: 'found', permalink };
}

/** Links for several refs (e.g. a list shown on the Home tab); a ref without one is left out. */
export async function refPermalinks(db: Executor, client: WebClient, keys: string[]): Promise<Map<string, string>> {
  const links = new Map<string, string>();
  for (const key of new Set(keys)) {
    const found = await refPermalink(db, client, key).catch(() => undefined);
    if (found?.kind === 'found') links.set(key, found.permalink);
  }
  return links;
}
