import type { Migration } from 'kysely';
import * as foundation from './2026-11-23-001-foundation.js';

/** Every migration, by name; names sort in the order they run. Add new files at the end. */
export const migrations: Record<string, Migration> = {
  '2026-11-23-001-foundation': foundation,
};
