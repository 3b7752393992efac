import type { Generated } from 'kysely';
import type { Priority } from '../../src/domain/tickets/priority.js';
import type { ChangeOutcome, ChangeStatus } from '../../src/domain/changes/types.js';
import type { KbArticle, Ticket, TicketStatus } from '../../src/domain/tickets/types.js';

/**
 * The three records IT operations runs on (tickets, incidents, changes) and their satellites.
 * Times are UTC epoch milliseconds; the KPI columns (first response, acknowledged, resolved,
 * approved, completed…) are stored as facts when they happen so reports are SQL over indexed columns.
 */

/** A table whose rows are the domain's shape, with the columns the database fills in on insert. */
type WithDefaults<Row, Defaults extends keyof Row> = {
  [K in keyof Row]: K extends Defaults ? Generated<Row[K]> : Row[K];
};

export type TicketTable = WithDefaults<
  Ticket,
  'id' | 'reopen_count' | 'reassignment_count' | 'first_response_breached' | 'resolution_breached' | 'paused_ms'
>;

export interface TicketEventTable {
  id: Generated<number>;
  ticket_id: number;
  at: number;
  actor_id: string;
  kind: string;
  body: string | null;
  // The state in force after the event (facts), then the bookkeeping derived from the history so far.
  status: TicketStatus | null;
  priority: Priority | null;
  assignee_id: string | null;
  hold_reason: string | null;
  /** 1 when the hold in force pauses the SLA clocks. */
  paused: number | null;
  /** 1 once the first response has happened (at or before this event). */
  responded: number | null;
  first_assignee_id: string | null;
  reassignments: number | null;
  /** 1 once the ticket has been escalated to an incident. */
  escalated: number | null;
  /** Clocks read at the event: running | paused | met | breached | cancelled; breached then; due time. */
  fr_state: string | null;
  fr_breached: number | null;
  fr_due_at: number | null;
  res_state: string | null;
  res_breached: number | null;
  res_due_at: number | null;
}

export type KbArticleTable = WithDefaults<KbArticle, 'id'>;

export interface KbDeflectionTable {
  id: Generated<number>;
  user_id: string;
  article_id: number;
  query: string;
  at: number;
}

export type IncidentStatus = 'investigating' | 'identified' | 'monitoring' | 'resolved' | 'closed';

export interface IncidentTable {
  id: Generated<number>;
  key: string;
  title: string;
  /** On the priority scale. */
  severity: Priority;
  status: IncidentStatus;
  impact: string;
  declared_by: string;
  commander_id: string | null;
  started_at: number | null;
  declared_at: number;
  acknowledged_at: number | null;
  mitigated_at: number | null;
  resolved_at: number | null;
  closed_at: number | null;
  resolution_summary: string | null;
  channel_id: string | null;
  channel_name: string | null;
  bridge_url: string | null;
  bridge_started_at: number | null;
  next_update_due_at: number | null;
  last_update_at: number | null;
  updated_at: number;
}

export interface IncidentServiceTable {
  incident_id: number;
  service: string;
}

export interface IncidentRoleTable {
  incident_id: number;
  role: string;
  user_id: string;
  assigned_at: number;
  assigned_by: string;
}

export interface IncidentTimelineTable {
  id: Generated<number>;
  incident_id: number;
  at: number;
  kind: string;
  actor_id: string | null;
  text: string;
  /** The Slack message a reaction pinned, so the same message is never added twice. */
  source_ts: string | null;
}

export interface IncidentUpdateTable {
  id: Generated<number>;
  incident_id: number;
  at: number;
  posted_by: string;
  status: IncidentStatus;
  impact: string;
  actions: string;
  workaround: string | null;
  next_update_at: number | null;
  /** When this update was due (null for the first or an unscheduled one); punctuality compares it with `at`. */
  due_at: number | null;
  on_time: number | null;
  audience: string;
}

export interface IncidentSubscriptionTable {
  incident_id: number;
  user_id: string;
  at: number;
}

export interface IncidentActionTable {
  id: Generated<number>;
  incident_id: number;
  text: string;
  owner_id: string;
  due_at: number;
  status: 'open' | 'done';
  created_at: number;
  created_by: string;
  closed_at: number | null;
  closed_by: string | null;
}

export interface ChangeTable {
  id: Generated<number>;
  key: string;
  title: string;
  description: string;
  type: 'standard' | 'normal' | 'emergency';
  risk: 'low' | 'medium' | 'high';
  status: ChangeStatus;
  outcome: ChangeOutcome | null;
  requester_id: string;
  implementer_id: string | null;
  template_id: string | null;
  planned_start: number;
  planned_end: number;
  implementation_plan: string;
  rollback_plan: string;
  linked_ticket_key: string | null;
  required_approvals: number;
  freeze_override: number;
  freeze_override_reason: string | null;
  review_required: number;
  reviewed_at: number | null;
  reviewed_by: string | null;
  review_note: string | null;
  /** Bumped by an edit after approval: approvals of an older version no longer count. */
  version: number;
  created_at: number;
  submitted_at: number | null;
  approved_at: number | null;
  rejected_at: number | null;
  started_at: number | null;
  completed_at: number | null;
  cancelled_at: number | null;
  closeout_notes: string | null;
  updated_at: number;
}

export interface ChangeServiceTable {
  change_id: number;
  service: string;
}

export interface ChangeApprovalTable {
  id: Generated<number>;
  change_id: number;
  version: number;
  approver_id: string;
  decision: 'approved' | 'rejected';
  reason: string | null;
  at: number;
}

/** A change linked as the cause of an incident: counts as failed in the change failure rate. */
export interface ChangeIncidentTable {
  change_id: number;
  incident_id: number;
  linked_at: number;
  linked_by: string;
}

export interface RecordTables {
  tickets: TicketTable;
  ticket_events: TicketEventTable;
  kb_articles: KbArticleTable;
  kb_deflections: KbDeflectionTable;
  incidents: IncidentTable;
  incident_services: IncidentServiceTable;
  incident_roles: IncidentRoleTable;
  incident_timeline: IncidentTimelineTable;
  incident_updates: IncidentUpdateTable;
  incident_subscriptions: IncidentSubscriptionTable;
  incident_actions: IncidentActionTable;
  changes: ChangeTable;
  change_services: ChangeServiceTable;
  change_approvals: ChangeApprovalTable;
  change_incidents: ChangeIncidentTable;
}
