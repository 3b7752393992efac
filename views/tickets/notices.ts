import type { TicketRow } from '../../db/queries/tickets.js';
import { formatDuration } from '../../src/config/duration.js';
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
