/** Where a ticket stands; the lifecycle rule (lifecycle.ts) says which moves between them are allowed. */
export type TicketStatus = 'new' | 'in_progress' | 'waiting_on_requester' | 'resolved' | 'closed' | 'cancelled';

/** A service-desk ticket as stored (db/schema/records.ts builds its table from this shape). */
export interface Ticket {
  id: number;
  key: string;
  requester_id: string;
  requester_name: string | null;
  summary: string;
  details: string;
  category: string;
  service: string | null;
  impact: 'high' | 'medium' | 'low';
  urgency: 'high' | 'medium' | 'low';
  priority: 'P1' | 'P2' | 'P3' | 'P4';
  attachment_url: string | null;
  status: TicketStatus;
  assignee_id: string | null;
  /** Who first worked it: first-contact resolution compares this with the resolver. */
  first_assignee_id: string | null;
  source: 'command' | 'shortcut' | 'reaction';
  source_channel: string | null;
  source_ts: string | null;
  source_permalink: string | null;
  created_at: number;
  updated_at: number;
  first_response_at: number | null;
  first_response_due_at: number;
  resolution_due_at: number;
  /** Set while waiting on the requester: the SLA clock is paused since then. */
  paused_since: number | null;
  resolved_at: number | null;
  resolved_by: string | null;
  resolution_note: string | null;
  resolution_code: string | null;
  closed_at: number | null;
  cancelled_at: number | null;
  reopen_count: number;
  reassignment_count: number;
  escalated_at: number | null;
  first_response_breached: number;
  resolution_breached: number;
  csat_score: number | null;
  csat_at: number | null;
  csat_requested_at: number | null;
  incident_id: number | null;
  /** Working time spent on pausing holds, on the calendar of the priority in force (added by the service-desk migration). */
  paused_ms: number;
  /** What the ticket is on hold for (a key of sla.pause_reasons), or null. */
  hold_reason: string | null;
}

/** A knowledge-base article offered before a ticket is filed. */
export interface KbArticle {
  id: number;
  title: string;
  body: string;
  url: string | null;
  created_by: string;
  created_at: number;
  removed_at: number | null;
}
