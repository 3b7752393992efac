import type { RespondArguments } from '@slack/bolt';
import { raw, tell, OUT_OF_DATE, type AppDeps, type ButtonArgs } from '../kit.js';
import { tellClickerOnFailure } from '../reply.js';
import { CHANGE_ACTIONS } from '../../views/changes/ids.js';
import { escapeMrkdwn } from '../../views/text.js';
import { decideOnChange, sendDecisionAnswer } from '../../src/services/changes/decide.js';
import type { Actor } from '../../src/services/context.js';
import { actorOf, approverFacts, changeIdOf } from './shared.js';

/** Approve: from the change channel, DMs or the App Home; stored before its ack, decided from the inbox. */

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

export const approveButton = raw('button', CHANGE_ACTIONS.approve, receiveApproval);
