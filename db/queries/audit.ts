import type { Selectable } from 'kysely';
import type { Executor } from '../schema.js';
import type { AuditLogTable } from '../schema/foundation.js';

export type AuditRow = Selectable<AuditLogTable>;

export interface AuditEntry {
  actor: { id: string; name?: string | null };
  action: string;
  recordType: string;
  recordId?: number | null;
  recordKey?: string | null;
  before?: unknown;
  after?: unknown;
  source: AuditLogTable['source'];
  detail?: string | null;
}

export async function insertAudit(db: Executor, entry: AuditEntry, now: Date): Promise<void> {
  await db
    .insertInto('audit_log')
    .values({
      at: now.getTime(),
      actor_id: entry.actor.id,
      actor_name: entry.actor.name ?? null,
      action: entry.action,
      record_type: entry.recordType,
      record_id: entry.recordId ?? null,
      record_key: entry.recordKey ?? null,
      before: entry.before === undefined ? null : JSON.stringify(entry.before),
      after: entry.after === undefined ? null : JSON.stringify(entry.after),
      source: entry.source,
      detail: entry.detail ?? null,
    })
    .execute();
}

export function auditFor(db: Executor, recordType: string, recordId: number): Promise<AuditRow[]> {
  return db
    .selectFrom('audit_log')
    .selectAll()
    .where('record_type', '=', recordType)
    .where('record_id', '=', recordId)
    .orderBy('id')
    .execute();
}
