import { formTrigger, openFormOrTell } from '../reply.js';
import { canApply, staleReason } from '../../src/domain/changes/lifecycle.js';
import { closeoutModal } from '../../views/changes/modals.js';
import { recordReview } from '../../src/services/changes/decide.js';
import {
  cancelChange,
  checkMayWorkOn,
  linkChangeToIncident,
  startChange,
} from '../../src/services/changes/lifecycle.js';
import { servicesOfChange } from '../../src/services/changes/read.js';
import { actorOf, reply, type ChangeRoute } from './shared.js';
import { buildRequestModal, openInTimeZone } from './form-helpers.js';

/**
 * `/change edit|close|start|cancel|review|link CHG-17 …`: the subcommands that work on one change.
 * Who may is the use case's rule; the edit and close-out forms are checked against it before they open.
 */

const actorOfCommand = ({ user_id, user_name }: { user_id: string; user_name: string }) =>
  actorOf({ id: user_id, name: user_name });

/** `/change edit CHG-17`: the request form filled in; a standard change's content stays as its template made it. */
export const edit: ChangeRoute = async (change, args, deps) => {
  const { command, client, respond } = args;
  if (!canApply(change.status, 'edit')) return reply(args, staleReason(change.key, change.status, 'edit'));
  const allowed = await checkMayWorkOn(deps.ctx, {
    changeId: change.id,
    actor: actorOfCommand(command),
    verb: 'edit',
    source: 'command',
  });
  if (!allowed.ok) return reply(args, allowed.message);
  const services = await servicesOfChange(deps.ctx, change.id);
  const at = formTrigger(client, respond, command);
  const window = { start: change.planned_start, end: change.planned_end, implementerId: change.implementer_id };
  if (change.type === 'standard') {
    const template = {
      title: change.title,
      version: change.template_version ?? 1,
      description: change.description,
      services,
      risk: change.risk,
      implementationPlan: change.implementation_plan,
      rollbackPlan: change.rollback_plan,
    };
    return openInTimeZone(
      deps,
      at,
      buildRequestModal(deps.settings, { mode: 'edit', changeId: change.id, type: 'standard' }, window, {
        template,
        note: change.requester_note,
      }),
    );
  }
  const defaults = {
    ...window,
    title: change.title,
    description: change.description,
    services,
    risk: change.risk,
    implementationPlan: change.implementation_plan,
    rollbackPlan: change.rollback_plan,
    linked: change.linked_ticket_key,
  };
  return openInTimeZone(
    deps,
    at,
    buildRequestModal(deps.settings, { mode: 'edit', changeId: change.id, type: change.type }, defaults),
  );
};

/** `/change close CHG-17`: the close-out form. */
export const close: ChangeRoute = async (change, args, { ctx, logger }) => {
  const { command, client, respond } = args;
  if (!canApply(change.status, 'close')) return reply(args, staleReason(change.key, change.status, 'close'));
  const allowed = await checkMayWorkOn(ctx, {
    changeId: change.id,
    actor: actorOfCommand(command),
    verb: 'close out',
    source: 'command',
  });
  if (!allowed.ok) return reply(args, allowed.message);
  return openFormOrTell(formTrigger(client, respond, command), closeoutModal(change), logger);
};

export const start: ChangeRoute = async (change, args, { ctx }) => {
  const result = await startChange(ctx, {
    changeId: change.id,
    actor: actorOfCommand(args.command),
    source: 'command',
  });
  return reply(
    args,
    result.ok
      ? `:construction: ${result.value.key} is in progress. Close it out with \`/change close ${result.value.key}\` when done.`
      : result.message,
  );
};

/** `/change cancel CHG-17 [reason]`. */
export const cancel: ChangeRoute = async (change, args, { ctx }, rest) => {
  const result = await cancelChange(ctx, {
    changeId: change.id,
    actor: actorOfCommand(args.command),
    reason: rest.join(' ') || null,
    source: 'command',
  });
  return reply(args, result.ok ? `${result.value.key} is cancelled.` : result.message);
};

/** `/change review CHG-17 <notes>`: the CAB's retrospective review of an emergency change. */
export const review: ChangeRoute = async (change, args, { ctx, directory }, rest) => {
  const { command } = args;
  const result = await recordReview(ctx, {
    changeId: change.id,
    actor: actorOfCommand(command),
    note: rest.join(' '),
    isChangeApprover: await directory.hasRole(command.user_id, 'change_approvers'),
    source: 'command',
  });
  return reply(args, result.ok ? `:mag: Review of ${result.value.key} recorded.` : result.message);
};

/** `/change link CHG-17 INC-42`: the change caused the incident (it counts as failed). */
export const link: ChangeRoute = async (change, args, { ctx, directory }, rest) => {
  const { command } = args;
  const incident = rest[0];
  if (!incident || !/^INC-\d+$/i.test(incident))
    return reply(args, `Which incident? e.g. \`/change link ${change.key} INC-42\``);
  const isStaff = (await directory.rolesOf(command.user_id)).size > 0;
  const result = await linkChangeToIncident(ctx, {
    changeKey: change.key,
    incidentKey: incident,
    actor: actorOfCommand(command),
    isStaff,
    source: 'command',
  });
  if (!result.ok) return reply(args, result.message);
  const { changeKey, incidentKey, alreadyLinked } = result.value;
  return reply(
    args,
    alreadyLinked
      ? `${changeKey} was already linked to ${incidentKey}.`
      : `:link: ${changeKey} is linked as a cause of ${incidentKey}; it counts as failed in the change failure rate.`,
  );
};
