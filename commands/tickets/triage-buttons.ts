import { z } from 'zod';
import { PRIORITIES } from '../../src/domain/tickets/priority.js';
import { button, type AppDeps, type ButtonArgs } from '../kit.js';
import { TICKET_ACTIONS as A } from '../../views/tickets/ids.js';
import { takeOverPrompt } from '../../views/tickets/messages.js';
import { leftWithAssignee } from '../../views/tickets/notices.js';
import { parseJson } from '../../views/tickets/parse.js';
import { mention } from '../../views/text.js';
import {
  assignTicket,
  changePriority,
  claimTicket,
  holdTicket,
  resumeTicket,
  unlinkTicketFromIncident,
  type TicketActor,
} from '../../src/services/tickets/work.js';
import { claimTakesOver, ticketById } from '../../src/services/tickets/read.js';
import { isAgent, showClicker, ticketButton, ticketIdOfBlock, ticketIdOfButton } from './shared.js';

const priorityValue = z.enum(PRIORITIES);
const takeOverValue = z.object({ ticketId: z.number().int().positive(), from: z.string().regex(/^[UW][A-Z0-9]+$/) });

/** A Claim on a ticket someone else has asks first ("take it from @arnold?"); a stale button never takes it silently. */
async function claimOrAskFirst(ticketId: number, actor: TicketActor, args: ButtonArgs, { ctx }: AppDeps) {
  const held = await claimTakesOver(ctx, ticketId, actor);
  if (held) return showClicker(args, takeOverPrompt(held.ticket, held.from));
  return claimTicket(ctx, ticketId, actor);
}

/** "Take it" under that question: the claim, confirmed as taking the ticket from that person. */
async function takeOver(value: z.infer<typeof takeOverValue>, actor: TicketActor, args: ButtonArgs, { ctx }: AppDeps) {
  const result = await claimTicket(ctx, value.ticketId, actor, { takeFrom: value.from });
  if (result.ok)
    await showClicker(args, { text: `You took ${result.value.key} over; ${mention(value.from)} was told.` });
  return result;
}

/** "Leave it": nothing changes. */
async function keepAssignee(ticketId: number, _actor: TicketActor, args: ButtonArgs, { ctx }: AppDeps) {
  const ticket = await ticketById(ctx, ticketId);
  await showClicker(args, { text: leftWithAssignee(ticket?.key ?? 'The ticket') });
}

const unlink = (ticketId: number, actor: TicketActor, _args: ButtonArgs, { ctx }: AppDeps) =>
  unlinkTicketFromIncident(ctx, ticketId, actor);

const resume = (ticketId: number, actor: TicketActor, _args: ButtonArgs, { ctx }: AppDeps) =>
  resumeTicket(ctx, ticketId, actor);

/** A hold option's value is `hold:<reason>`; the ticket is named by the select's block. */
function holdInput(action: ButtonArgs['action']): { ticketId: number; reason: string } | undefined {
  const ticketId = ticketIdOfBlock(action);
  const value = action.type === 'static_select' ? action.selected_option?.value : undefined;
  const reason = value?.slice(value.indexOf(':') + 1);
  return ticketId && reason ? { ticketId, reason } : undefined;
}

const hold = (
  { ticketId, reason }: { ticketId: number; reason: string },
  actor: TicketActor,
  _args: ButtonArgs,
  { ctx }: AppDeps,
) => holdTicket(ctx, ticketId, reason, actor);

function assignInput(action: ButtonArgs['action']): { ticketId: number; assignee: string } | undefined {
  const ticketId = ticketIdOfBlock(action);
  const assignee = action.type === 'users_select' ? action.selected_user : undefined;
  return ticketId && assignee ? { ticketId, assignee } : undefined;
}

/** Assigning to someone who is not an agent is refused by the use case. */
async function assign(
  { ticketId, assignee }: { ticketId: number; assignee: string },
  actor: TicketActor,
  _args: ButtonArgs,
  deps: AppDeps,
) {
  return assignTicket(deps.ctx, ticketId, assignee, actor, await isAgent(deps, assignee));
}

function priorityInput(
  action: ButtonArgs['action'],
): { ticketId: number; priority: z.infer<typeof priorityValue> } | undefined {
  const ticketId = ticketIdOfBlock(action);
  const priority = priorityValue.safeParse(
    action.type === 'static_select' ? action.selected_option?.value : undefined,
  ).data;
  return ticketId && priority ? { ticketId, priority } : undefined;
}

const setPriority = (
  { ticketId, priority }: NonNullable<ReturnType<typeof priorityInput>>,
  actor: TicketActor,
  _args: ButtonArgs,
  { ctx }: AppDeps,
) => changePriority(ctx, ticketId, priority, actor);

export const claim = ticketButton(A.claim, ticketIdOfButton, claimOrAskFirst);
export const takeOverClaim = ticketButton(
  A.takeOver,
  (action) => (action.type === 'button' ? parseJson(takeOverValue, action.value) : undefined),
  takeOver,
);
export const leaveWithAssignee = ticketButton(A.keepAssignee, ticketIdOfButton, keepAssignee);
export const unlinkFromIncident = ticketButton(A.unlink, ticketIdOfButton, unlink);
export const resumeWork = ticketButton(A.resume, ticketIdOfButton, resume);
export const holdFor = ticketButton(A.hold, holdInput, hold);
export const assignTo = ticketButton(A.assign, assignInput, assign);
export const priorityTo = ticketButton(A.priority, priorityInput, setPriority);
/** A link button to the triage post (the App Home queue): Slack opens the link, the click only needs its ack. */
export const openLink = button(A.openLink, { input: () => true as const, run: async () => undefined });
