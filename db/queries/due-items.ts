import type { Selectable } from 'kysely';
import type { Executor } from '../schema.js';
import type { DueItemTable } from '../schema/foundation.js';

export type DueItemRow = Selectable<DueItemTable>;

export interface NewDueItem {
  kind: string;
  recordType: string;
  recordId: number;
  dueAt: Date;
  payload?: unknown;
  /** Distinguishes due points of the same kind and record, e.g. the update number. */
  point?: string | number;
}

function dueRow(item: NewDueItem, now: Date) {
  return {
    kind: item.kind,
    record_type: item.recordType,
    record_id: item.recordId,
    due_at: item.dueAt.getTime(),
    payload: JSON.stringify(item.payload ?? {}),
    dedupe_key: `${item.kind}:${item.recordType}:${item.recordId}:${item.point ?? item.dueAt.getTime()}`,
    status: 'pending' as const,
    created_at: now.getTime(),
  };
}

/** Schedules something for later; the same (kind, record, point) is only ever scheduled once. */
export async function scheduleDue(db: Executor, item: NewDueItem, now: Date): Promise<void> {
  await db
    .insertInto('due_items')
    .values(dueRow(item, now))
    .onConflict((oc) => oc.column('dedupe_key').doNothing())
    .execute();
}

/**
 * Schedules or moves a one-off point (an SLA threshold): a pending or cancelled row gets the new time,
 * a row that already fired stays fired. So each threshold fires at most once per record, however
 * often the due time moves.
 */
export async function rescheduleDue(db: Executor, item: NewDueItem & { point: string }, now: Date): Promise<void> {
  await db
    .insertInto('due_items')
    .values(dueRow(item, now))
    .onConflict((oc) =>
      oc
        .column('dedupe_key')
        .doUpdateSet({ due_at: item.dueAt.getTime(), status: 'pending', done_at: null })
        .where('due_items.status', '!=', 'done'),
    )
    .execute();
}

/** Cancels pending items of a record (optionally only some kinds): a resolved ticket needs no SLA reminder. */
export async function cancelDue(
  db: Executor,
  recordType: string,
  recordId: number,
  now: Date,
  kinds?: string[],
): Promise<void> {
  let query = db
    .updateTable('due_items')
    .set({ status: 'cancelled', done_at: now.getTime() })
    .where('record_type', '=', recordType)
    .where('record_id', '=', recordId)
    .where('status', '=', 'pending');
  if (kinds && kinds.length > 0) query = query.where('kind', 'in', kinds);
  await query.execute();
}

/** What is due now, oldest first; walks the partial index on pending due times. */
export function dueNow(db: Executor, now: Date, limit: number): Promise<DueItemRow[]> {
  return db
    .selectFrom('due_items')
    .selectAll()
    .where('status', '=', 'pending')
    .where('due_at', '<=', now.getTime())
    .orderBy('due_at')
    .limit(limit)
    .execute();
}

/** Claims a pending item; false when another tick (or a cancel) got there first. */
export async function claimDue(db: Executor, id: number, now: Date): Promise<boolean> {
  const result = await db
    .updateTable('due_items')
    .set({ status: 'done', done_at: now.getTime() })
    .where('id', '=', id)
    .where('status', '=', 'pending')
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function setDueOutcome(db: Executor, id: number, outcome: string): Promise<void> {
  await db.updateTable('due_items').set({ outcome }).where('id', '=', id).execute();
}

export async function postponeDue(db: Executor, id: number, dueAt: number, outcome: string): Promise<void> {
  await db
    .updateTable('due_items')
    .set({ due_at: dueAt, outcome })
    .where('id', '=', id)
    .where('status', '=', 'pending')
    .execute();
}

export function pendingDueFor(db: Executor, recordType: string, recordId: number): Promise<DueItemRow[]> {
  return db
    .selectFrom('due_items')
    .selectAll()
    .where('record_type', '=', recordType)
    .where('record_id', '=', recordId)
    .where('status', '=', 'pending')
    .orderBy('due_at')
    .execute();
}
