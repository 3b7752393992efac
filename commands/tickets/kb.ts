import { z } from 'zod';
import type { KnownBlock } from '@slack/types';
import { button, form, type AppDeps, type ButtonArgs, type CommandArgs, type FormArgs } from '../kit.js';
import { formTrigger, openFormOrTell } from '../reply.js';
import { TICKET_ACTIONS as A, TICKET_FIELDS as F, TICKET_VIEWS as V } from '../../views/tickets/ids.js';
import { kbAddModal } from '../../views/tickets/modals.js';
import { KB_PAGE_SIZE, kbList } from '../../views/tickets/messages.js';
import { parseKbForm } from '../../views/tickets/parse.js';
import { addArticle, refuseKbChange, retireArticle } from '../../src/services/tickets/kb.js';
import { kbArticles } from '../../src/services/tickets/read.js';
import type { ServiceContext } from '../../src/services/context.js';
import { HELP, idValue, isAgent, onField } from './shared.js';

const kbOffsetValue = z.coerce.number().int().min(0).max(1_000_000);

/** The knowledge base from `offset`, one page; agents also get a Remove button per article. */
async function kbPage(ctx: ServiceContext, offset: number, canRemove: boolean) {
  return kbList(await kbArticles(ctx, offset, KB_PAGE_SIZE), canRemove);
}

/**
 * `/it-help kb [list|add|remove KB-12]`: the answers for anyone, changes for agents (checked again by
 * the use case). Roles may need a Slack call (user groups), so this answers by response_url.
 */
export async function kbCommand(
  { command, client, respond }: CommandArgs,
  deps: AppDeps,
  rest: string[],
): Promise<void> {
  const { ctx, logger } = deps;
  const reply = (text: string, blocks?: KnownBlock[]) =>
    respond({ response_type: 'ephemeral', text, ...(blocks ? { blocks } : {}) });
  const agent = await isAgent(deps, command.user_id);
  const action = rest[0]?.toLowerCase();
  if (action === 'list' || !action) {
    const list = await kbPage(ctx, 0, agent);
    return void (await reply(list.text, list.blocks));
  }
  if (!agent && (action === 'add' || action === 'remove')) {
    const refused = await refuseKbChange(
      ctx,
      { id: command.user_id, name: command.user_name },
      `kb ${action}`,
      'command',
    );
    return void (await reply(refused.ok ? HELP : refused.message));
  }
  if (action === 'add') {
    await openFormOrTell(formTrigger(client, respond, command), kbAddModal(), logger);
    return;
  }
  if (action === 'remove') {
    const id = Number(/^(?:KB-)?(\d+)$/i.exec(rest[1] ?? '')?.[1]);
    if (!id) return void (await reply('Say which article: `/it-help kb remove KB-12`.'));
    const result = await retireArticle(ctx, { id: command.user_id, name: command.user_name, isAgent: agent }, id);
    return void (await reply(result.ok ? `Removed KB-${id}.` : result.message));
  }
  await reply(HELP);
}

async function addKbArticle(
  article: { title: string; body: string; url: string | null },
  { body }: FormArgs,
  deps: AppDeps,
) {
  return onField(
    F.kbTitle,
    await addArticle(
      deps.ctx,
      { id: body.user.id, name: body.user.name, isAgent: await isAgent(deps, body.user.id) },
      article,
    ),
  );
}

/** "Previous page" / "Next page" under `/it-help kb list`: the same message shows the other page. */
async function showKbPage(offset: number, { body, respond }: ButtonArgs, deps: AppDeps): Promise<void> {
  const list = await kbPage(deps.ctx, offset, await isAgent(deps, body.user.id));
  await respond({ response_type: 'ephemeral', replace_original: true, text: list.text, blocks: list.blocks });
}

/** Remove under an article (agents): the use case refuses anyone else, and audits it. */
async function removeKbArticle(id: number, { body }: ButtonArgs, deps: AppDeps) {
  return retireArticle(
    deps.ctx,
    { id: body.user.id, name: body.user.name, isAgent: await isAgent(deps, body.user.id) },
    id,
    'button',
  );
}

async function removedKbArticle(id: number, { respond }: ButtonArgs): Promise<void> {
  await respond({ response_type: 'ephemeral', replace_original: false, text: `Removed KB-${id}.` });
}

/** A refusal (not an agent) is shown on the title. */
export const kbAddForm = form(V.kbAdd, {
  parse: (view) => parseKbForm(view.state.values),
  run: addKbArticle,
  fieldBlocks: { [F.kbTitle]: F.kbTitle },
});
export const kbPageButtons = button(new RegExp(`^${A.kbPage.replace('.', '\\.')}\\.`), {
  input: (action) => (action.type === 'button' ? kbOffsetValue.safeParse(action.value).data : undefined),
  run: showKbPage,
});
export const kbRemoveButton = button(A.kbRemove, {
  input: (action) => (action.type === 'button' ? idValue.safeParse(action.value).data : undefined),
  run: removeKbArticle,
  done: removedKbArticle,
});
