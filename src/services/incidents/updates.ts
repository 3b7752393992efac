import { scheduleDue } from '../../../db/queries/due-items.js';
import {
  addAudience,
  audiencesOf,
  getIncident,
  insertUpdate,
  lastUpdateOf,
  subscribersOf,
  updateIncident,
  type IncidentRow,
} from '../../../db/queries/incidents.js';
import { firstReceipt } from '../../../db/queries/receipts.js';
import { formatDuration } from '../../config/duration.js';
import {
  isOpen,
  mayPostUpdate,
  mayRun,
  nextReminderAt,
  punctuality,
  STATUS_LABELS,
  type ActiveStatus,
} from '../../domain/incidents/rules.js';
import type { IncidentSnapshot, UpdateContent } from '../../domain/incidents/types.js';
import {
  headsUpMessage,
  overdueMessage,
  reminderMessage,
  summaryMessage,
  updatePost,
} from '../../../views/incidents/messages.js';
import type { UpdatePrefill } from '../../../views/incidents/modals.js';
import { mention, userText } from '../../../views/text.js';
import { ok, refuse, transact, type DueHandler, type Outcome, type ServiceContext, type Trx } from '../context.js';
import { postMessage, sendDirectMessage, updateMessage } from '../outbox.js';
import type { Settings } from '../../config/settings.js';
import {
  audit,
  auditRefused,
  currentCadence,
  DUE,
  ensureChannelAudiences,
  loadSnapshot,
  pageMentions,
  postInChannel,
  refreshSurfaces,
  refs,
  restartUpdateSchedule,
  roleHolder,
  staleRefusal,
  SYSTEM_ACTOR,
  timeline,
  type IncidentActor,
  type Source,
} from './common.js';

function mayUpdate(incident: IncidentRow, snapshot: IncidentSnapshot, actor: IncidentActor): boolean {
  return mayPostUpdate(
    {
      declaredBy: incident.declared_by,
      commanderId: incident.commander_id,
      commsLeadId: roleHolder(snapshot, 'comms_lead'),
    },
    actor,
  );
}

/** What the "Post update" modal opens with: the last update's content and the current status. */
export async function updateForm(
  ctx: ServiceContext,
  input: { incidentId: number; actor: IncidentActor; source?: Source },
): Promise<
  Outcome<{
    snapshot: IncidentSnapshot;
    prefill: UpdatePrefill;
    /** Allowed without being an incident manager. */ allowedByRole: boolean;
  }>
> {
  return transact(ctx, async (trx, now) => {
    const incident = await getIncident(trx, input.incidentId);
    if (!incident) return refuse('That incident no longer exists.');
    const stale = staleRefusal(incident);
    if (stale) return refuse(stale);
    const snapshot = (await loadSnapshot(trx, ctx.settings, incident))!;
    if (!mayUpdate(incident, snapshot, input.actor)) {
      await auditRefused(trx, now, incident, input.actor, 'post update', input.source ?? 'button');
      return refuse(
        `Only the commander or communications lead of ${incident.key}, its declarer or an incident manager can post updates.`,
      );
    }
    const last = await lastUpdateOf(trx, incident.id);
    return ok({
      snapshot,
      allowedByRole: mayUpdate(incident, snapshot, { ...input.actor, isIncidentManager: false }),
      prefill: {
        status: incident.status as ActiveStatus,
        impact: last?.impact ?? incident.impact,
        actions: last?.actions ?? '',
        workaround: last?.workaround ?? '',
        cadence: currentCadence(ctx.settings, incident.severity, incident.status),
        audience: last?.audience === 'channel' ? 'channel' : 'all',
      },
    });
  });
}

export interface PostUpdateInput {
  incidentId: number;
  actor: IncidentActor;
  status: ActiveStatus;
  impact: string;
  actions: string;
  workaround: string | null;
  /** From now; null: no further timed update. */
  nextUpdateInMs: number | null;
  audience: 'all' | 'channel';
  source?: Source;
  submissionKey?: string;
}

/**
 * Publishes a stakeholder update in one template: in the incident channel, threaded under the head
 * message of every channel audience (incidents, stakeholders, executives), and by DM to subscribers.
 * Punctuality is recorded; the update schedule restarts from the chosen next-update time.
 */
export async function postUpdate(ctx: ServiceContext, input: PostUpdateInput): Promise<Outcome<IncidentSnapshot>> {
  return transact(ctx, async (trx, now) => {
    const incident = await getIncident(trx, input.incidentId);
    if (!incident) return refuse('That incident no longer exists.');
    const stale = staleRefusal(incident);
    if (stale) return refuse(stale);
    const before = (await loadSnapshot(trx, ctx.settings, incident))!;
    if (!mayUpdate(incident, before, input.actor)) {
      await auditRefused(trx, now, incident, input.actor, 'post update', input.source ?? 'modal');
      return refuse(
        `Only the commander or communications lead of ${incident.key}, its declarer or an incident manager can post updates.`,
      );
    }
    const statusChanged = input.status !== incident.status;
    if (
      statusChanged &&
      !mayRun({ declaredBy: incident.declared_by, commanderId: incident.commander_id }, input.actor)
    ) {
      await auditRefused(trx, now, incident, input.actor, 'status change', input.source ?? 'modal');
      return refuse(
        `Only the commander of ${incident.key}, the person who declared it or an incident manager can change its status; post the update as ${STATUS_LABELS[incident.status]}.`,
        'status',
      );
    }
    // Claimed once every check passed: a form corrected after an inline error is not a resubmission.
    if (input.submissionKey && !(await firstReceipt(trx, `incident.update:${input.submissionKey}`, now))) {
      return refuse('This update was already posted.');
    }
    const at = now.getTime();
    const dueAt = incident.next_update_due_at;
    const onTime = punctuality(dueAt, at);
    const nextUpdateAt = input.nextUpdateInMs === null ? null : at + input.nextUpdateInMs;
    const updateId = await insertUpdate(trx, {
      incident_id: incident.id,
      at,
      posted_by: input.actor.id,
      status: input.status,
      impact: input.impact,
      actions: input.actions,
      workaround: input.workaround,
      next_update_at: nextUpdateAt,
      due_at: dueAt,
      on_time: onTime === null ? null : onTime ? 1 : 0,
      audience: input.audience,
    });
    const patch: Partial<IncidentRow> = { last_update_at: at, updated_at: at };
    if (statusChanged) {
      patch.status = input.status;
      if (input.status === 'monitoring' && incident.mitigated_at === null) patch.mitigated_at = at;
    }
    if (incident.acknowledged_at === null && incident.commander_id === input.actor.id) {
      patch.acknowledged_at = at;
      await timeline(
        trx,
        now,
        incident.id,
        'acknowledged',
        input.actor.id,
        `Acknowledged by ${mention(input.actor.id)}`,
      );
    }
    await updateIncident(trx, incident.id, patch);
    await restartUpdateSchedule(trx, now, ctx.settings, { ...incident, ...patch } as IncidentRow, nextUpdateAt);
    if (statusChanged) {
      await timeline(
        trx,
        now,
        incident.id,
        'status',
        input.actor.id,
        `Status ${STATUS_LABELS[incident.status]} → ${STATUS_LABELS[input.status]}`,
      );
    }
    const punctual = onTime === null ? 'unscheduled' : onTime ? 'on time' : `late by ${formatDuration(at - dueAt!)}`;
    await timeline(
      trx,
      now,
      incident.id,
      'update',
      input.actor.id,
      `Stakeholder update (${input.audience === 'all' ? 'everyone' : 'incident channel'}, ${punctual}): ${userText(input.impact, 300)}`,
    );
    await audit(trx, now, incident, input.actor, 'incident.update_posted', input.source ?? 'modal', {
      before: statusChanged ? { status: incident.status } : undefined,
      after: { status: input.status, next_update_at: nextUpdateAt, on_time: onTime, audience: input.audience },
    });
    const snapshot = (await loadSnapshot(trx, ctx.settings, incident.id))!;
    const content: UpdateContent = {
      status: input.status,
      impact: input.impact,
      actions: input.actions,
      workaround: input.workaround,
      nextUpdateAt,
      postedBy: input.actor.id,
      at,
    };
    await publish(trx, now, ctx.settings, snapshot, content, { everyone: input.audience === 'all', updateId });
    await refreshSurfaces(trx, now, ctx.settings, snapshot);
    return ok(snapshot);
  });
}

/**
 * Fan-out of one update. Channel audiences get it in the thread of their head message (new audiences get
 * the announcement first); subscribers by DM; the incident channel top-level. The sender paces them.
 */
export async function publish(
  trx: Trx,
  now: Date,
  settings: Settings,
  snapshot: IncidentSnapshot,
  content: UpdateContent,
  opts: { everyone: boolean; final?: boolean; updateId: number },
): Promise<void> {
  const tag = `incident/${snapshot.id}/update/${opts.updateId}`;
  await postInChannel(trx, now, snapshot.id, {
    ...updatePost(snapshot, content, { final: opts.final }),
    dedupeKey: `${tag}/channel`,
  });
  if (!opts.everyone) return;
  if (!opts.final) await ensureChannelAudiences(trx, now, settings, snapshot);
  for (const audience of await audiencesOf(trx, snapshot.id)) {
    if (audience.kind !== 'channel') continue;
    await postMessage(trx, now, {
      channel: audience.target,
      ...updatePost(snapshot, content, { final: opts.final }),
      threadOf: refs.announce(snapshot.id, audience.target),
      dedupeKey: `${tag}/${audience.target}`,
    });
  }
  const users = new Set([...(await subscribersOf(trx, snapshot.id))]);
  if (opts.final) for (const a of await audiencesOf(trx, snapshot.id)) if (a.kind === 'user') users.add(a.target);
  for (const user of users) {
    await addAudience(trx, snapshot.id, user, 'user', now);
    await sendDirectMessage(trx, now, user, {
      ...updatePost(snapshot, content, { final: opts.final, subscriber: true }),
      dedupeKey: `${tag}/${user}`,
    });
  }
}

// ---- reminders -------------------------------------------------------------------------------------------------

interface ReminderPayload {
  gen?: number;
  n?: number;
}

/** Is this reminder still current: incident open and the schedule it belongs to not restarted since? */
function superseded(incident: IncidentRow | undefined, payload: ReminderPayload): string | undefined {
  if (!incident) return 'skipped: incident gone';
  if (!isOpen(incident.status)) return `skipped: ${incident.status}`;
  if ((payload.gen ?? 0) !== incident.update_generation) return 'skipped: superseded by a newer schedule';
  return undefined;
}

/** A heads-up ahead of the due time: the commander and comms lead, in the channel and by DM. */
export function updateSoonHandler(ctx: ServiceContext): DueHandler {
  return async (trx, item, now) => {
    const payload = item.data as ReminderPayload & { dueAt?: number };
    const incident = await getIncident(trx, item.record_id);
    const skip = superseded(incident, payload);
    if (skip) return skip;
    const snapshot = (await loadSnapshot(trx, ctx.settings, incident!))!;
    const dueAt = payload.dueAt ?? incident!.next_update_due_at ?? item.due_at;
    if (dueAt <= now.getTime()) return 'skipped: already due';
    const to = updateOwners(snapshot);
    const message = headsUpMessage(snapshot, { dueAt, inMs: formatDuration(dueAt - now.getTime()), to });
    const point = `g${payload.gen ?? 0}-soon`;
    await remindOwners(trx, now, snapshot.id, to, message, point);
    await timeline(
      trx,
      now,
      snapshot.id,
      'reminder',
      null,
      `Heads-up sent to ${to.map(mention).join(', ') || 'nobody (no commander)'}: update due in ${formatDuration(dueAt - now.getTime())}`,
    );
    await audit(trx, now, snapshot, SYSTEM_ACTOR, 'incident.update_heads_up', 'job', {
      detail: `due ${new Date(dueAt).toISOString()}; to ${to.join(',')}`,
    });
    return `heads-up ${to.join(',')}`;
  };
}

/** Who is reminded of an update: the commander and the comms lead, once each. */
function updateOwners(snapshot: IncidentSnapshot): string[] {
  return [
    ...new Set([snapshot.commanderId, roleHolder(snapshot, 'comms_lead')].filter((u): u is string => Boolean(u))),
  ];
}

/** A reminder in the incident channel and by DM to each owner, each owed once per reminder point. */
async function remindOwners(
  trx: Trx,
  now: Date,
  incidentId: number,
  to: string[],
  message: Parameters<typeof postInChannel>[3],
  point: string,
): Promise<void> {
  await postInChannel(trx, now, incidentId, {
    ...message,
    dedupeKey: `incident/${incidentId}/remind/${point}/channel`,
  });
  for (const user of to)
    await sendDirectMessage(trx, now, user, {
      ...message,
      dedupeKey: `incident/${incidentId}/remind/${point}/${user}`,
    });
}

/**
 * An update is due: remind the commander and comms lead in the channel and by DM, check for overdue
 * after the grace, and remind again one cadence from now (not from the missed point: after downtime,
 * one catch-up reminder, not a burst).
 */
export function updateDueHandler(ctx: ServiceContext): DueHandler {
  return async (trx, item, now) => {
    const payload = item.data as ReminderPayload;
    const incident = await getIncident(trx, item.record_id);
    const skip = superseded(incident, payload);
    if (skip) return skip;
    const snapshot = (await loadSnapshot(trx, ctx.settings, incident!))!;
    const gen = payload.gen ?? 0;
    const n = payload.n ?? 0;
    const point = `g${gen}-r${n}`;
    const to = updateOwners(snapshot);
    const dueAt = incident!.next_update_due_at ?? item.due_at;
    const message = reminderMessage(snapshot, { dueAt, to });
    await remindOwners(trx, now, snapshot.id, to, message, point);
    await timeline(
      trx,
      now,
      snapshot.id,
      'reminder',
      null,
      `Update reminder sent to ${to.map(mention).join(', ') || 'nobody (no commander)'}`,
    );
    await audit(trx, now, snapshot, SYSTEM_ACTOR, 'incident.update_reminded', 'job', {
      detail: `due ${new Date(dueAt).toISOString()}; to ${to.join(',')}`,
    });
    const grace = ctx.settings.incidents.overdue_grace;
    await scheduleDue(
      trx,
      {
        kind: DUE.updateOverdue,
        recordType: 'incident',
        recordId: snapshot.id,
        dueAt: new Date(Math.max(now.getTime(), item.due_at + grace)),
        payload: { gen, n, dueAt },
        point,
      },
      now,
    );
    const next = nextReminderAt(currentCadence(ctx.settings, snapshot.severity, snapshot.status), now.getTime());
    if (next !== null) {
      await scheduleDue(
        trx,
        {
          kind: DUE.updateDue,
          recordType: 'incident',
          recordId: snapshot.id,
          dueAt: new Date(next),
          payload: { gen, n: n + 1 },
          point: `g${gen}-r${n + 1}`,
        },
        now,
      );
    }
    return `reminded ${to.join(',')}`;
  };
}

/** Still no update a grace after it was due: mention the incident managers in the channel. */
export function updateOverdueHandler(ctx: ServiceContext): DueHandler {
  return async (trx, item, now) => {
    const payload = item.data as ReminderPayload & { dueAt?: number };
    const incident = await getIncident(trx, item.record_id);
    const skip = superseded(incident, payload);
    if (skip) return skip;
    const snapshot = (await loadSnapshot(trx, ctx.settings, incident!))!;
    const dueAt = payload.dueAt ?? incident!.next_update_due_at ?? item.due_at;
    const page = pageMentions(ctx.settings);
    const overdueBy = formatDuration(now.getTime() - dueAt);
    await postInChannel(trx, now, snapshot.id, {
      ...overdueMessage(snapshot, { dueAt, overdueMs: overdueBy, page }),
      dedupeKey: `incident/${snapshot.id}/overdue/g${payload.gen ?? 0}-r${payload.n ?? 0}`,
    });
    // The pinned summary shows the next update as overdue from now on.
    await updateMessage(trx, now, refs.summary(snapshot.id), summaryMessage(snapshot, now.getTime()));
    await timeline(
      trx,
      now,
      snapshot.id,
      'escalation',
      null,
      `Update overdue by ${overdueBy}; escalated to the incident managers`,
    );
    await audit(trx, now, snapshot, SYSTEM_ACTOR, 'incident.update_overdue_escalated', 'job', {
      detail: `due ${new Date(dueAt).toISOString()}, overdue by ${overdueBy}`,
    });
    return 'escalated';
  };
}
