import { insertAudit } from '../../../db/queries/audit.js';
import { findTicket, insertTicketEvent, updateTicket } from '../../../db/queries/tickets.js';
import type { DueHandler } from '../../jobs/due-runner.js';
import { isOpen } from '../../domain/tickets/lifecycle.js';
import { slaReminder } from '../../../views/tickets/messages.js';
import { roleEntryMention } from '../../../views/text.js';
import type { ServiceContext, Trx } from '../context.js';
import { postMessage, sendDirectMessage } from '../outbox.js';
import { triageRef } from './file.js';
import { AUTO_CLOSE, SLA_RESOLUTION, SLA_RESPONSE } from './sla.js';
import { closeResolved, refreshTriage } from './work.js';

/** The service desk's timed work: SLA warnings and breaches, and closing resolved tickets. */
export function ticketDueHandlers(ctx: ServiceContext): Record<string, DueHandler> {
  return {
    [SLA_RESPONSE]: (trx, item, now) => remind(trx, ctx, item.record_id, 'first response', item.data.threshold === 'breach' ? 'breach' : 'warn', now),
    [SLA_RESOLUTION]: (trx, item, now) => remind(trx, ctx, item.record_id, 'resolution', item.data.threshold === 'breach' ? 'breach' : 'warn', now),
    [AUTO_CLOSE]: (trx, item, now) => closeResolved(trx, ctx, item.record_id, now),
  };
}

async function remind(trx: Trx, ctx: ServiceContext, ticketId: number, target: 'first response' | 'resolution', kind: 'warn' | 'breach', now: Date): Promise<string> {
  const ticket = await findTicket(trx, ticketId);
  if (!ticket || !isOpen(ticket.status)) return 'skipped: ticket not open';
  if (ticket.paused_since !== null) return 'skipped: waiting on requester';
  if (target === 'first response' && ticket.first_response_at !== null) return 'skipped: responded';
  // The row keeps its due times current (pauses, priority changes), so no calendar work is needed here.
  const dueAt = new Date(target === 'first response' ? ticket.first_response_due_at : ticket.resolution_due_at);
  // After downtime both thresholds may be past: the breach says it all.
  if (kind === 'warn' && now.getTime() >= dueAt.getTime()) return 'skipped: already breached';

  const escalation = ctx.settings.roles.escalation.map(roleEntryMention).join(' ');
  const message = slaReminder(ticket, kind, target, dueAt, kind === 'breach' && escalation ? escalation : null);
  const triage = ctx.settings.channels.triage;
  if (triage) await postMessage(trx, now, { channel: triage, threadOf: triageRef(ticket.id), broadcast: kind === 'breach', ...message });
  if (ticket.assignee_id) await sendDirectMessage(trx, now, ticket.assignee_id, message);
  await insertTicketEvent(trx, { ticket_id: ticket.id, at: now.getTime(), actor_id: 'switchboard', kind: `sla_${kind}`, body: `${target} SLA ${kind === 'warn' ? 'warning' : 'breached'}` });
  if (kind === 'breach') {
    const flag = target === 'first response' ? { first_response_breached: 1 } : { resolution_breached: 1 };
    const updated = await updateTicket(trx, ticket.id, { ...flag, escalated_at: ticket.escalated_at ?? now.getTime(), updated_at: now.getTime() });
    await insertAudit(trx, { actor: { id: 'switchboard', name: 'Switchboard' }, action: 'ticket.sla_breach', recordType: 'ticket', recordId: ticket.id, recordKey: ticket.key, detail: target, source: 'job' }, now);
    await refreshTriage(trx, ctx, updated, now);
  }
  return kind === 'warn' ? `warned: ${target}` : `breached: ${target}`;
}
