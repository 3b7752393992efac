import { event, type AppDeps, type EventArgs } from '../kit.js';
import { EVENTS } from '../../views/ids.js';
import { summaryFrom } from '../../views/tickets/parse.js';
import { reactionFiling } from '../../src/domain/tickets/reaction.js';
import { fileTicket, refuseReactionFiling } from '../../src/services/tickets/file.js';
import { isFiledFrom } from '../../src/services/tickets/read.js';
import { isPrivateConversation } from '../../src/slack/conversations.js';
import { messagePermalink } from '../../src/slack/permalinks.js';
import { fetchMessage } from '../../src/slack/messages.js';

/** The reaction event, taken from the declared events (the manifest test checks those). */
const REACTION_ADDED = EVENTS.find((e): e is 'reaction_added' => e === 'reaction_added')!;

/**
 * The ticket reaction (:ticket: by default) on a message files it. Handled from the inbox (stored
 * before the ack, keyed by event_id): a failure reading the message is thrown, so the event is retried
 * with back-off; the ticket and the event's receipt commit together.
 */
async function fileFromReaction(
  { event: added, client, body }: EventArgs<'reaction_added'>,
  { ctx, settings, logger }: AppDeps,
): Promise<void> {
  if (added.reaction !== settings.service_desk.ticket_reaction || added.item.type !== 'message') return;
  const { channel, ts } = added.item;
  if (await isFiledFrom(ctx, channel, ts)) return;
  const author = added.item_user && !added.item_user.startsWith('B') ? added.item_user : undefined;
  const filing = reactionFiling({
    isPrivate: await isPrivateConversation(client, channel),
    channel,
    reactorId: added.user,
    authorId: added.item_user,
    listedChannels: settings.service_desk.reaction_private_channels,
  });
  if (filing === 'refuse') return refuseReactionFiling(ctx, { id: added.user }, channel, ts);
  // Slack's link to the message; a failure to get it now is thrown, so the event is tried again.
  const permalink = await messagePermalink(client, channel, ts);
  // From a private space only the link is copied; the text stays where it was written.
  const text = filing === 'file_with_text' ? (await fetchMessage(client, channel, ts))?.text : '';
  if (text === undefined) {
    logger.warn({ channel, ts }, 'could not read the message a ticket reaction was added to');
    return;
  }
  const requester = author ?? added.user;
  const result = await fileTicket(
    ctx,
    { id: requester },
    {
      summary:
        filing === 'file_with_text'
          ? summaryFrom(text) || 'Request from a Slack message'
          : 'Request from a private conversation (see the link)',
      // The link to the message is kept with the ticket and shown once, on the triage post.
      details: filing === 'file_with_text' ? text.slice(0, 2900) : '',
      category: settings.service_desk.categories.includes('other') ? 'other' : settings.service_desk.categories[0]!,
      service: null,
      impact: 'low',
      urgency: 'medium',
      attachmentUrl: null,
    },
    { kind: 'reaction', channel, ts, permalink, ...(requester !== added.user ? { filedBy: added.user } : {}) },
    `event:${body.event_id}`,
  );
  if (!result.ok) logger.info({ channel, ts, reason: result.message }, 'reaction did not file a ticket');
}

/** What the reactor is told when the event finally fails (Slack kept refusing to let Switchboard read the message). */
export function setupReactionFailures({ settings, eventFailures }: AppDeps): void {
  eventFailures.add((failed: { type?: string; reaction?: string }) =>
    failed?.type === 'reaction_added' && failed.reaction === settings.service_desk.ticket_reaction
      ? `:warning: Sorry, your :${settings.service_desk.ticket_reaction}: reaction did not become a ticket: Slack would not let Switchboard read that message after several tries. Remove the reaction and add it again, or type \`/it-help\`.`
      : undefined,
  );
}

export const ticketReaction = event(REACTION_ADDED, fileFromReaction);
