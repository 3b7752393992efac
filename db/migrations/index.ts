import type { Migration } from 'kysely';
import * as foundation from './2026-11-23-001-foundation.js';
import * as records from './2026-11-23-002-records.js';
import * as incidentsAudiences from './2026-11-23-010-incidents-audiences.js';

/** Every migration, by name; names sort in the order they run. Add new files at the end. */
export const migrations: Record<string, Migration> = {
  '2026-11-23-001-foundation': foundation,
  '2026-11-23-002-records': records,
  '2026-11-23-010-incidents-audiences': incidentsAudiences,
};
