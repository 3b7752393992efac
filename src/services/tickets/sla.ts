import type { TicketRow } from '../../../db/queries/tickets.js';
import { cancelDue, rescheduleDue } from '../../../db/queries/due-items.js';
import type { Settings } from '../../config/settings.js';
import { addWorkingTime } from '../../domain/calendar.js';
import { slaTargets } from '../../domain/tickets/sla.js';
import type { Trx } from '../context.js';

/** Due-item kinds of the service desk. */
export const SLA_RESPONSE = 'ticket.sla.response';
export const SLA_RESOLUTION = 'ticket.sla.resolution';
export const AUTO_CLOSE = 'ticket.close';

export interface SlaPoint {
  threshold: 'warn' | 'breach';
}

/**
 * SLA due times for a ticket as it stands: targets from its priority, counted from when it was filed,
 * pushed out by the working time it spent waiting on the requester.
 */
export function dueTimes(ticket: Pick<TicketRow, 'priority' | 'created_at' | 'paused_ms'>, settings: Settings) {
  const created = new Date(ticket.created_at);
  const targets = slaTargets(ticket.priority, created, settings);
  const at = (workingMs: number) => addWorkingTime(created, workingMs + ticket.paused_ms, targets.calendar);
  return {
    ...targets,
    firstResponseDue: at(targets.firstResponseMs),
    resolutionDue: at(targets.resolutionMs),
    firstResponseWarn: at(Math.round(targets.firstResponseMs * settings.sla.warn_at)),
    resolutionWarn: at(Math.round(targets.resolutionMs * settings.sla.warn_at)),
  };
}

/** (Re)schedules the reminders still relevant; each threshold fires at most once per ticket. */
export async function scheduleSlaReminders(trx: Trx, ticket: TicketRow, settings: Settings, now: Date): Promise<void> {
  const due = dueTimes(ticket, settings);
  const base = { recordType: 'ticket', recordId: ticket.id };
  if (ticket.first_response_at === null) {
    await rescheduleDue(trx, { ...base, kind: SLA_RESPONSE, point: 'warn', dueAt: due.firstResponseWarn, payload: { threshold: 'warn' } }, now);
    await rescheduleDue(trx, { ...base, kind: SLA_RESPONSE, point: 'breach', dueAt: due.firstResponseDue, payload: { threshold: 'breach' } }, now);
  }
  await rescheduleDue(trx, { ...base, kind: SLA_RESOLUTION, point: 'warn', dueAt: due.resolutionWarn, payload: { threshold: 'warn' } }, now);
  await rescheduleDue(trx, { ...base, kind: SLA_RESOLUTION, point: 'breach', dueAt: due.resolutionDue, payload: { threshold: 'breach' } }, now);
}

export async function stopSlaReminders(trx: Trx, ticketId: number, now: Date, kinds = [SLA_RESPONSE, SLA_RESOLUTION]): Promise<void> {
  await cancelDue(trx, 'ticket', ticketId, now, kinds);
}
