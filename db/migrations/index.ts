import type { Migration } from 'kysely';
import * as foundation from './2026-11-23-001-foundation.js';
import * as records from './2026-11-23-002-records.js';
import * as serviceDesk from './2026-11-23-040-service-desk.js';
import * as outboxIndexes from './2026-11-23-050-outbox-indexes.js';

/** Every migration, by name; names sort in the order they run. Add new files at the end. */
export const migrations: Record<string, Migration> = {
  '2026-11-23-001-foundation': foundation,
  '2026-11-23-002-records': records,
  '2026-11-23-040-service-desk': serviceDesk,
  '2026-11-23-050-outbox-indexes': outboxIndexes,
};
