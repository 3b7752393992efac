import { button, form, type AppDeps, type ButtonArgs, type FormArgs, type Parsed, type Result } from '../kit.js';
import { formTrigger, openFormOrTell } from '../reply.js';
import { CHANGE_ACTIONS, CHANGE_VIEWS, REQUEST_FIELDS as F } from '../../views/changes/ids.js';
import { parseChangeId, parseReason, rejectModal } from '../../views/changes/modals.js';
import { noticeModal } from '../../views/incidents/modals.js';
import { checkDecisionAllowed, decideOnChange } from '../../src/services/changes/decide.js';
import { changeById } from '../../src/services/changes/read.js';
import { actorOf, approverFacts, changeIdOf } from './shared.js';
import { GONE, lostTrack, OWN_BLOCK, refused } from './form-helpers.js';

/** Reject, with its reason form: from the change channel, DMs or the App Home. */

/**
 * The reason form opens first, with the trigger (it lasts 3 s); whether the clicker may reject takes
 * user-group look-ups, made after it: a refusal (audited by the check) then replaces the form.
 */
async function openRejectForm(
  changeId: number,
  { body, client, respond }: ButtonArgs,
  { ctx, directory, settings, logger }: AppDeps,
): Promise<Result | void> {
  const change = await changeById(ctx, changeId);
  if (!change) return refused(GONE);
  const opened = await openFormOrTell(
    formTrigger(client, respond, body),
    rejectModal(change, { channel: body.channel?.id }),
    logger,
  );
  if (!opened) return;
  const facts = await approverFacts(directory, settings, body.user.id);
  const allowed = await checkDecisionAllowed(ctx, {
    changeId,
    actor: actorOf(body.user),
    facts,
    source: 'button',
    decision: 'rejected',
  });
  if (allowed.ok) return;
  await client.views
    .update({ view_id: opened.id, hash: opened.hash, view: noticeModal(`Reject ${change.key}`, allowed.message) })
    .catch((error: unknown) => logger.warn({ err: error }, 'could not replace a rejection form with its refusal'));
}

function parseRejection(view: FormArgs['view']): Parsed<{ changeId: number; reason: string }> {
  const reason = parseReason(view.state.values);
  if (!reason.ok) return reason;
  const changeId = parseChangeId(view.private_metadata);
  if (!changeId) return lostTrack(F.reason, 'This form lost track of its change; click Reject again.');
  return { ok: true, value: { changeId, reason: reason.value } };
}

/**
 * Decided again before the form closes, so a refusal shows in the form; the approver's groups were
 * looked up (and cached) after the Reject click that opened it. The submission key makes a
 * resubmission harmless.
 */
async function reject(
  { changeId, reason }: { changeId: number; reason: string },
  { body, view }: FormArgs,
  { ctx, directory, settings }: AppDeps,
): Promise<Result<{ key: string }>> {
  const facts = await approverFacts(directory, settings, body.user.id);
  const result = await decideOnChange(ctx, {
    changeId,
    decision: 'rejected',
    reason,
    actor: actorOf(body.user),
    facts,
    source: 'modal',
    receipt: `change.reject:${view.id}:${view.hash}`,
  });
  return result.ok ? result : { ok: false, message: result.message.slice(0, 2000), field: F.reason };
}

async function confirmRejection(
  { key }: { key: string },
  { ack, body, client }: FormArgs,
  { logger }: AppDeps,
): Promise<void> {
  await ack();
  await client.chat
    .postMessage({ channel: body.user.id, text: `:no_entry: You rejected ${key}. The requester has your reason.` })
    .catch((error: unknown) => logger.warn({ err: error }, 'could not confirm a rejection'));
}

export const rejectButton = button(CHANGE_ACTIONS.reject, { input: changeIdOf, run: openRejectForm });
export const rejectForm = form(CHANGE_VIEWS.rejectReason, {
  parse: parseRejection,
  run: reject,
  fieldBlocks: OWN_BLOCK,
  done: confirmRejection,
});
