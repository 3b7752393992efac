import { missingServicesRefusal, servicesRefusal } from '../../domain/catalog.js';
import {
  snapshotOf,
  standardContent,
  standardEditOverreach,
  standardOverreachReason,
  templateLabel,
} from '../../domain/changes/standard.js';
import { approverEntriesFor, requiredApprovals } from '../../domain/changes/approval.js';
import { canApply, staleReason, statusAfterEdit } from '../../domain/changes/lifecycle.js';
import { riskFromAnswers, type RiskAnswers } from '../../domain/changes/risk.js';
import { checkWindow, decideFreeze, freezeConflicts, freezeWindowsFrom } from '../../domain/changes/schedule.js';
import type { ChangeType, Risk } from '../../domain/changes/types.js';
import { cancelDue } from '../../../db/queries/due-items.js';
import { nextNumber } from '../../../db/queries/counters.js';
import {
  approvalsOf,
  findChangeById,
  insertChange,
  replaceServices,
  servicesOf,
  transitionChange,
  type ChangeRow,
} from '../../../db/queries/changes.js';
import type { Executor } from '../../../db/schema.js';
import { changePost, cardLine, windowText } from '../../../views/changes/card.js';
import { mention, roleEntryMention, userText } from '../../../views/text.js';
import type { Settings } from '../../config/settings.js';
import { ok, refuse, transact, type Actor, type Outcome, type ServiceContext } from '../context.js';
import { postMessage, sendDirectMessage } from '../outbox.js';
import { changeChannel, conflictsOf, loadCard, postRef, refreshPost, threadNote } from './card.js';
import {
  audit,
  askedApprovers,
  refusedWork,
  cancelWindowDues,
  DUE,
  oweApprovalRequest,
  requestApproval,
  scheduleUnapprovedWindowFlag,
  scheduleWindowDues,
  snapshot,
  type ApprovalAsk,
  type Source,
} from './shared.js';
import { approvalRequestIntro, freezeLabel } from '../../../views/changes/notices.js';
import { firstReceipt } from '../../../db/queries/receipts.js';

export interface ChangeRequestInput {
  title: string;
  description: string;
  type: ChangeType;
  services: string[];
  /** A chosen risk; when absent, `riskAnswers` decide it. */
  risk?: Risk;
  riskAnswers?: RiskAnswers;
  start: number;
  end: number;
  implementerId: string | null;
  implementationPlan: string;
  rollbackPlan: string;
  linked: string | null;
  templateId?: string | null;
  freezeOverride?: { requested: boolean; reason: string | null };
  /** The requester's note (standard changes). */
  note?: string | null;
}

export interface RequestedChange {
  id: number;
  key: string;
  status: ChangeRow['status'];
  conflicts: { key: string; services: string[] }[];
  freezeOverride: boolean;
  /** The inbox key of the approval request owed (askApprovers), if approval is needed. */
  approvalAsk: string | null;
}

/** A resubmitted form (same view id and hash) records nothing twice. */
export const ALREADY_SUBMITTED = 'This form was already submitted.';

/** Checks shared by a new request and an edit: window, freeze, linked record. */
async function checkSchedule(
  db: Executor,
  settings: Settings,
  now: Date,
  input: {
    type: ChangeType;
    start: number;
    end: number;
    services: string[];
    linked?: string | null;
    freezeOverride?: { requested: boolean; reason: string | null };
  },
  timeZone: string,
): Promise<Outcome<{ override: boolean }>> {
  const windowProblem = checkWindow(input.type, { start: input.start, end: input.end }, now);
  if (windowProblem) return refuse(windowProblem.message, windowProblem.field);
  const hits = freezeConflicts(
    { start: input.start, end: input.end },
    input.services,
    freezeWindowsFrom(settings.changes.freeze_windows),
  );
  const freeze = decideFreeze(input.type, hits, input.freezeOverride ?? { requested: false, reason: null }, (f) =>
    freezeLabel(f, timeZone),
  );
  if (!freeze.allowed) return refuse(freeze.reason, freeze.field);
  if (input.linked) {
    const exists = input.linked.startsWith('INC-')
      ? await db.selectFrom('incidents').select('id').where('key', '=', input.linked).executeTakeFirst()
      : input.linked.startsWith('IT-')
        ? await db.selectFrom('tickets').select('id').where('key', '=', input.linked).executeTakeFirst()
        : { id: 0 };
    if (!exists) return refuse(`${input.linked} does not exist.`, 'linked');
  }
  return ok({ override: freeze.override });
}

/**
 * Records a change request: standard changes are approved on submit; normal and emergency ones go to
 * their approvers. The post in the change channel is the canonical record, edited in place afterwards.
 */
export async function requestChange(
  ctx: ServiceContext,
  input: ChangeRequestInput,
  options: { actor: Actor; source: Source; submissionKey?: string; timeZone?: string },
): Promise<Outcome<RequestedChange>> {
  const { settings } = ctx;
  const template =
    input.type === 'standard' && input.templateId
      ? settings.changes.standard_templates.find((t) => t.id === input.templateId)
      : undefined;
  if (input.type === 'standard' && !template)
    return refuse(
      'Standard changes come from the template catalog; that template does not exist (any more).',
      'template',
    );
  // A standard change takes its content from the template, whatever the submission carried.
  const snapshotOfTemplate = template ? snapshotOf(template) : undefined;
  if (snapshotOfTemplate)
    input = {
      ...input,
      ...standardContent(snapshotOfTemplate),
      riskAnswers: undefined,
      freezeOverride: undefined,
      linked: null,
    };
  if (!input.title.trim()) return refuse('Give the change a title.', 'title');
  const missingServices = missingServicesRefusal(input.services, settings.service_catalog);
  if (missingServices) return refuse(missingServices, 'services');
  if (!template) {
    const unlisted = servicesRefusal(input.services, settings.service_catalog);
    if (unlisted) return refuse(unlisted, 'services');
  }
  const risk: Risk | undefined = input.risk ?? (input.riskAnswers ? riskFromAnswers(input.riskAnswers) : undefined);
  if (!risk) return refuse('Choose a risk level or answer the risk questions.', 'risk');

  return transact(ctx, async (trx, now) => {
    const checked = await checkSchedule(
      trx,
      settings,
      now,
      { ...input, linked: input.linked },
      options.timeZone ?? settings.timezone,
    );
    if (!checked.ok) return checked;
    if (options.submissionKey && !(await firstReceipt(trx, `change.request:${options.submissionKey}`, now)))
      return refuse(ALREADY_SUBMITTED);
    const number = await nextNumber(trx, 'CHG');
    const standard = input.type === 'standard';
    const change = await insertChange(
      trx,
      {
        key: `CHG-${number}`,
        title: input.title.trim(),
        description: input.description,
        type: input.type,
        risk,
        risk_answers: !input.risk && input.riskAnswers && !standard ? JSON.stringify(input.riskAnswers) : null,
        status: standard ? 'scheduled' : 'pending_approval',
        outcome: null,
        requester_id: options.actor.id,
        implementer_id: input.implementerId ?? options.actor.id,
        template_id: template?.id ?? null,
        template_version: snapshotOfTemplate?.version ?? null,
        template_snapshot: snapshotOfTemplate ? JSON.stringify(snapshotOfTemplate) : null,
        requester_note: input.note?.trim() || null,
        planned_start: input.start,
        planned_end: input.end,
        implementation_plan: input.implementationPlan,
        rollback_plan: input.rollbackPlan,
        linked_ticket_key: input.linked,
        required_approvals: requiredApprovals(input.type, risk, settings.changes),
        freeze_override: checked.value.override ? 1 : 0,
        freeze_override_reason: checked.value.override ? (input.freezeOverride?.reason ?? null) : null,
        review_required: input.type === 'emergency' ? 1 : 0,
        reviewed_at: null,
        reviewed_by: null,
        review_note: null,
        version: 1,
        created_at: now.getTime(),
        submitted_at: now.getTime(),
        approved_at: standard ? now.getTime() : null,
        rejected_at: null,
        started_at: null,
        completed_at: null,
        cancelled_at: null,
        closeout_notes: null,
        closeout_requested_at: null,
        updated_at: now.getTime(),
      },
      input.services,
    );
    await audit(trx, now, change, {
      actor: options.actor,
      action: 'change.requested',
      source: options.source,
      after: {
        ...snapshot(change),
        services: input.services,
        title: change.title,
        ...(snapshotOfTemplate ? { template: snapshotOfTemplate } : {}),
        ...(change.requester_note ? { note: change.requester_note } : {}),
      },
      detail: snapshotOfTemplate ? `standard change from template ${templateLabel(snapshotOfTemplate)}` : null,
    });
    if (checked.value.override) {
      await audit(trx, now, change, {
        actor: options.actor,
        action: 'change.freeze_overridden',
        source: options.source,
        detail: input.freezeOverride?.reason ?? null,
      });
    }
    if (standard) {
      await audit(trx, now, change, {
        actor: options.actor,
        action: 'change.approved',
        source: options.source,
        after: snapshot(change),
        detail: `pre-approved standard change template ${templateLabel(snapshotOfTemplate!)}`,
      });
    }

    const card = await loadCard(trx, change, settings);
    await postMessage(trx, now, {
      channel: changeChannel(settings, change),
      refKey: postRef(change.id),
      ...changePost(card),
    });
    let approvalAsk: string | null = null;

    if (standard) {
      await scheduleWindowDues(trx, change, settings, now);
      await threadNote(
        trx,
        now,
        change.id,
        `:white_check_mark: Standard change from template “${userText(template!.title, 150)}” (version ${snapshotOfTemplate!.version}): pre-approved on submit by ${mention(change.requester_id)}.${change.requester_note ? ` Note: ${userText(change.requester_note, 500)}` : ''}`,
      );
    } else {
      const entries = approverEntriesFor(
        { type: change.type, services: input.services },
        settings.roles,
        settings.changes,
      );
      const who = entries.length
        ? entries.map(roleEntryMention).join(' ')
        : 'the approvers (none are configured: set roles.change_approvers)';
      const needs =
        change.type === 'emergency'
          ? 'one emergency approval'
          : `${change.required_approvals} approval${change.required_approvals === 1 ? '' : 's'}`;
      await threadNote(trx, now, change.id, `:inbox_tray: Approval requested from ${who}: needs ${needs}.`);
      approvalAsk = await oweApprovalRequest(trx, now, change, approvalRequestIntro(change.requester_id, change.type));
    }
    if (checked.value.override) {
      await threadNote(
        trx,
        now,
        change.id,
        `:snowflake: Emergency freeze override recorded: ${userText(input.freezeOverride?.reason ?? '', 500)}`,
      );
    }

    const confirmation = standard
      ? `:white_check_mark: ${cardLine(change)} is recorded and approved (standard change). Window: ${windowText(change.planned_start, change.planned_end)}.`
      : `:inbox_tray: ${cardLine(change)} is submitted and awaiting approval. You will hear here when approvers decide.`;
    await sendDirectMessage(trx, now, change.requester_id, { text: confirmation });
    if (card.conflicts.length > 0) {
      await warnConflicts(trx, now, change, card.conflicts, settings);
    }
    return ok({
      id: change.id,
      key: change.key,
      status: change.status,
      conflicts: card.conflicts,
      freezeOverride: checked.value.override,
      approvalAsk,
    });
  });
}

/** Tells the requester and the approvers (in the thread) about overlapping changes on the same services; refreshes the other posts. */
async function warnConflicts(
  db: Executor,
  now: Date,
  change: ChangeRow,
  conflicts: { key: string; services: string[] }[],
  settings: Settings,
): Promise<void> {
  const list = conflicts
    .slice(0, 10)
    .map((c) => `${c.key} (${userText(c.services.join(', '), 120)})`)
    .join(', ');
  const text = `:warning: Conflict: ${change.key} overlaps in time on the same service with ${list}. Coordinate the windows or check they can run together.`;
  await sendDirectMessage(db, now, change.requester_id, {
    text,
    dedupeKey: `change:${change.id}:v${change.version}:conflict`,
  });
  await threadNote(db, now, change.id, text, `change:${change.id}:v${change.version}:conflict-thread`);
  const services = await servicesOf(db, change.id);
  for (const other of (await conflictsOf(db, change, services)).slice(0, 5)) {
    const row = await findChangeById(db, other.id);
    if (row) await refreshPost(db, now, row, settings);
  }
}

export interface ChangeEditInput {
  title?: string;
  description?: string;
  services?: string[];
  risk?: Risk;
  riskAnswers?: RiskAnswers;
  start?: number;
  end?: number;
  implementerId?: string | null;
  implementationPlan?: string;
  rollbackPlan?: string;
  linked?: string | null;
  freezeOverride?: { requested: boolean; reason: string | null };
  /** Why (a postponement's reason). */
  note?: string | null;
  /** The requester's note kept on a standard change (undefined: unchanged). */
  requesterNote?: string | null;
}

export interface EditedChange {
  key: string;
  status: ChangeRow['status'];
  version: number;
  sentBackForApproval: boolean;
  /** The inbox key of the approval request owed (askApprovers), when it went back for approval. */
  approvalAsk: string | null;
}

/**
 * Edits a change. A new window, plan, service set or risk after any decision sends it back for
 * approval: the version is bumped (older approvals no longer count) and approvers are asked again.
 * Standard changes stay pre-approved but are re-checked against freezes.
 */
export async function editChange(
  ctx: ServiceContext,
  changeId: number,
  edit: ChangeEditInput,
  options: { actor: Actor; source: Source; postpone?: boolean; submissionKey?: string; timeZone?: string },
): Promise<Outcome<EditedChange>> {
  const { settings } = ctx;
  return transact(ctx, async (trx, now) => {
    const before = await findChangeById(trx, changeId);
    if (!before) return refuse('That change no longer exists.');
    const workVerb = options.postpone ? 'postpone' : 'edit';
    const refusal = await refusedWork(trx, now, before, options.actor, workVerb, options.source);
    if (refusal) return refuse(refusal);
    if (!canApply(before.status, 'edit'))
      return refuse(staleReason(before.key, before.status, options.postpone ? 'reschedule' : 'edit'));
    const oldServices = await servicesOf(trx, changeId);
    if (before.type === 'standard') {
      const overreach = standardEditOverreach(
        {
          title: before.title,
          description: before.description,
          services: oldServices,
          risk: before.risk,
          implementationPlan: before.implementation_plan,
          rollbackPlan: before.rollback_plan,
        },
        edit,
      );
      if (overreach.length > 0 || (edit.linked !== undefined && edit.linked !== before.linked_ticket_key)) {
        const fields = overreach.length > 0 ? overreach : ['linked record'];
        await audit(trx, now, before, {
          actor: options.actor,
          action: 'change.edit_refused',
          source: options.source,
          detail: `standard change: ${fields.join(', ')} fixed by template ${before.template_id ?? '?'} v${before.template_version ?? '?'}`,
        });
        return refuse(standardOverreachReason(before.key, fields), 'template');
      }
      // Only the window, the implementer and the note move; the template's content stays as approved.
      edit = {
        start: edit.start,
        end: edit.end,
        implementerId: edit.implementerId,
        note: edit.note,
        requesterNote: edit.requesterNote,
        freezeOverride: undefined,
      };
    }
    const services = edit.services ?? oldServices;
    if (edit.services) {
      const unlisted = servicesRefusal(edit.services, settings.service_catalog);
      if (unlisted) return refuse(unlisted, 'services');
    }
    const start = edit.start ?? before.planned_start;
    const end = edit.end ?? before.planned_end;
    const risk: Risk =
      before.type === 'standard'
        ? before.risk
        : (edit.risk ?? (edit.riskAnswers ? riskFromAnswers(edit.riskAnswers) : before.risk));
    const windowChanged = start !== before.planned_start || end !== before.planned_end;
    const planChanged =
      (edit.implementationPlan !== undefined && edit.implementationPlan !== before.implementation_plan) ||
      (edit.rollbackPlan !== undefined && edit.rollbackPlan !== before.rollback_plan);
    const scopeChanged =
      services.slice().sort().join('\n') !== oldServices.slice().sort().join('\n') ||
      risk !== before.risk ||
      (edit.implementerId !== undefined && (edit.implementerId ?? before.requester_id) !== before.implementer_id);
    const material = windowChanged || planChanged || scopeChanged;

    if (windowChanged || scopeChanged) {
      const checked = await checkSchedule(
        trx,
        settings,
        now,
        {
          type: before.type,
          start,
          end,
          services,
          linked: null,
          freezeOverride: edit.freezeOverride ?? {
            requested: before.freeze_override === 1,
            reason: before.freeze_override_reason,
          },
        },
        options.timeZone ?? settings.timezone,
      );
      if (!checked.ok) return checked;
    }
    if (edit.linked && edit.linked !== before.linked_ticket_key) {
      const checked = await checkSchedule(
        trx,
        settings,
        now,
        { type: 'emergency', start: now.getTime(), end: now.getTime() + 1, services: [], linked: edit.linked },
        settings.timezone,
      );
      if (!checked.ok) return checked;
    }

    const decided = (await approvalsOf(trx, changeId)).some((a) => a.version === before.version);
    const wasApproved = before.status === 'scheduled' || before.status === 'approved';
    const sendBack = material && before.type !== 'standard' && (wasApproved || decided);
    const version = sendBack ? before.version + 1 : before.version;
    const status = sendBack ? statusAfterEdit(before.type, before.status) : before.status;
    const patch = {
      title: edit.title?.trim() || before.title,
      description: edit.description ?? before.description,
      risk,
      risk_answers:
        edit.riskAnswers && !edit.risk ? JSON.stringify(edit.riskAnswers) : edit.risk ? null : before.risk_answers,
      required_approvals: requiredApprovals(before.type, risk, settings.changes),
      planned_start: start,
      planned_end: end,
      implementer_id:
        edit.implementerId === undefined ? before.implementer_id : (edit.implementerId ?? before.requester_id),
      implementation_plan: edit.implementationPlan ?? before.implementation_plan,
      rollback_plan: edit.rollbackPlan ?? before.rollback_plan,
      linked_ticket_key: edit.linked === undefined ? before.linked_ticket_key : edit.linked,
      requester_note: edit.requesterNote === undefined ? before.requester_note : edit.requesterNote?.trim() || null,
      version,
      status,
      approved_at: sendBack ? null : before.approved_at,
      postponed_count: before.postponed_count + (options.postpone ? 1 : 0),
      closeout_requested_at: windowChanged ? null : before.closeout_requested_at,
      updated_at: now.getTime(),
    };
    // Claimed once every check passed: a form corrected after an inline error is not a resubmission.
    if (options.submissionKey && !(await firstReceipt(trx, `change.edit:${options.submissionKey}`, now)))
      return refuse(ALREADY_SUBMITTED);
    if (!(await transitionChange(trx, changeId, [before.status], patch)))
      return refuse(staleReason(before.key, before.status, 'edit'));
    if (services !== oldServices) await replaceServices(trx, changeId, services);
    const after = (await findChangeById(trx, changeId))!;
    const what =
      [windowChanged ? 'window' : '', planChanged ? 'plan' : '', scopeChanged ? 'scope/risk' : '']
        .filter(Boolean)
        .join(', ') || 'details';
    await audit(trx, now, after, {
      actor: options.actor,
      action: options.postpone ? 'change.postponed' : 'change.edited',
      source: options.source,
      before: snapshot(before),
      after: snapshot(after),
      detail: [`changed: ${what}`, edit.note ? `reason: ${edit.note}` : ''].filter(Boolean).join('; '),
    });

    if (windowChanged || sendBack) await cancelWindowDues(trx, changeId, now);
    if (sendBack) {
      await cancelDue(trx, 'change', changeId, now, [DUE.approvalReminder]);
      await audit(trx, now, after, {
        actor: options.actor,
        action: 'change.sent_back_for_approval',
        source: options.source,
        before: { version: before.version },
        after: { version },
        detail: `${what} changed after a decision`,
      });
    }
    const card = await refreshPost(trx, now, after, settings);
    let approvalAsk: string | null = null;
    const verb = options.postpone ? 'postponed' : 'edited';
    const lead = `:pencil2: ${mention(options.actor.id)} ${verb} ${after.key} (${what})${windowChanged ? `: new window ${windowText(after.planned_start, after.planned_end)}` : ''}${edit.note ? ` — ${userText(edit.note, 300)}` : ''}.`;
    if (sendBack) {
      await threadNote(
        trx,
        now,
        changeId,
        `${lead} It needs approval again (version ${version}); earlier approvals no longer count.`,
      );
      approvalAsk = await oweApprovalRequest(
        trx,
        now,
        after,
        `:repeat: ${after.key} changed after a decision (${what}) and needs your approval again:`,
      );
    } else if (material || edit.title || edit.description !== undefined) {
      await threadNote(trx, now, changeId, lead);
      if (status === 'scheduled' || status === 'approved') {
        if (windowChanged) await scheduleWindowDues(trx, after, settings, now);
      }
      // The approvers already asked for this version (known once their ask was processed; if it is still
      // pending, processing it flags the new window itself).
      if (status === 'pending_approval' && windowChanged)
        await scheduleUnapprovedWindowFlag(trx, now, after, await askedApprovers(trx, after.id, after.version));
    }
    if (card.conflicts.length > 0 && windowChanged) await warnConflicts(trx, now, after, card.conflicts, settings);
    return ok({
      key: after.key,
      status: after.status,
      version: after.version,
      sentBackForApproval: sendBack,
      approvalAsk,
    });
  });
}

/**
 * Asks the approvers of a change version owed by oweApprovalRequest, in the transaction that marks the
 * ask processed: each approver gets one DM with the buttons, and the reminder is scheduled. A version
 * already superseded, or no longer awaiting approval, asks nobody.
 */
export async function askApprovers(
  ctx: ServiceContext,
  receipt: string,
  ask: ApprovalAsk,
  approverIds: string[],
): Promise<Outcome<{ asked: boolean }>> {
  return transact(ctx, async (trx, now) => {
    if (!(await firstReceipt(trx, receipt, now))) return ok({ asked: false });
    const change = await findChangeById(trx, ask.changeId);
    if (!change || change.version !== ask.version || change.status !== 'pending_approval') return ok({ asked: false });
    const card = await loadCard(trx, change, ctx.settings);
    await requestApproval(trx, now, change, card, ctx.settings, approverIds, ask.intro);
    return ok({ asked: true });
  });
}
