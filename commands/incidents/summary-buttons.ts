import { button, tell, type AppDeps, type ButtonArgs } from '../kit.js';
import {
  acknowledgeIncident,
  changeSeverity,
  changeStatus,
  closeFollowUpAction,
  closeIncident,
  subscribe,
  unsubscribe,
} from '../../src/services/incidents/index.js';
import { isActiveStatus, isSeverity, type ActiveStatus, type Severity } from '../../src/domain/incidents/rules.js';
import { ACTIONS } from '../../views/incidents/ids.js';
import { userText } from '../../views/text.js';
import { formTrigger } from '../reply.js';
import { openActionForm, openResolve, openRoleForm, openUpdate } from './open-forms.js';
import { actorOf, idInValue, incidentIdOfAction, selectedOf, subscribedText, unsubscribedText } from './shared.js';

/**
 * The buttons and selects on an incident's pinned summary, its announcements and reminders: each
 * names the incident; the use case decides whether the clicker may, and its refusal is told to them.
 */

type Choice<T> = { incidentId: number; value: T };

/** A select's incident and chosen option, when both are ones Switchboard made. */
const choiceOf =
  <T extends string>(allowed: (value: string) => value is T) =>
  (action: ButtonArgs['action']): Choice<T> | undefined => {
    const incidentId = incidentIdOfAction(action);
    const value = selectedOf(action, allowed);
    return incidentId === undefined || value === undefined ? undefined : { incidentId, value };
  };

/** Success texts are told to the clicker only, where they clicked. */
const told =
  <T>(text: (value: T) => string) =>
  (value: T, args: ButtonArgs, deps: AppDeps) =>
    tell(args, text(value), deps.logger);

async function acknowledge(incidentId: number, { body }: ButtonArgs, deps: AppDeps) {
  return acknowledgeIncident(deps.ctx, { incidentId, actor: await actorOf(deps, body.user.id), source: 'button' });
}

async function setStatus({ incidentId, value }: Choice<ActiveStatus>, { body }: ButtonArgs, deps: AppDeps) {
  return changeStatus(deps.ctx, {
    incidentId,
    actor: await actorOf(deps, body.user.id),
    status: value,
    source: 'button',
  });
}

async function setSeverity({ incidentId, value }: Choice<Severity>, { body }: ButtonArgs, deps: AppDeps) {
  return changeSeverity(deps.ctx, {
    incidentId,
    actor: await actorOf(deps, body.user.id),
    severity: value,
    source: 'button',
  });
}

async function close(incidentId: number, { body }: ButtonArgs, deps: AppDeps) {
  return closeIncident(deps.ctx, { incidentId, actor: await actorOf(deps, body.user.id), source: 'button' });
}

function subscribeClicker(incidentId: number, { body }: ButtonArgs, deps: AppDeps) {
  return subscribe(deps.ctx, {
    incidentId,
    userId: body.user.id,
    actor: { id: body.user.id, name: body.user.name },
    source: 'button',
  });
}

function unsubscribeClicker(incidentId: number, { body }: ButtonArgs, deps: AppDeps) {
  return unsubscribe(deps.ctx, {
    incidentId,
    userId: body.user.id,
    actor: { id: body.user.id, name: body.user.name },
    source: 'button',
  });
}

/** "Done" on a follow-up action (in the channel or its owner's DM): the button carries the action's id. */
async function closeAction(actionId: number, { body }: ButtonArgs, deps: AppDeps) {
  return closeFollowUpAction(deps.ctx, { actionId, actor: await actorOf(deps, body.user.id), source: 'button' });
}

const trigger = ({ client, respond, body }: ButtonArgs) => formTrigger(client, respond, body);

export const acknowledgeButton = button(ACTIONS.ack, { input: incidentIdOfAction, run: acknowledge });
export const statusSelect = button(ACTIONS.status, { input: choiceOf(isActiveStatus), run: setStatus });
export const severitySelect = button(ACTIONS.severity, { input: choiceOf(isSeverity), run: setSeverity });
export const closeButton = button(ACTIONS.close, { input: incidentIdOfAction, run: close });
export const subscribeButton = button(ACTIONS.subscribe, {
  input: incidentIdOfAction,
  run: subscribeClicker,
  done: told(subscribedText),
});
export const unsubscribeButton = button(ACTIONS.unsubscribe, {
  input: incidentIdOfAction,
  run: unsubscribeClicker,
  done: told(unsubscribedText),
});
export const actionDoneButton = button(ACTIONS.actionDone, {
  input: idInValue,
  run: closeAction,
  done: told((a: { text: string }) => `Done: ${userText(a.text, 200)}`),
});

// The buttons that open a form: the form opens first (a trigger lasts 3 seconds), see open-forms.ts.
export const assignRoleButton = button(ACTIONS.assignRole, {
  input: incidentIdOfAction,
  run: (id, args, deps) => openRoleForm(deps, trigger(args), id),
});
export const postUpdateButton = button(ACTIONS.postUpdate, {
  input: incidentIdOfAction,
  run: (id, args, deps) => openUpdate(deps, trigger(args), id, 'button'),
});
export const resolveButton = button(ACTIONS.resolve, {
  input: incidentIdOfAction,
  run: (id, args, deps) => openResolve(deps, trigger(args), id, 'button'),
});
export const addActionButton = button(ACTIONS.addAction, {
  input: incidentIdOfAction,
  run: (id, args, deps) => openActionForm(deps, trigger(args), id),
});
