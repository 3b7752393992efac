import type { WebClient } from '@slack/web-api';
import { privateByPrefix } from '../domain/tickets/reaction.js';

/**
 * Whether a conversation is private (private channel, group DM or DM), as Slack reports it: the id's
 * prefix where it settles the question, otherwise conversations.info (channels:read for public
 * channels, groups:read for private ones). When Slack cannot say, the answer is "private": the safe side.
 */
export async function isPrivateConversation(client: WebClient, channel: string): Promise<boolean> {
  const byPrefix = privateByPrefix(channel);
  if (byPrefix !== undefined) return byPrefix;
  try {
    const info = await client.conversations.info({ channel });
    const c = info.channel as
      { is_private?: boolean; is_im?: boolean; is_mpim?: boolean; is_group?: boolean } | undefined;
    if (!info.ok || !c) return true;
    return Boolean(c.is_private || c.is_im || c.is_mpim || c.is_group);
  } catch {
    return true;
  }
}
