import type { AppDeps, Result } from '../kit.js';
import { checkMayAddActions, checkMayRun, updateForm } from '../../src/services/incidents/index.js';
import { openIncidentList, runsByRecord } from '../../src/services/incidents/read.js';
import { allRoles } from '../../src/domain/incidents/rules.js';
import {
  actionModal,
  declareModal,
  noticeModal,
  resolveModal,
  roleModal,
  updateModal,
  type DeclareModalOptions,
  type DeclarePrefill,
} from '../../views/incidents/modals.js';
import { openFormOrTell, type FormTrigger, type OpenedForm } from '../reply.js';
import { actorOf, asManager, staffActorOf } from './shared.js';
import { isoDay } from './parse.js';

/**
 * The incident forms, opened from a command, a button or the message shortcut. Each returns the use
 * case's refusal (told by the caller where the person is) or nothing once the form is open.
 */

type Source = 'button' | 'command';

/**
 * Opens a form at once: a trigger_id lasts 3 seconds, and the records already say whether someone
 * runs the incident. Anyone else may still be an incident manager, which can take a user-group
 * look-up: that happens after the form is open; if they are not one, the use case's own check
 * (which audits the refusal) runs and its refusal replaces the form.
 */
async function openThenCheck(
  deps: AppDeps,
  at: FormTrigger,
  view: object,
  needsManager: boolean,
  title: string,
  recheck: () => Promise<Result>,
): Promise<void> {
  const opened = await openFormOrTell(at, view, deps.logger);
  if (!opened || !needsManager || (await deps.directory.hasRole(at.from.user.id, 'incident_managers'))) return;
  const outcome = await recheck();
  if (outcome.ok) return;
  await at.client.views
    .update({ view_id: opened.id, hash: opened.hash, view: noticeModal(title, outcome.message) })
    .catch((error: unknown) => deps.logger.warn({ err: error }, 'could not replace a form with its refusal'));
}

/** The declare form, listing open incidents so the same one is not declared twice. */
export async function openDeclare(
  deps: AppDeps,
  at: FormTrigger,
  prefill: DeclarePrefill,
  metadata: DeclareModalOptions['metadata'],
  reference?: DeclareModalOptions['reference'],
): Promise<OpenedForm | undefined> {
  const { settings } = deps;
  const view = declareModal({
    prefill,
    severities: settings.incidents.severities,
    serviceCatalog: settings.service_catalog,
    openIncidents: await openIncidentList(deps.ctx),
    metadata,
    ...(reference ? { reference } : {}),
  });
  return openFormOrTell(at, view, deps.logger);
}

// Nothing waits on Slack before views.open: the form is built from the records alone.
export async function openUpdate(
  deps: AppDeps,
  at: FormTrigger,
  incidentId: number,
  source: Source,
): Promise<Result | void> {
  const userId = at.from.user.id;
  const form = await updateForm(deps.ctx, { incidentId, actor: asManager(userId), source });
  if (!form.ok) return form;
  await openThenCheck(
    deps,
    at,
    updateModal(form.value.snapshot, form.value.prefill),
    !form.value.allowedByRole,
    'Post an update',
    async () => updateForm(deps.ctx, { incidentId, actor: await actorOf(deps, userId), source }),
  );
}

export async function openResolve(
  deps: AppDeps,
  at: FormTrigger,
  incidentId: number,
  source: Source,
): Promise<Result | void> {
  const userId = at.from.user.id;
  const allowed = await checkMayRun(deps.ctx, { incidentId, actor: asManager(userId), what: 'resolve', source });
  if (!allowed.ok) return allowed;
  await openThenCheck(
    deps,
    at,
    resolveModal(allowed.value),
    !runsByRecord(allowed.value, userId),
    `Resolve ${allowed.value.key}`,
    async () => checkMayRun(deps.ctx, { incidentId, actor: await actorOf(deps, userId), what: 'resolve', source }),
  );
}

export async function openRoleForm(deps: AppDeps, at: FormTrigger, incidentId: number): Promise<Result | void> {
  const userId = at.from.user.id;
  const what = 'role assignment';
  const allowed = await checkMayRun(deps.ctx, { incidentId, actor: asManager(userId), what, source: 'button' });
  if (!allowed.ok) return allowed;
  const view = roleModal(allowed.value, allRoles(deps.settings.incidents.custom_roles));
  await openThenCheck(deps, at, view, !runsByRecord(allowed.value, userId), 'Assign a role', async () =>
    checkMayRun(deps.ctx, { incidentId, actor: await actorOf(deps, userId), what, source: 'button' }),
  );
}

/** The follow-up action form; IT staff standing takes a look-up, made before (no form opens for a refusal). */
export async function openActionForm(deps: AppDeps, at: FormTrigger, incidentId: number): Promise<Result | void> {
  const { ctx, settings } = deps;
  const allowed = await checkMayAddActions(ctx, {
    incidentId,
    actor: await staffActorOf(deps, await actorOf(deps, at.from.user.id)),
    source: 'button',
  });
  if (!allowed.ok) return allowed;
  await openFormOrTell(
    at,
    actionModal(allowed.value, { dueDate: isoDay(ctx.clock.now().getTime(), settings.timezone, 7) }),
    deps.logger,
  );
}
