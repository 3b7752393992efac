import type { TicketRow } from '../../../db/queries/tickets.js';
import {
  countTicketDms,
  recordTicketDm,
  setTicketDmShown,
  ticketDmAt,
  ticketDmByRef,
  ticketDmsWithButtons,
} from '../../../db/queries/ticket-dm-buttons.js';
import {
  dmButtonStaleness,
  staleDmButtons,
  type DmButtonFacts,
  type DmButtonSet,
  type Staleness,
} from '../../domain/tickets/dm-buttons.js';
import { dmButtonSetsIn, withButtonsRetired } from '../../../views/tickets/dm-buttons.js';
import type { MessageContent } from '../outbox.js';
import { ticketNowIs } from '../../../views/tickets/notices.js';
import type { Trx } from '../context.js';
import { postMessage, updateMessage } from '../outbox.js';

/**
 * DMs about a ticket keep the buttons they were sent with. Each one that carries buttons is posted under
 * its own outbox ref and remembered (ticket_dm_buttons), so that when the ticket moves on the buttons
 * that no longer apply are edited out of it, in the transaction of that change, and a click on one
 * before the edit lands is recognised.
 */

/** A click on a button row of a DM: the message it came from and the row's button set. */
export interface DmButtonClick {
  channel: string;
  ts: string;
  set: DmButtonSet;
}

const ticketDmRef = (ticketId: number, n: number): string => `ticket/${ticketId}/dm/${n}`;

/** Facts the button rule reads, from the ticket row. */
function dmButtonFacts(ticket: TicketRow): DmButtonFacts {
  return {
    status: ticket.status,
    assigneeId: ticket.assignee_id,
    resolvedBy: ticket.resolved_by,
    csatScore: ticket.csat_score,
  };
}

/**
 * A DM about `ticket` to `userId`. One with buttons gets a ref (`refKey`, or the ticket's next DM ref)
 * and is remembered with its button sets; one without is simply sent.
 */
export async function sendTicketDm(
  trx: Trx,
  now: Date,
  ticket: TicketRow,
  userId: string,
  message: MessageContent & { dedupeKey?: string },
  opts: { refKey?: string } = {},
): Promise<void> {
  const buttons = dmButtonSetsIn(message.blocks ?? []);
  const refKey =
    opts.refKey ??
    (buttons.length > 0 ? ticketDmRef(ticket.id, (await countTicketDms(trx, ticket.id)) + 1) : undefined);
  const owed = await postMessage(trx, now, { channel: userId, ...message, refKey });
  if (owed && refKey && buttons.length > 0)
    await recordTicketDm(
      trx,
      { ticketId: ticket.id, userId, refKey, buttons, message: { text: message.text, blocks: message.blocks ?? [] } },
      now,
    );
}

/** Edits a ticket DM sent with `sendTicketDm` (e.g. the receipt once the triage post exists), keeping its record in step. */
export async function editTicketDm(trx: Trx, now: Date, refKey: string, message: MessageContent): Promise<void> {
  await updateMessage(trx, now, refKey, message);
  const dm = await ticketDmByRef(trx, refKey);
  if (dm)
    await setTicketDmShown(
      trx,
      dm.id,
      { buttons: dmButtonSetsIn(message.blocks ?? []), message: { text: message.text, blocks: message.blocks ?? [] } },
      now,
    );
}

/**
 * After a change to `ticket` (in its transaction): every earlier DM showing buttons that no longer
 * apply is owed an edit that keeps its text and puts a line saying what the ticket is now in place of
 * those buttons. DMs sent by the change itself come after this, with the buttons that fit.
 */
export async function retireStaleDmButtons(trx: Trx, now: Date, ticket: TicketRow): Promise<void> {
  const facts = dmButtonFacts(ticket);
  for (const dm of await ticketDmsWithButtons(trx, ticket.id)) {
    const stale = staleDmButtons(dm.buttons, facts, dm.userId);
    if (stale.length === 0) continue;
    const message = withButtonsRetired(
      dm.message,
      stale.map(({ set, why }) => ({ set, line: ticketNowIs(ticket.key, why) })),
    );
    await updateMessage(trx, now, dm.refKey, message);
    await setTicketDmShown(
      trx,
      dm.id,
      { buttons: dm.buttons.filter((set) => !stale.some((s) => s.set === set)), message },
      now,
    );
  }
}

/**
 * Why a click on a DM's button no longer applies to the ticket (the edit removing it may not have
 * landed yet); null when it still applies, or when the click did not come from a remembered DM.
 */
export async function staleClick(
  trx: Trx,
  ticket: TicketRow,
  click: DmButtonClick | undefined,
): Promise<Staleness | null> {
  if (!click) return null;
  const dm = await ticketDmAt(trx, ticket.id, click.channel, click.ts);
  return dm ? dmButtonStaleness(click.set, dmButtonFacts(ticket), dm.userId) : null;
}
