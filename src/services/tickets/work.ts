import type { Updateable } from 'kysely';
import { insertAudit } from '../../../db/queries/audit.js';
import { scheduleDue, cancelDue } from '../../../db/queries/due-items.js';
import { findTicket, insertTicketEvent, updateTicket, type TicketRow } from '../../../db/queries/tickets.js';
import type { TicketTable } from '../../../db/schema/records.js';
import type { AuditLogTable } from '../../../db/schema/foundation.js';
import type { Priority } from '../../config/settings.js';
import { workingTimeBetween } from '../../domain/calendar.js';
import { countsAsFirstResponse, decide, type TicketAction } from '../../domain/tickets/lifecycle.js';
import { calendarFor } from '../../domain/tickets/sla.js';
import { historyLine, requesterUpdate, resolvedDm, csatThanks, triageMessage, type MessageContent } from '../../../views/tickets/messages.js';
import { mention, userText } from '../../../views/text.js';
import { ok, refuse, transact, type Outcome, type ServiceContext, type Trx } from '../context.js';
import { postMessage, sendDirectMessage, updateMessage } from '../outbox.js';
import { ticketFacts, triageRef } from './file.js';
import { AUTO_CLOSE, dueTimes, scheduleSlaReminders, SLA_RESPONSE, stopSlaReminders } from './sla.js';

/** Someone acting on a ticket, with what the command layer learned about them from Slack. */
export interface TicketActor {
  id: string;
  name?: string | null;
  isAgent: boolean;
  source: AuditLogTable['source'];
}

interface Plan {
  changes?: Updateable<TicketTable>;
  /** Line for the ticket's thread and history. */
  history: string;
  /** What to tell the requester by DM, if anything. */
  dm?: (ticket: TicketRow) => MessageContent;
  /** What to tell the assignee by DM, if anything (when they are not the actor). */
  assigneeDm?: (ticket: TicketRow) => MessageContent;
  /** Extra rows after the update (due items, …). */
  after?: (trx: Trx, ticket: TicketRow, now: Date) => Promise<void>;
}

/**
 * The shape of every ticket use case: load, ask the lifecycle rule, apply, then record history, audit,
 * the canonical triage post (edited in place), a line in its thread and any DMs, in one transaction.
 */
async function act(
  ctx: ServiceContext,
  ticketId: number,
  action: TicketAction,
  actor: TicketActor,
  plan: (ticket: TicketRow, now: Date) => Plan | Outcome<never>,
): Promise<Outcome<TicketRow>> {
  return transact(ctx, async (trx, now) => {
    const before = await findTicket(trx, ticketId);
    if (!before) return refuse('That ticket no longer exists.');
    const decision = decide(
      action,
      {
        status: before.status,
        requesterId: before.requester_id,
        assigneeId: before.assignee_id,
        resolvedAt: before.resolved_at === null ? null : new Date(before.resolved_at),
        csatScore: before.csat_score,
      },
      actor,
      now,
      ctx.settings.service_desk.reopen_window,
    );
    if (!decision.ok) return refuse(`${before.key}: ${decision.reason}`);
    const planned = plan(before, now);
    if ('ok' in planned) return planned;
    const changes: Updateable<TicketTable> = { status: decision.next, updated_at: now.getTime(), ...planned.changes };
    if (before.first_response_at === null && countsAsFirstResponse(action, actor)) {
      changes.first_response_at = now.getTime();
      if (now.getTime() > before.first_response_due_at) changes.first_response_breached = 1;
    }
    const ticket = await updateTicket(trx, before.id, changes);
    if (ticket.first_response_at !== null && before.first_response_at === null) await stopSlaReminders(trx, ticket.id, now, [SLA_RESPONSE]);
    await insertTicketEvent(trx, { ticket_id: ticket.id, at: now.getTime(), actor_id: actor.id, kind: action, body: planned.history });
    await insertAudit(
      trx,
      { actor, action: `ticket.${action}`, recordType: 'ticket', recordId: ticket.id, recordKey: ticket.key, before: ticketFacts(before), after: ticketFacts(ticket), source: actor.source },
      now,
    );
    await planned.after?.(trx, ticket, now);
    await refreshTriage(trx, ctx, ticket, now, planned.history);
    if (planned.dm) await sendDirectMessage(trx, now, ticket.requester_id, planned.dm(ticket));
    if (planned.assigneeDm && ticket.assignee_id && ticket.assignee_id !== actor.id) await sendDirectMessage(trx, now, ticket.assignee_id, planned.assigneeDm(ticket));
    return ok(ticket);
  });
}

/** Edits the triage post in place and adds the history line to its thread. */
export async function refreshTriage(trx: Trx, ctx: ServiceContext, ticket: TicketRow, now: Date, history?: string): Promise<void> {
  if (!ctx.settings.channels.triage) return;
  const incident = ticket.incident_id ? await trx.selectFrom('incidents').select('key').where('id', '=', ticket.incident_id).executeTakeFirst() : undefined;
  await updateMessage(trx, now, triageRef(ticket.id), triageMessage(ticket, { incidentKey: incident?.key }));
  if (history) await postMessage(trx, now, { channel: ctx.settings.channels.triage, threadOf: triageRef(ticket.id), ...historyLine(history) });
}

export function claimTicket(ctx: ServiceContext, ticketId: number, actor: TicketActor): Promise<Outcome<TicketRow>> {
  return act(ctx, ticketId, 'claim', actor, (t) => ({
    changes: assigneeChanges(t, actor.id),
    history: `${mention(actor.id)} claimed the ticket`,
    dm: (ticket) => requesterUpdate(ticket, `${mention(actor.id)} is working on your request.`),
  }));
}

export function assignTicket(ctx: ServiceContext, ticketId: number, assigneeId: string, actor: TicketActor, assigneeIsAgent: boolean): Promise<Outcome<TicketRow>> {
  return act(ctx, ticketId, 'assign', actor, (t) => {
    if (!assigneeIsAgent) return refuse(`${mention(assigneeId)} is not a service-desk agent; assign the ticket to someone in the agents group.`);
    if (t.assignee_id === assigneeId) return refuse(`${t.key} is already assigned to ${mention(assigneeId)}.`);
    return {
      changes: assigneeChanges(t, assigneeId),
      history: `${mention(actor.id)} assigned the ticket to ${mention(assigneeId)}`,
      dm: (ticket) => requesterUpdate(ticket, `${mention(assigneeId)} is working on your request.`),
      assigneeDm: (ticket) => requesterUpdate(ticket, `${mention(actor.id)} assigned *${ticket.key}* to you (${ticket.priority}).`),
    };
  });
}

function assigneeChanges(t: TicketRow, assigneeId: string): Updateable<TicketTable> {
  return {
    assignee_id: assigneeId,
    first_assignee_id: t.first_assignee_id ?? assigneeId,
    // Handing a ticket from one person to another is a reassignment; the first pick-up is not.
    reassignment_count: t.assignee_id && t.assignee_id !== assigneeId ? t.reassignment_count + 1 : t.reassignment_count,
  };
}

export function changePriority(ctx: ServiceContext, ticketId: number, priority: Priority, actor: TicketActor): Promise<Outcome<TicketRow>> {
  return act(ctx, ticketId, 'change_priority', actor, (t) => {
    if (t.priority === priority) return refuse(`${t.key} is already ${priority}.`);
    const due = dueTimes({ ...t, priority }, ctx.settings);
    return {
      changes: { priority, first_response_due_at: due.firstResponseDue.getTime(), resolution_due_at: due.resolutionDue.getTime() },
      history: `${mention(actor.id)} changed the priority from ${t.priority} to ${priority}`,
      after: async (trx, ticket, now) => {
        if (!ticket.paused_since) await scheduleSlaReminders(trx, ticket, ctx.settings, now);
      },
    };
  });
}

export function waitOnRequester(ctx: ServiceContext, ticketId: number, actor: TicketActor): Promise<Outcome<TicketRow>> {
  return act(ctx, ticketId, 'wait_on_requester', actor, (_t, now) => ({
    changes: { paused_since: now.getTime() },
    history: `${mention(actor.id)} is waiting on the requester; the SLA clock is paused`,
    dm: (ticket) => requesterUpdate(ticket, `${mention(actor.id)} needs something from you to continue. Reply with *Add a comment*.`),
    after: (trx, ticket, now2) => stopSlaReminders(trx, ticket.id, now2),
  }));
}

/** Un-pausing: credit the working time spent waiting, move the due times, reschedule reminders. */
function resumeChanges(t: TicketRow, now: Date, ctx: ServiceContext): Updateable<TicketTable> {
  if (t.paused_since === null) return {};
  const paused = workingTimeBetween(new Date(t.paused_since), now, calendarFor(t.priority, ctx.settings));
  const due = dueTimes({ ...t, paused_ms: t.paused_ms + paused }, ctx.settings);
  return { paused_since: null, paused_ms: t.paused_ms + paused, first_response_due_at: due.firstResponseDue.getTime(), resolution_due_at: due.resolutionDue.getTime() };
}

export function commentOnTicket(ctx: ServiceContext, ticketId: number, comment: string, actor: TicketActor): Promise<Outcome<TicketRow>> {
  return act(ctx, ticketId, 'comment', actor, (t, now) => {
    const fromRequester = actor.id === t.requester_id;
    const quoted = `>${userText(comment, 2500).replace(/\n/g, '\n>')}`;
    const resumes = fromRequester && t.status === 'waiting_on_requester';
    return {
      changes: resumes ? resumeChanges(t, now, ctx) : {},
      history: `${mention(actor.id)} commented:\n${quoted}`,
      dm: fromRequester ? undefined : (ticket) => requesterUpdate(ticket, `${mention(actor.id)} wrote:\n${quoted}`),
      assigneeDm: fromRequester ? (ticket) => requesterUpdate(ticket, `The requester wrote:\n${quoted}`) : undefined,
      after: resumes ? (trx, ticket, now2) => scheduleSlaReminders(trx, ticket, ctx.settings, now2) : undefined,
    };
  });
}

export function resolveTicket(ctx: ServiceContext, ticketId: number, resolution: { note: string; code: string }, actor: TicketActor): Promise<Outcome<TicketRow>> {
  return act(ctx, ticketId, 'resolve', actor, (t, now) => {
    const resumed = resumeChanges(t, now, ctx);
    const dueAt = resumed.resolution_due_at ?? t.resolution_due_at;
    return {
    changes: {
      ...resumed,
      resolved_at: now.getTime(),
      resolved_by: actor.id,
      resolution_note: resolution.note,
      resolution_code: resolution.code,
      resolution_breached: now.getTime() > Number(dueAt) ? 1 : t.resolution_breached,
      csat_requested_at: now.getTime(),
      assignee_id: t.assignee_id ?? actor.id,
      first_assignee_id: t.first_assignee_id ?? actor.id,
    },
    history: `${mention(actor.id)} resolved the ticket (${userText(resolution.code, 60)}):\n>${userText(resolution.note, 2500).replace(/\n/g, '\n>')}`,
    dm: (ticket) => resolvedDm(ticket, ctx.settings.service_desk.reopen_window),
    after: async (trx, ticket, now2) => {
      await stopSlaReminders(trx, ticket.id, now2);
      await scheduleDue(trx, { kind: AUTO_CLOSE, recordType: 'ticket', recordId: ticket.id, dueAt: new Date(now2.getTime() + ctx.settings.service_desk.close_after), point: `resolved-${now2.getTime()}` }, now2);
    },
    };
  });
}

export function reopenTicket(ctx: ServiceContext, ticketId: number, actor: TicketActor): Promise<Outcome<TicketRow>> {
  return act(ctx, ticketId, 'reopen', actor, (t, now) => ({
    // Time between resolution and reopening counts like a pause: nobody was expected to work on it.
    changes: { ...resumeChanges({ ...t, paused_since: t.resolved_at }, now, ctx), reopen_count: t.reopen_count + 1, resolved_at: null, resolved_by: null },
    history: `${mention(actor.id)} reopened the ticket`,
    dm: actor.id === t.requester_id ? undefined : (ticket) => requesterUpdate(ticket, `${mention(actor.id)} reopened your ticket.`),
    assigneeDm: (ticket) => requesterUpdate(ticket, `${mention(actor.id)} reopened *${ticket.key}*.`),
    after: async (trx, ticket, now2) => {
      await cancelDue(trx, 'ticket', ticket.id, now2, [AUTO_CLOSE]);
      await scheduleSlaReminders(trx, ticket, ctx.settings, now2);
    },
  }));
}

export function cancelTicket(ctx: ServiceContext, ticketId: number, actor: TicketActor): Promise<Outcome<TicketRow>> {
  return act(ctx, ticketId, 'cancel', actor, (_t, now) => ({
    changes: { cancelled_at: now.getTime(), paused_since: null },
    history: `${mention(actor.id)} cancelled the request`,
    assigneeDm: (ticket) => requesterUpdate(ticket, `The requester cancelled *${ticket.key}*.`),
    after: (trx, ticket, now2) => stopSlaReminders(trx, ticket.id, now2),
  }));
}

export function rateTicket(ctx: ServiceContext, ticketId: number, score: number, actor: TicketActor): Promise<Outcome<TicketRow>> {
  return act(ctx, ticketId, 'rate', actor, (_t, now) => {
    if (!Number.isInteger(score) || score < 1 || score > 5) return refuse('Ratings go from 1 to 5.');
    return { changes: { csat_score: score, csat_at: now.getTime() }, history: `The requester rated the service ${score}/5`, dm: (ticket) => csatThanks(ticket, score) };
  });
}

/** Auto-close after the quiet period; a reopened or already closed ticket is left alone. */
export async function closeResolved(trx: Trx, ctx: ServiceContext, ticketId: number, now: Date): Promise<string> {
  const ticket = await findTicket(trx, ticketId);
  if (!ticket || ticket.status !== 'resolved') return 'skipped: not resolved';
  const closed = await updateTicket(trx, ticket.id, { status: 'closed', closed_at: now.getTime(), updated_at: now.getTime() });
  await insertTicketEvent(trx, { ticket_id: ticket.id, at: now.getTime(), actor_id: 'switchboard', kind: 'close', body: 'closed after the quiet period' });
  await insertAudit(trx, { actor: { id: 'switchboard', name: 'Switchboard' }, action: 'ticket.close', recordType: 'ticket', recordId: ticket.id, recordKey: ticket.key, before: ticketFacts(ticket), after: ticketFacts(closed), source: 'job' }, now);
  await refreshTriage(trx, ctx, closed, now, 'Closed after the quiet period');
  return 'closed';
}

/**
 * A ticket escalated into an incident: linked, marked escalated, its triage post and thread updated,
 * and its requester subscribed to the incident's updates and told so. Runs inside the declaring
 * transaction, so the incident and the link commit together. Returns the ticket key, or undefined
 * when the ticket is gone or already linked to this incident.
 */
export async function linkTicketToIncident(
  trx: Trx,
  ctx: ServiceContext,
  ticketId: number,
  incident: { id: number; key: string; title: string },
  actor: { id: string; name?: string | null },
  now: Date,
): Promise<string | undefined> {
  const before = await findTicket(trx, ticketId);
  if (!before || before.incident_id === incident.id) return undefined;
  const ticket = await updateTicket(trx, ticketId, { incident_id: incident.id, escalated_at: before.escalated_at ?? now.getTime(), updated_at: now.getTime() });
  const history = `${mention(actor.id)} escalated the ticket to incident *${incident.key}*`;
  await insertTicketEvent(trx, { ticket_id: ticket.id, at: now.getTime(), actor_id: actor.id, kind: 'incident_linked', body: incident.key });
  await insertAudit(trx, { actor, action: 'ticket.escalate', recordType: 'ticket', recordId: ticket.id, recordKey: ticket.key, before: ticketFacts(before), after: { ...ticketFacts(ticket), incident: incident.key }, detail: incident.key, source: 'modal' }, now);
  await trx
    .insertInto('incident_subscriptions')
    .values({ incident_id: incident.id, user_id: ticket.requester_id, at: now.getTime() })
    .onConflict((oc) => oc.columns(['incident_id', 'user_id']).doNothing())
    .execute();
  await refreshTriage(trx, ctx, ticket, now, history);
  await sendDirectMessage(trx, now, ticket.requester_id, requesterUpdate(ticket, `IT is handling this as incident *${incident.key}*: ${userText(incident.title, 150)}. You'll get its updates here until it is resolved.`));
  return ticket.key;
}
