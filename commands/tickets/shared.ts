import { z } from 'zod';
import type { KnownBlock } from '@slack/types';
import { button, type AppDeps, type ButtonArgs, type Interaction, type Result } from '../kit.js';
import { dmButtonClickOf } from '../../views/tickets/dm-buttons.js';
import type { TicketActor } from '../../src/services/tickets/work.js';

/** What `/it-help help` (and an unknown `/it-help kb …`) answers. */
export const HELP = [
  '*/it-help* – ask IT for help (opens a short form)',
  '*/it-help IT-12* (or *show IT-12*) – a ticket, with what you can do on it',
  '*/it-help printer on 3rd floor jams* – same, with the summary filled in',
  '*/it-help list* – your open tickets',
  '*/it-help kb list* – knowledge-base answers; agents: *kb add*, *kb remove KB-12*',
].join('\n');

/** A ticket's or an article's id as Switchboard writes it into a button's value. */
export const idValue = z.coerce.number().int().positive();

/** The form's choices: the desk's categories and the service catalog. */
export const catalogOf = ({ settings }: AppDeps) => ({
  categories: settings.service_desk.categories,
  services: settings.service_catalog,
});

/** Someone acting on a ticket, with the agent standing the directory knows of them. */
export async function actorOf(
  { directory }: AppDeps,
  user: { id: string; name?: string; username?: string },
  source: TicketActor['source'],
  channel?: string,
): Promise<TicketActor> {
  return {
    id: user.id,
    name: user.name ?? user.username ?? null,
    isAgent: await directory.hasRole(user.id, 'agents'),
    source,
    ...(channel ? { channel } : {}),
  };
}

/** Whether someone is a service-desk agent (who may change the knowledge base, see any ticket). */
export const isAgent = ({ directory }: AppDeps, userId: string): Promise<boolean> =>
  directory.hasRole(userId, 'agents');

/** Shows the clicker a message with blocks: ephemeral where the click came from a message, else by DM. */
export async function showClicker(
  { body, respond, client }: ButtonArgs,
  message: { text: string; blocks?: KnownBlock[] },
): Promise<void> {
  if (body.response_url) {
    await respond({
      response_type: 'ephemeral',
      replace_original: false,
      text: message.text,
      ...(message.blocks ? { blocks: message.blocks } : {}),
    });
    return;
  }
  await client.chat.postMessage({
    channel: body.user.id,
    text: message.text,
    ...(message.blocks ? { blocks: message.blocks } : {}),
  });
}

/** The ticket id a button carries as its value. */
export const ticketIdOfButton = (action: ButtonArgs['action']): number | undefined =>
  action.type === 'button' ? idValue.safeParse(action.value).data : undefined;

/** The ticket id of a select, from its block (`….<ticket id>`): a select's value is the choice. */
export const ticketIdOfBlock = (action: ButtonArgs['action']): number | undefined =>
  idValue.safeParse(/\.(\d+)$/.exec(action.block_id)?.[1]).data;

/** What a ticket button's handler gets: what the click carries, and who clicked (with the DM button pressed). */
export type TicketClick<I> = (input: I, actor: TicketActor, args: ButtonArgs, deps: AppDeps) => Promise<Result | void>;

/**
 * A button or select on a ticket. Pressed in a DM about the ticket, the use case refuses it if the
 * ticket has moved past it, so the actor carries the DM button that was pressed.
 */
export function ticketButton<I>(
  id: string | RegExp,
  input: (action: ButtonArgs['action']) => I | undefined,
  run: TicketClick<I>,
): Interaction {
  return button(id, {
    input,
    run: async (value, args, deps) => {
      const actor = {
        ...(await actorOf(deps, args.body.user, 'button', args.body.channel?.id)),
        button: dmButtonClickOf(args.body.container, args.action.block_id),
      };
      return run(value, actor, args, deps);
    },
  });
}

/**
 * A form's refusal shown on its own field (`block`, listed in the form's `fieldBlocks` under the same
 * name), not on whatever input blocks the submission lists: a forged one may list none.
 */
export function onField<T>(block: string, result: Result<T>): Result<T> {
  return result.ok || result.field ? result : { ...result, field: block };
}
