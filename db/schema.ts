import type { Kysely, Transaction } from 'kysely';
import type { FoundationTables } from './schema/foundation.js';
import type { RecordTables } from './schema/records.js';
import type { ServiceDeskTables } from './schema/service-desk.js';
import type { ReportTables } from './schema/reports.js';

export type * from './schema/foundation.js';
export type * from './schema/records.js';
export type * from './schema/service-desk.js';
export type * from './schema/reports.js';

/** The whole database, one interface per area merged here. */
export interface Database extends FoundationTables, RecordTables, ServiceDeskTables, ReportTables {}

export type Db = Kysely<Database>;
/** Either the database or an open transaction: queries take this so use cases can compose them. */
export type Executor = Kysely<Database> | Transaction<Database>;
