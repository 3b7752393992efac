import type { Ticket } from '../../src/domain/tickets/types.js';
import { formatDuration } from '../../src/config/duration.js';
import type { Staleness } from '../../src/domain/tickets/dm-buttons.js';
import { mention, slackDate, userText } from '../text.js';

/** Sentences of the service desk people read in DMs, ephemerals and refusals. */

export function assignedToSomeoneElse(key: string, assigneeId: string): string {
  return `${key} is assigned to ${mention(assigneeId)}; nothing changed. Claim it again to take it over.`;
}

export function tookItFromYou(actorId: string, key: string): string {
  return `${mention(actorId)} took *${key}* over from you; it is no longer assigned to you.`;
}

export function assignedToYou(actorId: string, key: string, priority: string): string {
  return `${mention(actorId)} assigned *${key}* to you (${priority}).`;
}

export function leftWithAssignee(key: string): string {
  return `Left ${key} with its assignee; nothing changed.`;
}

/** The resolution note of a ticket resolved with its incident. */
export function resolvedWithIncident(incidentKey: string, summary: string): string {
  return `Resolved with incident ${incidentKey}: ${summary}`;
}

export function unlinkedHistory(actorId: string, incidentKey: string, wasPaused: boolean): string {
  return `${mention(actorId)} unlinked the ticket from ${incidentKey}; it will not be resolved with it${wasPaused ? ' and its SLA clock runs again' : ''}`;
}

export function unlinkedForRequester(incidentKey: string): string {
  return `IT is handling your request on its own now, not as part of ${incidentKey}.`;
}

/** To the requester when an agent changes the priority: the new targets follow it. */
export function priorityChangedForRequester(
  actorId: string,
  from: string,
  ticket: Pick<Ticket, 'priority' | 'resolution_due_at' | 'status' | 'hold_reason'>,
): string {
  const target = ticket.hold_reason
    ? ''
    : ` The resolution target is now ${slackDate(new Date(ticket.resolution_due_at))}.`;
  return `${mention(actorId)} changed the priority from ${from} to ${ticket.priority}.${target}`;
}

/** To the requester when a resolved ticket closes after the quiet period. */
export function closedForRequester(quietMs: number): string {
  return `It is now closed: it was resolved ${formatDuration(quietMs)} ago and not reopened. Type \`/it-help\` if you need anything else.`;
}

/** What a person typed, as a quote in a message (escaped, cut to `max`, every line quoted). */
export function quoted(text: string, max: number): string {
  return `>${userText(text, max).replace(/\n/g, '\n>')}`;
}

/** The thread and history line when an agent asks the requester something. */
export function waitingOnRequesterHistory(actorId: string, question: string, clockPaused: boolean): string {
  return `${mention(actorId)} is waiting on the requester; ${clockPaused ? 'the SLA clock is paused' : 'the SLA clock keeps running'}. Asked:\n${quoted(question, 2500)}`;
}

/** To the requester: what the agent needs, answered with the Add a comment button below it. */
export function askedRequester(actorId: string, question: string): string {
  return `${mention(actorId)} needs something from you to continue:\n${quoted(question, 2500)}\nAnswer with *Add a comment*.`;
}

/** To whoever commented: it was added (and, from an agent, sent to the requester). */
export function commentAdded(key: string, toRequester: boolean): string {
  return `Your comment on *${key}* was added.${toRequester ? ' The requester gets it by DM.' : ''}`;
}

/** To the requester who cancelled. */
export function cancelledByYou(key: string): string {
  return `You cancelled *${key}*; IT will not work on it any more. Type \`/it-help\` if you need anything else.`;
}

/** To whoever reopened a ticket (the requester or an agent). */
export function reopenedByYou(key: string, assigneeId: string | null, actorId: string): string {
  const withWhom = assigneeId && assigneeId !== actorId ? ` ${mention(assigneeId)} has it again and was told.` : '';
  return `You reopened *${key}*; it is open again.${withWhom}`;
}

/** To the agent who added a knowledge-base article. */
export function kbArticleAdded(id: number, title: string): string {
  return `Added *KB-${id}* to the knowledge base: ${userText(title, 150)}. People filing a matching request see it before they file; \`/it-help kb list\` shows it.`;
}

/** What a ticket is now, where a DM's buttons no longer apply: the line that replaces them. */
export function ticketNowIs(key: string, why: Staleness): string {
  switch (why.kind) {
    case 'resolved':
      // The desk's own hand (a ticket resolved with its incident) is not a person to mention.
      return `${key} is resolved${why.by && /^[UW][A-Z0-9]+$/.test(why.by) ? ` by ${mention(why.by)}` : ''}.`;
    case 'closed':
      return `${key} is closed.`;
    case 'cancelled':
      return `${key} is cancelled.`;
    case 'reopened':
      return `${key} was reopened.`;
    case 'reassigned':
      return why.to ? `${key} is now assigned to ${mention(why.to)}.` : `${key} is no longer assigned to you.`;
    case 'rated':
      return `${key} is already rated ${'★'.repeat(why.score)}${'☆'.repeat(5 - why.score)}.`;
  }
}

/** A click on a button its DM should no longer show (the edit removing it had not landed yet). */
export function staleButtonRefusal(key: string, why: Staleness): string {
  return `That button is out of date: ${ticketNowIs(key, why)} Nothing was changed.`;
}
