import type { RespondArguments } from '@slack/bolt';
import {
  button,
  form,
  raw,
  tell,
  OUT_OF_DATE,
  type AppDeps,
  type ButtonArgs,
  type FormArgs,
  type Parsed,
  type Result,
} from '../kit.js';
import { formTrigger, openFormOrTell, tellClickerOnFailure } from '../reply.js';
import { CHANGE_ACTIONS, CHANGE_VIEWS, REQUEST_FIELDS as F } from '../../views/changes/ids.js';
import { parseChangeId, parseReason, questionModal, rejectModal } from '../../views/changes/modals.js';
import { noticeModal } from '../../views/incidents/modals.js';
import { escapeMrkdwn } from '../../views/text.js';
import {
  askAboutChange,
  checkDecisionAllowed,
  decideOnChange,
  sendDecisionAnswer,
} from '../../src/services/changes/decide.js';
import { changeById } from '../../src/services/changes/read.js';
import type { Actor } from '../../src/services/context.js';
import { actorOf, approverFacts, changeIdOf, GONE, lostTrack, OWN_BLOCK, refused } from './shared.js';

/** Approve, Reject (with its reason form) and Ask (with its question form): from the change channel, DMs or the App Home. */

/** Inbox kind: an Approve click. */
const APPROVE = 'change.approve';

type ApprovalClick = { changeId: number; actor: Actor; responseUrl: string | null };

/**
 * The click is stored before its ack and decided after it: who the approver is (user groups) may take
 * Slack look-ups, and a click acknowledged just before a crash is still decided, once. The kit's
 * `button` acks first, hence `raw`.
 */
async function receiveApproval(args: ButtonArgs, deps: AppDeps): Promise<void> {
  const { ack, body, action, respond, client } = args;
  await tellClickerOnFailure({ body, respond, client, logger: deps.logger }, async () => {
    const changeId = changeIdOf(action);
    if (!changeId) {
      await ack();
      return tell(args, OUT_OF_DATE, deps.logger);
    }
    const key = `${APPROVE}:${body.trigger_id}`;
    const click: ApprovalClick = { changeId, actor: actorOf(body.user), responseUrl: body.response_url ?? null };
    await deps.inbox.receive({ key, kind: APPROVE, userId: body.user.id, payload: click });
    await ack();
    await deps.inbox.process(key);
  });
}

/** Decides a stored Approve click and tells the approver how it stands, refusals included, where they clicked. */
export function handleApprovals(deps: AppDeps): void {
  const { ctx, directory, settings, logger } = deps;
  deps.inbox.handle<ApprovalClick>(APPROVE, {
    async run(item) {
      const { changeId, actor, responseUrl } = item.data;
      const facts = await approverFacts(directory, settings, actor.id);
      const result = await decideOnChange(ctx, {
        changeId,
        decision: 'approved',
        actor,
        facts,
        source: 'button',
        receipt: item.key,
      });
      const text = result.ok ? approvedText(result.value.key, result.value.quorum) : result.message;
      await answerApprover(deps, { userId: actor.id, responseUrl, text, receipt: item.key }).catch((error: unknown) =>
        logger.warn({ err: error }, 'could not answer an approval click'),
      );
    },
    failureText: (item) =>
      `:warning: Sorry, your approval of change ${item.data.changeId} could not be recorded (Switchboard kept failing). Please click Approve again.`,
  });
}

function approvedText(
  key: string,
  q: { met: boolean; approvals: number; required: number; missingServiceGroups: string[] },
): string {
  if (q.met) return `:white_check_mark: You approved ${key}; it is now approved and scheduled.`;
  const missing = q.missingServiceGroups.length
    ? `; still needs the ${escapeMrkdwn(q.missingServiceGroups.join(', '))} approver group`
    : '';
  return `:ballot_box_with_check: You approved ${key} (${q.approvals} of ${q.required}${missing}).`;
}

/** After the ack: ephemerally through the click's response_url, else (App Home, or it no longer answers) by DM. */
async function answerApprover(
  { ctx }: AppDeps,
  answer: { userId: string; responseUrl: string | null; text: string; receipt: string },
): Promise<void> {
  if (answer.responseUrl) {
    const body: RespondArguments = { response_type: 'ephemeral', replace_original: false, text: answer.text };
    const sent = await fetch(answer.responseUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (sent.ok) return;
  }
  await sendDecisionAnswer(ctx, answer);
}

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

async function openQuestionForm(
  changeId: number,
  { body, client, respond }: ButtonArgs,
  { ctx, logger }: AppDeps,
): Promise<Result | void> {
  const change = await changeById(ctx, changeId);
  if (!change) return refused(GONE);
  await openFormOrTell(formTrigger(client, respond, body), questionModal(change), logger);
}

function parseQuestion(view: FormArgs['view']): Parsed<{ changeId: number; question: string }> {
  const question = parseReason(view.state.values, F.question);
  if (!question.ok) return question;
  const changeId = parseChangeId(view.private_metadata);
  if (!changeId) return lostTrack(F.question);
  return { ok: true, value: { changeId, question: question.value } };
}

async function ask(
  { changeId, question }: { changeId: number; question: string },
  { body }: FormArgs,
  { ctx }: AppDeps,
): Promise<Result> {
  const result = await askAboutChange(ctx, { changeId, actor: actorOf(body.user), question, source: 'modal' });
  return result.ok ? result : { ok: false, message: result.message, field: F.question };
}

export const approveButton = raw('button', CHANGE_ACTIONS.approve, receiveApproval);
export const rejectButton = button(CHANGE_ACTIONS.reject, { input: changeIdOf, run: openRejectForm });
export const rejectForm = form(CHANGE_VIEWS.rejectReason, {
  parse: parseRejection,
  run: reject,
  fieldBlocks: OWN_BLOCK,
  done: confirmRejection,
});
export const askButton = button(CHANGE_ACTIONS.ask, { input: changeIdOf, run: openQuestionForm });
export const questionForm = form(CHANGE_VIEWS.question, { parse: parseQuestion, run: ask, fieldBlocks: OWN_BLOCK });
