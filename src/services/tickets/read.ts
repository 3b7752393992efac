import { decide, type ActorFacts } from '../../domain/tickets/lifecycle.js';
import {
  findTicket,
  findTicketByKey,
  findTicketBySource,
  openTicketsOf,
  type TicketRow,
} from '../../../db/queries/tickets.js';
import { listArticles, type KbArticleRow } from '../../../db/queries/kb.js';
import type { ServiceContext } from '../context.js';
import { ticketDecisionFacts } from './work.js';

/** Reads the service desk's Slack listeners make: no state change, no transaction, nothing audited. */

/** `/it-help list`: the person's tickets that still need something. */
export function ticketsOfRequester(ctx: ServiceContext, requesterId: string): Promise<TicketRow[]> {
  return openTicketsOf(ctx.db, requesterId);
}

/**
 * `/it-help IT-12`: the ticket, when the viewer may see it (its requester or an agent). Anyone else
 * learns nothing, not even that it exists.
 */
export async function ticketShownTo(
  ctx: ServiceContext,
  key: string,
  viewer: ActorFacts,
): Promise<TicketRow | undefined> {
  const ticket = await findTicketByKey(ctx.db, key);
  return ticket && (viewer.isAgent || ticket.requester_id === viewer.id) ? ticket : undefined;
}

export function ticketById(ctx: ServiceContext, id: number): Promise<TicketRow | undefined> {
  return findTicket(ctx.db, id);
}

/** Whether a Slack message is already a ticket (a second reaction on it files nothing). */
export async function isFiledFrom(ctx: ServiceContext, channel: string, ts: string): Promise<boolean> {
  return (await findTicketBySource(ctx.db, channel, ts)) !== undefined;
}

/**
 * A Claim the lifecycle rule allows on a ticket someone else has: the claimer is asked before taking
 * it from them. Anything else (no assignee, a refusal) is left to the claim itself.
 */
export async function claimTakesOver(
  ctx: ServiceContext,
  ticketId: number,
  claimer: ActorFacts,
): Promise<{ ticket: TicketRow; from: string } | undefined> {
  const ticket = await findTicket(ctx.db, ticketId);
  if (!ticket?.assignee_id || ticket.assignee_id === claimer.id) return undefined;
  const decision = decide(
    'claim',
    ticketDecisionFacts(ticket),
    claimer,
    ctx.clock.now(),
    ctx.settings.service_desk.reopen_window,
  );
  return decision.ok ? { ticket, from: ticket.assignee_id } : undefined;
}

/** One page of the knowledge base, from `offset`. */
export async function kbArticles(
  ctx: ServiceContext,
  offset: number,
  limit: number,
): Promise<{ articles: KbArticleRow[]; total: number; offset: number }> {
  const page = await listArticles(ctx.db, { offset, limit });
  return { articles: page.rows, total: page.total, offset };
}
