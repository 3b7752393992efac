import { event, type AppDeps, type EventArgs } from '../kit.js';
import { addNote } from '../../src/services/incidents/index.js';
import { incidentInChannel } from '../../src/services/incidents/read.js';
import { fetchMessage } from '../../src/slack/messages.js';
import { EVENTS } from '../../views/ids.js';

/** The reaction event, taken from the declared events (the manifest test checks those). */
const REACTION_ADDED = EVENTS.find((e): e is 'reaction_added' => e === 'reaction_added')!;

/**
 * The timeline emoji on a message in an incident's channel adds that message to its timeline. The
 * service desk listens to reactions too (Bolt runs every matching listener): only the configured
 * timeline emoji in an incident channel is ours; anything else is left alone.
 */
async function addToTimeline({ event: reaction, client }: EventArgs<'reaction_added'>, deps: AppDeps): Promise<void> {
  const { ctx, directory, settings, logger } = deps;
  const item = reaction.item;
  if (
    reaction.reaction !== settings.incidents.timeline_reaction ||
    item.type !== 'message' ||
    !item.channel ||
    !item.ts ||
    !reaction.user
  )
    return;
  const incident = await incidentInChannel(ctx, item.channel);
  if (!incident) return;
  const message = await fetchMessage(client, item.channel, item.ts);
  if (!message) {
    logger.warn({ channel: item.channel, ts: item.ts }, 'timeline reaction: message not readable');
    return;
  }
  const user = await directory.user(reaction.user);
  await addNote(ctx, {
    incidentId: incident.id,
    actor: { id: reaction.user, name: user.name },
    text: message.text || '(message without text)',
    source: 'event',
    sourceTs: item.ts,
    authorId: message.user ?? null,
  });
}

export const timelineReaction = event(REACTION_ADDED, addToTimeline);
