import { mention } from '../text.js';

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
