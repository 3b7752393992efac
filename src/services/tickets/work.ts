import type { Updateable } from 'kysely';
import { insertAudit } from '../../../db/queries/audit.js';
import { scheduleDue, cancelDue } from '../../../db/queries/due-items.js';
import { findTicket, updateTicket, type TicketRow } from '../../../db/queries/tickets.js';
import type { TicketTable } from '../../../db/schema/records.js';
import type { AuditLogTable } from '../../../db/schema/foundation.js';
import { REQUESTER_REASON } from '../../config/settings.js';
import type { Priority } from '../../domain/tickets/priority.js';
import {
  countsAsFirstResponse,
  decide,
  followsIncident,
  isOpen,
  LINKED_INCIDENT_REASON,
  type TicketAction,
} from '../../domain/tickets/lifecycle.js';
import {
  assigneeUpdate,
  historyLine,
  requesterUpdate,
  resolvedDm,
  csatThanks,
  triageMessage,
  type MessageContent,
} from '../../../views/tickets/messages.js';
import {
  askedRequester,
  assignedToSomeoneElse,
  assignedToYou,
  cancelledByYou,
  closedForRequester,
  commentAdded,
  priorityChangedForRequester,
  quoted,
  reopenedByYou,
  resolvedWithIncident,
  tookItFromYou,
  unlinkedForRequester,
  unlinkedHistory,
  staleButtonRefusal,
  ticketNowIs,
  waitingOnRequesterHistory,
} from '../../../views/tickets/notices.js';
import { mention, userText } from '../../../views/text.js';
import { ok, refuse, transact, type Outcome, type ServiceContext, type Trx } from '../context.js';
import { postMessage, sendPrivateNote, updateMessage } from '../outbox.js';
import { retireStaleDmButtons, sendTicketDm, staleClick, type DmButtonClick } from './dm-buttons.js';
import { ticketFacts, triageRef } from './file.js';
import { AUTO_CLOSE, holdLabel, holdOptions, recordTicketEvent } from './sla.js';

/** Someone acting on a ticket, with what the command layer learned about them from Slack. */
export interface TicketActor {
  id: string;
  name?: string | null;
  isAgent: boolean;
  source: AuditLogTable['source'];
  /**
   * The conversation they acted in (a button on a message), where a confirmation is shown to them
   * alone; none for a form or the App Home, where it comes by DM.
   */
  channel?: string;
  /** The DM button they pressed, when they pressed one: a button out of date by now is refused. */
  button?: DmButtonClick;
}

interface Plan {
  changes?: Updateable<TicketTable>;
  /** Line for the ticket's thread and history. */
  history: string;
  /** What to tell the requester by DM, if anything. */
  dm?: (ticket: TicketRow) => MessageContent;
  /** What to tell the assignee by DM, if anything (when they are not the actor). */
  assigneeDm?: (ticket: TicketRow) => MessageContent;
  /** What to tell the actor it did, if anything (see `TicketActor.channel` for where). */
  confirm?: (ticket: TicketRow) => string;
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
  return transact(ctx, (trx, now) => actIn(trx, ctx, ticketId, action, actor, plan, now));
}

/** The same inside a caller's transaction (another area's use case that also changes a ticket). */
async function actIn(
  trx: Trx,
  ctx: ServiceContext,
  ticketId: number,
  action: TicketAction,
  actor: TicketActor,
  plan: (ticket: TicketRow, now: Date) => Plan | Outcome<never>,
  now: Date,
): Promise<Outcome<TicketRow>> {
  const before = await findTicket(trx, ticketId);
  if (!before) return refuse('That ticket no longer exists.');
  const stale = await refuseStaleButton(trx, now, before, action, actor);
  if (stale) return stale;
  const decision = decide(action, ticketDecisionFacts(before), actor, now, ctx.settings.service_desk.reopen_window);
  if (!decision.ok) {
    if (decision.forbidden) await auditRefusal(trx, now, before, action, actor);
    return refuse(`${before.key}: ${decision.reason}`);
  }
  const planned = plan(before, now);
  if ('ok' in planned) return planned;
  const changes: Updateable<TicketTable> = { status: decision.next, updated_at: now.getTime(), ...planned.changes };
  if (before.first_response_at === null && countsAsFirstResponse(action, actor))
    changes.first_response_at = now.getTime();
  // Leaving the open states ends any hold.
  if (!isOpen(changes.status as TicketRow['status'])) changes.hold_reason = null;
  const changed = await updateTicket(trx, before.id, changes);
  // The history row, the clocks read from it, the due times, breach flags and reminders: one step.
  const ticket = await recordTicketEvent(
    trx,
    ctx.settings,
    changed,
    { kind: action, actorId: actor.id, body: planned.history },
    now,
  );
  await insertAudit(
    trx,
    {
      actor,
      action: `ticket.${action}`,
      recordType: 'ticket',
      recordId: ticket.id,
      recordKey: ticket.key,
      before: ticketFacts(before),
      after: ticketFacts(ticket),
      source: actor.source,
    },
    now,
  );
  await planned.after?.(trx, ticket, now);
  await refreshTriage(trx, ctx, ticket, now, planned.history);
  await retireStaleDmButtons(trx, now, ticket);
  if (planned.dm) await sendTicketDm(trx, now, ticket, ticket.requester_id, planned.dm(ticket));
  if (planned.assigneeDm && ticket.assignee_id && ticket.assignee_id !== actor.id)
    await sendTicketDm(trx, now, ticket, ticket.assignee_id, planned.assigneeDm(ticket));
  if (planned.confirm)
    await sendPrivateNote(trx, now, { userId: actor.id, channel: actor.channel, text: planned.confirm(ticket) });
  return ok(ticket);
}

/** A refused attempt on a ticket (someone without the right, a stale button): nothing changes, the attempt is kept as evidence. */
export async function auditRefusal(
  trx: Trx,
  now: Date,
  ticket: TicketRow,
  action: TicketAction,
  actor: Pick<TicketActor, 'id' | 'name' | 'source'>,
  why = 'not allowed for this person',
): Promise<void> {
  await insertAudit(
    trx,
    {
      actor,
      action: `ticket.${action}_refused`,
      recordType: 'ticket',
      recordId: ticket.id,
      recordKey: ticket.key,
      detail: `${action} refused: ${why}`,
      source: actor.source,
    },
    now,
  );
}

/**
 * A click on a DM button the ticket has moved past (its removal not landed yet) changes nothing: the
 * person is told what the ticket is now, and the attempt is audited like any refusal.
 */
async function refuseStaleButton(
  trx: Trx,
  now: Date,
  ticket: TicketRow,
  action: TicketAction,
  actor: TicketActor,
): Promise<Outcome<never> | undefined> {
  const why = await staleClick(trx, ticket, actor.button);
  if (!why) return undefined;
  await auditRefusal(trx, now, ticket, action, actor, `the button was out of date (${ticketNowIs(ticket.key, why)})`);
  return refuse(staleButtonRefusal(ticket.key, why));
}

/** Facts the lifecycle rule reads, from the ticket row. */
export function ticketDecisionFacts(ticket: TicketRow) {
  return {
    status: ticket.status,
    requesterId: ticket.requester_id,
    assigneeId: ticket.assignee_id,
    resolvedAt: ticket.resolved_at === null ? null : new Date(ticket.resolved_at),
    csatScore: ticket.csat_score,
    holdReason: ticket.hold_reason,
    incidentLinked: ticket.incident_id !== null,
  };
}

/**
 * The check made before a ticket's form opens (resolve, comment, escalate): the same rule the write
 * applies, with a refusal by someone lacking the right kept in the audit log.
 */
export async function checkTicketAction(
  ctx: ServiceContext,
  ticketId: number,
  action: TicketAction,
  actor: TicketActor,
): Promise<Outcome<TicketRow>> {
  return transact(ctx, async (trx, now) => {
    const ticket = await findTicket(trx, ticketId);
    if (!ticket) return refuse('That ticket no longer exists.');
    const stale = await refuseStaleButton(trx, now, ticket, action, actor);
    if (stale) return stale;
    const decision = decide(action, ticketDecisionFacts(ticket), actor, now, ctx.settings.service_desk.reopen_window);
    if (!decision.ok) {
      if (decision.forbidden) await auditRefusal(trx, now, ticket, action, actor);
      return refuse(`${ticket.key}: ${decision.reason}`);
    }
    return ok(ticket);
  });
}

/** Edits the triage post in place and adds the history line to its thread. */
export async function refreshTriage(
  trx: Trx,
  ctx: ServiceContext,
  ticket: TicketRow,
  now: Date,
  history?: string,
): Promise<void> {
  if (!ctx.settings.channels.triage) return;
  const incident = ticket.incident_id
    ? await trx.selectFrom('incidents').select('key').where('id', '=', ticket.incident_id).executeTakeFirst()
    : undefined;
  await updateMessage(
    trx,
    now,
    triageRef(ticket.id),
    triageMessage(ticket, { incidentKey: incident?.key, holdLabel: holdLabel(ticket, ctx), holds: holdOptions(ctx) }),
  );
  if (history)
    await postMessage(trx, now, {
      channel: ctx.settings.channels.triage,
      threadOf: triageRef(ticket.id),
      ...historyLine(history),
    });
}

/**
 * Claims a ticket. One someone else has is only taken over when the claimer confirmed taking it from
 * that person (`takeFrom`); the previous assignee is told.
 */
export function claimTicket(
  ctx: ServiceContext,
  ticketId: number,
  actor: TicketActor,
  opts: { takeFrom?: string } = {},
): Promise<Outcome<TicketRow>> {
  return act(ctx, ticketId, 'claim', actor, (t) => {
    const previous = t.assignee_id && t.assignee_id !== actor.id ? t.assignee_id : null;
    if (previous && opts.takeFrom !== previous) return refuse(assignedToSomeoneElse(t.key, previous));
    return {
      changes: assigneeChanges(t, actor.id),
      history: previous
        ? `${mention(actor.id)} took the ticket over from ${mention(previous)}`
        : `${mention(actor.id)} claimed the ticket`,
      dm: (ticket) => requesterUpdate(ticket, `${mention(actor.id)} is working on your request.`),
      after: previous
        ? async (trx, ticket, now) => {
            await sendTicketDm(
              trx,
              now,
              ticket,
              previous,
              assigneeUpdate(ticket, tookItFromYou(actor.id, ticket.key), { buttons: false }),
            );
          }
        : undefined,
    };
  });
}

export function assignTicket(
  ctx: ServiceContext,
  ticketId: number,
  assigneeId: string,
  actor: TicketActor,
  assigneeIsAgent: boolean,
): Promise<Outcome<TicketRow>> {
  return act(ctx, ticketId, 'assign', actor, (t) => {
    if (!assigneeIsAgent)
      return refuse(
        `${mention(assigneeId)} is not a service-desk agent; assign the ticket to someone in the agents group.`,
      );
    if (t.assignee_id === assigneeId) return refuse(`${t.key} is already assigned to ${mention(assigneeId)}.`);
    return {
      changes: assigneeChanges(t, assigneeId),
      history: `${mention(actor.id)} assigned the ticket to ${mention(assigneeId)}`,
      dm: (ticket) => requesterUpdate(ticket, `${mention(assigneeId)} is working on your request.`),
      assigneeDm: (ticket) => assigneeUpdate(ticket, assignedToYou(actor.id, ticket.key, ticket.priority)),
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

export function changePriority(
  ctx: ServiceContext,
  ticketId: number,
  priority: Priority,
  actor: TicketActor,
): Promise<Outcome<TicketRow>> {
  return act(ctx, ticketId, 'change_priority', actor, (t) => {
    if (t.priority === priority) return refuse(`${t.key} is already ${priority}.`);
    // The clocks are re-read from the history on the new priority's calendar (recordTicketEvent).
    return {
      changes: { priority },
      history: `${mention(actor.id)} changed the priority from ${t.priority} to ${priority}`,
      dm: (ticket) => requesterUpdate(ticket, priorityChangedForRequester(actor.id, t.priority, ticket)),
    };
  });
}

/**
 * Waiting on the requester: the agent's question goes to the requester by DM (answered with *Add a
 * comment*, which ends the wait) and into the ticket's history and thread; a pausing reason stops
 * both SLA clocks until then.
 */
export function waitOnRequester(
  ctx: ServiceContext,
  ticketId: number,
  question: string,
  actor: TicketActor,
): Promise<Outcome<TicketRow>> {
  const asked = question.trim();
  if (!asked) return Promise.resolve(refuse('Say what you need from the requester.'));
  const config = ctx.settings.sla.pause_reasons[REQUESTER_REASON]!;
  return act(ctx, ticketId, 'wait_on_requester', actor, () => ({
    changes: { hold_reason: REQUESTER_REASON },
    history: waitingOnRequesterHistory(actor.id, asked, config.pauses),
    dm: (ticket) => requesterUpdate(ticket, askedRequester(actor.id, asked)),
  }));
}

/**
 * Puts a ticket on hold for one of `sla.pause_reasons`; a reason that pauses stops both SLA clocks
 * until the hold ends (an agent resumes, or the ticket is resolved or cancelled). Waiting on the
 * requester is not a hold like these: it asks them something (`waitOnRequester`).
 */
export function holdTicket(
  ctx: ServiceContext,
  ticketId: number,
  reason: string,
  actor: TicketActor,
): Promise<Outcome<TicketRow>> {
  return transact(ctx, (trx, now) => holdTicketIn(trx, ctx, ticketId, reason, actor, now));
}

/** holdTicket inside the caller's transaction (e.g. pausing the tickets linked to an incident while it is open). */
function holdTicketIn(
  trx: Trx,
  ctx: ServiceContext,
  ticketId: number,
  reason: string,
  actor: TicketActor,
  now: Date,
): Promise<Outcome<TicketRow>> {
  if (reason === REQUESTER_REASON)
    return Promise.resolve(
      refuse('To wait on the requester, press *Waiting on requester* and say what you need from them.'),
    );
  const config = ctx.settings.sla.pause_reasons[reason];
  if (!config)
    return Promise.resolve(
      refuse(
        `"${reason}" is not a hold reason; the settings list ${Object.keys(ctx.settings.sla.pause_reasons).join(', ')}.`,
      ),
    );
  return actIn(
    trx,
    ctx,
    ticketId,
    'hold',
    actor,
    (t) => {
      if (t.hold_reason === reason) return refuse(`${t.key} is already on hold: ${config.label.toLowerCase()}.`);
      const clock = config.pauses ? 'the SLA clock is paused' : 'the SLA clock keeps running';
      return {
        changes: { hold_reason: reason },
        history: `${mention(actor.id)} put the ticket on hold (${userText(config.label, 60)}); ${clock}`,
      };
    },
    now,
  );
}

/** Ends a hold (any reason): the clocks run on from now. */
export function resumeTicket(ctx: ServiceContext, ticketId: number, actor: TicketActor): Promise<Outcome<TicketRow>> {
  return transact(ctx, (trx, now) => resumeTicketIn(trx, ctx, ticketId, actor, now));
}

function resumeTicketIn(
  trx: Trx,
  ctx: ServiceContext,
  ticketId: number,
  actor: TicketActor,
  now: Date,
): Promise<Outcome<TicketRow>> {
  return actIn(
    trx,
    ctx,
    ticketId,
    'resume',
    actor,
    () => ({
      changes: { hold_reason: null },
      history: `${mention(actor.id)} took the ticket off hold; the SLA clock runs again`,
    }),
    now,
  );
}

export function commentOnTicket(
  ctx: ServiceContext,
  ticketId: number,
  comment: string,
  actor: TicketActor,
): Promise<Outcome<TicketRow>> {
  return act(ctx, ticketId, 'comment', actor, (t) => {
    const fromRequester = actor.id === t.requester_id;
    const quote = quoted(comment, 2500);
    // The requester's answer ends waiting on the requester (not a hold on a vendor or a problem).
    const resumes = fromRequester && t.hold_reason === REQUESTER_REASON;
    return {
      changes: resumes ? { hold_reason: null } : {},
      history: `${mention(actor.id)} commented:\n${quote}`,
      dm: fromRequester ? undefined : (ticket) => requesterUpdate(ticket, `${mention(actor.id)} wrote:\n${quote}`),
      assigneeDm: fromRequester ? (ticket) => assigneeUpdate(ticket, `The requester wrote:\n${quote}`) : undefined,
      confirm: (ticket) => commentAdded(ticket.key, !fromRequester),
    };
  });
}

export function resolveTicket(
  ctx: ServiceContext,
  ticketId: number,
  resolution: { note: string; code: string },
  actor: TicketActor,
): Promise<Outcome<TicketRow>> {
  return act(ctx, ticketId, 'resolve', actor, resolvePlan(ctx, resolution, actor));
}

function resolvePlan(
  ctx: ServiceContext,
  resolution: { note: string; code: string },
  actor: TicketActor,
): (t: TicketRow, now: Date) => Plan {
  return (t, now) => ({
    changes: {
      resolved_at: now.getTime(),
      resolved_by: actor.id,
      resolution_note: resolution.note,
      resolution_code: resolution.code,
      csat_requested_at: now.getTime(),
      assignee_id: t.assignee_id ?? actor.id,
      first_assignee_id: t.first_assignee_id ?? actor.id,
    },
    history: `${mention(actor.id)} resolved the ticket (${userText(resolution.code, 60)}):\n${quoted(resolution.note, 2500)}`,
    dm: (ticket) => resolvedDm(ticket, ctx.settings.service_desk.reopen_window),
    after: async (trx, ticket, now2) => {
      await scheduleDue(
        trx,
        {
          kind: AUTO_CLOSE,
          recordType: 'ticket',
          recordId: ticket.id,
          dueAt: new Date(now2.getTime() + ctx.settings.service_desk.close_after),
          point: `resolved-${now2.getTime()}`,
        },
        now2,
      );
    },
  });
}

/** The service desk's own hand in incident work: resolves the tickets linked to an incident. */
const INCIDENT_DESK: TicketActor = { id: 'switchboard', name: 'Switchboard', isAgent: true, source: 'job' };

/**
 * An incident is resolved: every open ticket still linked to it is resolved with the incident's
 * resolution (code `fixed`, or the first configured code), its requester told and asked for CSAT.
 * Runs inside the incident's transaction. Returns the keys resolved.
 */
export async function resolveLinkedTickets(
  trx: Trx,
  ctx: ServiceContext,
  incident: { id: number; key: string; summary: string },
  now: Date,
): Promise<string[]> {
  const linked = await trx
    .selectFrom('tickets')
    .select(['id', 'status', 'incident_id'])
    .where('incident_id', '=', incident.id)
    .execute();
  const codes = ctx.settings.service_desk.resolution_codes;
  const code = codes.includes('fixed') ? 'fixed' : codes[0]!;
  const resolved: string[] = [];
  for (const row of linked) {
    if (!followsIncident({ status: row.status, incidentId: row.incident_id }, incident.id)) continue;
    const result = await actIn(
      trx,
      ctx,
      row.id,
      'resolve',
      INCIDENT_DESK,
      resolvePlan(ctx, { note: resolvedWithIncident(incident.key, incident.summary), code }, INCIDENT_DESK),
      now,
    );
    if (result.ok) resolved.push(result.value.key);
  }
  return resolved;
}

/** An agent takes a ticket back from its incident: no longer paused for it, nor resolved with it. */
export function unlinkTicketFromIncident(
  ctx: ServiceContext,
  ticketId: number,
  actor: TicketActor,
): Promise<Outcome<TicketRow>> {
  return transact(ctx, async (trx, now) => {
    const current = await findTicket(trx, ticketId);
    const incident = current?.incident_id
      ? await trx.selectFrom('incidents').select('key').where('id', '=', current.incident_id).executeTakeFirst()
      : undefined;
    return actIn(
      trx,
      ctx,
      ticketId,
      'unlink',
      actor,
      (t) => ({
        changes: { incident_id: null, ...(t.hold_reason === LINKED_INCIDENT_REASON ? { hold_reason: null } : {}) },
        history: unlinkedHistory(actor.id, incident?.key ?? 'its incident', t.hold_reason === LINKED_INCIDENT_REASON),
        dm: (ticket) => requesterUpdate(ticket, unlinkedForRequester(incident?.key ?? 'the incident')),
      }),
      now,
    );
  });
}

export function reopenTicket(ctx: ServiceContext, ticketId: number, actor: TicketActor): Promise<Outcome<TicketRow>> {
  return act(ctx, ticketId, 'reopen', actor, (t) => ({
    // The resolution clock did not run while the ticket was resolved; it runs on from now.
    changes: { reopen_count: t.reopen_count + 1, resolved_at: null, resolved_by: null },
    history: `${mention(actor.id)} reopened the ticket`,
    dm:
      actor.id === t.requester_id
        ? undefined
        : (ticket) => requesterUpdate(ticket, `${mention(actor.id)} reopened your ticket.`),
    assigneeDm: (ticket) => assigneeUpdate(ticket, `${mention(actor.id)} reopened *${ticket.key}*.`),
    confirm: (ticket) => reopenedByYou(ticket.key, ticket.assignee_id, actor.id),
    after: async (trx, ticket, now2) => {
      await cancelDue(trx, 'ticket', ticket.id, now2, [AUTO_CLOSE]);
    },
  }));
}

export function cancelTicket(ctx: ServiceContext, ticketId: number, actor: TicketActor): Promise<Outcome<TicketRow>> {
  return act(ctx, ticketId, 'cancel', actor, (_t, now) => ({
    changes: { cancelled_at: now.getTime() },
    history: `${mention(actor.id)} cancelled the request`,
    assigneeDm: (ticket) => assigneeUpdate(ticket, `The requester cancelled *${ticket.key}*.`),
    confirm: (ticket) => cancelledByYou(ticket.key),
  }));
}

export function rateTicket(
  ctx: ServiceContext,
  ticketId: number,
  score: number,
  actor: TicketActor,
): Promise<Outcome<TicketRow>> {
  return act(ctx, ticketId, 'rate', actor, (_t, now) => {
    if (!Number.isInteger(score) || score < 1 || score > 5) return refuse('Ratings go from 1 to 5.');
    return {
      changes: { csat_score: score, csat_at: now.getTime() },
      history: `The requester rated the service ${score}/5`,
      dm: (ticket) => csatThanks(ticket, score),
    };
  });
}

/** Switchboard itself, closing a ticket after the quiet period. */
const SWITCHBOARD = { id: 'switchboard', isAgent: false };

/** Auto-close after the quiet period; the lifecycle rule leaves a reopened or already closed ticket alone. */
export async function closeResolved(trx: Trx, ctx: ServiceContext, ticketId: number, now: Date): Promise<string> {
  const ticket = await findTicket(trx, ticketId);
  if (!ticket) return 'skipped: no such ticket';
  const decision = decide(
    'close',
    ticketDecisionFacts(ticket),
    SWITCHBOARD,
    now,
    ctx.settings.service_desk.reopen_window,
  );
  if (!decision.ok) return `skipped: ${decision.reason}`;
  const changed = await updateTicket(trx, ticket.id, {
    status: decision.next,
    closed_at: now.getTime(),
    updated_at: now.getTime(),
  });
  const closed = await recordTicketEvent(
    trx,
    ctx.settings,
    changed,
    { kind: 'close', actorId: 'switchboard', body: 'closed after the quiet period' },
    now,
  );
  await insertAudit(
    trx,
    {
      actor: { id: 'switchboard', name: 'Switchboard' },
      action: 'ticket.close',
      recordType: 'ticket',
      recordId: ticket.id,
      recordKey: ticket.key,
      before: ticketFacts(ticket),
      after: ticketFacts(closed),
      source: 'job',
    },
    now,
  );
  await refreshTriage(trx, ctx, closed, now, 'Closed after the quiet period');
  await retireStaleDmButtons(trx, now, closed);
  await sendTicketDm(trx, now, closed, closed.requester_id, {
    ...requesterUpdate(closed, closedForRequester(ctx.settings.service_desk.close_after)),
    dedupeKey: `ticket/${closed.id}/closed/${now.getTime()}`,
  });
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
  // Escalating to an incident is a public agent action: it is the first response if none came before.
  // While the incident is open the ticket waits on it: on hold, its SLA paused (when the reason pauses).
  const hold =
    isOpen(before.status) && ctx.settings.sla.pause_reasons[LINKED_INCIDENT_REASON]
      ? LINKED_INCIDENT_REASON
      : before.hold_reason;
  const changed = await updateTicket(trx, ticketId, {
    incident_id: incident.id,
    escalated_at: before.escalated_at ?? now.getTime(),
    first_response_at: before.first_response_at ?? (isOpen(before.status) ? now.getTime() : null),
    hold_reason: hold,
    updated_at: now.getTime(),
  });
  const history = `${mention(actor.id)} escalated the ticket to incident *${incident.key}*${hold === LINKED_INCIDENT_REASON ? '; it follows the incident (on hold while it is open, resolved with it) unless unlinked' : ''}`;
  const ticket = await recordTicketEvent(
    trx,
    ctx.settings,
    changed,
    { kind: 'incident_linked', actorId: actor.id, body: incident.key },
    now,
  );
  await insertAudit(
    trx,
    {
      actor,
      action: 'ticket.escalate',
      recordType: 'ticket',
      recordId: ticket.id,
      recordKey: ticket.key,
      before: ticketFacts(before),
      after: { ...ticketFacts(ticket), incident: incident.key },
      detail: incident.key,
      source: 'modal',
    },
    now,
  );
  await trx
    .insertInto('incident_subscriptions')
    .values({ incident_id: incident.id, user_id: ticket.requester_id, at: now.getTime() })
    .onConflict((oc) => oc.columns(['incident_id', 'user_id']).doNothing())
    .execute();
  await refreshTriage(trx, ctx, ticket, now, history);
  await sendTicketDm(
    trx,
    now,
    ticket,
    ticket.requester_id,
    requesterUpdate(
      ticket,
      `IT is handling this as incident *${incident.key}*: ${userText(incident.title, 150)}. You'll get its updates here until it is resolved.`,
    ),
  );
  return ticket.key;
}
