import type { TicketEventRow, TicketRow } from '../../../db/queries/tickets.js';
import { findTicket, ticketEvents, ticketEventsOf, updateTicket } from '../../../db/queries/tickets.js';
import { cancelDue, rescheduleDue } from '../../../db/queries/due-items.js';
import type { Settings } from '../../config/settings.js';
import { workingTimeBetween } from '../../domain/calendar.js';
import { isOpen } from '../../domain/tickets/lifecycle.js';
import {
  calendarFor,
  readClocks,
  slaStanding,
  type Clocks,
  type ClockStep,
  type SlaStanding,
} from '../../domain/tickets/sla.js';
import type { ServiceContext, Trx } from '../context.js';
import type { Executor } from '../../../db/schema.js';
import type { HoldOption } from '../../../views/tickets/messages.js';

/** Due-item kinds of the service desk. */
export const SLA_RESPONSE = 'ticket.sla.response';
export const SLA_RESOLUTION = 'ticket.sla.resolution';
export const AUTO_CLOSE = 'ticket.close';

/** Whether a hold reason stops the clocks (an unknown reason, e.g. one removed from the settings, does not). */
function reasonPauses(reason: string | null, settings: Settings): boolean {
  return reason !== null && settings.sla.pause_reasons[reason]?.pauses === true;
}

/** The holds the triage post offers, from the settings. */
export function holdOptions(ctx: Pick<ServiceContext, 'settings'>): HoldOption[] {
  return Object.entries(ctx.settings.sla.pause_reasons).map(([reason, r]) => ({
    reason,
    label: `${r.label}${r.pauses ? '' : ' (clock runs)'}`,
  }));
}

/** The label of the hold a ticket is on, as the settings name it (or the raw reason if since removed). */
export function holdLabel(
  ticket: Pick<TicketRow, 'hold_reason' | 'status'>,
  ctx: Pick<ServiceContext, 'settings'>,
): string | null {
  if (!ticket.hold_reason || !isOpen(ticket.status)) return null;
  const reason = ctx.settings.sla.pause_reasons[ticket.hold_reason];
  return `${reason?.label ?? ticket.hold_reason.replace(/_/g, ' ')}${reason?.pauses ? ' (SLA paused)' : ' (SLA running)'}`;
}

/** The clock steps of a ticket's recorded history. */
function stepsOf(
  events: readonly Pick<TicketEventRow, 'at' | 'status' | 'priority' | 'paused' | 'responded'>[],
): ClockStep[] {
  return events
    .filter((e) => e.status !== null && e.priority !== null)
    .map((e) => ({
      at: e.at,
      priority: e.priority!,
      open: isOpen(e.status!),
      paused: e.paused === 1,
      responded: e.responded === 1,
      cancelled: e.status === 'cancelled',
    }));
}

/** Working time spent on pausing holds, measured on the calendar of the priority in force at `at`. */
function pausedWorkingMs(steps: readonly ClockStep[], at: number, settings: Settings): number {
  const calendar = calendarFor(steps[steps.length - 1]!.priority, settings);
  let total = 0;
  for (let i = 0; i < steps.length; i++) {
    const s = steps[i]!;
    if (!s.paused || !s.open) continue;
    const end = i + 1 < steps.length ? steps[i + 1]!.at : at;
    total += workingTimeBetween(new Date(s.at), new Date(end), calendar);
  }
  return total;
}

export interface TicketEventInput {
  kind: string;
  actorId: string;
  body: string | null;
}

/**
 * Appends an event to the ticket's history with the state in force after it, reads both SLA clocks
 * from the whole history at `now` (so a priority change recomputes them on the new calendar), keeps
 * the ticket row's due times and breach flags in step with that reading, and moves the reminders.
 * Every change to a ticket goes through here, in the transaction of the change.
 */
export async function recordTicketEvent(
  trx: Trx,
  settings: Settings,
  ticket: TicketRow,
  event: TicketEventInput,
  now: Date,
): Promise<TicketRow> {
  const history = await ticketEvents(trx, ticket.id);
  const paused = isOpen(ticket.status) && reasonPauses(ticket.hold_reason, settings);
  const facts = {
    status: ticket.status,
    priority: ticket.priority,
    assignee_id: ticket.assignee_id,
    hold_reason: isOpen(ticket.status) ? ticket.hold_reason : null,
    paused: paused ? 1 : 0,
    responded: ticket.first_response_at !== null && ticket.first_response_at <= now.getTime() ? 1 : 0,
    first_assignee_id: ticket.first_assignee_id,
    reassignments: ticket.reassignment_count,
    escalated: ticket.escalated_at !== null ? 1 : 0,
  };
  const steps = [...stepsOf(history), ...stepsOf([{ at: now.getTime(), ...facts }])];
  const clocks = readClocks(steps, now.getTime(), settings);
  await trx
    .insertInto('ticket_events')
    .values({
      ticket_id: ticket.id,
      at: now.getTime(),
      actor_id: event.actorId,
      kind: event.kind,
      body: event.body,
      ...facts,
      fr_state: clocks.firstResponse.state,
      fr_breached: clocks.firstResponse.breached ? 1 : 0,
      fr_due_at: clocks.firstResponse.dueAt,
      res_state: clocks.resolution.state,
      res_breached: clocks.resolution.breached ? 1 : 0,
      res_due_at: clocks.resolution.dueAt,
    })
    .execute();
  const wasPaused = ticket.paused_since !== null;
  const updated = await updateTicket(trx, ticket.id, {
    first_response_due_at: clocks.firstResponse.dueAt,
    resolution_due_at: clocks.resolution.dueAt,
    first_response_breached: clocks.firstResponse.breached ? 1 : 0,
    resolution_breached: clocks.resolution.breached ? 1 : 0,
    paused_since: paused ? (wasPaused ? ticket.paused_since : now.getTime()) : null,
    paused_ms: pausedWorkingMs(steps, now.getTime(), settings),
  });
  await scheduleSlaReminders(trx, updated, clocks, settings, now);
  return updated;
}

/** The ticket's clocks now, from its history (the reminder jobs ask this before speaking). */
export async function currentClocks(
  trx: Trx,
  ticketId: number,
  settings: Settings,
  now: Date,
): Promise<{ ticket: TicketRow; clocks: Clocks } | undefined> {
  const ticket = await findTicket(trx, ticketId);
  if (!ticket) return undefined;
  const steps = stepsOf(await ticketEvents(trx, ticketId));
  if (steps.length === 0) return undefined;
  return { ticket, clocks: readClocks(steps, now.getTime(), settings) };
}

/** Where each ticket stands against its next SLA target at `now`, read from its history as the reminders are. */
export async function slaStandings(
  db: Executor,
  ticketIds: readonly number[],
  settings: Settings,
  now: Date,
): Promise<Map<number, SlaStanding>> {
  const byTicket = new Map<number, TicketEventRow[]>();
  for (const event of await ticketEventsOf(db, ticketIds))
    byTicket.set(event.ticket_id, [...(byTicket.get(event.ticket_id) ?? []), event]);
  const standings = new Map<number, SlaStanding>();
  for (const [id, events] of byTicket) {
    const steps = stepsOf(events);
    if (steps.length > 0) standings.set(id, slaStanding(readClocks(steps, now.getTime(), settings), now.getTime()));
  }
  return standings;
}

/**
 * Reminders follow the clocks: a running clock gets its warning and breach points at the reading's
 * times; a paused or stopped one gets none. Points are keyed by their instant, so each distinct due
 * time is announced at most once, however often the clock pauses and resumes.
 */
async function scheduleSlaReminders(
  trx: Trx,
  ticket: TicketRow,
  clocks: Clocks,
  settings: Settings,
  now: Date,
): Promise<void> {
  await stopSlaReminders(trx, ticket.id, now);
  const base = { recordType: 'ticket', recordId: ticket.id };
  for (const [kind, reading] of [
    [SLA_RESPONSE, clocks.firstResponse],
    [SLA_RESOLUTION, clocks.resolution],
  ] as const) {
    if (reading.state !== 'running') continue;
    if (!reading.breached && reading.warnAt < reading.dueAt) {
      await rescheduleDue(
        trx,
        {
          ...base,
          kind,
          point: `warn-${reading.warnAt}`,
          dueAt: new Date(Math.max(reading.warnAt, now.getTime())),
          payload: { threshold: 'warn' },
        },
        now,
      );
    }
    await rescheduleDue(
      trx,
      {
        ...base,
        kind,
        point: `breach-${reading.dueAt}`,
        dueAt: new Date(Math.max(reading.dueAt, now.getTime())),
        payload: { threshold: 'breach' },
      },
      now,
    );
  }
}

async function stopSlaReminders(
  trx: Trx,
  ticketId: number,
  now: Date,
  kinds = [SLA_RESPONSE, SLA_RESOLUTION],
): Promise<void> {
  await cancelDue(trx, 'ticket', ticketId, now, kinds);
}
