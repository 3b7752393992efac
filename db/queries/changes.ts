import type { Insertable, Selectable, Updateable } from 'kysely';
import type { Database, Executor } from '../schema.js';

/** The change area's SQL, mapped to plain rows at this edge. */
export type ChangeRow = Selectable<Database['changes']>;
export type NewChangeRow = Insertable<Database['changes']>;
export type ChangePatch = Updateable<Database['changes']>;
export type ChangeApprovalRow = Selectable<Database['change_approvals']>;

export async function insertChange(db: Executor, row: NewChangeRow, services: string[]): Promise<ChangeRow> {
  const change = await db.insertInto('changes').values(row).returningAll().executeTakeFirstOrThrow();
  await replaceServices(db, change.id, services);
  return change;
}

export async function replaceServices(db: Executor, changeId: number, services: string[]): Promise<void> {
  await db.deleteFrom('change_services').where('change_id', '=', changeId).execute();
  const unique = [...new Set(services)];
  if (unique.length > 0)
    await db
      .insertInto('change_services')
      .values(unique.map((service) => ({ change_id: changeId, service })))
      .execute();
}

export function findChangeById(db: Executor, id: number): Promise<ChangeRow | undefined> {
  return db.selectFrom('changes').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Finds a change by its key, case-insensitively (`chg-17` works). */
export function findChangeByKey(db: Executor, key: string): Promise<ChangeRow | undefined> {
  return db.selectFrom('changes').selectAll().where('key', '=', key.trim().toUpperCase()).executeTakeFirst();
}

export async function updateChange(db: Executor, id: number, patch: ChangePatch): Promise<void> {
  await db.updateTable('changes').set(patch).where('id', '=', id).execute();
}

/** Moves a change from one status to another only if it is still in `from`: false when someone got there first. */
export async function transitionChange(
  db: Executor,
  id: number,
  from: readonly string[],
  patch: ChangePatch,
): Promise<boolean> {
  const result = await db
    .updateTable('changes')
    .set(patch)
    .where('id', '=', id)
    .where('status', 'in', from as ChangeRow['status'][])
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function servicesOf(db: Executor, changeId: number): Promise<string[]> {
  const rows = await db
    .selectFrom('change_services')
    .select('service')
    .where('change_id', '=', changeId)
    .orderBy('service')
    .execute();
  return rows.map((r) => r.service);
}

export function approvalsOf(db: Executor, changeId: number): Promise<ChangeApprovalRow[]> {
  return db.selectFrom('change_approvals').selectAll().where('change_id', '=', changeId).orderBy('id').execute();
}

/** Records a decision; false when this approver already decided this version (a double click). */
export async function insertApproval(
  db: Executor,
  row: {
    changeId: number;
    version: number;
    approverId: string;
    decision: 'approved' | 'rejected';
    reason: string | null;
    coversServices: string[];
  },
  now: Date,
): Promise<boolean> {
  const result = await db
    .insertInto('change_approvals')
    .values({
      change_id: row.changeId,
      version: row.version,
      approver_id: row.approverId,
      decision: row.decision,
      reason: row.reason,
      covers_services: JSON.stringify(row.coversServices),
      at: now.getTime(),
    })
    .onConflict((oc) => oc.columns(['change_id', 'version', 'approver_id']).doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0n) > 0;
}

/** Open changes (awaiting approval, scheduled, in progress) whose window overlaps [from, to), with their services. */
export async function openChangesBetween(
  db: Executor,
  from: number,
  to: number,
): Promise<(ChangeRow & { services: string[] })[]> {
  const rows = await db
    .selectFrom('changes')
    .selectAll()
    .where('status', 'in', ['pending_approval', 'approved', 'scheduled', 'in_progress'])
    .where('planned_start', '<', to)
    .where('planned_end', '>', from)
    .orderBy('planned_start')
    .orderBy('id')
    .execute();
  return withServices(db, rows);
}

async function withServices(db: Executor, rows: ChangeRow[]): Promise<(ChangeRow & { services: string[] })[]> {
  if (rows.length === 0) return [];
  const services = await db
    .selectFrom('change_services')
    .select(['change_id', 'service'])
    .where(
      'change_id',
      'in',
      rows.map((r) => r.id),
    )
    .orderBy('service')
    .execute();
  return rows.map((r) => ({ ...r, services: services.filter((s) => s.change_id === r.id).map((s) => s.service) }));
}

export function findIncidentByKey(db: Executor, key: string) {
  return db
    .selectFrom('incidents')
    .select(['id', 'key', 'title', 'status', 'severity'])
    .where('key', '=', key.trim().toUpperCase())
    .executeTakeFirst();
}

/** Links a change to an incident it caused; false when the link already exists. */
export async function insertChangeIncident(
  db: Executor,
  changeId: number,
  incidentId: number,
  by: string,
  now: Date,
): Promise<boolean> {
  const result = await db
    .insertInto('change_incidents')
    .values({ change_id: changeId, incident_id: incidentId, linked_at: now.getTime(), linked_by: by })
    .onConflict((oc) => oc.columns(['change_id', 'incident_id']).doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0n) > 0;
}

export function incidentsLinkedTo(db: Executor, changeId: number) {
  return db
    .selectFrom('change_incidents')
    .innerJoin('incidents', 'incidents.id', 'change_incidents.incident_id')
    .select([
      'incidents.id',
      'incidents.key',
      'incidents.title',
      'incidents.severity',
      'change_incidents.linked_at',
      'change_incidents.linked_by',
    ])
    .where('change_incidents.change_id', '=', changeId)
    .orderBy('change_incidents.linked_at')
    .execute();
}
