import { form, type AppDeps, type FormArgs } from '../kit.js';
import { addFollowUpAction, assignRole, postUpdate, resolveIncident } from '../../src/services/incidents/index.js';
import { allRoles, dueAtOnDate } from '../../src/domain/incidents/rules.js';
import { CALLBACKS, FIELDS } from '../../views/incidents/ids.js';
import {
  parseActionModal,
  parseResolve,
  parseRoleModal,
  parseUpdate,
  type UpdateInput,
} from '../../views/incidents/modals.js';
import { isoDay } from './parse.js';
import { onIncident, refusedOn, staffActorOf, submitterOf } from './shared.js';

/**
 * The forms opened on one incident (post update, resolve, assign a role, follow-up action): each
 * carries the incident in its metadata, is decided by the use case before the ack, and a refusal is
 * shown on the form.
 */

type OnIncident<T> = T & { incidentId: number };

async function postUpdateFromForm(input: OnIncident<UpdateInput>, { view, body }: FormArgs, deps: AppDeps) {
  const { incidentId, ...update } = input;
  const outcome = await postUpdate(deps.ctx, {
    incidentId,
    actor: await submitterOf(deps, body.user, incidentId),
    ...update,
    source: 'modal',
    submissionKey: `${view.id}:${view.hash}`,
  });
  return refusedOn(outcome, 'impact');
}

async function resolveFromForm(
  { incidentId, summary }: OnIncident<{ summary: string }>,
  { view, body }: FormArgs,
  deps: AppDeps,
) {
  const outcome = await resolveIncident(deps.ctx, {
    incidentId,
    actor: await submitterOf(deps, body.user, incidentId),
    summary,
    source: 'modal',
    submissionKey: view.id,
  });
  return refusedOn(outcome, 'summary');
}

async function assignRoleFromForm(
  { incidentId, role, userId }: OnIncident<{ role: string; userId: string }>,
  { body }: FormArgs,
  deps: AppDeps,
) {
  const outcome = await assignRole(deps.ctx, {
    incidentId,
    actor: await submitterOf(deps, body.user, incidentId),
    role,
    userId,
    source: 'modal',
  });
  return refusedOn(outcome, 'user');
}

async function addActionFromForm(
  input: OnIncident<{ text: string; ownerId: string; dueDate: string }>,
  { view, body }: FormArgs,
  deps: AppDeps,
) {
  const { settings } = deps;
  const dueAt = dueAtOnDate(input.dueDate, settings.incidents.action_due_time, settings.timezone);
  const actor = await staffActorOf(deps, await submitterOf(deps, body.user, input.incidentId));
  const outcome = await addFollowUpAction(deps.ctx, {
    incidentId: input.incidentId,
    actor,
    text: input.text,
    ownerId: input.ownerId,
    dueAt,
    source: 'modal',
    submissionKey: view.id,
  });
  return refusedOn(outcome, 'dueDate');
}

export const updateForm = form(CALLBACKS.update, {
  parse: (view) => onIncident(parseUpdate(view.state.values), view, FIELDS.impact),
  run: postUpdateFromForm,
  fieldBlocks: { status: FIELDS.status, impact: FIELDS.impact },
});

export const resolveForm = form(CALLBACKS.resolve, {
  parse: (view) => onIncident(parseResolve(view.state.values), view, FIELDS.resolution),
  run: resolveFromForm,
  fieldBlocks: { summary: FIELDS.resolution },
});

export const roleForm = form(CALLBACKS.role, {
  parse: (view, _args, { settings }) =>
    onIncident(parseRoleModal(view.state.values, allRoles(settings.incidents.custom_roles)), view, FIELDS.role),
  run: assignRoleFromForm,
  fieldBlocks: { user: FIELDS.user },
});

export const actionForm = form(CALLBACKS.action, {
  parse: (view, _args, { ctx, settings }) =>
    onIncident(
      parseActionModal(view.state.values, isoDay(ctx.clock.now().getTime(), settings.timezone)),
      view,
      FIELDS.actionText,
    ),
  run: addActionFromForm,
  fieldBlocks: { dueDate: FIELDS.dueDate },
});
