import type { Insertable, Selectable, Updateable } from 'kysely';
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
  return db.selectFrom('tickets').selectAll().where('source_channel', '=', channel).where('source_ts', '=', ts).executeTakeFirst();
}

export async function updateTicket(db: Executor, id: number, changes: Updateable<TicketTable>): Promise<TicketRow> {
  return db.updateTable('tickets').set(changes).where('id', '=', id).returningAll().executeTakeFirstOrThrow();
}

export function ticketEvents(db: Executor, ticketId: number): Promise<TicketEventRow[]> {
  return db.selectFrom('ticket_events').selectAll().where('ticket_id', '=', ticketId).orderBy('id').execute();
}

/** A requester's tickets that still need something: open, or resolved and not yet closed. */
export function openTicketsOf(db: Executor, requesterId: string, limit = 20): Promise<TicketRow[]> {
  return db
    .selectFrom('tickets')
    .selectAll()
    .where('requester_id', '=', requesterId)
    .where('status', 'in', ['new', 'in_progress', 'waiting_on_requester', 'resolved'])
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

/** Open incidents touching a service: the "known incident" offered before someone files a duplicate. */
export function openIncidentsCovering(db: Executor, service: string) {
  return db
    .selectFrom('incidents')
    .innerJoin('incident_services', 'incident_services.incident_id', 'incidents.id')
    .select(['incidents.id', 'incidents.key', 'incidents.title', 'incidents.severity', 'incidents.channel_id'])
    .where('incident_services.service', '=', service)
    .where('incidents.status', 'not in', ['resolved', 'closed'])
    .orderBy('incidents.declared_at', 'desc')
    .execute();
}
