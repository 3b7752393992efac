import { freezeWindowsFrom, type FreezeWindow } from '../../domain/changes/schedule.js';
import { overlaps } from '../../domain/changes/types.js';
import { auditFor, type AuditRow } from '../../../db/queries/audit.js';
import {
  approvalsOf,
  findChangeById,
  findChangeByKey,
  openChangesBetween,
  servicesOf,
  type ChangeApprovalRow,
  type ChangeRow,
} from '../../../db/queries/changes.js';
import type { ChangeCard } from '../../../views/changes/card.js';
import type { ServiceContext } from '../context.js';
import { loadCard } from './card.js';

/**
 * What the Slack side of changes reads: a change for a button or a form, `/change show` and
 * `/change calendar`. No state change, no transaction needed.
 */
export type { ChangeRow };

export function changeById(ctx: ServiceContext, changeId: number): Promise<ChangeRow | undefined> {
  return findChangeById(ctx.db, changeId);
}

export function changeByKey(ctx: ServiceContext, key: string): Promise<ChangeRow | undefined> {
  return findChangeByKey(ctx.db, key);
}

/** The services a change touches (an edit form's defaults, who is asked to approve). */
export function servicesOfChange(ctx: ServiceContext, changeId: number): Promise<string[]> {
  return servicesOf(ctx.db, changeId);
}

export interface ChangeRecord {
  card: ChangeCard;
  approvals: ChangeApprovalRow[];
  history: AuditRow[];
  reviewNote: string | null;
  createdAt: number;
  approvedAt: number | null;
  completedAt: number | null;
}

export async function changeRecord(ctx: ServiceContext, key: string): Promise<ChangeRecord | undefined> {
  const { db, settings } = ctx;
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

export async function changeCalendar(ctx: ServiceContext, from: number, to: number): Promise<CalendarData> {
  return {
    changes: await openChangesBetween(ctx.db, from, to),
    freezes: freezeWindowsFrom(ctx.settings.changes.freeze_windows).filter((f) =>
      overlaps(f, { start: from, end: to }),
    ),
  };
}
