/**
 * A ticket reaction on a message. In a public channel anyone's reaction files the message as a ticket.
 * In a private channel, a group DM or a DM the text is not everyone's to copy: only the message's
 * author may file it, or anyone where the channel is listed in `service_desk.reaction_private_channels`,
 * and then only a link to the message goes to triage, never its text.
 */
export type ReactionFiling = 'file_with_text' | 'file_link_only' | 'refuse';

export function reactionFiling(input: {
  isPrivate: boolean;
  channel: string;
  reactorId: string;
  authorId: string | undefined;
  listedChannels: readonly string[];
}): ReactionFiling {
  if (!input.isPrivate) return 'file_with_text';
  if (input.authorId === input.reactorId || input.listedChannels.includes(input.channel)) return 'file_link_only';
  return 'refuse';
}

/**
 * Slack's conversation ids: D… is a direct message; G… a group DM (mpim) or a private channel made
 * before March 2021; C… a public channel or a newer private one, told apart only by conversations.info
 * (`is_private`, `is_im`, `is_mpim`). Unknown counts as private.
 */
export function privateByPrefix(channel: string): boolean | undefined {
  if (channel.startsWith('D') || channel.startsWith('G')) return true;
  if (channel.startsWith('C')) return undefined;
  return true;
}
