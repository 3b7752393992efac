import { sql, type Insertable, type Selectable, type Updateable } from 'kysely';
import type { Executor } from '../schema.js';
import type { IncidentWithScheduleTable } from '../schema/incidents.js';
import type { IncidentActionTable, IncidentTimelineTable, IncidentUpdateTable } from '../schema/records.js';
import { ACTIVE_STATUSES } from '../../src/domain/incidents/rules.js';

export type IncidentRow = Selectable<IncidentWithScheduleTable>;
export type IncidentUpdateRow = Selectable<IncidentUpdateTable>;
export type IncidentActionRow = Selectable<IncidentActionTable>;
export type TimelineRow = Selectable<IncidentTimelineTable>;

/** The slack_refs key under which the incident's channel is stored once Slack created it. */
export const channelRefKey = (incidentId: number): string => `incident/${incidentId}/channel`;

export async function insertIncident(db: Executor, row: Insertable<IncidentWithScheduleTable>): Promise<number> {
  const inserted = await db.insertInto('incidents').values(row).returning('id').executeTakeFirstOrThrow();
  return inserted.id;
}

export function getIncident(db: Executor, id: number): Promise<IncidentRow | undefined> {
  return db.selectFrom('incidents').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function updateIncident(
  db: Executor,
  id: number,
  patch: Updateable<IncidentWithScheduleTable>,
): Promise<void> {
  await db.updateTable('incidents').set(patch).where('id', '=', id).execute();
}

/**
 * The incident whose dedicated channel this is. The channel ID is known once the sender created it
 * (slack_refs); it is copied onto the incident the first time it is looked up.
 */
export async function incidentByChannel(db: Executor, channelId: string): Promise<IncidentRow | undefined> {
  const direct = await db.selectFrom('incidents').selectAll().where('channel_id', '=', channelId).executeTakeFirst();
  if (direct) return direct;
  const viaRef = await db
    .selectFrom('incidents')
    .innerJoin('slack_refs', (join) =>
      join.on(sql`slack_refs.key`, '=', sql`'incident/' || incidents.id || '/channel'`),
    )
    .selectAll('incidents')
    .where('slack_refs.channel', '=', channelId)
    .executeTakeFirst();
  if (viaRef) {
    await db.updateTable('incidents').set({ channel_id: channelId }).where('id', '=', viaRef.id).execute();
    return { ...viaRef, channel_id: channelId };
  }
  return undefined;
}

/** Open incidents (not resolved or closed), newest first. */
export function openIncidents(db: Executor): Promise<IncidentRow[]> {
  return db
    .selectFrom('incidents')
    .selectAll()
    .where('status', 'in', [...ACTIVE_STATUSES])
    .orderBy('declared_at', 'desc')
    .execute();
}

/**
 * Open incidents touching a service, the most severe first: the service desk offers them (with their
 * channel, known from Slack's reply before the incident row has it) before filing, and links a new
 * ticket to the first.
 */
export function openIncidentsForService(
  db: Executor,
  service: string,
): Promise<
  {
    id: number;
    key: string;
    title: string;
    severity: IncidentRow['severity'];
    status: IncidentRow['status'];
    channel_id: string | null;
  }[]
> {
  return db
    .selectFrom('incidents')
    .innerJoin('incident_services', 'incident_services.incident_id', 'incidents.id')
    .leftJoin('slack_refs', (join) => join.on(sql`slack_refs.key`, '=', sql`'incident/' || incidents.id || '/channel'`))
    .select(['incidents.id', 'incidents.key', 'incidents.title', 'incidents.severity', 'incidents.status'])
    .select(sql<string | null>`coalesce(incidents.channel_id, slack_refs.channel)`.as('channel_id'))
    .where('incident_services.service', '=', service)
    .where('incidents.status', 'in', [...ACTIVE_STATUSES])
    .orderBy('incidents.severity')
    .orderBy('incidents.declared_at', 'desc')
    .execute();
}

// ---- services, roles ---------------------------------------------------------------------------------------

export async function setServices(db: Executor, incidentId: number, services: string[]): Promise<void> {
  await db.deleteFrom('incident_services').where('incident_id', '=', incidentId).execute();
  if (services.length > 0) {
    await db
      .insertInto('incident_services')
      .values(services.map((service) => ({ incident_id: incidentId, service })))
      .execute();
  }
}

export async function servicesOf(db: Executor, incidentId: number): Promise<string[]> {
  const rows = await db
    .selectFrom('incident_services')
    .select('service')
    .where('incident_id', '=', incidentId)
    .orderBy('service')
    .execute();
  return rows.map((r) => r.service);
}

export function rolesOf(
  db: Executor,
  incidentId: number,
): Promise<{ role: string; user_id: string; assigned_at: number }[]> {
  return db
    .selectFrom('incident_roles')
    .select(['role', 'user_id', 'assigned_at'])
    .where('incident_id', '=', incidentId)
    .orderBy('assigned_at')
    .execute();
}

export async function setRole(
  db: Executor,
  incidentId: number,
  role: string,
  userId: string,
  by: string,
  now: Date,
): Promise<void> {
  await db
    .insertInto('incident_roles')
    .values({ incident_id: incidentId, role, user_id: userId, assigned_at: now.getTime(), assigned_by: by })
    .onConflict((oc) =>
      oc.columns(['incident_id', 'role']).doUpdateSet({ user_id: userId, assigned_at: now.getTime(), assigned_by: by }),
    )
    .execute();
}

// ---- timeline -----------------------------------------------------------------------------------------------

/** Adds a timeline entry; false when the same Slack message (source_ts) is already on it. */
export async function addTimeline(
  db: Executor,
  entry: {
    incidentId: number;
    at: number;
    kind: string;
    actorId: string | null;
    text: string;
    sourceTs?: string | null;
  },
): Promise<boolean> {
  const result = await db
    .insertInto('incident_timeline')
    .values({
      incident_id: entry.incidentId,
      at: entry.at,
      kind: entry.kind,
      actor_id: entry.actorId,
      text: entry.text,
      source_ts: entry.sourceTs ?? null,
    })
    .onConflict((oc) => oc.doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0n) > 0;
}

export function timelineOf(db: Executor, incidentId: number): Promise<TimelineRow[]> {
  return db
    .selectFrom('incident_timeline')
    .selectAll()
    .where('incident_id', '=', incidentId)
    .orderBy('at')
    .orderBy('id')
    .execute();
}

// ---- stakeholder updates ------------------------------------------------------------------------------------

export async function insertUpdate(db: Executor, row: Insertable<IncidentUpdateTable>): Promise<number> {
  const inserted = await db.insertInto('incident_updates').values(row).returning('id').executeTakeFirstOrThrow();
  return inserted.id;
}

export function updatesOf(db: Executor, incidentId: number): Promise<IncidentUpdateRow[]> {
  return db
    .selectFrom('incident_updates')
    .selectAll()
    .where('incident_id', '=', incidentId)
    .orderBy('at')
    .orderBy('id')
    .execute();
}

export function lastUpdateOf(db: Executor, incidentId: number): Promise<IncidentUpdateRow | undefined> {
  return db
    .selectFrom('incident_updates')
    .selectAll()
    .where('incident_id', '=', incidentId)
    .orderBy('at', 'desc')
    .orderBy('id', 'desc')
    .executeTakeFirst();
}

// ---- subscriptions and audiences ------------------------------------------------------------------------------

/** Subscribes a person; false when they already were. */
export async function addSubscription(db: Executor, incidentId: number, userId: string, now: Date): Promise<boolean> {
  const result = await db
    .insertInto('incident_subscriptions')
    .values({ incident_id: incidentId, user_id: userId, at: now.getTime() })
    .onConflict((oc) => oc.doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0n) > 0;
}

export async function removeSubscription(db: Executor, incidentId: number, userId: string): Promise<boolean> {
  const result = await db
    .deleteFrom('incident_subscriptions')
    .where('incident_id', '=', incidentId)
    .where('user_id', '=', userId)
    .executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

export async function subscribersOf(db: Executor, incidentId: number): Promise<string[]> {
  const rows = await db
    .selectFrom('incident_subscriptions')
    .select('user_id')
    .where('incident_id', '=', incidentId)
    .orderBy('at')
    .execute();
  return rows.map((r) => r.user_id);
}

/** Records that an audience heard about the incident; true the first time (that message becomes the thread head). */
export async function addAudience(
  db: Executor,
  incidentId: number,
  target: string,
  kind: 'channel' | 'user',
  now: Date,
): Promise<boolean> {
  const result = await db
    .insertInto('incident_audiences')
    .values({ incident_id: incidentId, target, kind, first_at: now.getTime() })
    .onConflict((oc) => oc.doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0n) > 0;
}

export function audiencesOf(db: Executor, incidentId: number): Promise<{ target: string; kind: 'channel' | 'user' }[]> {
  return db
    .selectFrom('incident_audiences')
    .select(['target', 'kind'])
    .where('incident_id', '=', incidentId)
    .orderBy('first_at')
    .execute();
}

// ---- follow-up actions ---------------------------------------------------------------------------------------

export async function insertAction(db: Executor, row: Insertable<IncidentActionTable>): Promise<number> {
  const inserted = await db.insertInto('incident_actions').values(row).returning('id').executeTakeFirstOrThrow();
  return inserted.id;
}

export function getAction(db: Executor, id: number): Promise<IncidentActionRow | undefined> {
  return db.selectFrom('incident_actions').selectAll().where('id', '=', id).executeTakeFirst();
}

export function actionsOf(db: Executor, incidentId: number): Promise<IncidentActionRow[]> {
  return db
    .selectFrom('incident_actions')
    .selectAll()
    .where('incident_id', '=', incidentId)
    .orderBy('due_at')
    .orderBy('id')
    .execute();
}

/** Closes an open action; false when it was already done (a double click). */
export async function closeAction(db: Executor, id: number, by: string, now: Date): Promise<boolean> {
  const result = await db
    .updateTable('incident_actions')
    .set({ status: 'done', closed_at: now.getTime(), closed_by: by })
    .where('id', '=', id)
    .where('status', '=', 'open')
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

// ---- links -------------------------------------------------------------------------------------------------------

export function linkedTickets(
  db: Executor,
  incidentId: number,
): Promise<{ id: number; key: string; summary: string }[]> {
  return db
    .selectFrom('tickets')
    .select(['id', 'key', 'summary'])
    .where('incident_id', '=', incidentId)
    .orderBy('id')
    .execute();
}

export function linkedChanges(db: Executor, incidentId: number): Promise<{ key: string; title: string }[]> {
  return db
    .selectFrom('change_incidents')
    .innerJoin('changes', 'changes.id', 'change_incidents.change_id')
    .select(['changes.key', 'changes.title'])
    .where('change_incidents.incident_id', '=', incidentId)
    .orderBy('changes.id')
    .execute();
}

// ---- people -----------------------------------------------------------------------------------------------------

/**
 * Everyone the incident's record names besides its declarer and commander: role holders, people on
 * its timeline and owners of its follow-up actions (each once). The review export names them all.
 */
export async function peopleOnRecord(db: Executor, incidentId: number): Promise<string[]> {
  const rows = await db
    .selectFrom('incident_timeline')
    .select('actor_id as id')
    .where('incident_id', '=', incidentId)
    .where('actor_id', 'is not', null)
    .union(db.selectFrom('incident_roles').select('user_id as id').where('incident_id', '=', incidentId))
    .union(db.selectFrom('incident_actions').select('owner_id as id').where('incident_id', '=', incidentId))
    .execute();
  return rows.flatMap((r) => (r.id ? [r.id] : []));
}
