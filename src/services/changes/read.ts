import type { Settings } from '../../config/settings.js';
import { freezeWindowsFrom, type FreezeWindow } from '../../domain/changes/schedule.js';
import { overlaps } from '../../domain/changes/types.js';
import { auditFor, type AuditRow } from '../../../db/queries/audit.js';
import { approvalsOf, findChangeByKey, openChangesBetween, type ChangeApprovalRow, type ChangeRow } from '../../../db/queries/changes.js';
import type { Executor } from '../../../db/schema.js';
import type { ChangeCard } from '../../../views/changes/card.js';
import { loadCard } from './card.js';

/** Reads for `/change show` and `/change calendar`: no state change, no transaction needed. */
export interface ChangeRecord {
  card: ChangeCard;
  approvals: ChangeApprovalRow[];
  history: AuditRow[];
  reviewNote: string | null;
  createdAt: number;
  approvedAt: number | null;
  completedAt: number | null;
}

export async function changeRecord(db: Executor, settings: Settings, key: string): Promise<ChangeRecord | undefined> {
  const change = await findChangeByKey(db, key);
  if (!change) return undefined;
  return {
    card: await loadCard(db, change, settings),
    approvals: await approvalsOf(db, change.id),
    history: await auditFor(db, 'change', change.id),
    reviewNote: change.review_note,
    createdAt: change.created_at,
    approvedAt: change.approved_at,
    completedAt: change.completed_at,
  };
}

export interface CalendarData {
  changes: (ChangeRow & { services: string[] })[];
  freezes: FreezeWindow[];
}

export async function changeCalendar(db: Executor, settings: Settings, from: number, to: number): Promise<CalendarData> {
  return {
    changes: await openChangesBetween(db, from, to),
    freezes: freezeWindowsFrom(settings.changes.freeze_windows).filter((f) => overlaps(f, { start: from, end: to })),
  };
}
