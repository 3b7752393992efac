import type { Kysely, Transaction } from 'kysely';
import type { FoundationTables } from './schema/foundation.js';
import type { RecordTables } from './schema/records.js';
import type { IncidentTables } from './schema/incidents.js';
import type { ChangeApprovalColumns, ChangeColumns } from './schema/changes.js';
import type { ServiceDeskTables } from './schema/service-desk.js';
import type { ReportTables } from './schema/reports.js';

export type * from './schema/foundation.js';
export type * from './schema/records.js';
export type * from './schema/incidents.js';
export type * from './schema/changes.js';
export type * from './schema/service-desk.js';
export type * from './schema/reports.js';

/**
 * The whole database, one interface per area merged here. Tables that later migrations extended
 * (incidents, changes, change approvals) take their extended shape.
 */
export interface Database
  extends
    FoundationTables,
    Omit<RecordTables, keyof IncidentTables | 'changes' | 'change_approvals'>,
    IncidentTables,
    ServiceDeskTables,
    ReportTables {
  changes: RecordTables['changes'] & ChangeColumns;
  change_approvals: RecordTables['change_approvals'] & ChangeApprovalColumns;
}

export type Db = Kysely<Database>;
/** Either the database or an open transaction: queries take this so use cases can compose them. */
export type Executor = Kysely<Database> | Transaction<Database>;
