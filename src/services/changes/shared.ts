import type { Settings } from '../../config/settings.js';
import { resolveCalendar } from '../../domain/calendar.js';
import { approvalReminderAt, closeoutAt } from '../../domain/changes/schedule.js';
import { workRefusal, type ChangePeople, type WorkVerb } from '../../domain/changes/access.js';
import { insertAudit } from '../../../db/queries/audit.js';
import { cancelDue, scheduleDue } from '../../../db/queries/due-items.js';
import type { ChangeRow } from '../../../db/queries/changes.js';
import type { Executor } from '../../../db/schema.js';
import type { AuditLogTable } from '../../../db/schema/foundation.js';
import type { ChangeCard } from '../../../views/changes/card.js';
import { approvalRequestDm } from '../../../views/changes/card.js';
import type { Actor } from '../context.js';
import { sendDirectMessage } from '../outbox.js';
import { receive } from '../../../db/queries/receipts.js';

export type Source = AuditLogTable['source'];

/** Who acts when a timer fires. */
export const SYSTEM_ACTOR: Actor = { id: 'switchboard', name: 'Switchboard' };

export const DUE = {
  approvalReminder: 'change.approval_reminder',
  unapprovedWindow: 'change.unapproved_window',
  windowStart: 'change.window_start',
  closeout: 'change.closeout',
  chase: 'change.closeout_chase',
} as const;

/** What the audit log keeps of a change before and after a transition. */
export function snapshot(change: ChangeRow): Record<string, unknown> {
  return {
    status: change.status,
    type: change.type,
    risk: change.risk,
    version: change.version,
    planned_start: new Date(change.planned_start).toISOString(),
    planned_end: new Date(change.planned_end).toISOString(),
    implementer_id: change.implementer_id,
    outcome: change.outcome,
  };
}

/** The people of a stored change, as the access rules (src/domain/changes/access.ts) see them. */
export function peopleOf(change: Pick<ChangeRow, 'key' | 'requester_id' | 'implementer_id'>): ChangePeople {
  return { key: change.key, requesterId: change.requester_id, implementerId: change.implementer_id };
}

/**
 * The one check of who may work on a change (workRefusal), made by every use case that edits,
 * postpones, starts, closes out or cancels one and by the check before its form opens. A refusal
 * changes nothing but is kept in the audit log as evidence; it is returned for the person.
 */
export async function refusedWork(
  db: Executor,
  now: Date,
  change: ChangeRow,
  actor: Actor,
  verb: WorkVerb,
  source: Source,
): Promise<string | undefined> {
  const refusal = workRefusal(peopleOf(change), actor.id, verb);
  if (refusal)
    await audit(db, now, change, {
      actor,
      action: 'change.action_refused',
      source,
      detail: `${verb} refused: not the requester or implementer`,
    });
  return refusal;
}

export function audit(
  db: Executor,
  now: Date,
  change: Pick<ChangeRow, 'id' | 'key'>,
  entry: { actor: Actor; action: string; source: Source; before?: unknown; after?: unknown; detail?: string | null },
): Promise<void> {
  return insertAudit(db, { ...entry, recordType: 'change', recordId: change.id, recordKey: change.key }, now);
}

/** Reminders of an approved change: window start, and the close-out request at window end + grace. */
export async function scheduleWindowDues(
  db: Executor,
  change: ChangeRow,
  settings: Settings,
  now: Date,
): Promise<void> {
  const point = `v${change.version}@${change.planned_start}-${change.planned_end}`;
  const payload = { version: change.version, start: change.planned_start, end: change.planned_end };
  await scheduleDue(
    db,
    {
      kind: DUE.windowStart,
      recordType: 'change',
      recordId: change.id,
      dueAt: new Date(change.planned_start),
      point,
      payload,
    },
    now,
  );
  await scheduleDue(
    db,
    {
      kind: DUE.closeout,
      recordType: 'change',
      recordId: change.id,
      dueAt: closeoutAt(change.planned_end, settings.changes.closeout_grace),
      point,
      payload,
    },
    now,
  );
}

export async function cancelWindowDues(db: Executor, changeId: number, now: Date): Promise<void> {
  await cancelDue(db, 'change', changeId, now, [DUE.windowStart, DUE.closeout, DUE.chase, DUE.unapprovedWindow]);
}

/** Asks approvers to decide (DM with buttons each) and schedules the reminder after business hours. */
export async function requestApproval(
  db: Executor,
  now: Date,
  change: ChangeRow,
  card: ChangeCard,
  settings: Settings,
  approverIds: string[],
  intro: string,
): Promise<void> {
  const eligible = [...new Set(approverIds)].filter((id) => id !== change.requester_id && id !== change.implementer_id);
  for (const id of eligible) {
    await sendDirectMessage(db, now, id, {
      ...approvalRequestDm(card, intro),
      dedupeKey: `change:${change.id}:v${change.version}:ask:${id}`,
    });
  }
  await scheduleUnapprovedWindowFlag(db, now, change, eligible);
  const calendarSettings = settings.calendars[settings.changes.calendar]!;
  const calendar = resolveCalendar(calendarSettings, settings.timezone);
  await scheduleDue(
    db,
    {
      kind: DUE.approvalReminder,
      recordType: 'change',
      recordId: change.id,
      dueAt: approvalReminderAt(now, settings.changes.approval_reminder_after, calendar),
      point: `v${change.version}`,
      payload: { version: change.version, approvers: eligible },
    },
    now,
  );
}

/** At window start, a change still awaiting approval is flagged once to its requester and the approvers. */
export async function scheduleUnapprovedWindowFlag(
  db: Executor,
  now: Date,
  change: ChangeRow,
  approverIds: string[],
): Promise<void> {
  // A window already open at the request (an emergency change for right now) needs no flag: the request says so.
  if (change.planned_start <= now.getTime()) return;
  const approvers = [...new Set(approverIds)].filter(
    (id) => id !== change.requester_id && id !== change.implementer_id,
  );
  await scheduleDue(
    db,
    {
      kind: DUE.unapprovedWindow,
      recordType: 'change',
      recordId: change.id,
      dueAt: new Date(change.planned_start),
      point: `v${change.version}@${change.planned_start}`,
      payload: { version: change.version, start: change.planned_start, approvers },
    },
    now,
  );
}

/** Inbox kind: ask a change's approvers, once they are known. */
export const ASK_APPROVERS = 'change.ask_approvers';

export interface ApprovalAsk {
  changeId: number;
  version: number;
  intro: string;
}

/**
 * Owes the approval request of this version, recorded with the change: who the approvers are can take
 * Slack look-ups (user groups), which must not delay the form's answer, so they are asked from the
 * inbox right after it (askApprovers), and after a restart if it comes to that. Returns the inbox key.
 */
export async function oweApprovalRequest(db: Executor, now: Date, change: ChangeRow, intro: string): Promise<string> {
  const key = `${ASK_APPROVERS}:${change.id}:v${change.version}`;
  const ask: ApprovalAsk = { changeId: change.id, version: change.version, intro };
  await receive(db, { key, kind: ASK_APPROVERS, userId: null, payload: ask }, now);
  return key;
}

/** The approvers asked to decide on this version (from its approval reminder), none if not asked yet. */
export async function askedApprovers(db: Executor, changeId: number, version: number): Promise<string[]> {
  const row = await db
    .selectFrom('due_items')
    .select('payload')
    .where('dedupe_key', '=', `${DUE.approvalReminder}:change:${changeId}:v${version}`)
    .executeTakeFirst();
  const approvers = row ? (JSON.parse(row.payload) as { approvers?: unknown }).approvers : undefined;
  return Array.isArray(approvers) ? approvers.filter((id): id is string => typeof id === 'string') : [];
}
