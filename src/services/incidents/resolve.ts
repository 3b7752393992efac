import { resolveLinkedTickets } from '../tickets/work.js';
import { formatDuration } from '../../config/duration.js';
import { cleanTyped, decodeSlackText } from '../../domain/typed-text.js';
import { cancelDue, scheduleDue } from '../../../db/queries/due-items.js';
import {
  actionsOf,
  getAction,
  getIncident,
  insertAction,
  insertUpdate,
  lastUpdateOf,
  linkedChanges,
  linkedTickets,
  timelineOf,
  updateIncident,
  updatesOf,
  closeAction as closeActionRow,
  rolesOf,
  type IncidentRow,
} from '../../../db/queries/incidents.js';
import { firstReceipt } from '../../../db/queries/receipts.js';
import {
  actionReminderTimes,
  mayAddActions,
  mayRun,
  nextChaseAt,
  punctuality,
  refusalToAddActions,
  refusalToRun,
} from '../../domain/incidents/rules.js';
import { reviewMarkdown, type ReviewRecord } from '../../domain/incidents/review.js';
import type { ActionItem, IncidentSnapshot } from '../../domain/incidents/types.js';
import {
  actionAdded,
  actionChase,
  actionChaseNote,
  actionReminder,
  note,
  resolvedNextSteps,
  reviewMessage,
} from '../../../views/incidents/messages.js';
import { escapeMrkdwn, mention, userText } from '../../../views/text.js';
import {
  ok,
  refuse,
  transact,
  type Actor,
  type DueHandler,
  type Outcome,
  type ServiceContext,
  type Trx,
} from '../context.js';
import { sendDirectMessage } from '../outbox.js';
import type { RoleName, Settings } from '../../config/settings.js';
import { mayUploadReview, postRolesText } from '../../domain/reports/access.js';
import {
  audit,
  auditRefused,
  DUE,
  loadSnapshot,
  postInChannel,
  refreshSurfaces,
  restartUpdateSchedule,
  staleRefusal,
  SYSTEM_ACTOR,
  timeline,
  type IncidentActor,
  type Source,
} from './common.js';
import { publish } from './updates.js';

/**
 * Resolves an incident: reminders stop at once, every audience that heard about it gets a final
 * "resolved" update, the channel is told what happens next and gets the review draft.
 */
export async function resolveIncident(
  ctx: ServiceContext,
  input: { incidentId: number; actor: IncidentActor; summary: string; source?: Source; submissionKey?: string },
): Promise<Outcome<IncidentSnapshot>> {
  const summary = input.summary.trim();
  if (!summary) return refuse('Summarise the resolution.', 'summary');
  return transact(ctx, async (trx, now) => {
    const incident = await getIncident(trx, input.incidentId);
    if (!incident) return refuse('That incident no longer exists.');
    const stale = staleRefusal(incident);
    if (stale) return refuse(stale);
    if (!mayRun({ declaredBy: incident.declared_by, commanderId: incident.commander_id }, input.actor)) {
      await auditRefused(trx, now, incident, input.actor, 'resolve', input.source ?? 'modal');
      return refuse(refusalToRun(incident.key));
    }
    if (input.submissionKey && !(await firstReceipt(trx, `incident.resolve:${input.submissionKey}`, now)))
      return refuse('Already resolved.');
    const at = now.getTime();
    const patch: Partial<IncidentRow> = {
      status: 'resolved',
      resolved_at: at,
      resolution_summary: summary,
      mitigated_at: incident.mitigated_at ?? at,
      acknowledged_at: incident.acknowledged_at ?? (incident.commander_id === input.actor.id ? at : null),
      updated_at: at,
    };
    await updateIncident(trx, incident.id, patch);
    // Reminders and escalations stop at once.
    await restartUpdateSchedule(trx, now, ctx.settings, incident, null);
    const last = await lastUpdateOf(trx, incident.id);
    const onTime = punctuality(incident.next_update_due_at, at);
    const updateId = await insertUpdate(trx, {
      incident_id: incident.id,
      at,
      posted_by: input.actor.id,
      status: 'resolved',
      impact: last?.impact ?? incident.impact,
      actions: summary,
      workaround: null,
      next_update_at: null,
      due_at: incident.next_update_due_at,
      on_time: onTime === null ? null : onTime ? 1 : 0,
      audience: 'all',
    });
    await timeline(
      trx,
      now,
      incident.id,
      'status',
      input.actor.id,
      `Resolved by ${mention(input.actor.id)}: ${userText(summary, 500)}`,
    );
    await audit(trx, now, incident, input.actor, 'incident.resolved', input.source ?? 'modal', {
      before: { status: incident.status },
      after: { status: 'resolved', resolution_summary: summary },
    });
    // Tickets linked to the incident follow it: resolved with its resolution, their requesters told.
    const tickets = await resolveLinkedTickets(trx, ctx, { id: incident.id, key: incident.key, summary }, now);
    if (tickets.length > 0)
      await timeline(
        trx,
        now,
        incident.id,
        'ticket',
        input.actor.id,
        `Linked tickets resolved with the incident: ${tickets.join(', ')}`,
      );
    const snapshot = (await loadSnapshot(trx, ctx.settings, incident.id))!;
    await publish(
      trx,
      now,
      ctx.settings,
      snapshot,
      {
        status: 'resolved',
        impact: last?.impact ?? incident.impact,
        actions: summary,
        workaround: null,
        nextUpdateAt: null,
        postedBy: input.actor.id,
        at,
      },
      { everyone: true, final: true, updateId },
    );
    const reviewRequired = ctx.settings.incidents.review_required.includes(incident.severity);
    await postInChannel(trx, now, incident.id, resolvedNextSteps(snapshot, { reviewRequired }));
    const markdown = await reviewDraft(trx, ctx.settings, incident.id, slackNames);
    await postInChannel(trx, now, incident.id, reviewMessage(snapshot, reviewForSlack(markdown!)));
    await refreshSurfaces(trx, now, ctx.settings, snapshot);
    return ok(snapshot);
  });
}

/** In Slack the draft names people by mention (rendered with their current name). */
const slackNames = (userId: string) => `\u0000${userId}\u0000`;

/** The review draft in Markdown; `nameOf` names people (mentions in Slack, display names in the export). */
async function reviewDraft(
  trx: Trx,
  settings: Settings,
  incidentId: number,
  nameOf: (userId: string) => string,
): Promise<string | undefined> {
  const incident = await getIncident(trx, incidentId);
  if (!incident) return undefined;
  const snapshot = (await loadSnapshot(trx, settings, incident))!;
  const [entries, updates, tickets, changes, actions] = await Promise.all([
    timelineOf(trx, incidentId),
    updatesOf(trx, incidentId),
    linkedTickets(trx, incidentId),
    linkedChanges(trx, incidentId),
    actionsOf(trx, incidentId),
  ]);
  // Stored text is cleaned again (records older than the edge's cleaning included): the Slack rendering
  // marks names with NUL, so a NUL inside typed text must never survive into the draft.
  const c = cleanTyped;
  const record: ReviewRecord = {
    key: incident.key,
    title: c(incident.title),
    severity: incident.severity,
    severityLabel: snapshot.severityLabel,
    status: incident.status,
    impact: c(incident.impact),
    services: snapshot.services.map(c),
    declaredBy: incident.declared_by,
    declaredAt: incident.declared_at,
    startedAt: incident.started_at,
    acknowledgedAt: incident.acknowledged_at,
    mitigatedAt: incident.mitigated_at,
    resolvedAt: incident.resolved_at,
    resolutionSummary: incident.resolution_summary === null ? null : c(incident.resolution_summary),
    roles: snapshot.roles,
    // Timeline text is stored as mrkdwn (escaped, with mentions): back to plain text for Markdown.
    timeline: entries.map((e) => ({ at: e.at, kind: e.kind, actorId: e.actor_id, text: unMrkdwn(c(e.text), nameOf) })),
    updates: updates.map((u) => ({ at: u.at, onTime: u.on_time === null ? null : u.on_time === 1 })),
    tickets: tickets.map((x) => ({ ...x, summary: c(x.summary) })),
    changes: changes.map((x) => ({ ...x, title: c(x.title) })),
    actions: actions.map((a) => ({ text: c(a.text), ownerId: a.owner_id, dueAt: a.due_at, status: a.status })),
    reviewRequired: settings.incidents.review_required.includes(incident.severity),
  };
  return reviewMarkdown(record, nameOf, settings.timezone);
}

function unMrkdwn(text: string, nameOf: (userId: string) => string): string {
  return decodeSlackText(text.replace(/<@([UW][A-Z0-9]+)>/g, (_m, id: string) => nameOf(id)));
}

/** Escapes the Markdown for Slack and turns the name placeholders into mentions. */
function reviewForSlack(markdown: string): string {
  return escapeMrkdwn(markdown).replace(/\u0000([UW][A-Z0-9]+)\u0000/g, (_m, id: string) => mention(id));
}

/**
 * The review draft as a file. Uploading it is publishing: it needs a role in `reports.post_roles`
 * (checked here against the person, whatever the button said), and it goes to the incident's own
 * channel (or the person's DM when it has none), never to wherever the click came from.
 */
export async function exportReview(
  ctx: ServiceContext,
  incidentId: number,
  nameOf: (userId: string) => string,
  who: { actor: Actor; roles: ReadonlySet<RoleName>; source: Source },
): Promise<Outcome<{ key: string; markdown: string; channelId: string | null }>> {
  return transact(ctx, async (trx, now) => {
    const incident = await getIncident(trx, incidentId);
    if (!incident) return refuse('That incident no longer exists.');
    if (!mayUploadReview(who.roles, ctx.settings.reports)) {
      await audit(trx, now, incident, who.actor, 'incident.review_export_refused', who.source, {
        detail: `review upload refused: needs one of ${postRolesText(ctx.settings.reports)}`,
      });
      return refuse(
        `Uploading the ${incident.key} review is for ${postRolesText(ctx.settings.reports)}. Nothing was uploaded.`,
      );
    }
    const markdown = await reviewDraft(trx, ctx.settings, incidentId, nameOf);
    await audit(trx, now, incident, who.actor, 'incident.review_exported', who.source, {
      detail: incident.channel_id ? 'uploaded to the incident channel' : 'sent by DM',
    });
    const snapshot = await loadSnapshot(trx, ctx.settings, incident);
    return ok({ key: incident.key, markdown: markdown!, channelId: snapshot?.channelId ?? null });
  });
}

// ---- follow-up actions ------------------------------------------------------------------------------------

export async function addFollowUpAction(
  ctx: ServiceContext,
  input: {
    incidentId: number;
    actor: IncidentActor;
    text: string;
    ownerId: string;
    dueAt: number;
    source?: Source;
    submissionKey?: string;
  },
): Promise<Outcome<ActionItem>> {
  const text = input.text.trim();
  if (!text) return refuse('Describe the action: `/incident action <text> @owner <YYYY-MM-DD>`.');
  if (text.length > 500) return refuse('Keep the action under 500 characters.');
  if (!/^[UW][A-Z0-9]{2,}$/.test(input.ownerId)) return refuse('Name an owner by mentioning them (@name).');
  return transact(ctx, async (trx, now) => {
    const incident = await getIncident(trx, input.incidentId);
    if (!incident) return refuse('That incident no longer exists.');
    if (incident.status === 'closed') return refuse(`${incident.key} is closed; add actions before closing it.`);
    const roleHolders = (await rolesOf(trx, incident.id)).map((r) => r.user_id);
    if (
      !mayAddActions({ declaredBy: incident.declared_by, commanderId: incident.commander_id, roleHolders }, input.actor)
    ) {
      await auditRefused(trx, now, incident, input.actor, 'add follow-up action', input.source ?? 'modal');
      return refuse(refusalToAddActions(incident.key));
    }
    if (input.dueAt <= now.getTime()) return refuse('The due date is in the past.');
    if (input.submissionKey && !(await firstReceipt(trx, `incident.action:${input.submissionKey}`, now)))
      return refuse('This action was already added.');
    const id = await insertAction(trx, {
      incident_id: incident.id,
      text,
      owner_id: input.ownerId,
      due_at: input.dueAt,
      status: 'open',
      created_at: now.getTime(),
      created_by: input.actor.id,
      closed_at: null,
      closed_by: null,
    });
    const times = actionReminderTimes(input.dueAt, ctx.settings.incidents.action_reminder_before, now.getTime());
    if (times.before !== null) {
      await scheduleDue(
        trx,
        {
          kind: DUE.actionBefore,
          recordType: 'incident_action',
          recordId: id,
          dueAt: new Date(times.before),
          point: 'before',
        },
        now,
      );
    }
    await scheduleDue(
      trx,
      { kind: DUE.actionDue, recordType: 'incident_action', recordId: id, dueAt: new Date(times.due), point: 'due' },
      now,
    );
    await timeline(
      trx,
      now,
      incident.id,
      'action',
      input.actor.id,
      `Follow-up action for ${mention(input.ownerId)}: ${userText(text, 500)}`,
    );
    await audit(trx, now, incident, input.actor, 'incident.action_added', input.source ?? 'command', {
      after: { action: id, text, owner: input.ownerId, due_at: input.dueAt },
    });
    const item: ActionItem = {
      id,
      incidentKey: incident.key,
      incidentTitle: incident.title,
      text,
      ownerId: input.ownerId,
      dueAt: input.dueAt,
      status: 'open',
    };
    await postInChannel(trx, now, incident.id, actionAdded(item));
    if (input.ownerId !== input.actor.id) await sendDirectMessage(trx, now, input.ownerId, actionAdded(item));
    return ok(item);
  });
}

/** Before the follow-up action form opens: the same rule as adding one, the refusal audited. */
export async function checkMayAddActions(
  ctx: ServiceContext,
  input: { incidentId: number; actor: IncidentActor; source?: Source },
): Promise<Outcome<IncidentRow>> {
  return transact(ctx, async (trx, now) => {
    const incident = await getIncident(trx, input.incidentId);
    if (!incident) return refuse('That incident no longer exists.');
    if (incident.status === 'closed') return refuse(`${incident.key} is closed.`);
    const roleHolders = (await rolesOf(trx, incident.id)).map((r) => r.user_id);
    if (
      !mayAddActions({ declaredBy: incident.declared_by, commanderId: incident.commander_id, roleHolders }, input.actor)
    ) {
      await auditRefused(trx, now, incident, input.actor, 'add follow-up action', input.source ?? 'button');
      return refuse(refusalToAddActions(incident.key));
    }
    return ok(incident);
  });
}

/** Closes a follow-up action: its owner, or whoever may run the incident. */
export async function closeFollowUpAction(
  ctx: ServiceContext,
  input: { actionId: number; actor: IncidentActor; source?: Source },
): Promise<Outcome<ActionItem>> {
  return transact(ctx, async (trx, now) => {
    const action = await getAction(trx, input.actionId);
    if (!action) return refuse('That action no longer exists.');
    const incident = (await getIncident(trx, action.incident_id))!;
    const item: ActionItem = {
      id: action.id,
      incidentKey: incident.key,
      incidentTitle: incident.title,
      text: action.text,
      ownerId: action.owner_id,
      dueAt: action.due_at,
      status: 'done',
    };
    if (action.status === 'done') return refuse(`That action was already closed.`);
    const allowed =
      action.owner_id === input.actor.id ||
      mayRun({ declaredBy: incident.declared_by, commanderId: incident.commander_id }, input.actor);
    if (!allowed)
      await auditRefused(
        trx,
        now,
        incident,
        input.actor,
        `close follow-up action ${action.id}`,
        input.source ?? 'button',
      );
    if (!allowed)
      return refuse(
        `Only the action's owner, the commander of ${incident.key}, its declarer or an incident manager can close it.`,
      );
    if (!(await closeActionRow(trx, action.id, input.actor.id, now))) return refuse('That action was already closed.');
    await cancelDue(trx, 'incident_action', action.id, now);
    await timeline(
      trx,
      now,
      incident.id,
      'action_done',
      input.actor.id,
      `Follow-up action done: ${userText(action.text, 500)}`,
    );
    await audit(trx, now, incident, input.actor, 'incident.action_closed', input.source ?? 'button', {
      before: { action: action.id, status: 'open' },
      after: { status: 'done', on_time: now.getTime() <= action.due_at },
    });
    await postInChannel(
      trx,
      now,
      incident.id,
      note(
        `:white_check_mark: ${mention(input.actor.id)} closed a follow-up action of ${incident.key}: ${userText(action.text, 500)}`,
        'Follow-up action closed',
      ),
    );
    return ok(item);
  });
}

/**
 * Reminds the owner of an open action, before its due date and at it; from the due time on, an action
 * still open is chased every `incidents.action_chase_every` until it is closed (or its due time moves).
 */
export function actionReminderHandler(ctx: ServiceContext, kind: 'before' | 'due'): DueHandler {
  return async (trx, item, now) => {
    const action = await getAction(trx, item.record_id);
    if (!action) return 'skipped: action gone';
    if (action.status !== 'open') return 'skipped: done';
    const incident = (await getIncident(trx, action.incident_id))!;
    const a: ActionItem = {
      id: action.id,
      incidentKey: incident.key,
      incidentTitle: incident.title,
      text: action.text,
      ownerId: action.owner_id,
      dueAt: action.due_at,
      status: action.status,
    };
    await sendDirectMessage(trx, now, action.owner_id, {
      ...actionReminder(a, kind),
      dedupeKey: `incident_action/${action.id}/${kind}`,
    });
    await audit(
      trx,
      now,
      incident,
      SYSTEM_ACTOR,
      kind === 'due' ? 'incident.action_due_reminded' : 'incident.action_reminded',
      'job',
      { detail: `action ${action.id} owner ${action.owner_id}` },
    );
    if (kind === 'due') await scheduleActionChase(trx, now, ctx, action.id, action.due_at, 1);
    return `reminded ${action.owner_id}`;
  };
}

async function scheduleActionChase(
  trx: Trx,
  now: Date,
  ctx: ServiceContext,
  actionId: number,
  dueAt: number,
  n: number,
): Promise<void> {
  const at = nextChaseAt(now.getTime(), ctx.settings.incidents.action_chase_every);
  await scheduleDue(
    trx,
    {
      kind: DUE.actionChase,
      recordType: 'incident_action',
      recordId: actionId,
      dueAt: new Date(at),
      point: `chase-${dueAt}-${n}`,
      payload: { n, dueAt },
    },
    now,
  );
}

/** An overdue action, chased: the owner by DM, the incident channel told who owes what. */
export function actionChaseHandler(ctx: ServiceContext): DueHandler {
  return async (trx, item, now) => {
    const action = await getAction(trx, item.record_id);
    if (!action) return 'skipped: action gone';
    if (action.status !== 'open') return 'skipped: done';
    const data = item.data as { n?: number; dueAt?: number };
    if (data.dueAt !== undefined && data.dueAt !== action.due_at) return 'skipped: re-dated';
    const n = data.n ?? 1;
    const incident = (await getIncident(trx, action.incident_id))!;
    const a: ActionItem = {
      id: action.id,
      incidentKey: incident.key,
      incidentTitle: incident.title,
      text: action.text,
      ownerId: action.owner_id,
      dueAt: action.due_at,
      status: action.status,
    };
    const overdue = formatDuration(now.getTime() - action.due_at);
    await sendDirectMessage(trx, now, action.owner_id, {
      ...actionChase(a, { n, overdue }),
      dedupeKey: `incident_action/${action.id}/chase/${action.due_at}/${n}`,
    });
    await postInChannel(trx, now, incident.id, actionChaseNote(a, overdue));
    await audit(trx, now, incident, SYSTEM_ACTOR, 'incident.action_chased', 'job', {
      detail: `action ${action.id}, chase ${n}, owner ${action.owner_id}, overdue by ${overdue}`,
    });
    await scheduleActionChase(trx, now, ctx, action.id, action.due_at, n + 1);
    return `chased ${action.owner_id} (${n})`;
  };
}
