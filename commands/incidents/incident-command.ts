import { slash, type AppDeps, type CommandArgs } from '../kit.js';
import { incidentCard } from '../../src/services/incidents/index.js';
import { incidentInChannel, openIncidentList, type IncidentRow } from '../../src/services/incidents/read.js';
import { COMMANDS } from '../../views/ids.js';
import { openIncidentsList, statusCard } from '../../views/incidents/messages.js';
import { formTrigger } from '../reply.js';
import { openDeclare } from './open-forms.js';
import { parseIncidentCommand, USAGE } from './parse.js';
import { ephemeral } from './shared.js';
import { IN_CHANNEL, type InChannel } from './channel-routes.js';

/**
 * `/incident …`: declare, the status card, the open list, and inside an incident's channel everything
 * its people do to it. Who may do what is decided by the use cases.
 */

async function incident(args: CommandArgs, deps: AppDeps): Promise<unknown> {
  const { command, respond } = args;
  const { ctx, settings } = deps;
  const parsed = parseIncidentCommand(command.text ?? '', {
    now: ctx.clock.now().getTime(),
    timeZone: settings.timezone,
    actionDueTime: settings.incidents.action_due_time,
    customRoles: settings.incidents.custom_roles,
  });
  if (parsed.kind === 'declare')
    return openDeclare(
      deps,
      formTrigger(args.client, respond, command),
      { title: parsed.title || undefined },
      { source: 'command' },
    );
  if (parsed.kind === 'list') return listOpen(args, deps);
  if (parsed.kind === 'help') return ephemeral(deps, respond, USAGE);
  if (parsed.kind === 'error') return ephemeral(deps, respond, parsed.message);
  const here = await incidentInChannel(ctx, command.channel_id);
  if (parsed.kind === 'card') return here ? showCard(here, args, deps) : declareAndList(args, deps);
  if (!here)
    return ephemeral(deps, respond, "Run this inside the incident's channel. `/incident list` shows open incidents.");
  // TypeScript cannot tie the looked-up handler to the narrowed kind; the table's type does.
  const route = IN_CHANNEL[parsed.kind] as InChannel<typeof parsed.kind>;
  return route(parsed, here, args, deps);
}

/** `/incident list`: the open incidents, with links to their channels. */
async function listOpen({ respond }: CommandArgs, deps: AppDeps): Promise<void> {
  const list = openIncidentsList(await openIncidentList(deps.ctx));
  await ephemeral(deps, respond, list.text, list.blocks);
}

/** `/incident` in an incident's channel: its status card. */
async function showCard(here: IncidentRow, { respond }: CommandArgs, deps: AppDeps): Promise<void> {
  const snapshot = await incidentCard(deps.ctx, here.id);
  const card = statusCard(snapshot!, deps.ctx.clock.now().getTime());
  await ephemeral(deps, respond, card.text, card.blocks);
}

/** `/incident` anywhere else: the declare form, and the open incidents next to it (it may be one of them). */
async function declareAndList(args: CommandArgs, deps: AppDeps): Promise<void> {
  await openDeclare(deps, formTrigger(args.client, args.respond, args.command), {}, { source: 'command' });
  const open = await openIncidentList(deps.ctx);
  if (open.length === 0) return;
  const list = openIncidentsList(open);
  await ephemeral(deps, args.respond, list.text, list.blocks);
}

export const incidentCommand = slash(COMMANDS.incident, { '*': incident });
