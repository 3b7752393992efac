import type { Generated } from 'kysely';
import type { IncidentTable } from './records.js';

/** Incident tables and columns added after the records migration (db/migrations/2026-11-23-010-*). */
export interface IncidentAudienceTable {
  incident_id: number;
  /** A channel ID or a user ID (subscriber DM). */
  target: string;
  kind: 'channel' | 'user';
  first_at: number;
}

export interface IncidentWithScheduleTable extends IncidentTable {
  /**
   * Bumped whenever the update schedule restarts (an update posted, severity or status changed,
   * resolved): reminders of an older schedule recognise themselves as superseded.
   */
  update_generation: Generated<number>;
}

export interface IncidentTables {
  incidents: IncidentWithScheduleTable;
  incident_audiences: IncidentAudienceTable;
}
