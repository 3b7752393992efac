import { TZDate } from '@date-fns/tz';
import { PRIORITIES, type Priority } from '../tickets/priority.js';
/**
 * Incident rules: pure decisions with `now` passed in. Who may run an incident, which status moves are
 * allowed, when the next stakeholder update is due, who hears about it, how the channel is named.
 */

/** An incident's severity is on the priority scale, P1 the most severe. */
export const SEVERITIES = PRIORITIES;
export type Severity = Priority;

export const STATUSES = ['investigating', 'identified', 'monitoring', 'resolved', 'closed'] as const;
export type Status = (typeof STATUSES)[number];
/** Statuses an incident moves between while it is being worked. */
export const ACTIVE_STATUSES = ['investigating', 'identified', 'monitoring'] as const;
export type ActiveStatus = (typeof ACTIVE_STATUSES)[number];

export const STATUS_LABELS: Record<Status, string> = {
  investigating: 'Investigating',
  identified: 'Identified',
  monitoring: 'Monitoring',
  resolved: 'Resolved',
  closed: 'Closed',
};

const BUILT_IN_ROLES = ['commander', 'comms_lead', 'scribe'] as const;
const ROLE_LABELS: Record<string, string> = {
  commander: 'Commander',
  comms_lead: 'Communications lead',
  scribe: 'Scribe',
};

/** Open = still being worked (one of the active statuses): not resolved or closed. */
export function isOpen(status: Status): boolean {
  return isActiveStatus(status);
}

export function isSeverity(value: string): value is Severity {
  return (SEVERITIES as readonly string[]).includes(value);
}

export function isActiveStatus(value: string): value is ActiveStatus {
  return (ACTIVE_STATUSES as readonly string[]).includes(value);
}

/** Every role an incident can have: the three built in, then the custom ones from settings. */
export function allRoles(customRoles: readonly string[]): string[] {
  const roles: string[] = [...BUILT_IN_ROLES];
  for (const role of customRoles) {
    const id = roleId(role);
    if (!roles.includes(id)) roles.push(id);
  }
  return roles;
}

/** A role as stored: lower-case with underscores (custom "on-call engineer" → on_call_engineer). */
function roleId(role: string): string {
  return role
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, '_');
}

export function roleLabel(role: string): string {
  if (ROLE_LABELS[role]) return ROLE_LABELS[role]!;
  const words = role.replace(/_/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

const ROLE_ALIASES: Record<string, string> = {
  commander: 'commander',
  ic: 'commander',
  incident_commander: 'commander',
  lead: 'commander',
  comms: 'comms_lead',
  comms_lead: 'comms_lead',
  communications: 'comms_lead',
  communications_lead: 'comms_lead',
  scribe: 'scribe',
};

/** Reads a role someone typed ("comms", "communications lead", "IC"); undefined when unknown. */
export function parseRole(text: string, customRoles: readonly string[]): string | undefined {
  const id = roleId(text);
  if (ROLE_ALIASES[id]) return ROLE_ALIASES[id];
  return allRoles(customRoles).find((role) => role === id);
}

// ---- authorization ----------------------------------------------------------------------------------

export interface IncidentPeople {
  declaredBy: string;
  commanderId: string | null;
  commsLeadId?: string | null;
}

export interface ActorStanding {
  id: string;
  /** Member of the incident managers group (resolved by the shell). */
  isIncidentManager: boolean;
}

/** Severity, roles, status and resolution: the commander, the incident managers or the declarer. */
export function mayRun(incident: IncidentPeople, actor: ActorStanding): boolean {
  return actor.isIncidentManager || actor.id === incident.commanderId || actor.id === incident.declaredBy;
}

/** Stakeholder updates: whoever may run the incident, and the communications lead. */
export function mayPostUpdate(incident: IncidentPeople, actor: ActorStanding): boolean {
  return mayRun(incident, actor) || (incident.commsLeadId != null && actor.id === incident.commsLeadId);
}

/**
 * Follow-up actions (they DM their owner and go into the review): whoever may run the incident, anyone
 * holding one of its roles, and IT staff (anyone holding a configured role).
 */
export function mayAddActions(
  incident: IncidentPeople & { roleHolders: readonly string[] },
  actor: ActorStanding & { isStaff?: boolean },
): boolean {
  return mayRun(incident, actor) || incident.roleHolders.includes(actor.id) || actor.isStaff === true;
}

export function refusalToAddActions(key: string): string {
  return `Only the people running ${key} (its roles, its declarer, incident managers) and IT staff can add follow-up actions.`;
}

export function refusalToRun(key: string): string {
  return `Only the commander of ${key}, the person who declared it or an incident manager can do that.`;
}

/** The commander's first action acknowledges the incident (time to acknowledge is measured to it). */
export function acknowledges(
  incident: { commanderId: string | null; acknowledgedAt: number | null },
  actorId: string,
): boolean {
  return incident.acknowledgedAt === null && incident.commanderId === actorId;
}

// ---- status -------------------------------------------------------------------------------------------

export type StatusDecision = { ok: true } | { ok: false; reason: string };

/**
 * Moves while the incident is open: any active status to any other (an incident may regress from
 * monitoring to investigating); resolving needs a summary and goes through `resolve`; "closed" only
 * after resolution, when the review is done.
 */
export function decideStatusChange(from: Status, to: Status): StatusDecision {
  if (from === to) return { ok: false, reason: `It is already ${STATUS_LABELS[to].toLowerCase()}.` };
  if (from === 'closed') return { ok: false, reason: 'It is closed; nothing changes any more.' };
  if (from === 'resolved') {
    if (to === 'closed') return { ok: true };
    return { ok: false, reason: 'It is already resolved.' };
  }
  if (to === 'closed') return { ok: false, reason: 'Resolve it first; it closes once the review is done.' };
  return { ok: true };
}

// ---- update cadence -------------------------------------------------------------------------------------

export interface CadenceSettings {
  severities: Record<Severity, { update_cadence: number | null; bridge: boolean }>;
  monitoring_cadence?: number;
}

/**
 * How often stakeholders should hear from the incident now; null when no timed updates are owed. The
 * monitoring cadence replaces the severity's own, but never gives a severity without one (P4) timed updates.
 */
export function cadenceFor(settings: CadenceSettings, severity: Severity, status: Status): number | null {
  if (!isOpen(status)) return null;
  const base = settings.severities[severity].update_cadence;
  // A severity without timed updates (P4 by default) gets none while monitoring either.
  if (base === null) return null;
  if (status === 'monitoring' && settings.monitoring_cadence !== undefined) return settings.monitoring_cadence;
  return base;
}

/** The first update is due one cadence after declaration. */
export function firstUpdateDue(cadence: number | null, declaredAt: number): number | null {
  return cadence === null ? null : declaredAt + cadence;
}

/**
 * When severity or status changes the cadence, the next update is due one (new) cadence after the last
 * one (or the declaration), but never in the past: a raised severity with a stale update is due now.
 * A next update already promised (`promised`: shown on the last update, the summary and the topic) is
 * kept when it comes sooner, and a raise never pushes it later; after a lowered severity or a calmer
 * monitoring cadence (`oldCadence` shorter than the new one) the promise stands as it is, even when the
 * commander chose a time beyond the new cadence.
 */
export function updateDueAfterCadenceChange(
  cadence: number | null,
  lastUpdateOrDeclared: number,
  now: number,
  promised: number | null = null,
  oldCadence: number | null = null,
): number | null {
  if (cadence === null) return null;
  // A calmer cadence (lowered severity, monitoring) never moves the time the commander chose earlier.
  if (promised !== null && oldCadence !== null && cadence >= oldCadence) return Math.max(now, promised);
  const byCadence = lastUpdateOrDeclared + cadence;
  return Math.max(now, promised === null ? byCadence : Math.min(promised, byCadence));
}

/** An update is on time when posted no later than it was due; an unscheduled update has no punctuality. */
export function punctuality(dueAt: number | null, postedAt: number): boolean | null {
  return dueAt === null ? null : postedAt <= dueAt;
}

/**
 * How long before an update is due its commander gets a heads-up: the configured lead, but never more
 * than half the cadence (a 10-minute cadence gets at most 5 minutes' notice); none without a cadence.
 */
export function updateReminderLead(cadence: number | null, lead: number): number {
  if (cadence === null || lead <= 0) return 0;
  return Math.min(lead, Math.floor(cadence / 2));
}

/** When the heads-up for an update due at `dueAt` goes out; null when that moment has already passed. */
export function headsUpAt(dueAt: number, lead: number, now: number): number | null {
  if (lead <= 0) return null;
  const at = dueAt - lead;
  return at > now ? at : null;
}

/** The next chase of an overdue follow-up action: a fixed cadence from now (after downtime, one catch-up). */
export function nextChaseAt(now: number, every: number): number {
  return now + every;
}

/**
 * After a reminder fires, the next one comes one cadence after *now*, not after the missed point:
 * after downtime there is one catch-up reminder, not a burst.
 */
export function nextReminderAt(cadence: number | null, now: number): number | null {
  return cadence === null ? null : now + cadence;
}

// ---- who hears about it -----------------------------------------------------------------------------------

export interface AudienceSettings {
  channels: { incidents?: string; executives?: string };
  incidents: {
    severities: Record<Severity, { bridge: boolean }>;
    stakeholder_channels: { channel: string; severities: readonly string[]; services: readonly string[] }[];
  };
}

/**
 * Channels (besides the incident's own) that hear about an incident of this severity and these services:
 * the incidents channel, matching stakeholder channels, and the executives channel when it has a bridge.
 */
export function audienceChannels(
  settings: AudienceSettings,
  severity: Severity,
  services: readonly string[],
): string[] {
  const out: string[] = [];
  const add = (channel: string | undefined) => {
    if (channel && !out.includes(channel)) out.push(channel);
  };
  add(settings.channels.incidents);
  for (const sc of settings.incidents.stakeholder_channels) {
    if (!sc.severities.includes(severity)) continue;
    if (sc.services.length > 0 && !sc.services.some((s) => services.includes(s))) continue;
    add(sc.channel);
  }
  if (settings.incidents.severities[severity].bridge) add(settings.channels.executives);
  return out;
}

export function hasBridge(
  settings: { severities: Record<Severity, { bridge: boolean }> },
  severity: Severity,
): boolean {
  return settings.severities[severity].bridge;
}

/** A severity raise: P3 → P1 is a raise (lower number is more severe). */
export function isRaise(from: Severity, to: Severity): boolean {
  return SEVERITIES.indexOf(to) < SEVERITIES.indexOf(from);
}

export function conferenceUrl(template: string, key: string, number: number): string {
  return template
    .replaceAll('{key}', key)
    .replaceAll('{number}', String(number))
    .replaceAll('{key_lower}', key.toLowerCase());
}

// ---- the incident channel ------------------------------------------------------------------------------------

const MAX_CHANNEL_NAME = 80;

/**
 * `inc-42-vpn-down-in-london`: lower-case letters, digits and dashes, at most 80 characters (Slack's
 * rule). Accents are folded; the cut never leaves a trailing dash. Uniqueness (`-2`, `-3`) is the
 * sender's job when Slack answers name_taken.
 */
export function channelName(prefix: string, number: number, title: string): string {
  const head = `${prefix}-${number}`;
  const slug = title
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  if (!slug) return head.slice(0, MAX_CHANNEL_NAME);
  // Room for the sender's "-NN" suffix on a taken name is its own concern; keep the whole name ≤ 80.
  const room = MAX_CHANNEL_NAME - head.length - 1;
  if (room <= 0) return head.slice(0, MAX_CHANNEL_NAME);
  return `${head}-${slug.slice(0, room).replace(/-+$/g, '')}`;
}

// ---- durations and due dates for follow-up actions --------------------------------------------------------

/** MTTA and MTTR for one incident, in ms; undefined while the fact is not known yet. */
export function incidentDurations(i: {
  declaredAt: number;
  acknowledgedAt: number | null;
  resolvedAt: number | null;
  startedAt: number | null;
}): {
  timeToAcknowledge?: number;
  timeToResolve?: number;
  timeToResolveFromStart?: number;
} {
  return {
    timeToAcknowledge: i.acknowledgedAt === null ? undefined : Math.max(0, i.acknowledgedAt - i.declaredAt),
    timeToResolve: i.resolvedAt === null ? undefined : Math.max(0, i.resolvedAt - i.declaredAt),
    timeToResolveFromStart:
      i.resolvedAt === null || i.startedAt === null ? undefined : Math.max(0, i.resolvedAt - i.startedAt),
  };
}

/** Reminders for a follow-up action: one `before` ahead (if still in the future) and one at the due time. */
export function actionReminderTimes(
  dueAt: number,
  before: number,
  now: number,
): { before: number | null; due: number } {
  const early = dueAt - before;
  return { before: early > now ? early : null, due: Math.max(dueAt, now) };
}

/** A follow-up action due on a date: at `time` (HH:mm) that day in the organisation's time zone. */
export function dueAtOnDate(isoDate: string, time: string, timeZone: string): number {
  const [y, m, d] = isoDate.split('-').map(Number) as [number, number, number];
  const [hh, mm] = time.split(':').map(Number) as [number, number];
  return new TZDate(y, m - 1, d, hh, mm, 0, 0, timeZone).getTime();
}
