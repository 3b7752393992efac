import type { TicketStatus } from './types.js';
import { isOpen } from './lifecycle.js';

/**
 * Which buttons a DM about a ticket may still show. A DM keeps the buttons it was sent with, so once the
 * ticket moves on (resolved, cancelled, closed, reopened, reassigned, rated) some of them no longer fit:
 * this rule says which, and why, for the person the DM went to. Pure: the ticket's facts in, a reason out.
 */
export const DM_BUTTON_SETS = [
  /** The requester's Add a comment / Cancel request. */
  'requester',
  /** The assignee's Message requester / Waiting on requester / Resolve. */
  'agent',
  /** The requester's 1–5 rating after a resolution. */
  'csat',
  /** The requester's "Not fixed? Reopen" after a resolution. */
  'reopen',
] as const;
export type DmButtonSet = (typeof DM_BUTTON_SETS)[number];

export interface DmButtonFacts {
  status: TicketStatus;
  assigneeId: string | null;
  resolvedBy: string | null;
  csatScore: number | null;
}

/** Why a set of buttons no longer applies: what the ticket is now, as far as that DM is concerned. */
export type Staleness =
  | { kind: 'resolved'; by: string | null }
  | { kind: 'closed' }
  | { kind: 'cancelled' }
  | { kind: 'reopened' }
  | { kind: 'reassigned'; to: string | null }
  | { kind: 'rated'; score: number };

/** Null while the set still applies to the ticket for `recipientId`; otherwise why it does not. */
export function dmButtonStaleness(set: DmButtonSet, ticket: DmButtonFacts, recipientId: string): Staleness | null {
  const settled = settledState(ticket);
  switch (set) {
    case 'requester':
      return settled;
    case 'agent':
      if (settled) return settled;
      // The agent's buttons are for the assignee the DM went to: handed on, they belong to someone else.
      return ticket.assigneeId === recipientId ? null : { kind: 'reassigned', to: ticket.assigneeId };
    case 'csat':
      // A rating is taken once the ticket is resolved (or closed after it), and only once.
      if (isOpen(ticket.status)) return { kind: 'reopened' };
      if (ticket.status === 'cancelled') return settled;
      return ticket.csatScore === null ? null : { kind: 'rated', score: ticket.csatScore };
    case 'reopen':
      if (ticket.status === 'resolved') return null;
      return settled ?? { kind: 'reopened' };
  }
}

/** The sets among `sets` that no longer apply, each with its reason, in the order given. */
export function staleDmButtons(
  sets: readonly DmButtonSet[],
  ticket: DmButtonFacts,
  recipientId: string,
): { set: DmButtonSet; why: Staleness }[] {
  return sets.flatMap((set) => {
    const why = dmButtonStaleness(set, ticket, recipientId);
    return why ? [{ set, why }] : [];
  });
}

/** A ticket out of the open states, by what it became; null while it is open. */
function settledState(ticket: DmButtonFacts): Staleness | null {
  switch (ticket.status) {
    case 'resolved':
      return { kind: 'resolved', by: ticket.resolvedBy };
    case 'closed':
      return { kind: 'closed' };
    case 'cancelled':
      return { kind: 'cancelled' };
    default:
      return null;
  }
}
