import type { DmButtonSet } from '../../src/domain/tickets/dm-buttons.js';
import type { Executor } from '../schema.js';

/** A DM about a ticket that carries (or carried) buttons, and the message as it shows. */
export interface TicketDm {
  id: number;
  ticketId: number;
  userId: string;
  refKey: string;
  /** The button sets it still shows. */
  buttons: DmButtonSet[];
  message: { text: string; blocks: unknown[] };
}

type Row = { id: number; ticket_id: number; user_id: string; ref_key: string; buttons: string; message: string };

function rowToTicketDm(row: Row): TicketDm {
  return {
    id: row.id,
    ticketId: row.ticket_id,
    userId: row.user_id,
    refKey: row.ref_key,
    buttons: JSON.parse(row.buttons) as DmButtonSet[],
    message: JSON.parse(row.message) as TicketDm['message'],
  };
}

export async function recordTicketDm(db: Executor, dm: Omit<TicketDm, 'id'>, now: Date): Promise<void> {
  await db
    .insertInto('ticket_dm_buttons')
    .values({
      ticket_id: dm.ticketId,
      user_id: dm.userId,
      ref_key: dm.refKey,
      buttons: JSON.stringify(dm.buttons),
      message: JSON.stringify(dm.message),
      created_at: now.getTime(),
      updated_at: now.getTime(),
    })
    .execute();
}

/** How many DMs with buttons a ticket has had: rows are kept, so this only grows (it numbers their refs). */
export async function countTicketDms(db: Executor, ticketId: number): Promise<number> {
  const row = await db
    .selectFrom('ticket_dm_buttons')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('ticket_id', '=', ticketId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** The ticket's DMs that still show buttons, oldest first. */
export async function ticketDmsWithButtons(db: Executor, ticketId: number): Promise<TicketDm[]> {
  const rows = await db
    .selectFrom('ticket_dm_buttons')
    .selectAll()
    .where('ticket_id', '=', ticketId)
    .where('buttons', '!=', '[]')
    .orderBy('id')
    .execute();
  return rows.map(rowToTicketDm);
}

export function ticketDmByRef(db: Executor, refKey: string): Promise<TicketDm | undefined> {
  return db
    .selectFrom('ticket_dm_buttons')
    .selectAll()
    .where('ref_key', '=', refKey)
    .executeTakeFirst()
    .then((row) => row && rowToTicketDm(row));
}

/** The ticket's DM that is the Slack message `channel`/`ts` (a click came from it), if it is one. */
export async function ticketDmAt(
  db: Executor,
  ticketId: number,
  channel: string,
  ts: string,
): Promise<TicketDm | undefined> {
  const row = await db
    .selectFrom('ticket_dm_buttons')
    .innerJoin('slack_refs', 'slack_refs.key', 'ticket_dm_buttons.ref_key')
    .selectAll('ticket_dm_buttons')
    .where('ticket_dm_buttons.ticket_id', '=', ticketId)
    .where('slack_refs.channel', '=', channel)
    .where('slack_refs.ts', '=', ts)
    .executeTakeFirst();
  return row && rowToTicketDm(row);
}

/** What the DM shows once the edit just owed lands. */
export async function setTicketDmShown(
  db: Executor,
  id: number,
  shown: Pick<TicketDm, 'buttons' | 'message'>,
  now: Date,
): Promise<void> {
  await db
    .updateTable('ticket_dm_buttons')
    .set({ buttons: JSON.stringify(shown.buttons), message: JSON.stringify(shown.message), updated_at: now.getTime() })
    .where('id', '=', id)
    .execute();
}
