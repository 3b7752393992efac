import type { Settings } from '../../config/settings.js';
import type { AuditEntry } from '../../../db/queries/audit.js';
import { insertAudit } from '../../../db/queries/audit.js';
import { cancelDue, scheduleDue } from '../../../db/queries/due-items.js';
import {
  addAudience,
  addTimeline,
  audiencesOf,
  channelRefKey,
  getIncident,
  rolesOf,
  servicesOf,
  updateIncident,
  type IncidentRow,
} from '../../../db/queries/incidents.js';
import { getSlackRef } from '../../../db/queries/slack-refs.js';
import {
  audienceChannels,
  cadenceFor,
  headsUpAt,
  isOpen,
  updateDueAfterCadenceChange,
  updateReminderLead,
  type Severity,
} from '../../domain/incidents/rules.js';
import type { IncidentSnapshot } from '../../domain/incidents/types.js';
import {
  announcementMessage,
  executivesNotice,
  summaryMessage,
  topicText,
  type ChannelRef,
  type Message,
} from '../../../views/incidents/messages.js';
import { roleEntryMention } from '../../../views/text.js';
import type { Actor, Trx } from '../context.js';
import { owe, postMessage, refChannel, updateMessage } from '../outbox.js';

/** Someone acting on an incident, with the standing the shell resolved from Slack. */
export interface IncidentActor extends Actor {
  isIncidentManager: boolean;
  /** Holds any configured IT role (resolved by the shell where a rule needs it). */
  isStaff?: boolean;
}

export type Source = AuditEntry['source'];

/** The bot itself, for audit rows written by jobs. */
export const SYSTEM_ACTOR: Actor = { id: 'switchboard', name: 'Switchboard' };

export const DUE = {
  updateSoon: 'incident.update_soon',
  updateDue: 'incident.update_due',
  updateOverdue: 'incident.update_overdue',
  actionBefore: 'incident.action_before',
  actionDue: 'incident.action_due',
  actionChase: 'incident.action_chase',
} as const;
const UPDATE_KINDS = [DUE.updateSoon, DUE.updateDue, DUE.updateOverdue];

export const refs = {
  channel: channelRefKey,
  summary: (id: number) => `incident/${id}/summary`,
  announce: (id: number, target: string) => `incident/${id}/announce/${target}`,
};

export async function loadSnapshot(
  trx: Trx,
  settings: Settings,
  incidentOrId: number | IncidentRow,
): Promise<IncidentSnapshot | undefined> {
  const row = typeof incidentOrId === 'number' ? await getIncident(trx, incidentOrId) : incidentOrId;
  if (!row) return undefined;
  const [roles, services, channelRef] = await Promise.all([
    rolesOf(trx, row.id),
    servicesOf(trx, row.id),
    row.channel_id ? undefined : getSlackRef(trx, refs.channel(row.id)),
  ]);
  return {
    id: row.id,
    key: row.key,
    title: row.title,
    severity: row.severity,
    severityLabel: settings.incidents.severities[row.severity].label,
    status: row.status,
    impact: row.impact,
    services,
    declaredBy: row.declared_by,
    commanderId: row.commander_id,
    roles: roles.map((r) => ({ role: r.role, userId: r.user_id })),
    declaredAt: row.declared_at,
    acknowledgedAt: row.acknowledged_at,
    resolvedAt: row.resolved_at,
    nextUpdateDueAt: row.next_update_due_at,
    lastUpdateAt: row.last_update_at,
    bridgeUrl: row.bridge_url,
    channelId: row.channel_id ?? channelRef?.channel ?? null,
    resolutionSummary: row.resolution_summary,
  };
}

export function roleHolder(snapshot: IncidentSnapshot, role: string): string | null {
  return snapshot.roles.find((r) => r.role === role)?.userId ?? null;
}

/** Who is paged for a bridge and escalated to for an overdue update. */
export function pageMentions(settings: Settings): string[] {
  const entries = settings.incidents.page.length > 0 ? settings.incidents.page : settings.roles.incident_managers;
  return entries.map(roleEntryMention);
}

export async function timeline(
  trx: Trx,
  now: Date,
  incidentId: number,
  kind: string,
  actorId: string | null,
  text: string,
  sourceTs?: string,
): Promise<boolean> {
  return addTimeline(trx, { incidentId, at: now.getTime(), kind, actorId, text, sourceTs });
}

export async function audit(
  trx: Trx,
  now: Date,
  incident: { id: number; key: string },
  actor: Actor,
  action: string,
  source: Source,
  change: { before?: unknown; after?: unknown; detail?: string } = {},
): Promise<void> {
  await insertAudit(
    trx,
    {
      actor: { id: actor.id, name: actor.name },
      action,
      recordType: 'incident',
      recordId: incident.id,
      recordKey: incident.key,
      source,
      ...change,
    },
    now,
  );
}

/** The incident channel as a structured outbox reference (`{$ref, field: 'channel'}`), resolved at send time. */
function channelOf(incidentId: number): ChannelRef {
  return { $ref: refs.channel(incidentId), field: 'channel' };
}

/** A refused attempt by someone without the right (`what` they tried): nothing changes, the attempt is evidence. */
export async function auditRefused(
  trx: Trx,
  now: Date,
  incident: { id: number; key: string },
  actor: Actor,
  what: string,
  source: Source,
): Promise<void> {
  await audit(trx, now, incident, actor, 'incident.action_refused', source, {
    detail: `${what} refused: not allowed for this person`,
  });
}

/** Posts in the incident's own channel (created by the sender; referenced until then). */
export function postInChannel(
  trx: Trx,
  now: Date,
  incidentId: number,
  message: Message & { dedupeKey?: string; refKey?: string },
): Promise<boolean> {
  return postMessage(trx, now, { channel: refChannel(refs.channel(incidentId)), ...message });
}

/**
 * Makes sure every channel that should hear about the incident has its head message (the announcement;
 * the executives get a short notice). New audiences get it now; the rest are left alone.
 */
export async function ensureChannelAudiences(
  trx: Trx,
  now: Date,
  settings: Settings,
  snapshot: IncidentSnapshot,
  page: string[] = [],
): Promise<string[]> {
  const channels = audienceChannels(settings, snapshot.severity, snapshot.services);
  const fresh: string[] = [];
  for (const channel of channels) {
    if (!(await addAudience(trx, snapshot.id, channel, 'channel', now))) continue;
    fresh.push(channel);
    // The incident channel may not exist yet (the outbox creates it first): referenced, resolved at send time.
    const incidentChannel = channelOf(snapshot.id);
    const executives = channel === settings.channels.executives && channel !== settings.channels.incidents;
    const build = (link?: ChannelRef) =>
      executives
        ? executivesNotice(snapshot, { channel: link })
        : announcementMessage(snapshot, { page, channel: link });
    const message = build(snapshot.channelId ?? incidentChannel);
    const refKey = refs.announce(snapshot.id, channel);
    const args = { channel, text: message.text, blocks: message.blocks, unfurl_links: false, unfurl_media: false };
    // Should Slack never create the incident channel, the announcement still goes out, without the link.
    const withoutLink = build();
    await owe(trx, now, 'chat.postMessage', args, {
      refKey,
      onFailure: {
        method: 'chat.postMessage',
        args: { ...args, text: withoutLink.text, blocks: withoutLink.blocks },
        refKey,
      },
    });
  }
  return fresh;
}

/** Posts a note in the thread of every channel audience (status and severity changes). */
export async function noteToAudiences(
  trx: Trx,
  now: Date,
  snapshot: IncidentSnapshot,
  message: Message,
  opts: { only?: string[] } = {},
): Promise<void> {
  for (const audience of await audiencesOf(trx, snapshot.id)) {
    if (audience.kind !== 'channel') continue;
    if (opts.only && !opts.only.includes(audience.target)) continue;
    await postMessage(trx, now, {
      channel: audience.target,
      ...message,
      threadOf: refs.announce(snapshot.id, audience.target),
    });
  }
}

/**
 * Brings every live surface in line with the record: the pinned summary, the announcement cards (edited
 * in place), and the channel topic.
 */
export async function refreshSurfaces(
  trx: Trx,
  now: Date,
  settings: Settings,
  snapshot: IncidentSnapshot,
  opts: { topic?: boolean } = {},
): Promise<void> {
  await updateMessage(trx, now, refs.summary(snapshot.id), summaryMessage(snapshot, now.getTime()));
  for (const audience of await audiencesOf(trx, snapshot.id)) {
    if (audience.kind !== 'channel') continue;
    if (audience.target === settings.channels.executives && audience.target !== settings.channels.incidents) continue;
    await updateMessage(
      trx,
      now,
      refs.announce(snapshot.id, audience.target),
      announcementMessage(snapshot, { channel: channelOf(snapshot.id) }),
    );
  }
  if (opts.topic ?? true) {
    await owe(trx, now, 'conversations.setTopic', {
      channel: refChannel(refs.channel(snapshot.id)),
      topic: topicText(snapshot, settings.timezone),
    });
  }
}

/**
 * Restarts the update schedule: reminders of the old schedule are cancelled (and would recognise
 * themselves as superseded anyway), the next one is due at `dueAt`.
 */
export async function restartUpdateSchedule(
  trx: Trx,
  now: Date,
  settings: Settings,
  incident: IncidentRow,
  dueAt: number | null,
): Promise<number> {
  const generation = incident.update_generation + 1;
  await cancelDue(trx, 'incident', incident.id, now, UPDATE_KINDS);
  await updateIncident(trx, incident.id, {
    update_generation: generation,
    next_update_due_at: dueAt,
    updated_at: now.getTime(),
  });
  if (dueAt !== null) await scheduleUpdatePoint(trx, now, settings, incident, generation, dueAt);
  return generation;
}

/**
 * The due rows of one promised update: a heads-up `update_reminder_lead` before it (when that is still
 * ahead), the reminder at the due time (which schedules the overdue escalation after the grace).
 */
export async function scheduleUpdatePoint(
  trx: Trx,
  now: Date,
  settings: Settings,
  incident: { id: number; severity: Severity; status: IncidentRow['status'] },
  generation: number,
  dueAt: number,
): Promise<void> {
  const lead = updateReminderLead(
    currentCadence(settings, incident.severity, incident.status),
    settings.incidents.update_reminder_lead,
  );
  const soon = headsUpAt(dueAt, lead, now.getTime());
  if (soon !== null) {
    await scheduleDue(
      trx,
      {
        kind: DUE.updateSoon,
        recordType: 'incident',
        recordId: incident.id,
        dueAt: new Date(soon),
        payload: { gen: generation, dueAt },
        point: `g${generation}-soon`,
      },
      now,
    );
  }
  await scheduleDue(
    trx,
    {
      kind: DUE.updateDue,
      recordType: 'incident',
      recordId: incident.id,
      dueAt: new Date(dueAt),
      payload: { gen: generation, n: 0 },
      point: `g${generation}-r0`,
    },
    now,
  );
}

/**
 * After a severity or status change: when the cadence differs, the update schedule restarts, keeping a
 * next update already promised when it comes sooner (see `updateDueAfterCadenceChange`).
 */
export async function rescheduleOnCadenceChange(
  trx: Trx,
  now: Date,
  settings: Settings,
  incident: IncidentRow,
  after: { severity: Severity; status: IncidentRow['status'] },
): Promise<void> {
  const oldCadence = currentCadence(settings, incident.severity, incident.status);
  const newCadence = currentCadence(settings, after.severity, after.status);
  if (oldCadence === newCadence) return;
  const dueAt = updateDueAfterCadenceChange(
    newCadence,
    incident.last_update_at ?? incident.declared_at,
    now.getTime(),
    incident.next_update_due_at,
    oldCadence,
  );
  await restartUpdateSchedule(
    trx,
    now,
    settings,
    { ...incident, severity: after.severity, status: after.status },
    dueAt,
  );
}

export function currentCadence(settings: Settings, severity: Severity, status: IncidentRow['status']): number | null {
  return cadenceFor(settings.incidents, severity, status);
}

export function staleRefusal(incident: IncidentRow): string | undefined {
  if (isOpen(incident.status)) return undefined;
  return `${incident.key} is already ${incident.status}; nothing changed.`;
}
