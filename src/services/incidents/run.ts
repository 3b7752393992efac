import {
  addSubscription,
  getIncident,
  removeSubscription,
  setRole,
  updateIncident,
  type IncidentRow,
} from '../../../db/queries/incidents.js';
import {
  acknowledges,
  allRoles,
  conferenceUrl,
  decideStatusChange,
  hasBridge,
  isOpen,
  isRaise,
  isSeverity,
  mayRun,
  refusalToRun,
  roleLabel,
  STATUS_LABELS,
  type ActiveStatus,
  type Severity,
} from '../../domain/incidents/rules.js';
import type { IncidentSnapshot } from '../../domain/incidents/types.js';
import { note } from '../../../views/incidents/messages.js';
import { mention, userText } from '../../../views/text.js';
import { ok, refuse, transact, type Actor, type Outcome, type ServiceContext, type Trx } from '../context.js';
import { owe, refChannel } from '../outbox.js';
import {
  audit,
  auditRefused,
  ensureChannelAudiences,
  loadSnapshot,
  noteToAudiences,
  pageMentions,
  postInChannel,
  refreshSurfaces,
  refs,
  rescheduleOnCadenceChange,
  staleRefusal,
  timeline,
  type IncidentActor,
  type Source,
} from './common.js';
import { oweBridge, oweInvite } from './declare.js';

interface Base {
  incidentId: number;
  actor: IncidentActor;
  source?: Source;
}

type Loaded = { incident: IncidentRow };

/** Loads the incident and checks it is open and the actor may run it; records acknowledgement on the commander's first action. */
async function loadForRun(
  trx: Trx,
  now: Date,
  input: Base,
  opts: { allowClosed?: boolean; what?: string } = {},
): Promise<Outcome<Loaded>> {
  const incident = await getIncident(trx, input.incidentId);
  if (!incident) return refuse('That incident no longer exists.');
  if (!opts.allowClosed) {
    const stale = staleRefusal(incident);
    if (stale) return refuse(stale);
  }
  if (
    !mayRun(
      { declaredBy: incident.declared_by, commanderId: incident.commander_id },
      { id: input.actor.id, isIncidentManager: input.actor.isIncidentManager },
    )
  ) {
    await auditRefused(trx, now, incident, input.actor, opts.what ?? 'run', input.source ?? 'button');
    return refuse(refusalToRun(incident.key));
  }
  if (
    isOpen(incident.status) &&
    acknowledges({ commanderId: incident.commander_id, acknowledgedAt: incident.acknowledged_at }, input.actor.id)
  ) {
    await recordAcknowledged(trx, now, incident, input.actor, input.source ?? 'button');
    incident.acknowledged_at = now.getTime();
  }
  return ok({ incident });
}

async function recordAcknowledged(
  trx: Trx,
  now: Date,
  incident: IncidentRow,
  actor: Actor,
  source: Source,
): Promise<void> {
  await updateIncident(trx, incident.id, { acknowledged_at: now.getTime(), updated_at: now.getTime() });
  await timeline(trx, now, incident.id, 'acknowledged', actor.id, `Acknowledged by ${mention(actor.id)}`);
  await audit(trx, now, incident, actor, 'incident.acknowledged', source, {
    after: { acknowledged_at: now.getTime() },
  });
}

/** The explicit Acknowledge button: records time-to-acknowledge once. */
export async function acknowledgeIncident(ctx: ServiceContext, input: Base): Promise<Outcome<IncidentSnapshot>> {
  return transact(ctx, async (trx, now) => {
    const incident = await getIncident(trx, input.incidentId);
    if (!incident) return refuse('That incident no longer exists.');
    const stale = staleRefusal(incident);
    if (stale) return refuse(stale);
    if (!mayRun({ declaredBy: incident.declared_by, commanderId: incident.commander_id }, input.actor)) {
      await auditRefused(trx, now, incident, input.actor, 'acknowledge', input.source ?? 'button');
      return refuse(refusalToRun(incident.key));
    }
    if (incident.acknowledged_at !== null) return refuse(`${incident.key} was already acknowledged.`);
    await recordAcknowledged(trx, now, incident, input.actor, input.source ?? 'button');
    const snapshot = (await loadSnapshot(trx, ctx.settings, incident.id))!;
    await postInChannel(
      trx,
      now,
      incident.id,
      note(`:raised_hand: ${mention(input.actor.id)} acknowledged *${incident.key}*.`, `${incident.key} acknowledged`),
    );
    await refreshSurfaces(trx, now, ctx.settings, snapshot, { topic: false });
    return ok(snapshot);
  });
}

/** investigating ⇄ identified ⇄ monitoring; announced in the channel and to every audience. */
export async function changeStatus(
  ctx: ServiceContext,
  input: Base & { status: ActiveStatus },
): Promise<Outcome<IncidentSnapshot>> {
  return transact(ctx, async (trx, now) => {
    const loaded = await loadForRun(trx, now, input, { what: 'status change' });
    if (!loaded.ok) return loaded;
    const { incident } = loaded.value;
    const decision = decideStatusChange(incident.status, input.status);
    if (!decision.ok) return refuse(`${incident.key}: ${decision.reason}`);
    const before = incident.status;
    const patch: Partial<IncidentRow> = { status: input.status, updated_at: now.getTime() };
    if (input.status === 'monitoring' && incident.mitigated_at === null) patch.mitigated_at = now.getTime();
    await updateIncident(trx, incident.id, patch);
    await rescheduleOnCadenceChange(trx, now, ctx.settings, incident, {
      severity: incident.severity,
      status: input.status,
    });
    await timeline(
      trx,
      now,
      incident.id,
      'status',
      input.actor.id,
      `Status ${STATUS_LABELS[before]} → ${STATUS_LABELS[input.status]}`,
    );
    await audit(trx, now, incident, input.actor, 'incident.status_changed', input.source ?? 'button', {
      before: { status: before },
      after: { status: input.status },
    });
    const snapshot = (await loadSnapshot(trx, ctx.settings, incident.id))!;
    const line = `:arrows_counterclockwise: ${mention(input.actor.id)} changed the status of *${incident.key}* from ${STATUS_LABELS[before]} to *${STATUS_LABELS[input.status]}*.`;
    await postInChannel(trx, now, incident.id, note(line, `${incident.key} is now ${STATUS_LABELS[input.status]}`));
    await noteToAudiences(trx, now, snapshot, note(line, `${incident.key} is now ${STATUS_LABELS[input.status]}`));
    await refreshSurfaces(trx, now, ctx.settings, snapshot);
    return ok(snapshot);
  });
}

/** Raising to a bridge severity starts the bridge; lowering keeps the channel and bridge. */
export async function changeSeverity(
  ctx: ServiceContext,
  input: Base & { severity: Severity },
): Promise<Outcome<IncidentSnapshot>> {
  if (!isSeverity(input.severity)) return refuse('Severity must be P1, P2, P3 or P4.');
  return transact(ctx, async (trx, now) => {
    const loaded = await loadForRun(trx, now, input, { what: 'severity change' });
    if (!loaded.ok) return loaded;
    const { incident } = loaded.value;
    if (incident.severity === input.severity) return refuse(`${incident.key} is already ${input.severity}.`);
    const before = incident.severity;
    const settings = ctx.settings;
    const startBridge = hasBridge(settings.incidents, input.severity) && incident.bridge_url === null;
    const number = Number(incident.key.replace(/^\D+/, ''));
    const patch: Partial<IncidentRow> = { severity: input.severity, updated_at: now.getTime() };
    if (startBridge) {
      patch.bridge_url = conferenceUrl(settings.incidents.conference_url_template, incident.key, number);
      patch.bridge_started_at = now.getTime();
    }
    await updateIncident(trx, incident.id, patch);
    await rescheduleOnCadenceChange(trx, now, settings, incident, {
      severity: input.severity,
      status: incident.status,
    });
    const raised = isRaise(before, input.severity);
    await timeline(trx, now, incident.id, 'severity', input.actor.id, `Severity ${before} → ${input.severity}`);
    await audit(trx, now, incident, input.actor, 'incident.severity_changed', input.source ?? 'button', {
      before: { severity: before },
      after: { severity: input.severity },
    });
    const snapshot = (await loadSnapshot(trx, settings, incident.id))!;
    const page = startBridge ? pageMentions(settings) : [];
    if (startBridge) {
      await timeline(trx, now, incident.id, 'bridge', null, `Bridge started: ${snapshot.bridgeUrl}`);
      await oweBridge(trx, now, snapshot, page);
    }
    const line = `${raised ? ':arrow_double_up:' : ':arrow_double_down:'} ${mention(input.actor.id)} ${raised ? 'raised' : 'lowered'} *${incident.key}* from ${before} to *${input.severity}* (${userText(snapshot.severityLabel, 40)}).`;
    await postInChannel(trx, now, incident.id, note(line, `${incident.key} is now ${input.severity}`));
    // Audiences that already know hear it in their thread; new ones (stakeholders, executives) get the announcement.
    await noteToAudiences(trx, now, snapshot, note(line, `${incident.key} is now ${input.severity}`));
    await ensureChannelAudiences(trx, now, settings, snapshot, page);
    await refreshSurfaces(trx, now, settings, snapshot);
    return ok(snapshot);
  });
}

/** Commander, communications lead, scribe or a custom role; the new holder is invited to the channel. */
export async function assignRole(
  ctx: ServiceContext,
  input: Base & { role: string; userId: string },
): Promise<Outcome<IncidentSnapshot>> {
  const roles = allRoles(ctx.settings.incidents.custom_roles);
  if (!roles.includes(input.role))
    return refuse(`Unknown role "${input.role}". Roles: ${roles.map(roleLabel).join(', ')}.`);
  if (!/^[UW][A-Z0-9]{2,}$/.test(input.userId)) return refuse('Choose a person (mention them, e.g. @carla).');
  return transact(ctx, async (trx, now) => {
    const loaded = await loadForRun(trx, now, input, { what: 'role assignment' });
    if (!loaded.ok) return loaded;
    const { incident } = loaded.value;
    const snapshotBefore = (await loadSnapshot(trx, ctx.settings, incident))!;
    const previous = snapshotBefore.roles.find((r) => r.role === input.role)?.userId ?? null;
    if (previous === input.userId)
      return refuse(`${mention(input.userId)} is already ${roleLabel(input.role).toLowerCase()} of ${incident.key}.`);
    await setRole(trx, incident.id, input.role, input.userId, input.actor.id, now);
    if (input.role === 'commander')
      await updateIncident(trx, incident.id, { commander_id: input.userId, updated_at: now.getTime() });
    await timeline(
      trx,
      now,
      incident.id,
      'role',
      input.actor.id,
      `${mention(input.userId)} is ${roleLabel(input.role).toLowerCase()}${previous ? ` (was ${mention(previous)})` : ''}`,
    );
    await audit(trx, now, incident, input.actor, 'incident.role_assigned', input.source ?? 'button', {
      before: { [input.role]: previous },
      after: { [input.role]: input.userId },
    });
    await oweInvite(trx, now, incident.id, input.userId);
    const snapshot = (await loadSnapshot(trx, ctx.settings, incident.id))!;
    await postInChannel(
      trx,
      now,
      incident.id,
      note(
        `:bust_in_silhouette: ${mention(input.userId)} is now *${userText(roleLabel(input.role), 60)}* of ${incident.key} (assigned by ${mention(input.actor.id)}).`,
        `${roleLabel(input.role)}: assigned`,
      ),
    );
    await refreshSurfaces(trx, now, ctx.settings, snapshot, { topic: input.role === 'commander' });
    return ok(snapshot);
  });
}

/** Closes a resolved incident once its review is done. */
export async function closeIncident(ctx: ServiceContext, input: Base): Promise<Outcome<IncidentSnapshot>> {
  return transact(ctx, async (trx, now) => {
    const loaded = await loadForRun(trx, now, input, { allowClosed: true, what: 'close' });
    if (!loaded.ok) return loaded;
    const { incident } = loaded.value;
    const decision = decideStatusChange(incident.status, 'closed');
    if (!decision.ok) return refuse(`${incident.key}: ${decision.reason}`);
    await updateIncident(trx, incident.id, { status: 'closed', closed_at: now.getTime(), updated_at: now.getTime() });
    await timeline(trx, now, incident.id, 'status', input.actor.id, 'Review done; incident closed');
    await audit(trx, now, incident, input.actor, 'incident.closed', input.source ?? 'button', {
      before: { status: incident.status },
      after: { status: 'closed' },
    });
    const snapshot = (await loadSnapshot(trx, ctx.settings, incident.id))!;
    await postInChannel(
      trx,
      now,
      incident.id,
      note(`:lock: ${mention(input.actor.id)} closed *${incident.key}*: the review is done.`, `${incident.key} closed`),
    );
    await refreshSurfaces(trx, now, ctx.settings, snapshot);
    return ok(snapshot);
  });
}

/** Anyone may add to the timeline: `/incident note` or the timeline reaction on a message. */
export async function addNote(
  ctx: ServiceContext,
  input: {
    incidentId: number;
    actor: Actor;
    text: string;
    source?: Source;
    sourceTs?: string;
    authorId?: string | null;
  },
): Promise<Outcome<{ key: string; added: boolean }>> {
  const text = input.text.trim();
  if (!text) return refuse('Add some text: `/incident note <what happened>`.');
  return transact(ctx, async (trx, now) => {
    const incident = await getIncident(trx, input.incidentId);
    if (!incident) return refuse('That incident no longer exists.');
    if (incident.status === 'closed') return refuse(`${incident.key} is closed; its timeline is final.`);
    const body = input.sourceTs
      ? `${input.authorId ? `${mention(input.authorId)}: ` : ''}${userText(text, 2000)}`
      : userText(text, 2000);
    const added = await timeline(
      trx,
      now,
      incident.id,
      input.sourceTs ? 'message' : 'note',
      input.actor.id,
      body,
      input.sourceTs,
    );
    if (!added) return ok({ key: incident.key, added: false });
    await audit(trx, now, incident, input.actor, 'incident.timeline_added', input.source ?? 'command', {
      detail: text.slice(0, 500),
    });
    if (!input.sourceTs) {
      await postInChannel(
        trx,
        now,
        incident.id,
        note(
          `:pushpin: Added to the timeline by ${mention(input.actor.id)}: ${userText(text, 2500)}`,
          'Added to the timeline',
        ),
      );
    } else {
      await owe(trx, now, 'chat.postEphemeral', {
        channel: refChannel(refs.channel(incident.id)),
        user: input.actor.id,
        text: `Added to the ${incident.key} timeline.`,
      });
    }
    return ok({ key: incident.key, added: true });
  });
}

/** Subscribes someone to an incident's stakeholder updates (by DM). Used by the service desk's known-incident prompt too. */
export async function subscribe(
  ctx: ServiceContext,
  input: { incidentId: number; userId: string; actor: Actor; source: Source },
): Promise<Outcome<{ key: string; title: string; already: boolean }>> {
  return transact(ctx, async (trx, now) => {
    const incident = await getIncident(trx, input.incidentId);
    if (!incident) return refuse('That incident no longer exists.');
    if (!isOpen(incident.status))
      return refuse(`${incident.key} is already ${incident.status}; there will be no more updates.`);
    const added = await addSubscription(trx, incident.id, input.userId, now);
    if (added) {
      await audit(trx, now, incident, input.actor, 'incident.subscribed', input.source, { detail: input.userId });
    }
    return ok({ key: incident.key, title: incident.title, already: !added });
  });
}

export async function unsubscribe(
  ctx: ServiceContext,
  input: { incidentId: number; userId: string; actor: Actor; source: Source },
): Promise<Outcome<{ key: string; removed: boolean }>> {
  return transact(ctx, async (trx, now) => {
    const incident = await getIncident(trx, input.incidentId);
    if (!incident) return refuse('That incident no longer exists.');
    const removed = await removeSubscription(trx, incident.id, input.userId);
    if (removed)
      await audit(trx, now, incident, input.actor, 'incident.unsubscribed', input.source, { detail: input.userId });
    return ok({ key: incident.key, removed });
  });
}

/**
 * The check made before a form of the incident opens (resolve, assign role): the same rule the write
 * applies; a refusal is audited and nothing else recorded.
 */
export async function checkMayRun(ctx: ServiceContext, input: Base & { what: string }): Promise<Outcome<IncidentRow>> {
  return transact(ctx, async (trx, now) => {
    const incident = await getIncident(trx, input.incidentId);
    if (!incident) return refuse('That incident no longer exists.');
    if (!isOpen(incident.status)) return refuse(`${incident.key} is already ${incident.status}; nothing changed.`);
    if (!mayRun({ declaredBy: incident.declared_by, commanderId: incident.commander_id }, input.actor)) {
      await auditRefused(trx, now, incident, input.actor, input.what, input.source ?? 'button');
      return refuse(refusalToRun(incident.key));
    }
    return ok(incident);
  });
}

/** The status card (`/incident` inside the channel). */
export async function incidentCard(ctx: ServiceContext, incidentId: number): Promise<IncidentSnapshot | undefined> {
  return ctx.db.transaction().execute((trx) => loadSnapshot(trx, ctx.settings, incidentId));
}
