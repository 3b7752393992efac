import { button, form, tell, type AppDeps, type ButtonArgs, type FormArgs, type Parsed, type Result } from '../kit.js';
import { formTrigger, openFormOrTell } from '../reply.js';
import { canApply, staleReason } from '../../src/domain/changes/lifecycle.js';
import type { ChangeOutcome } from '../../src/domain/changes/types.js';
import { CHANGE_ACTIONS, CHANGE_VIEWS, REQUEST_FIELDS as F } from '../../views/changes/ids.js';
import { closeoutModal, parseChangeId, parseCloseout, parseWindow, postponeModal } from '../../views/changes/modals.js';
import { editChange } from '../../src/services/changes/request.js';
import { checkMayWorkOn, closeChange, startChange } from '../../src/services/changes/lifecycle.js';
import { actorOf, changeIdOf, zoneOf } from './shared.js';
import {
  closeAndAskApprovers,
  GONE,
  lostTrack,
  openInTimeZone,
  OWN_BLOCK,
  refusalIn,
  refused,
  submitted,
  type Submitted,
} from './form-helpers.js';

/**
 * The implementer's buttons on a change's post: Start, Postpone (with its window form) and Close out
 * (with its outcome form). Who may press them is the use case's rule (workRefusal), checked before a
 * form opens and again when it is submitted.
 */

async function start(changeId: number, { body }: ButtonArgs, { ctx }: AppDeps) {
  return startChange(ctx, { changeId, actor: actorOf(body.user), source: 'button' });
}

async function started({ key }: { key: string }, args: ButtonArgs, { logger }: AppDeps): Promise<void> {
  await tell(args, `:construction: ${key} is in progress. Close it out when done.`, logger);
}

async function openPostponeForm(
  changeId: number,
  { body, client, respond }: ButtonArgs,
  deps: AppDeps,
): Promise<Result | void> {
  const allowed = await checkMayWorkOn(deps.ctx, {
    changeId,
    actor: actorOf(body.user),
    verb: 'postpone',
    source: 'button',
  });
  if (!allowed.ok) return allowed;
  const change = allowed.value;
  if (!canApply(change.status, 'reschedule')) return refused(staleReason(change.key, change.status, 'reschedule'));
  await openInTimeZone(deps, formTrigger(client, respond, body), (tz) =>
    postponeModal(
      { id: change.id, key: change.key, plannedStart: change.planned_start, plannedEnd: change.planned_end },
      tz,
      change.type !== 'standard',
    ),
  );
}

type NewWindow = { changeId: number; start: number; end: number; reason: string | null };

function parsePostponement(view: FormArgs['view']): Parsed<NewWindow> {
  const window = parseWindow(view.state.values);
  if (!window.ok) return window;
  const changeId = parseChangeId(view.private_metadata);
  if (!changeId) return lostTrack(F.start, GONE);
  return { ok: true, value: { changeId, ...window.value } };
}

async function postpone(
  { changeId, start, end, reason }: NewWindow,
  { body, view }: FormArgs,
  deps: AppDeps,
): Promise<Result<Submitted>> {
  const options = {
    actor: actorOf(body.user),
    source: 'modal' as const,
    postpone: true,
    submissionKey: `${view.id}:${view.hash}`,
    timeZone: zoneOf(deps, body.user.id),
  };
  return submitted(await editChange(deps.ctx, changeId, { start, end, note: reason }, options), view);
}

async function openCloseoutForm(
  changeId: number,
  { body, client, respond }: ButtonArgs,
  { ctx, logger }: AppDeps,
): Promise<Result | void> {
  const allowed = await checkMayWorkOn(ctx, {
    changeId,
    actor: actorOf(body.user),
    verb: 'close out',
    source: 'button',
  });
  if (!allowed.ok) return allowed;
  const change = allowed.value;
  if (!canApply(change.status, 'close')) return refused(staleReason(change.key, change.status, 'close'));
  await openFormOrTell(formTrigger(client, respond, body), closeoutModal(change), logger);
}

type Closeout = { changeId: number; outcome: ChangeOutcome; notes: string | null };

function parseCloseoutForm(view: FormArgs['view']): Parsed<Closeout> {
  const closeout = parseCloseout(view.state.values);
  if (!closeout.ok) return closeout;
  const changeId = parseChangeId(view.private_metadata);
  if (!changeId) return lostTrack(F.notes);
  return { ok: true, value: { changeId, ...closeout.value } };
}

async function closeOut(closeout: Closeout, { body, view }: FormArgs, { ctx }: AppDeps): Promise<Result> {
  const result = await closeChange(ctx, { ...closeout, actor: actorOf(body.user), source: 'modal' });
  return result.ok ? result : refusalIn(view, { message: result.message, field: result.field ?? 'notes' });
}

export const startButton = button(CHANGE_ACTIONS.start, { input: changeIdOf, run: start, done: started });
export const postponeButton = button(CHANGE_ACTIONS.postpone, { input: changeIdOf, run: openPostponeForm });
export const postponeForm = form(CHANGE_VIEWS.postpone, {
  parse: parsePostponement,
  run: postpone,
  fieldBlocks: OWN_BLOCK,
  done: closeAndAskApprovers,
});
export const closeoutButton = button(CHANGE_ACTIONS.closeout, { input: changeIdOf, run: openCloseoutForm });
export const closeoutForm = form(CHANGE_VIEWS.closeout, {
  parse: parseCloseoutForm,
  run: closeOut,
  fieldBlocks: OWN_BLOCK,
});
