import {
  getIncident,
  incidentByChannel,
  openIncidents,
  peopleOnRecord,
  type IncidentRow,
} from '../../../db/queries/incidents.js';
import { mayRun, type Severity, type Status } from '../../domain/incidents/rules.js';
import type { ServiceContext } from '../context.js';

/**
 * What the incident listeners read before they answer (a list, a form, who to look up). Nothing here
 * changes a record or writes audit rows; what someone may do is decided again by the use case.
 */

export type { IncidentRow };

export interface OpenIncident {
  key: string;
  title: string;
  severity: Severity;
  status: Status;
  channelId: string | null;
}

/** The incident whose own channel this is, if any. */
export function incidentInChannel(ctx: ServiceContext, channelId: string): Promise<IncidentRow | undefined> {
  return incidentByChannel(ctx.db, channelId);
}

/** Open incidents, newest first: `/incident list` and the declare form (to avoid declaring one twice). */
export async function openIncidentList(ctx: ServiceContext): Promise<OpenIncident[]> {
  const rows = await openIncidents(ctx.db);
  return rows.map((i) => ({
    key: i.key,
    title: i.title,
    severity: i.severity,
    status: i.status,
    channelId: i.channel_id,
  }));
}

/**
 * Whether the record alone shows the person running the incident (its commander or declarer): the
 * use cases' rule (`mayRun`) for someone not counted as an incident manager. When it says yes, the
 * shell skips the user-group look-up that incident-manager standing takes.
 */
export function runsByRecord(incident: Pick<IncidentRow, 'declared_by' | 'commander_id'>, userId: string): boolean {
  return mayRun(
    { declaredBy: incident.declared_by, commanderId: incident.commander_id },
    { id: userId, isIncidentManager: false },
  );
}

/** `runsByRecord` for an incident by id; false when it is gone (the use case then refuses). */
export async function runsIncident(ctx: ServiceContext, incidentId: number, userId: string): Promise<boolean> {
  const incident = await getIncident(ctx.db, incidentId);
  return incident !== undefined && runsByRecord(incident, userId);
}

/** Everyone the review export names (declarer, commander, everyone else on the record); undefined when the incident is gone. */
export async function reviewPeople(ctx: ServiceContext, incidentId: number): Promise<string[] | undefined> {
  const incident = await getIncident(ctx.db, incidentId);
  if (!incident) return undefined;
  const named = [
    incident.declared_by,
    ...(incident.commander_id ? [incident.commander_id] : []),
    ...(await peopleOnRecord(ctx.db, incidentId)),
  ];
  return [...new Set(named)];
}
