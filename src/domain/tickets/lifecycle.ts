import type { TicketStatus } from './types.js';

/**
 * What may happen to a ticket, by whom, in which state. Pure: the caller says who the actor is
 * (requester? agent?) and the rule answers with the next status or the reason it cannot.
 */
export type TicketAction =
  | 'claim'
  | 'assign'
  | 'change_priority'
  | 'wait_on_requester'
  | 'hold'
  | 'resume'
  | 'unlink'
  | 'resolve'
  | 'escalate'
  | 'comment'
  | 'reopen'
  | 'cancel'
  | 'rate'
  | 'close';

export interface TicketFacts {
  status: TicketStatus;
  requesterId: string;
  assigneeId: string | null;
  resolvedAt: Date | null;
  csatScore: number | null;
  /** Linked to an incident it follows. */
  incidentLinked?: boolean;
  /** What the ticket is on hold for (a pause reason), or null. */
  holdReason?: string | null;
}

export interface ActorFacts {
  id: string;
  isAgent: boolean;
}

/** A refusal says whether the actor lacks the right (`forbidden`, audited) or the ticket's state is wrong. */
export type Decision = { ok: true; next: TicketStatus } | { ok: false; reason: string; forbidden?: boolean };

/** A ticket is open while someone still has to act on it: not yet resolved, closed or cancelled. */
export const OPEN_STATUSES = ['new', 'in_progress', 'waiting_on_requester'] as const satisfies readonly TicketStatus[];
const AGENT_ONLY: TicketAction[] = [
  'claim',
  'assign',
  'change_priority',
  'wait_on_requester',
  'hold',
  'resume',
  'unlink',
  'resolve',
  'escalate',
];

export const isOpen = (status: TicketStatus): boolean => (OPEN_STATUSES as readonly TicketStatus[]).includes(status);

function deny(reason: string): Decision {
  return { ok: false, reason };
}

function forbid(reason: string): Decision {
  return { ok: false, reason, forbidden: true };
}

export function decide(
  action: TicketAction,
  ticket: TicketFacts,
  actor: ActorFacts,
  now: Date,
  reopenWindowMs: number,
): Decision {
  const isRequester = actor.id === ticket.requesterId;
  if (AGENT_ONLY.includes(action) && !actor.isAgent) {
    return forbid('Only service-desk agents can do that. If you need something changed, add a comment to the ticket.');
  }
  const closedWord = ticket.status === 'cancelled' ? 'cancelled' : ticket.status === 'closed' ? 'closed' : 'resolved';
  switch (action) {
    case 'claim':
      if (!isOpen(ticket.status)) return deny(`This ticket is already ${closedWord}.`);
      if (ticket.assigneeId === actor.id) return deny('You already have this ticket.');
      return { ok: true, next: ticket.status === 'waiting_on_requester' ? 'waiting_on_requester' : 'in_progress' };
    case 'assign':
    case 'change_priority':
    case 'escalate':
      if (!isOpen(ticket.status)) return deny(`This ticket is already ${closedWord}.`);
      return { ok: true, next: ticket.status === 'new' && action === 'assign' ? 'in_progress' : ticket.status };
    case 'wait_on_requester':
      if (!isOpen(ticket.status)) return deny(`This ticket is already ${closedWord}.`);
      if (ticket.status === 'waiting_on_requester') return deny('This ticket is already waiting on the requester.');
      return { ok: true, next: 'waiting_on_requester' };
    case 'hold':
      // On hold for something other than the requester: the ticket is being worked, and waits.
      if (!isOpen(ticket.status)) return deny(`This ticket is already ${closedWord}.`);
      return { ok: true, next: 'in_progress' };
    case 'resume':
      if (!isOpen(ticket.status)) return deny(`This ticket is already ${closedWord}.`);
      if (!ticket.holdReason && ticket.status !== 'waiting_on_requester') return deny('This ticket is not on hold.');
      return { ok: true, next: 'in_progress' };
    case 'resolve':
      if (!isOpen(ticket.status)) return deny(`This ticket is already ${closedWord}.`);
      return { ok: true, next: 'resolved' };
    case 'unlink':
      // Unlinked from its incident, the ticket is the desk's own again (and no longer resolved with it).
      if (!isOpen(ticket.status)) return deny(`This ticket is already ${closedWord}.`);
      if (!ticket.incidentLinked) return deny('This ticket is not linked to an incident.');
      return { ok: true, next: ticket.status };
    case 'comment':
      if (!isRequester && !actor.isAgent)
        return forbid('Only the requester and service-desk agents can comment on this ticket.');
      if (ticket.status === 'closed' || ticket.status === 'cancelled')
        return deny(`This ticket is ${closedWord}; file a new one with /it-help.`);
      // A requester's answer puts a waiting ticket back in the agents' hands.
      return {
        ok: true,
        next: isRequester && ticket.status === 'waiting_on_requester' ? 'in_progress' : ticket.status,
      };
    case 'reopen':
      if (!isRequester && !actor.isAgent) return forbid('Only the requester or an agent can reopen this ticket.');
      if (ticket.status !== 'resolved')
        return deny(
          ticket.status === 'closed'
            ? 'This ticket is closed; file a new one with /it-help.'
            : 'This ticket is still open.',
        );
      if (ticket.resolvedAt && now.getTime() - ticket.resolvedAt.getTime() > reopenWindowMs) {
        return deny(
          'The reopen window for this ticket has passed; file a new one with /it-help and mention this ticket.',
        );
      }
      return { ok: true, next: 'in_progress' };
    case 'cancel':
      if (!isRequester) return forbid('Only the requester can cancel this ticket.');
      if (!isOpen(ticket.status)) return deny(`This ticket is already ${closedWord}.`);
      return { ok: true, next: 'cancelled' };
    case 'rate':
      if (!isRequester) return forbid('Only the requester can rate this ticket.');
      if (ticket.status !== 'resolved' && ticket.status !== 'closed')
        return deny('You can rate a ticket once it is resolved.');
      if (ticket.csatScore !== null) return deny('Thanks, you have already rated this ticket.');
      return { ok: true, next: ticket.status };
    case 'close':
      if (ticket.status !== 'resolved') return deny('Only resolved tickets close.');
      return { ok: true, next: 'closed' };
  }
}

/**
 * First response: the first public action by an agent (claim, assign, comment, waiting on the
 * requester, resolve, escalate to an incident). A hold on a vendor or a problem is not one: the
 * requester hears nothing from it.
 */
export function countsAsFirstResponse(action: TicketAction, actor: ActorFacts): boolean {
  return actor.isAgent && ['claim', 'assign', 'comment', 'wait_on_requester', 'resolve', 'escalate'].includes(action);
}

/** The hold a ticket linked to an open incident is on: its SLA waits for the incident. */
export const LINKED_INCIDENT_REASON = 'waiting_on_incident';

/** A ticket follows its incident when it is still open: paused while the incident is, resolved with it. */
export function followsIncident(
  ticket: { status: TicketStatus; incidentId: number | null },
  incidentId: number,
): boolean {
  return ticket.incidentId === incidentId && isOpen(ticket.status);
}
