import type { Executor } from '../schema.js';

/** Records an inbound delivery key; false when it was seen before (a retry or a double submission). */
export async function firstReceipt(db: Executor, key: string, now: Date): Promise<boolean> {
  const result = await db
    .insertInto('inbound_receipts')
    .values({ key, received_at: now.getTime() })
    .onConflict((oc) => oc.column('key').doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0n) > 0;
}

/** Slack stops retrying after about five minutes; a day of receipts is plenty. */
export async function pruneReceipts(db: Executor, olderThan: Date): Promise<void> {
  await db.deleteFrom('inbound_receipts').where('received_at', '<', olderThan.getTime()).execute();
}

export async function receiptSeen(db: Executor, key: string): Promise<boolean> {
  return (await db.selectFrom('inbound_receipts').select('key').where('key', '=', key).executeTakeFirst()) !== undefined;
}
