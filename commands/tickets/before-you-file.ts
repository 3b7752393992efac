import { button, raw, type AppDeps, type ButtonArgs, type FormArgs } from '../kit.js';
import { TICKET_ACTIONS as A, TICKET_VIEWS as V } from '../../views/tickets/ids.js';
import { noTicketNeededModal } from '../../views/tickets/modals.js';
import { draftRef, parseJson, suggestionValue } from '../../views/tickets/parse.js';
import { channelLink, userText } from '../../views/text.js';
import { fileDraft, followIncidentInstead } from '../../src/services/tickets/file.js';
import { articleHelped } from '../../src/services/tickets/kb.js';

/**
 * "Before you file": answers and an open incident offered in place of the /it-help form, with a way
 * to file anyway. Each choice ends in the same modal, saying what happened.
 */

/** "File it anyway": the kept draft is filed. Answered with a view update when it cannot be, so `raw`. */
async function fileAnyway({ ack, view, body }: FormArgs, { ctx }: AppDeps): Promise<void> {
  const meta = parseJson(draftRef, view.private_metadata);
  const result = meta ? await fileDraft(ctx, { id: body.user.id, name: body.user.name }, meta.draftId) : undefined;
  if (result?.ok) return void (await ack());
  await ack({
    response_action: 'update',
    view: noTicketNeededModal(
      result ? result.message : 'Something was off with this form. Type `/it-help` to start again.',
    ),
  });
}

const suggestionOf = (action: ButtonArgs['action']) =>
  action.type === 'button' ? parseJson(suggestionValue, action.value) : undefined;

/** "This solved it": no ticket, the answer counted as a deflection. */
async function articleSolvedIt(
  value: { draftId: number; articleId?: number },
  { body, client }: ButtonArgs,
  { ctx }: AppDeps,
): Promise<void> {
  if (!value.articleId || body.view?.id === undefined) return;
  const result = await articleHelped(ctx, { id: body.user.id, name: body.user.name }, value.articleId, value.draftId);
  await client.views.update({
    view_id: body.view.id,
    view: noTicketNeededModal(
      result.ok
        ? `Glad *${userText(result.value.title, 150)}* helped. No ticket was filed. Type \`/it-help\` any time.`
        : result.message,
    ),
  });
}

/** "Follow the incident instead": updates on it by DM, no ticket. */
async function followIncident(
  value: { draftId: number; incidentId?: number },
  { body, client }: ButtonArgs,
  { ctx }: AppDeps,
): Promise<void> {
  if (!value.incidentId || body.view?.id === undefined) return;
  const result = await followIncidentInstead(
    ctx,
    { id: body.user.id, name: body.user.name },
    value.incidentId,
    value.draftId,
  );
  const follow =
    result.ok && result.value.channelId ? ` You can also follow ${channelLink(result.value.channelId)}.` : '';
  await client.views.update({
    view_id: body.view.id,
    view: noTicketNeededModal(
      result.ok
        ? `You'll get updates on *${result.value.key}: ${userText(result.value.title, 150)}* by DM until it is resolved.${follow}`
        : result.message,
    ),
  });
}

export const fileAnywayForm = raw('form', V.confirm, fileAnyway);
export const articleHelpedButton = button(A.kbHelped, { input: suggestionOf, run: articleSolvedIt });
export const followIncidentButton = button(A.subscribeIncident, { input: suggestionOf, run: followIncident });
