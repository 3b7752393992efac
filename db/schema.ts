import type { Kysely, Transaction } from 'kysely';
import type { FoundationTables } from './schema/foundation.js';
import type { RecordTables } from './schema/records.js';
import type { IncidentTables } from './schema/incidents.js';

export type * from './schema/foundation.js';
export type * from './schema/records.js';
export type * from './schema/incidents.js';

/** The whole database, one interface per area merged here. */
export interface Database extends FoundationTables, Omit<RecordTables, keyof IncidentTables>, IncidentTables {}

export type Db = Kysely<Database>;
/** Either the database or an open transaction: queries take this so use cases can compose them. */
export type Executor = Kysely<Database> | Transaction<Database>;
