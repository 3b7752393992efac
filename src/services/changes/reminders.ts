import { nextChaseAt } from '../../domain/changes/schedule.js';
import { scheduleDue } from '../../../db/queries/due-items.js';
import { approvalsOf, findChangeById, updateChange } from '../../../db/queries/changes.js';
import { approvalRequestDm, closeoutDm, windowStartDm } from '../../../views/changes/card.js';
import { mention } from '../../../views/text.js';
import { approverEntriesFor } from '../../domain/changes/approval.js';
import { roleEntryMention } from '../../../views/text.js';
import type { DueHandler, ServiceContext } from '../context.js';
import { sendDirectMessage } from '../outbox.js';
import { loadCard, threadNote } from './card.js';
import {
  unapprovedWindowApproverText,
  unapprovedWindowRequesterDm,
  unapprovedWindowThreadNote,
} from '../../../views/changes/notices.js';
import { audit, DUE, SYSTEM_ACTOR } from './shared.js';

/**
 * What happens when a change's timers fire. Each handler re-reads the change and acts only if it is
 * still in the state the timer was meant for (an approved, rescheduled or closed change is skipped).
 */
export function changeDueHandlers(ctx: ServiceContext): Record<string, DueHandler> {
  const { settings } = ctx;
  const version = (data: Record<string, unknown>) => (typeof data.version === 'number' ? data.version : undefined);

  const approvalReminder: DueHandler = async (trx, item, now) => {
    const change = await findChangeById(trx, item.record_id);
    if (!change) return 'skipped: gone';
    if (change.status !== 'pending_approval' || change.version !== version(item.data))
      return `skipped: ${change.status}`;
    const decided = new Set(
      (await approvalsOf(trx, change.id)).filter((a) => a.version === change.version).map((a) => a.approver_id),
    );
    const approvers = (Array.isArray(item.data.approvers) ? (item.data.approvers as string[]) : []).filter(
      (id) => !decided.has(id),
    );
    const card = await loadCard(trx, change, settings);
    for (const id of approvers) {
      await sendDirectMessage(trx, now, id, {
        ...approvalRequestDm(card, `:bell: Reminder: ${change.key} is still waiting for your decision.`),
        dedupeKey: `change:${change.id}:v${change.version}:remind:${id}`,
      });
    }
    const entries = approverEntriesFor(
      { type: change.type, services: card.services },
      settings.roles,
      settings.changes,
    );
    const approved = card.decisions.filter((d) => d.decision === 'approved').length;
    await threadNote(
      trx,
      now,
      change.id,
      `:bell: Still awaiting approval (${approved} of ${card.required}). Reminding ${entries.map(roleEntryMention).join(' ') || 'the approvers'}.`,
      `change:${change.id}:v${change.version}:remind-thread`,
    );
    await sendDirectMessage(trx, now, change.requester_id, {
      text: `:bell: ${change.key} has been waiting for approval a while (${approved} of ${card.required} so far); the approvers were reminded.`,
      dedupeKey: `change:${change.id}:v${change.version}:remind-requester`,
    });
    await audit(trx, now, change, {
      actor: SYSTEM_ACTOR,
      action: 'change.approval_reminder_sent',
      source: 'job',
      detail: `${approvers.length} approver(s) reminded, version ${change.version}`,
    });
    return `reminded ${approvers.length}`;
  };

  const unapprovedWindow: DueHandler = async (trx, item, now) => {
    const change = await findChangeById(trx, item.record_id);
    if (!change) return 'skipped: gone';
    if (
      change.status !== 'pending_approval' ||
      change.version !== version(item.data) ||
      change.planned_start !== item.data.start
    )
      return `skipped: ${change.status}`;
    const decided = new Set(
      (await approvalsOf(trx, change.id)).filter((a) => a.version === change.version).map((a) => a.approver_id),
    );
    const approvers = (Array.isArray(item.data.approvers) ? (item.data.approvers as string[]) : []).filter(
      (id) => !decided.has(id),
    );
    const card = await loadCard(trx, change, settings);
    const point = `change:${change.id}:v${change.version}@${change.planned_start}:unapproved`;
    for (const id of new Set([change.requester_id, change.implementer_id ?? change.requester_id])) {
      await sendDirectMessage(trx, now, id, { ...unapprovedWindowRequesterDm(card), dedupeKey: `${point}:${id}` });
    }
    for (const id of approvers)
      await sendDirectMessage(trx, now, id, {
        ...approvalRequestDm(card, unapprovedWindowApproverText(card)),
        dedupeKey: `${point}:${id}`,
      });
    await threadNote(trx, now, change.id, unapprovedWindowThreadNote(card), `${point}:thread`);
    await audit(trx, now, change, {
      actor: SYSTEM_ACTOR,
      action: 'change.unapproved_window_flagged',
      source: 'job',
      detail: `requester and ${approvers.length} approver(s) told, version ${change.version}`,
    });
    return `flagged to ${approvers.length + 1}`;
  };

  const windowStart: DueHandler = async (trx, item, now) => {
    const change = await findChangeById(trx, item.record_id);
    if (!change) return 'skipped: gone';
    if (
      (change.status !== 'scheduled' && change.status !== 'approved') ||
      change.version !== version(item.data) ||
      change.planned_start !== item.data.start
    ) {
      return `skipped: ${change.status}`;
    }
    const implementer = change.implementer_id ?? change.requester_id;
    const card = await loadCard(trx, change, settings);
    await sendDirectMessage(trx, now, implementer, {
      ...windowStartDm(card),
      dedupeKey: `change:${change.id}:window-start:${item.id}`,
    });
    await threadNote(
      trx,
      now,
      change.id,
      `:alarm_clock: The window opens now; ${mention(implementer)} was asked to start or postpone.`,
    );
    await audit(trx, now, change, {
      actor: SYSTEM_ACTOR,
      action: 'change.window_start_reminder_sent',
      source: 'job',
      detail: `to ${implementer}`,
    });
    return 'reminded';
  };

  const closeout: DueHandler = async (trx, item, now) => {
    const change = await findChangeById(trx, item.record_id);
    if (!change) return 'skipped: gone';
    const open = change.status === 'scheduled' || change.status === 'approved' || change.status === 'in_progress';
    if (!open || change.version !== version(item.data) || change.planned_end !== item.data.end)
      return `skipped: ${change.status}`;
    const implementer = change.implementer_id ?? change.requester_id;
    const card = await loadCard(trx, change, settings);
    await sendDirectMessage(trx, now, implementer, {
      ...closeoutDm(card, 0),
      dedupeKey: `change:${change.id}:closeout:${item.id}`,
    });
    await threadNote(
      trx,
      now,
      change.id,
      `:clipboard: The window has ended; ${mention(implementer)} was asked to close it out.`,
    );
    await updateChange(trx, change.id, { closeout_requested_at: now.getTime(), updated_at: now.getTime() });
    await audit(trx, now, change, {
      actor: SYSTEM_ACTOR,
      action: 'change.closeout_requested',
      source: 'job',
      detail: `to ${implementer}`,
    });
    await scheduleDue(
      trx,
      {
        kind: DUE.chase,
        recordType: 'change',
        recordId: change.id,
        dueAt: nextChaseAt(now, settings.changes.closeout_chase_every),
        point: `v${change.version}-1`,
        payload: { version: change.version, n: 1 },
      },
      now,
    );
    return 'asked';
  };

  const chase: DueHandler = async (trx, item, now) => {
    const change = await findChangeById(trx, item.record_id);
    if (!change) return 'skipped: gone';
    const open = change.status === 'scheduled' || change.status === 'approved' || change.status === 'in_progress';
    if (!open || change.version !== version(item.data)) return `skipped: ${change.status}`;
    const n = typeof item.data.n === 'number' ? item.data.n : 1;
    const implementer = change.implementer_id ?? change.requester_id;
    const card = await loadCard(trx, change, settings);
    await sendDirectMessage(trx, now, implementer, {
      ...closeoutDm(card, n),
      dedupeKey: `change:${change.id}:chase:${item.id}`,
    });
    await threadNote(
      trx,
      now,
      change.id,
      `:bell: ${mention(implementer)} ${change.key} is still not closed out (reminder ${n}).`,
    );
    await audit(trx, now, change, {
      actor: SYSTEM_ACTOR,
      action: 'change.closeout_chased',
      source: 'job',
      detail: `reminder ${n} to ${implementer}`,
    });
    await scheduleDue(
      trx,
      {
        kind: DUE.chase,
        recordType: 'change',
        recordId: change.id,
        dueAt: nextChaseAt(now, settings.changes.closeout_chase_every),
        point: `v${change.version}-${n + 1}`,
        payload: { version: change.version, n: n + 1 },
      },
      now,
    );
    return `chased ${n}`;
  };

  return {
    [DUE.approvalReminder]: approvalReminder,
    [DUE.unapprovedWindow]: unapprovedWindow,
    [DUE.windowStart]: windowStart,
    [DUE.closeout]: closeout,
    [DUE.chase]: chase,
  };
}
