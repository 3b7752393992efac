import { sql, type Selectable } from 'kysely';
import type { Executor } from '../schema.js';
import type { InboxTable } from '../schema/foundation.js';

export type InboxRow = Selectable<InboxTable>;

export interface NewInboxItem {
  key: string;
  kind: string;
  userId?: string | null;
  payload: unknown;
}

/**
 * Stores a delivery before it is acknowledged: one insert on the primary key. False when the same
 * delivery was stored before (a retry, a double submission), which is then not stored again.
 */
export async function receive(db: Executor, item: NewInboxItem, now: Date): Promise<boolean> {
  const result = await db
    .insertInto('inbox')
    .values({
      key: item.key,
      kind: item.kind,
      user_id: item.userId ?? null,
      payload: JSON.stringify(item.payload ?? null),
      received_at: now.getTime(),
      next_attempt_at: now.getTime(),
    })
    .onConflict((oc) => oc.column('key').doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0n) > 0;
}

/**
 * Marks a delivery processed, in the caller's transaction (the one that writes its effect): true the
 * first time. A delivery stored before the ack and still pending is marked; one never stored (handled
 * before the ack) is recorded as processed; one already processed gives false, so its effect is not
 * written twice.
 */
export async function firstReceipt(db: Executor, key: string, now: Date): Promise<boolean> {
  const at = now.getTime();
  const result = await db
    .insertInto('inbox')
    .values({ key, kind: 'receipt', received_at: at, processed_at: at })
    .onConflict((oc) =>
      oc
        .column('key')
        .doUpdateSet({ processed_at: at, failed_at: null })
        .where(sql<boolean>`inbox.processed_at IS NULL`),
    )
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0n) > 0;
}

export async function findInboxItem(db: Executor, key: string): Promise<InboxRow | undefined> {
  return db.selectFrom('inbox').selectAll().where('key', '=', key).executeTakeFirst();
}

/** Deliveries still to process whose next attempt is due, oldest first (the partial index). */
export async function pendingInbox(db: Executor, now: Date, limit: number): Promise<InboxRow[]> {
  return db
    .selectFrom('inbox')
    .selectAll()
    .where('processed_at', 'is', null)
    .where('failed_at', 'is', null)
    .where('next_attempt_at', '<=', now.getTime())
    .orderBy('next_attempt_at')
    .limit(limit)
    .execute();
}

/** A failed attempt: try again at `at`. */
export async function retryInboxItem(
  db: Executor,
  key: string,
  attempts: number,
  at: number,
  error: string,
): Promise<void> {
  await db
    .updateTable('inbox')
    .set({ attempts, next_attempt_at: at, last_error: error.slice(0, 500) })
    .where('key', '=', key)
    .where('processed_at', 'is', null)
    .execute();
}

/** Given up: true when this call marked it (so the person is told once). */
export async function failInboxItem(
  db: Executor,
  key: string,
  attempts: number,
  now: Date,
  error: string,
): Promise<boolean> {
  const result = await db
    .updateTable('inbox')
    .set({ attempts, failed_at: now.getTime(), last_error: error.slice(0, 500) })
    .where('key', '=', key)
    .where('processed_at', 'is', null)
    .where('failed_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** Slack stops retrying after about five minutes: processed receipts are kept a day, failures a week. */
export async function pruneReceipts(db: Executor, now: Date): Promise<void> {
  const day = 86_400_000;
  await db
    .deleteFrom('inbox')
    .where('received_at', '<', now.getTime() - day)
    .where('processed_at', 'is not', null)
    .execute();
  await db
    .deleteFrom('inbox')
    .where('received_at', '<', now.getTime() - 7 * day)
    .where('failed_at', 'is not', null)
    .execute();
}
