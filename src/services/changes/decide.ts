import {
  checkApprover,
  quorum,
  windowStillAhead,
  type ApproverFacts,
  type ChangeForApproval,
  type QuorumState,
} from '../../domain/changes/approval.js';
import { cancelDue } from '../../../db/queries/due-items.js';
import {
  approvalsOf,
  findChangeById,
  insertApproval,
  servicesOf,
  transitionChange,
  type ChangeRow,
} from '../../../db/queries/changes.js';
import { cardLine } from '../../../views/changes/card.js';
import { mention, userText } from '../../../views/text.js';
import { ok, refuse, transact, type Actor, type Outcome, type ServiceContext, type Trx } from '../context.js';
import { sendDirectMessage } from '../outbox.js';
import { givenApprovals, loadCard, refreshPost, threadNote } from './card.js';
import { newWindowNeededDm, windowPassedRefusal } from '../../../views/changes/notices.js';
import { firstReceipt } from '../../../db/queries/receipts.js';
import { audit, DUE, peopleOf, scheduleWindowDues, snapshot, type Source } from './shared.js';

export interface Decision {
  key: string;
  status: string;
  quorum: QuorumState;
}

/**
 * An approver's decision on the current version. Every click is re-checked: state, segregation of
 * duties, membership, and whether this approver already decided (a double click counts once, enforced
 * by a unique row too). Refused attempts by the requester, the implementer or a non-approver are kept
 * in the audit log as evidence that the control held; nothing else is recorded for them.
 */
export async function decideOnChange(
  ctx: ServiceContext,
  input: {
    changeId: number;
    decision: 'approved' | 'rejected';
    reason?: string | null;
    actor: Actor;
    facts: Omit<ApproverFacts, 'userId'>;
    source: Source;
    receipt?: string;
  },
): Promise<Outcome<Decision>> {
  const { settings } = ctx;
  return transact(ctx, async (trx, now) => {
    const authorised = await authorise(trx, now, input);
    if (!authorised.ok) return authorised;
    const { change, subject, facts } = authorised.value;
    if (input.decision === 'rejected' && !input.reason?.trim()) return refuse('A rejection needs a reason.', 'reason');
    if (input.decision === 'approved' && !windowStillAhead({ plannedEnd: change.planned_end }, now.getTime())) {
      await audit(trx, now, change, {
        actor: input.actor,
        action: 'change.approval_refused',
        source: input.source,
        detail: `approve refused (window passed), version ${change.version}`,
      });
      const card = await loadCard(trx, change, settings);
      for (const id of new Set([change.requester_id, change.implementer_id ?? change.requester_id])) {
        await sendDirectMessage(trx, now, id, {
          ...newWindowNeededDm(card, input.actor.id),
          dedupeKey: `change:${change.id}:v${change.version}@${change.planned_start}:new-window:${id}`,
        });
      }
      return refuse(windowPassedRefusal(card));
    }
    // The click or form that asked for this decision, marked processed with it.
    if (input.receipt && !(await firstReceipt(trx, input.receipt, now)))
      return refuse(`You already decided on ${change.key}; it counts once.`);
    const inserted = await insertApproval(
      trx,
      {
        changeId: change.id,
        version: change.version,
        approverId: input.actor.id,
        decision: input.decision,
        reason: input.reason?.trim() || null,
        coversServices: facts.serviceGroups,
      },
      now,
    );
    if (!inserted) return refuse(`You already decided on ${change.key}; it counts once.`);
    const all = givenApprovals(await approvalsOf(trx, change.id));
    const q = quorum(subject, all, settings.changes);
    await audit(trx, now, change, {
      actor: input.actor,
      action: input.decision === 'approved' ? 'change.approval_given' : 'change.rejection_given',
      source: input.source,
      after: {
        version: change.version,
        approvals: q.approvals,
        required: q.required,
        covers_services: facts.serviceGroups,
      },
      detail: input.reason?.trim() || null,
    });

    let status = change.status;
    if (q.rejected) {
      status = 'rejected';
      await transitionChange(trx, change.id, ['pending_approval'], {
        status,
        rejected_at: now.getTime(),
        updated_at: now.getTime(),
      });
      await cancelDue(trx, 'change', change.id, now, [DUE.approvalReminder, DUE.unapprovedWindow]);
      const after = (await findChangeById(trx, change.id))!;
      await audit(trx, now, after, {
        actor: input.actor,
        action: 'change.rejected',
        source: input.source,
        before: snapshot(change),
        after: snapshot(after),
        detail: input.reason ?? null,
      });
      const text = `:no_entry: ${mention(input.actor.id)} rejected ${cardLine(change)}: ${userText(input.reason ?? '', 1000)}`;
      await threadNote(trx, now, change.id, text);
      for (const id of new Set([change.requester_id, change.implementer_id ?? change.requester_id])) {
        await sendDirectMessage(trx, now, id, {
          text,
          dedupeKey: `change:${change.id}:v${change.version}:rejected:${id}`,
        });
      }
      await refreshPost(trx, now, after, settings);
    } else if (q.met) {
      status = 'scheduled';
      await transitionChange(trx, change.id, ['pending_approval'], {
        status,
        approved_at: now.getTime(),
        updated_at: now.getTime(),
      });
      await cancelDue(trx, 'change', change.id, now, [DUE.approvalReminder, DUE.unapprovedWindow]);
      const after = (await findChangeById(trx, change.id))!;
      await audit(trx, now, after, {
        actor: input.actor,
        action: 'change.approved',
        source: input.source,
        before: snapshot(change),
        after: snapshot(after),
        detail: `quorum ${q.approvals}/${q.required} on version ${change.version}`,
      });
      await scheduleWindowDues(trx, after, settings, now);
      const approvers = all
        .filter((a) => a.version === change.version && a.decision === 'approved')
        .map((a) => mention(a.approverId))
        .join(', ');
      const text = `:white_check_mark: ${cardLine(change)} is approved (${approvers}) and scheduled.${change.type === 'emergency' ? ' The CAB will review it afterwards.' : ''}`;
      await threadNote(trx, now, change.id, text);
      for (const id of new Set([change.requester_id, change.implementer_id ?? change.requester_id])) {
        await sendDirectMessage(trx, now, id, {
          text,
          dedupeKey: `change:${change.id}:v${change.version}:approved:${id}`,
        });
      }
      await refreshPost(trx, now, after, settings);
    } else {
      const missing = q.missingServiceGroups.length
        ? `; still needs the ${q.missingServiceGroups.join(', ')} approver group`
        : '';
      await threadNote(
        trx,
        now,
        change.id,
        `:ballot_box_with_check: ${mention(input.actor.id)} approved (${q.approvals} of ${q.required}${userText(missing, 300)}).`,
      );
      await refreshPost(trx, now, change, settings);
    }
    return ok({ key: change.key, status, quorum: q });
  });
}

/** "Ask a question": posted in the change's thread, the requester and implementer told. */
export async function askAboutChange(
  ctx: ServiceContext,
  input: { changeId: number; actor: Actor; question: string; source: Source },
): Promise<Outcome<{ key: string }>> {
  return transact(ctx, async (trx, now) => {
    const change = await findChangeById(trx, input.changeId);
    if (!change) return refuse('That change no longer exists.');
    const question = input.question.trim();
    if (!question) return refuse('The question is empty.', 'question');
    await audit(trx, now, change, {
      actor: input.actor,
      action: 'change.question_asked',
      source: input.source,
      detail: question.slice(0, 2000),
    });
    const text = `:question: ${mention(input.actor.id)} asks about ${change.key}: ${userText(question, 2000)}`;
    await threadNote(trx, now, change.id, `${text}\n${mention(change.requester_id)} please answer in this thread.`);
    for (const id of new Set([change.requester_id, change.implementer_id ?? change.requester_id])) {
      if (id !== input.actor.id)
        await sendDirectMessage(trx, now, id, {
          text: `${text}\nAnswer in the change's thread in the change channel.`,
        });
    }
    return ok({ key: change.key });
  });
}

/** The CAB's retrospective review of an emergency change. Reviewers are CAB members who neither requested nor implemented it. */
export async function recordReview(
  ctx: ServiceContext,
  input: { changeId: number; actor: Actor; note: string; isChangeApprover: boolean; source: Source },
): Promise<Outcome<{ key: string }>> {
  return transact(ctx, async (trx, now) => {
    const change = await findChangeById(trx, input.changeId);
    if (!change) return refuse('That change no longer exists.');
    if (change.review_required !== 1)
      return refuse(`${change.key} is not an emergency change; it needs no retrospective review.`);
    if (change.reviewed_at)
      return refuse(
        `${change.key} was already reviewed${change.reviewed_by ? ` by ${mention(change.reviewed_by)}` : ''}.`,
      );
    if (!input.isChangeApprover) {
      await audit(trx, now, change, {
        actor: input.actor,
        action: 'change.review_refused',
        source: input.source,
        detail: 'review refused: not a change approver',
      });
      return refuse(`Only change approvers (CAB) can record the review of ${change.key}.`);
    }
    if (input.actor.id === change.requester_id || input.actor.id === change.implementer_id) {
      await audit(trx, now, change, {
        actor: input.actor,
        action: 'change.review_refused',
        source: input.source,
        detail: 'review refused: segregation of duties',
      });
      return refuse(
        `You requested or implemented ${change.key}, so another CAB member must review it (segregation of duties).`,
      );
    }
    if (!input.note.trim()) return refuse('Add the review notes: `/change review CHG-17 <notes>`.');
    await transitionChange(trx, change.id, [change.status], {
      reviewed_at: now.getTime(),
      reviewed_by: input.actor.id,
      review_note: input.note.trim(),
      updated_at: now.getTime(),
    });
    const after = (await findChangeById(trx, change.id))!;
    await audit(trx, now, after, {
      actor: input.actor,
      action: 'change.reviewed',
      source: input.source,
      detail: input.note.trim().slice(0, 2000),
    });
    await threadNote(
      trx,
      now,
      change.id,
      `:mag: ${mention(input.actor.id)} recorded the CAB review: ${userText(input.note, 1500)}`,
    );
    await refreshPost(trx, now, after, ctx.settings);
    return ok({ key: change.key });
  });
}

/**
 * The same checks as a decision, without deciding: run when Reject is clicked, before the reason modal
 * opens, so nobody types a reason only to be refused. Refusals of the control are audited here too.
 */
export async function checkDecisionAllowed(
  ctx: ServiceContext,
  input: {
    changeId: number;
    actor: Actor;
    facts: Omit<ApproverFacts, 'userId'>;
    source: Source;
    decision: 'approved' | 'rejected';
  },
): Promise<Outcome<{ id: number; key: string; title: string }>> {
  return transact(ctx, async (trx, now) => {
    const authorised = await authorise(trx, now, input);
    if (!authorised.ok) return authorised;
    const { change } = authorised.value;
    return ok({ id: change.id, key: change.key, title: change.title });
  });
}

/** Loads a change and runs the approver checks; refusals of the control (SoD, outsider) are audited. */
async function authorise(
  trx: Trx,
  now: Date,
  input: {
    changeId: number;
    actor: Actor;
    facts: Omit<ApproverFacts, 'userId'>;
    source: Source;
    decision: 'approved' | 'rejected';
  },
): Promise<Outcome<{ change: ChangeRow; subject: ChangeForApproval; facts: ApproverFacts }>> {
  const change = await findChangeById(trx, input.changeId);
  if (!change) return refuse('That change no longer exists.');
  const services = await servicesOf(trx, change.id);
  const given = givenApprovals(await approvalsOf(trx, change.id));
  const facts: ApproverFacts = {
    ...input.facts,
    userId: input.actor.id,
    serviceGroups: input.facts.serviceGroups.filter((s) => services.includes(s)),
  };
  const subject: ChangeForApproval = {
    ...peopleOf(change),
    type: change.type,
    risk: change.risk,
    status: change.status,
    services,
    version: change.version,
  };
  const check = checkApprover(subject, facts, given);
  if (!check.allowed) {
    if (check.kind === 'segregation' || check.kind === 'not_approver') {
      await audit(trx, now, change, {
        actor: input.actor,
        action: 'change.approval_refused',
        source: input.source,
        detail: `${input.decision === 'approved' ? 'approve' : 'reject'} refused (${check.kind === 'segregation' ? 'segregation of duties' : 'not an approver'}), version ${change.version}`,
      });
    }
    return refuse(check.reason);
  }
  return ok({ change, subject, facts });
}

/**
 * The answer to an approval click that cannot go back where the click came from (no response_url, as
 * from the App Home, or it no longer answers): a DM, owed once per click however often it is retried.
 */
export async function sendDecisionAnswer(
  ctx: ServiceContext,
  input: { userId: string; text: string; receipt: string },
): Promise<void> {
  await transact(ctx, (trx, now) =>
    sendDirectMessage(trx, now, input.userId, { text: input.text, dedupeKey: `${input.receipt}:answer` }),
  );
}
