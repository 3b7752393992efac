import type { Migration } from 'kysely';
import * as foundation from './2026-11-23-001-foundation.js';
import * as records from './2026-11-23-002-records.js';
import * as incidentsAudiences from './2026-11-23-010-incidents-audiences.js';
import * as changesEvidence from './2026-11-23-020-changes-evidence.js';
import * as reportIndexes from './2026-11-23-030-report-indexes.js';
import * as serviceDesk from './2026-11-23-040-service-desk.js';
import * as outboxIndexes from './2026-11-23-050-outbox-indexes.js';
import * as backlogIndex from './2026-11-23-060-backlog-index.js';
import * as outboxDelivery from './2026-12-02-200-outbox-delivery.js';
import * as ticketHistory from './2026-12-02-400-ticket-history.js';
import * as standardChangeSnapshot from './2026-12-02-300-standard-change-snapshot.js';
import * as punctualityIndex from './2026-12-02-401-punctuality-index.js';
import * as inbox from './2026-12-02-100-inbox.js';
import * as shortcutSources from './2026-12-02-350-shortcut-sources.js';
import * as ticketDmButtons from './2026-12-03-410-ticket-dm-buttons.js';
import * as messagePermalinks from './2026-12-03-500-message-permalinks.js';

/** Every migration, by name; names sort in the order they run. Add new files at the end. */
export const migrations: Record<string, Migration> = {
  '2026-11-23-001-foundation': foundation,
  '2026-11-23-002-records': records,
  '2026-11-23-010-incidents-audiences': incidentsAudiences,
  '2026-11-23-020-changes-evidence': changesEvidence,
  '2026-11-23-030-report-indexes': reportIndexes,
  '2026-11-23-040-service-desk': serviceDesk,
  '2026-11-23-050-outbox-indexes': outboxIndexes,
  '2026-11-23-060-backlog-index': backlogIndex,
  '2026-12-02-200-outbox-delivery': outboxDelivery,
  '2026-12-02-400-ticket-history': ticketHistory,
  '2026-12-02-300-standard-change-snapshot': standardChangeSnapshot,
  '2026-12-02-401-punctuality-index': punctualityIndex,
  '2026-12-02-100-inbox': inbox,
  '2026-12-02-350-shortcut-sources': shortcutSources,
  '2026-12-03-410-ticket-dm-buttons': ticketDmButtons,
  '2026-12-03-500-message-permalinks': messagePermalinks,
};
