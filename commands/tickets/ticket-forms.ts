import { form, type AppDeps, type ButtonArgs, type FormArgs, type Parsed } from '../kit.js';
import { formTrigger, openFormOrTell } from '../reply.js';
import { TICKET_ACTIONS as A, TICKET_FIELDS as F, TICKET_VIEWS as V } from '../../views/tickets/ids.js';
import { commentModal, resolveModal } from '../../views/tickets/modals.js';
import { parseCommentForm, parseJson, parseResolveForm, ticketRef } from '../../views/tickets/parse.js';
import { declareModal } from '../../views/incidents/modals.js';
import {
  checkTicketAction,
  commentOnTicket,
  resolveTicket,
  type TicketActor,
} from '../../src/services/tickets/work.js';
import { actorOf, onField, ticketButton, ticketIdOfButton } from './shared.js';

/**
 * Resolve, Comment and Escalate open a form. Before it opens, the same rule the write applies
 * (checkTicketAction: refusals by someone without the right are audited); on submission the use case
 * derives authorization again: the form says which ticket, never who may act on it.
 */

const trigger = ({ client, respond, body }: ButtonArgs) => formTrigger(client, respond, body);

async function openResolve(ticketId: number, actor: TicketActor, args: ButtonArgs, deps: AppDeps) {
  const allowed = await checkTicketAction(deps.ctx, ticketId, 'resolve', actor);
  if (!allowed.ok) return allowed;
  await openFormOrTell(
    trigger(args),
    resolveModal(ticketId, allowed.value.key, deps.settings.service_desk.resolution_codes),
    deps.logger,
  );
}

async function openComment(ticketId: number, actor: TicketActor, args: ButtonArgs, deps: AppDeps) {
  const allowed = await checkTicketAction(deps.ctx, ticketId, 'comment', actor);
  if (!allowed.ok) return allowed;
  await openFormOrTell(
    trigger(args),
    commentModal(ticketId, allowed.value.key, actor.id !== allowed.value.requester_id),
    deps.logger,
  );
}

/**
 * Escalating opens the incident declaration; declaring links the two. The ticket's details are the
 * declarer's reference only: the public title and impact start from the ticket's summary.
 */
async function openEscalate(
  ticketId: number,
  actor: TicketActor,
  args: ButtonArgs,
  { ctx, settings, logger }: AppDeps,
) {
  const allowed = await checkTicketAction(ctx, ticketId, 'escalate', actor);
  if (!allowed.ok) return allowed;
  const ticket = allowed.value;
  const declaration = declareModal({
    prefill: {
      title: ticket.summary,
      impact: ticket.summary,
      services: ticket.service && settings.service_catalog.includes(ticket.service) ? [ticket.service] : [],
      severity: ticket.priority,
      linkedTicketId: ticket.id,
    },
    reference: { heading: `${ticket.key} · ${ticket.summary}`, text: ticket.details },
    severities: settings.incidents.severities,
    serviceCatalog: settings.service_catalog,
    metadata: { linkedTicketId: ticket.id, source: 'ticket' },
  });
  await openFormOrTell(trigger(args), declaration, logger);
}

/** A ticket form's fields and the ticket its metadata names; a form without one is out of date. */
export function ticketForm<T>(
  parsed: Parsed<T>,
  view: FormArgs['view'],
  field: string,
  outOfDate: string,
): Parsed<T & { ticketId: number }> {
  if (!parsed.ok) return parsed;
  const meta = parseJson(ticketRef, view.private_metadata);
  if (!meta) return { ok: false, errors: { [field]: outOfDate } };
  return { ok: true, value: { ...parsed.value, ticketId: meta.ticketId } };
}

function parseResolve(view: FormArgs['view'], _args: FormArgs, { settings }: AppDeps) {
  return ticketForm(
    parseResolveForm(view.state.values, settings.service_desk.resolution_codes),
    view,
    F.resolutionNote,
    'This form is out of date; close it and press Resolve again.',
  );
}

async function resolve(
  { ticketId, ...resolution }: { ticketId: number; note: string; code: string },
  { body }: FormArgs,
  deps: AppDeps,
) {
  return onField(
    F.resolutionNote,
    await resolveTicket(deps.ctx, ticketId, resolution, await actorOf(deps, body.user, 'modal')),
  );
}

const parseComment = (view: FormArgs['view']) =>
  ticketForm(parseCommentForm(view.state.values), view, F.comment, 'This form is out of date; close it and try again.');

async function comment(
  { ticketId, comment }: { ticketId: number; comment: string },
  { body }: FormArgs,
  deps: AppDeps,
) {
  return onField(
    F.comment,
    await commentOnTicket(deps.ctx, ticketId, comment, await actorOf(deps, body.user, 'modal')),
  );
}

export const resolveButton = ticketButton(A.resolve, ticketIdOfButton, openResolve);
export const commentButton = ticketButton(A.comment, ticketIdOfButton, openComment);
export const escalateButton = ticketButton(A.escalate, ticketIdOfButton, openEscalate);
/** A refusal is shown on the note, the comment. */
export const resolveForm = form(V.resolve, {
  parse: parseResolve,
  run: resolve,
  fieldBlocks: { [F.resolutionNote]: F.resolutionNote },
});
export const commentForm = form(V.comment, {
  parse: parseComment,
  run: comment,
  fieldBlocks: { [F.comment]: F.comment },
});
