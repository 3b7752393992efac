import { insertAudit } from '../../../db/queries/audit.js';
import { isOpen } from '../../domain/tickets/lifecycle.js';
import { slaReminder } from '../../../views/tickets/messages.js';
import { roleEntryMention } from '../../../views/text.js';
import type { DueHandler, ServiceContext, Trx } from '../context.js';
import { postMessage, sendDirectMessage } from '../outbox.js';
import { triageRef } from './file.js';
import { AUTO_CLOSE, SLA_RESOLUTION, SLA_RESPONSE, currentClocks, recordTicketEvent } from './sla.js';
import { closeResolved, refreshTriage } from './work.js';

/** The service desk's timed work: SLA warnings and breaches, and closing resolved tickets. */
export function ticketDueHandlers(ctx: ServiceContext): Record<string, DueHandler> {
  return {
    [SLA_RESPONSE]: (trx, item, now) =>
      remind(trx, ctx, item.record_id, 'first response', item.data.threshold === 'breach' ? 'breach' : 'warn', now),
    [SLA_RESOLUTION]: (trx, item, now) =>
      remind(trx, ctx, item.record_id, 'resolution', item.data.threshold === 'breach' ? 'breach' : 'warn', now),
    [AUTO_CLOSE]: (trx, item, now) => closeResolved(trx, ctx, item.record_id, now),
  };
}

async function remind(
  trx: Trx,
  ctx: ServiceContext,
  ticketId: number,
  target: 'first response' | 'resolution',
  kind: 'warn' | 'breach',
  now: Date,
): Promise<string> {
  const current = await currentClocks(trx, ticketId, ctx.settings, now);
  if (!current || !isOpen(current.ticket.status)) return 'skipped: ticket not open';
  const { ticket, clocks } = current;
  const reading = target === 'first response' ? clocks.firstResponse : clocks.resolution;
  // The clock as the history reads it now decides: paused, stopped, or moved by a priority change.
  if (reading.state === 'paused') return 'skipped: clock paused';
  if (reading.state !== 'running') return target === 'first response' ? 'skipped: responded' : 'skipped: clock stopped';
  if (kind === 'breach' && !reading.breached) return 'skipped: not due yet';
  // After downtime both thresholds may be past: the breach says it all.
  if (kind === 'warn' && reading.breached) return 'skipped: already breached';
  const dueAt = new Date(reading.dueAt);

  const escalation = ctx.settings.roles.escalation.map(roleEntryMention).join(' ');
  const message = slaReminder(ticket, kind, target, dueAt, kind === 'breach' && escalation ? escalation : null);
  const triage = ctx.settings.channels.triage;
  if (triage)
    await postMessage(trx, now, {
      channel: triage,
      threadOf: triageRef(ticket.id),
      broadcast: kind === 'breach',
      ...message,
    });
  if (ticket.assignee_id) await sendDirectMessage(trx, now, ticket.assignee_id, message);
  // A breach is an SLA event, not an escalation to an incident: escalated_at stays as it was.
  const updated = await recordTicketEvent(
    trx,
    ctx.settings,
    ticket,
    { kind: `sla_${kind}`, actorId: 'switchboard', body: `${target} SLA ${kind === 'warn' ? 'warning' : 'breached'}` },
    now,
  );
  if (kind === 'breach') {
    await insertAudit(
      trx,
      {
        actor: { id: 'switchboard', name: 'Switchboard' },
        action: 'ticket.sla_breach',
        recordType: 'ticket',
        recordId: ticket.id,
        recordKey: ticket.key,
        detail: target,
        source: 'job',
      },
      now,
    );
    await refreshTriage(trx, ctx, updated, now);
  }
  return kind === 'warn' ? `warned: ${target}` : `breached: ${target}`;
}
