import type { Insertable, Selectable, Updateable } from 'kysely';
import { OPEN_STATUSES } from '../../src/domain/tickets/lifecycle.js';
import type { Executor } from '../schema.js';
import type { TicketEventTable, TicketTable } from '../schema/records.js';

export type TicketRow = Selectable<TicketTable>;
export type TicketEventRow = Selectable<TicketEventTable>;

export async function insertTicket(db: Executor, row: Insertable<TicketTable>): Promise<TicketRow> {
  return db.insertInto('tickets').values(row).returningAll().executeTakeFirstOrThrow();
}

export function findTicket(db: Executor, id: number): Promise<TicketRow | undefined> {
  return db.selectFrom('tickets').selectAll().where('id', '=', id).executeTakeFirst();
}

export function findTicketByKey(db: Executor, key: string): Promise<TicketRow | undefined> {
  return db.selectFrom('tickets').selectAll().where('key', '=', key.toUpperCase()).executeTakeFirst();
}

/** A ticket already filed from this Slack message (reaction and shortcut both land here). */
export function findTicketBySource(db: Executor, channel: string, ts: string): Promise<TicketRow | undefined> {
  return db
    .selectFrom('tickets')
    .selectAll()
    .where('source_channel', '=', channel)
    .where('source_ts', '=', ts)
    .executeTakeFirst();
}

export async function updateTicket(db: Executor, id: number, changes: Updateable<TicketTable>): Promise<TicketRow> {
  return db.updateTable('tickets').set(changes).where('id', '=', id).returningAll().executeTakeFirstOrThrow();
}

export function ticketEvents(db: Executor, ticketId: number): Promise<TicketEventRow[]> {
  return db.selectFrom('ticket_events').selectAll().where('ticket_id', '=', ticketId).orderBy('id').execute();
}

/** The histories of several tickets, each in order. */
export function ticketEventsOf(db: Executor, ticketIds: readonly number[]): Promise<TicketEventRow[]> {
  if (ticketIds.length === 0) return Promise.resolve([]);
  return db
    .selectFrom('ticket_events')
    .selectAll()
    .where('ticket_id', 'in', [...ticketIds])
    .orderBy('ticket_id')
    .orderBy('id')
    .execute();
}

/** A requester's tickets that still need something: open, or resolved and not yet closed. */
export function openTicketsOf(db: Executor, requesterId: string, limit = 20): Promise<TicketRow[]> {
  return db
    .selectFrom('tickets')
    .selectAll()
    .where('requester_id', '=', requesterId)
    .where('status', 'in', [...OPEN_STATUSES, 'resolved'])
    .orderBy('created_at', 'desc')
    .limit(limit)
    .execute();
}

export async function saveDraft(db: Executor, userId: string, input: unknown, now: Date): Promise<number> {
  const row = await db
    .insertInto('ticket_drafts')
    .values({ user_id: userId, input: JSON.stringify(input), created_at: now.getTime() })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

/** Takes a draft once: a second submission of the same step finds it used. */
export async function takeDraft(db: Executor, id: number, userId: string, now: Date): Promise<unknown | undefined> {
  const row = await db
    .updateTable('ticket_drafts')
    .set({ used_at: now.getTime() })
    .where('id', '=', id)
    .where('user_id', '=', userId)
    .where('used_at', 'is', null)
    .returning('input')
    .executeTakeFirst();
  return row ? JSON.parse(row.input) : undefined;
}
