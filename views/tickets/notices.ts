import type { TicketRow } from '../../db/queries/tickets.js';
import { formatDuration } from '../../src/config/duration.js';
import type { Staleness } from '../../src/domain/tickets/dm-buttons.js';
import { mention, slackDate } from '../text.js';

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
export function priorityChangedForRequester(actorId: string, from: string, ticket: Pick<TicketRow, 'priority' | 'resolution_due_at' | 'status' | 'hold_reason'>): string {
  const target = ticket.hold_reason ? '' : ` The resolution target is now ${slackDate(new Date(ticket.resolution_due_at))}.`;
  return `${mention(actorId)} changed the priority from ${from} to ${ticket.priority}.${target}`;
}

/** To the requester when a resolved ticket closes after the quiet period. */
export function closedForRequester(quietMs: number): string {
  return `It is now closed: it was resolved ${formatDuration(quietMs)} ago and not reopened. Type \`/it-help\` if you need anything else.`;
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
