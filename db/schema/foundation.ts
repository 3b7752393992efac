import type { Generated } from 'kysely';

/**
 * Tables every area uses. Times are UTC epoch milliseconds in INTEGER columns everywhere (`*_at`):
 * sortable, index-friendly, subtractable in portable SQL (resolved_at - declared_at) on SQLite and
 * PostgreSQL alike. JSON lives in TEXT columns and is parsed at the query edge.
 */

/** A Slack call the bot owes, recorded in the same transaction as the change that owes it. */
export interface OutboxTable {
  id: Generated<number>;
  created_at: number;
  /** Web API method, e.g. chat.postMessage. */
  method: string;
  /** JSON arguments, sent as they are apart from the `fills` (never read for markup). */
  payload: string;
  /** JSON [{path, value}]: values known only at send time (refs, composed text, display names), set at those paths. */
  fills: string | null;
  /** JSON {method, args}: owed instead if this call fails for good. */
  on_failure: string | null;
  /** conversations.create: the suffix added to the name after name_taken answers. */
  name_suffix: number | null;
  /** When the latest call whose outcome is not known yet started; set means "look in Slack before sending again". */
  attempt_started_at: number | null;
  /** Pacing and ordering key: usually the channel (or a ref to it). */
  lane: string;
  /** When set, the result (channel, ts) is stored under this key in slack_refs. */
  ref_key: string | null;
  /** Suppresses a second enqueue of the same message (e.g. one reminder per due point). */
  dedupe_key: string | null;
  status: 'pending' | 'sent' | 'failed';
  attempts: number;
  next_attempt_at: number;
  last_error: string | null;
  sent_at: number | null;
  /** JSON of the useful parts of Slack's answer. */
  result: string | null;
}

/** Where a canonical message or channel lives in Slack, so later edits find it. */
export interface SlackRefTable {
  key: string;
  channel: string;
  ts: string | null;
  /** chat.getPermalink's link to the message at `ts`, once asked for (2026-12-03-500). */
  permalink: string | null;
  updated_at: number;
}

/** Something that must happen at a time: the only way the app remembers the future. */
export interface DueItemTable {
  id: Generated<number>;
  kind: string;
  record_type: string;
  record_id: number;
  due_at: number;
  status: 'pending' | 'done' | 'cancelled';
  /** JSON for the handler. */
  payload: string;
  /** One row per (kind, record, due point). */
  dedupe_key: string;
  created_at: number;
  done_at: number | null;
  outcome: string | null;
}

/** Append-only: triggers refuse UPDATE and DELETE. */
export interface AuditLogTable {
  id: Generated<number>;
  at: number;
  actor_id: string;
  actor_name: string | null;
  action: string;
  record_type: string;
  record_id: number | null;
  record_key: string | null;
  before: string | null;
  after: string | null;
  source: 'command' | 'button' | 'modal' | 'shortcut' | 'event' | 'job' | 'system';
  detail: string | null;
}

/**
 * What Slack asked for, stored before the ack and processed after it (or a receipt of a delivery
 * handled before the ack). `processed_at` is set in the transaction of the effect.
 */
export interface InboxTable {
  /** Slack's identity of the delivery, e.g. `ticket.file:V123:hash`, `event:Ev123`. */
  key: string;
  /** Which handler processes it; `receipt` for deliveries handled before the ack. */
  kind: string;
  /** Who asked: told if the request is refused or finally fails. */
  user_id: string | null;
  /** JSON for the handler. */
  payload: string | null;
  received_at: number;
  processed_at: number | null;
  failed_at: number | null;
  attempts: Generated<number>;
  next_attempt_at: number | null;
  last_error: string | null;
}

/** Per-prefix sequence for human keys: IT-123, INC-42, CHG-17. */
export interface CounterTable {
  name: string;
  value: number;
}

export interface FoundationTables {
  outbox: OutboxTable;
  slack_refs: SlackRefTable;
  due_items: DueItemTable;
  audit_log: AuditLogTable;
  inbox: InboxTable;
  counters: CounterTable;
}
