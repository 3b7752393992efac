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

/** The message a message shortcut was invoked on, by the id of the form it opened (2026-12-02-350). */
export interface ShortcutSourceTable {
  view_id: string;
  user_id: string;
  callback_id: string;
  channel: string;
  ts: string;
  /** 1 when the message is in a private channel, group DM or DM. */
  is_private: number;
  /** chat.getPermalink's link to the message, when Slack gave one (2026-12-03-500). */
  permalink: string | null;
  created_at: number;
}

export interface IncidentTables {
  shortcut_sources: ShortcutSourceTable;
  incidents: IncidentWithScheduleTable;
  incident_audiences: IncidentAudienceTable;
}
