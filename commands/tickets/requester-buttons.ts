import { z } from 'zod';
import type { AppDeps, ButtonArgs } from '../kit.js';
import { TICKET_ACTIONS as A } from '../../views/tickets/ids.js';
import { parseJson } from '../../views/tickets/parse.js';
import { cancelTicket, rateTicket, reopenTicket, type TicketActor } from '../../src/services/tickets/work.js';
import { ticketButton, ticketIdOfButton } from './shared.js';

const rateValue = z.object({ ticketId: z.number().int().positive(), score: z.number().int().min(1).max(5) });

const reopen = (ticketId: number, actor: TicketActor, _args: ButtonArgs, { ctx }: AppDeps) =>
  reopenTicket(ctx, ticketId, actor);

const cancel = (ticketId: number, actor: TicketActor, _args: ButtonArgs, { ctx }: AppDeps) =>
  cancelTicket(ctx, ticketId, actor);

/** One of the five "How did we do?" buttons under a resolved ticket's DM. */
const rate = (
  { ticketId, score }: z.infer<typeof rateValue>,
  actor: TicketActor,
  _args: ButtonArgs,
  { ctx }: AppDeps,
) => rateTicket(ctx, ticketId, score, actor);

export const reopenButton = ticketButton(A.reopen, ticketIdOfButton, reopen);
export const cancelButton = ticketButton(A.cancel, ticketIdOfButton, cancel);
export const rateButtons = ticketButton(
  /^ticket\.rate\.[1-5]$/,
  (action) => (action.type === 'button' ? parseJson(rateValue, action.value) : undefined),
  rate,
);
