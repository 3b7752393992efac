import { type AppDeps, type CommandArgs } from '../kit.js';
import {
  acknowledgeIncident,
  addFollowUpAction,
  addNote,
  assignRole,
  changeSeverity,
  changeStatus,
  closeIncident,
  subscribe,
} from '../../src/services/incidents/index.js';
import { type IncidentRow } from '../../src/services/incidents/read.js';
import { formTrigger } from '../reply.js';
import { openResolve, openUpdate } from './open-forms.js';
import { type IncidentCommand } from './parse.js';
import { uploadReview } from './review-export.js';
import { actorOf, answer, staffActorOf, subscribedText } from './shared.js';

/**
 * `/incident …`: declare, the status card, the open list, and inside an incident's channel everything
 * its people do to it. Who may do what is decided by the use cases.
 */

/** The `/incident` subcommands typed in an incident's channel, acting on that incident. */

/** A subcommand that acts on the incident whose channel the command was typed in. */
export type InChannel<K extends IncidentCommand['kind']> = (
  parsed: Extract<IncidentCommand, { kind: K }>,
  here: IncidentRow,
  args: CommandArgs,
  deps: AppDeps,
) => Promise<unknown>;

export const IN_CHANNEL: {
  [K in Exclude<IncidentCommand['kind'], 'card' | 'declare' | 'list' | 'help' | 'error'>]: InChannel<K>;
} = {
  role: async (p, here, { command, respond }, deps) =>
    answer(
      deps,
      respond,
      await assignRole(deps.ctx, {
        incidentId: here.id,
        actor: await actorOf(deps, command.user_id),
        role: p.role,
        userId: p.userId,
        source: 'command',
      }),
    ),
  status: async (p, here, { command, respond }, deps) =>
    answer(
      deps,
      respond,
      await changeStatus(deps.ctx, {
        incidentId: here.id,
        actor: await actorOf(deps, command.user_id),
        status: p.status,
        source: 'command',
      }),
    ),
  severity: async (p, here, { command, respond }, deps) =>
    answer(
      deps,
      respond,
      await changeSeverity(deps.ctx, {
        incidentId: here.id,
        actor: await actorOf(deps, command.user_id),
        severity: p.severity,
        source: 'command',
      }),
    ),
  ack: async (_p, here, { command, respond }, deps) =>
    answer(
      deps,
      respond,
      await acknowledgeIncident(deps.ctx, {
        incidentId: here.id,
        actor: await actorOf(deps, command.user_id),
        source: 'command',
      }),
    ),
  close: async (_p, here, { command, respond }, deps) =>
    answer(
      deps,
      respond,
      await closeIncident(deps.ctx, {
        incidentId: here.id,
        actor: await actorOf(deps, command.user_id),
        source: 'command',
      }),
    ),
  note: async (p, here, { command, respond }, deps) =>
    answer(
      deps,
      respond,
      await addNote(deps.ctx, {
        incidentId: here.id,
        actor: { id: command.user_id, name: command.user_name },
        text: p.text,
        source: 'command',
      }),
    ),
  action: async (p, here, { command, respond }, deps) => {
    const actor = await staffActorOf(deps, await actorOf(deps, command.user_id));
    return answer(
      deps,
      respond,
      await addFollowUpAction(deps.ctx, {
        incidentId: here.id,
        actor,
        text: p.text,
        ownerId: p.ownerId,
        dueAt: p.dueAt,
        source: 'command',
      }),
    );
  },
  subscribe: async (_p, here, { command, respond }, deps) =>
    answer(
      deps,
      respond,
      await subscribe(deps.ctx, {
        incidentId: here.id,
        userId: command.user_id,
        actor: { id: command.user_id, name: command.user_name },
        source: 'command',
      }),
      subscribedText,
    ),
  update: async (_p, here, args, deps) =>
    answer(
      deps,
      args.respond,
      await openUpdate(deps, formTrigger(args.client, args.respond, args.command), here.id, 'command'),
    ),
  resolve: async (_p, here, args, deps) =>
    answer(
      deps,
      args.respond,
      await openResolve(deps, formTrigger(args.client, args.respond, args.command), here.id, 'command'),
    ),
  review: async (_p, here, args, deps) =>
    answer(deps, args.respond, await uploadReview(deps, args.client, here.id, args.command.user_id, 'command')),
};
