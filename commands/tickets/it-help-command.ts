import { slash, type AppDeps, type CommandArgs } from '../kit.js';
import { formTrigger, openFormOrTell } from '../reply.js';
import { COMMANDS } from '../../views/ids.js';
import { fileTicketModal, LIMITS } from '../../views/tickets/modals.js';
import { ticketCard, ticketList } from '../../views/tickets/messages.js';
import { summaryFrom } from '../../views/tickets/parse.js';
import { ticketShownTo, ticketsOfRequester } from '../../src/services/tickets/read.js';
import { catalogOf, HELP, isAgent } from './shared.js';
import { kbCommand } from './kb.js';

const TICKET_KEY = /^IT-(\d+)$/i;

const ephemeral = ({ respond }: CommandArgs, text: string) => respond({ response_type: 'ephemeral', text });

async function help(args: CommandArgs): Promise<void> {
  await ephemeral(args, HELP);
}

/** `/it-help list`: the person's open tickets. */
async function listMine(args: CommandArgs, deps: AppDeps, rest: string[]): Promise<void> {
  if (rest.length > 0) return request(args, deps);
  await args.respond({
    response_type: 'ephemeral',
    ...ticketList(await ticketsOfRequester(deps.ctx, args.command.user_id)),
  });
}

/** `/it-help IT-1` or `/it-help show IT-1`: the ticket, for its requester or an agent, with what they may do. */
async function showTicket(args: CommandArgs, deps: AppDeps, number: string): Promise<void> {
  const { ctx, settings } = deps;
  const viewer = { id: args.command.user_id, isAgent: await isAgent(deps, args.command.user_id) };
  const ticket = await ticketShownTo(ctx, `IT-${number}`, viewer);
  if (!ticket)
    return void (await ephemeral(
      args,
      `IT-${number} is not one of your tickets (or does not exist). \`/it-help list\` shows yours.`,
    ));
  const card = ticketCard(ticket, viewer, settings.service_desk.reopen_window, ctx.clock.now().getTime());
  await args.respond({ response_type: 'ephemeral', text: card.text, ...(card.blocks ? { blocks: card.blocks } : {}) });
}

async function show(args: CommandArgs, deps: AppDeps, rest: string[]): Promise<void> {
  const key = TICKET_KEY.exec(rest[0] ?? '')?.[1];
  if (key && rest.length === 1) return showTicket(args, deps, key);
  if (rest.length === 0) return void (await ephemeral(args, 'Which ticket? e.g. `/it-help show IT-12`'));
  return request(args, deps);
}

/** Anything else is the start of a request (or a ticket's key alone): the form, with the text as its summary. */
async function requestOrShow(args: CommandArgs, deps: AppDeps, words: string[]): Promise<void> {
  const key = TICKET_KEY.exec(words[0] ?? '')?.[1];
  if (key && words.length === 1) return showTicket(args, deps, key);
  return request(args, deps);
}

/** The /it-help form; text longer than a summary is kept whole in Details, the summary cut at a word with an ellipsis. */
async function request({ command, client, respond }: CommandArgs, deps: AppDeps): Promise<void> {
  const text = command.text.trim();
  const long = [...text].length > LIMITS.summary;
  const modal = fileTicketModal({
    ...catalogOf(deps),
    summary: (long ? summaryFrom(text) : text) || undefined,
    ...(long ? { details: text.slice(0, LIMITS.details) } : {}),
    source: { kind: 'command', channel: command.channel_id },
  });
  await openFormOrTell(formTrigger(client, respond, command), modal, deps.logger);
}

/** `/it-help`: ask for help, see a ticket or your list, the knowledge base. */
export const itHelpCommand = slash(COMMANDS.itHelp, { help, list: listMine, kb: kbCommand, show, '*': requestOrShow });
