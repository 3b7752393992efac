import type { RespondFn } from '@slack/bolt';
import type { KnownBlock } from '@slack/types';
import type { AppDeps, ButtonArgs, FormArgs, Parsed, Result } from '../kit.js';
import type { IncidentActor } from '../../src/services/incidents/index.js';
import { runsIncident } from '../../src/services/incidents/read.js';
import { incidentIdFromMetadata } from '../../views/incidents/modals.js';

/** Helpers of the incident listeners: who is acting, how they are answered, what a click or form names. */

/** The person acting, with the incident-manager standing the rules need (a cached user-group look-up). */
export async function actorOf({ directory }: AppDeps, userId: string): Promise<IncidentActor> {
  const [user, isIncidentManager] = await Promise.all([
    directory.user(userId),
    directory.hasRole(userId, 'incident_managers'),
  ]);
  return { id: userId, name: user.name, isIncidentManager };
}

/** For follow-up actions, IT staff standing counts too. */
export async function staffActorOf({ directory }: AppDeps, base: IncidentActor): Promise<IncidentActor> {
  return { ...base, isStaff: (await directory.rolesOf(base.id)).size > 0 };
}

/**
 * The person submitting a modal, without slow look-ups before the ack (Slack allows 3 s): the name
 * comes with the payload, and the incident-managers group (cached) is consulted only for someone the
 * record does not already show running the incident.
 */
export async function submitterOf(
  deps: AppDeps,
  user: { id: string; name?: string; username?: string },
  incidentId: number,
): Promise<IncidentActor> {
  const runsIt = await runsIncident(deps.ctx, incidentId, user.id);
  return {
    id: user.id,
    name: user.name || user.username || user.id,
    isIncidentManager: runsIt ? false : await deps.directory.hasRole(user.id, 'incident_managers'),
  };
}

/** Whoever the record shows running it, without asking Slack: for the checks made before a form opens. */
export function asManager(userId: string): IncidentActor {
  return { id: userId, name: userId, isIncidentManager: true };
}

/** Answers only the person, where they typed the command. */
export async function ephemeral(
  { logger }: AppDeps,
  respond: RespondFn,
  text: string,
  blocks?: KnownBlock[],
): Promise<void> {
  try {
    await respond({ response_type: 'ephemeral', replace_original: false, text, ...(blocks ? { blocks } : {}) });
  } catch (error) {
    logger.warn({ err: error }, 'could not answer ephemerally');
  }
}

/** A use case's answer to a command: its refusal, or the success text when there is one. */
export async function answer<T>(
  deps: AppDeps,
  respond: RespondFn,
  outcome: Result<T> | void,
  success?: (value: T) => string | undefined,
): Promise<void> {
  if (!outcome) return;
  if (!outcome.ok) return ephemeral(deps, respond, outcome.message);
  const text = success?.(outcome.value);
  if (text) await ephemeral(deps, respond, text);
}

/** The record id a button carries as its value. */
export function idInValue(action: ButtonArgs['action']): number | undefined {
  return positiveId('value' in action && typeof action.value === 'string' ? action.value : undefined);
}

/**
 * The incident a button or select belongs to: a button carries it as its value, a select as the last
 * part of its block id (`incident.controls.42`).
 */
export function incidentIdOfAction(action: ButtonArgs['action']): number | undefined {
  return 'value' in action && typeof action.value === 'string'
    ? idInValue(action)
    : positiveId(action.block_id?.split('.').at(-1));
}

function positiveId(text: string | undefined): number | undefined {
  const id = Number(text);
  return text !== undefined && Number.isInteger(id) && id > 0 ? id : undefined;
}

/** The option chosen in a select, when it is one of `allowed`. */
export function selectedOf<T extends string>(
  action: ButtonArgs['action'],
  allowed: (value: string) => value is T,
): T | undefined {
  const value = 'selected_option' in action ? action.selected_option?.value : undefined;
  return value !== undefined && allowed(value) ? value : undefined;
}

/** A form's parsed fields plus the incident it was opened on; a form without one is out of date. */
export function onIncident<T>(
  parsed: Parsed<T>,
  view: FormArgs['view'],
  outOfDateBlock: string,
): Parsed<T & { incidentId: number }> {
  if (!parsed.ok) return parsed;
  const incidentId = incidentIdFromMetadata(view.private_metadata);
  if (incidentId === undefined)
    return { ok: false, errors: { [outOfDateBlock]: 'This form is out of date; open it again.' } };
  return { ok: true, value: { ...parsed.value, incidentId } };
}

/** A refusal shown on the form's block for `field` (see each form's `fieldBlocks`), unless the use case named one. */
export function refusedOn<T>(outcome: Result<T>, field: string): Result<T> {
  return outcome.ok || outcome.field ? outcome : { ...outcome, field };
}

export const subscribedText = (v: { key: string; already: boolean }) =>
  v.already ? `You are already subscribed to ${v.key}.` : `Subscribed: you will get ${v.key} updates by DM.`;

export const unsubscribedText = (v: { key: string; removed: boolean }) =>
  v.removed ? `Unsubscribed from ${v.key}.` : `You were not subscribed to ${v.key}.`;
