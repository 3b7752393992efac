import type { Executor } from '../schema.js';
import type { OutboxTable } from '../schema/foundation.js';
import type { Selectable } from 'kysely';

export type OutboxRow = Selectable<OutboxTable>;

/** A value set into the arguments at send time (a ref, composed text, a display name), at `path`. */
export interface OutboxFill {
  path: (string | number)[];
  value: unknown;
}

export interface NewOutboxRow {
  method: string;
  payload: unknown;
  fills?: OutboxFill[];
  onFailure?: { method: string; args: Record<string, unknown> };
  lane: string;
  refKey?: string | null;
  dedupeKey?: string | null;
}

/** Records a Slack call the bot owes. Returns false when the dedupe key was already used. */
export async function insertOutbox(db: Executor, row: NewOutboxRow, now: Date): Promise<boolean> {
  const result = await db
    .insertInto('outbox')
    .values({
      created_at: now.getTime(),
      method: row.method,
      payload: JSON.stringify(row.payload),
      fills: row.fills?.length ? JSON.stringify(row.fills) : null,
      on_failure: row.onFailure ? JSON.stringify(row.onFailure) : null,
      lane: row.lane,
      ref_key: row.refKey ?? null,
      dedupe_key: row.dedupeKey ?? null,
      status: 'pending',
      attempts: 0,
      next_attempt_at: now.getTime(),
    })
    .onConflict((oc) => oc.column('dedupe_key').doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0n) > 0;
}

/**
 * The oldest pending row of every lane, whatever its next attempt time (a lane's order is kept by only
 * ever sending its head), oldest heads first. Heads rather than the oldest rows overall, so a long
 * backlog in one channel never hides another channel's messages from the sender.
 */
export function pendingOutbox(db: Executor, limit: number): Promise<OutboxRow[]> {
  return db
    .selectFrom('outbox')
    .selectAll()
    .where('id', 'in', (eb) =>
      eb
        .selectFrom('outbox')
        .select((e) => e.fn.min('id').as('head'))
        .where('status', '=', 'pending')
        .groupBy('lane'),
    )
    .orderBy('id')
    .limit(limit)
    .execute();
}

export async function markOutboxSent(db: Executor, id: number, now: Date, result: unknown): Promise<void> {
  await db
    .updateTable('outbox')
    .set({
      status: 'sent',
      sent_at: now.getTime(),
      result: JSON.stringify(result),
      attempt_started_at: null,
      attempts: (eb) => eb('attempts', '+', 1),
    })
    .where('id', '=', id)
    .execute();
}

/**
 * Records that a call is about to go to Slack, before it goes: should its answer never be recorded (a
 * crash, a timeout), the next attempt looks in Slack first.
 */
export async function markOutboxAttemptStarted(db: Executor, id: number, now: Date): Promise<void> {
  await db.updateTable('outbox').set({ attempt_started_at: now.getTime() }).where('id', '=', id).execute();
}

/**
 * A retry. `outcomeKnown`: Slack answered, so nothing was done (a 429, an error); otherwise (a timeout, a
 * 5xx, a reset connection) the attempt's start stays recorded and the next attempt looks first.
 */
export async function markOutboxRetry(
  db: Executor,
  id: number,
  nextAttemptAt: number,
  error: string,
  countAttempt: boolean,
  outcomeKnown = true,
): Promise<void> {
  await db
    .updateTable('outbox')
    .set({
      next_attempt_at: nextAttemptAt,
      last_error: error,
      attempts: (eb) => eb('attempts', '+', countAttempt ? 1 : 0),
      ...(outcomeKnown ? { attempt_started_at: null } : {}),
    })
    .where('id', '=', id)
    .execute();
}

export async function markOutboxFailed(db: Executor, id: number, error: string): Promise<void> {
  await db
    .updateTable('outbox')
    .set({ status: 'failed', last_error: error, attempt_started_at: null, attempts: (eb) => eb('attempts', '+', 1) })
    .where('id', '=', id)
    .execute();
}

/** conversations.create after name_taken: the next attempt asks for the name with this suffix. */
export async function setOutboxNameSuffix(db: Executor, id: number, suffix: number): Promise<void> {
  await db.updateTable('outbox').set({ name_suffix: suffix, attempt_started_at: null }).where('id', '=', id).execute();
}

/**
 * Status of the latest row recorded before `beforeId` that stores `refKey`: the call a dependent row waits
 * for. Rows after it (the dependent itself, later edits of the same message) cannot be what it waits for.
 */
export async function outboxStatusOfRef(
  db: Executor,
  refKey: string,
  beforeId = Number.MAX_SAFE_INTEGER,
): Promise<OutboxRow['status'] | undefined> {
  const row = await db
    .selectFrom('outbox')
    .select('status')
    .where('ref_key', '=', refKey)
    .where('id', '<', beforeId)
    .orderBy('id', 'desc')
    .executeTakeFirst();
  return row?.status;
}
