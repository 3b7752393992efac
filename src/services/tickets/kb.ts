import { insertAudit } from '../../../db/queries/audit.js';
import {
  findArticle,
  insertArticle,
  recordDeflection,
  removeArticle,
  type KbArticleRow,
} from '../../../db/queries/kb.js';
import { takeDraft } from '../../../db/queries/tickets.js';
import { kbArticleAdded } from '../../../views/tickets/notices.js';
import { ok, refuse, transact, type Actor, type Outcome, type ServiceContext } from '../context.js';
import { sendDirectMessage } from '../outbox.js';

/** Someone changing the knowledge base, with the agent standing the shell resolved. */
export type KbEditor = Actor & { isAgent: boolean };

const KB_REFUSAL = 'Only service-desk agents can change the knowledge base.';

/** A refused change of the knowledge base (or the form for one): nothing changes, the attempt is audited. */
export function refuseKbChange(
  ctx: ServiceContext,
  actor: Actor,
  what: string,
  source: 'command' | 'button' | 'modal',
): Promise<Outcome<never>> {
  return transact(ctx, async (trx, now) => {
    await insertAudit(
      trx,
      {
        actor: { id: actor.id, name: actor.name },
        action: 'kb.change_refused',
        recordType: 'kb_article',
        detail: `${what} refused: not a service-desk agent`,
        source,
      },
      now,
    );
    return refuse(KB_REFUSAL);
  });
}

/** Knowledge-base articles, managed by agents (checked here, whatever the form said). */
export async function addArticle(
  ctx: ServiceContext,
  actor: KbEditor,
  article: { title: string; body: string; url: string | null },
): Promise<Outcome<KbArticleRow>> {
  if (!actor.isAgent) return refuseKbChange(ctx, actor, 'add article', 'modal');
  return transact(ctx, async (trx, now) => {
    const row = await insertArticle(trx, { ...article, createdBy: actor.id }, now);
    await insertAudit(
      trx,
      {
        actor: { id: actor.id, name: actor.name },
        action: 'kb.add',
        recordType: 'kb_article',
        recordId: row.id,
        recordKey: `KB-${row.id}`,
        after: { title: row.title },
        source: 'modal',
      },
      now,
    );
    await sendDirectMessage(trx, now, actor.id, { text: kbArticleAdded(row.id, row.title) });
    return ok(row);
  });
}

export async function retireArticle(
  ctx: ServiceContext,
  actor: KbEditor,
  id: number,
  source: 'command' | 'button' = 'command',
): Promise<Outcome<number>> {
  if (!actor.isAgent) return refuseKbChange(ctx, actor, `remove KB-${id}`, source);
  return transact(ctx, async (trx, now) => {
    if (!(await removeArticle(trx, id, now))) return refuse(`There is no article KB-${id}.`);
    await insertAudit(
      trx,
      {
        actor: { id: actor.id, name: actor.name },
        action: 'kb.remove',
        recordType: 'kb_article',
        recordId: id,
        recordKey: `KB-${id}`,
        source,
      },
      now,
    );
    return ok(id);
  });
}

/** "This solved it": the request ends here, counted as a deflection; the draft is used up. */
export function articleHelped(
  ctx: ServiceContext,
  actor: Actor,
  articleId: number,
  draftId: number,
): Promise<Outcome<KbArticleRow>> {
  return transact(ctx, async (trx, now) => {
    const article = await findArticle(trx, articleId);
    if (!article) return refuse('That article is no longer available.');
    const draft = (await takeDraft(trx, draftId, actor.id, now)) as { input: { summary: string } } | undefined;
    if (!draft) return refuse('This request was already filed or closed.');
    await recordDeflection(trx, actor.id, article.id, draft.input.summary, now);
    await insertAudit(
      trx,
      {
        actor,
        action: 'kb.deflected',
        recordType: 'kb_article',
        recordId: article.id,
        recordKey: `KB-${article.id}`,
        detail: draft.input.summary,
        source: 'button',
      },
      now,
    );
    return ok(article);
  });
}
