import { button, form, tell, type AppDeps, type ButtonArgs, type FormArgs } from '../kit.js';
import { formTrigger, openFormOrTell } from '../reply.js';
import { TICKET_ACTIONS as A, TICKET_FIELDS as F, TICKET_VIEWS as V } from '../../views/tickets/ids.js';
import { ticketNoticeModal, waitModal } from '../../views/tickets/modals.js';
import { parseWaitForm } from '../../views/tickets/parse.js';
import { checkTicketAction, waitOnRequester } from '../../src/services/tickets/work.js';
import { actorOf, onField, ticketIdOfButton } from './shared.js';
import { ticketForm } from './ticket-forms.js';

/**
 * Waiting on requester asks the agent what they need. The form opens first (the trigger_id lasts 3 s
 * and knowing whether someone is an agent can take a user-group look-up); the same rule the
 * submission applies then runs, and its refusal (audited) replaces the form.
 */
async function openWait(ticketId: number, args: ButtonArgs, deps: AppDeps): Promise<void> {
  const { body, client, respond } = args;
  const opened = await openFormOrTell(formTrigger(client, respond, body), waitModal(ticketId), deps.logger);
  if (!opened) return;
  const allowed = await checkTicketAction(
    deps.ctx,
    ticketId,
    'wait_on_requester',
    await actorOf(deps, body.user, 'button'),
  );
  if (allowed.ok) return;
  await client.views
    .update({ view_id: opened.id, hash: opened.hash, view: ticketNoticeModal('Waiting on requester', allowed.message) })
    .catch(async (error: unknown) => {
      deps.logger.warn({ err: error }, 'could not replace a form with its refusal');
      await tell(args, allowed.message, deps.logger);
    });
}

const parseWait = (view: FormArgs['view']) =>
  ticketForm(
    parseWaitForm(view.state.values),
    view,
    F.question,
    'This form is out of date; close it and press Waiting on requester again.',
  );

/** Authorization is derived again here: the form says which ticket, never who may act on it. */
async function askRequester(
  { ticketId, question }: { ticketId: number; question: string },
  { body }: FormArgs,
  deps: AppDeps,
) {
  return onField(
    F.question,
    await waitOnRequester(deps.ctx, ticketId, question, await actorOf(deps, body.user, 'modal')),
  );
}

export const waitButton = button(A.wait, { input: ticketIdOfButton, run: openWait });
export const waitForm = form(V.wait, {
  parse: parseWait,
  run: askRequester,
  fieldBlocks: { [F.question]: F.question },
});
