import type { Generated } from 'kysely';

/**
 * Columns the change area adds to the record tables (migration 2026-11-23-020). Merged into the
 * `changes` and `change_approvals` tables in db/schema.ts.
 */
export interface ChangeColumns {
  /** JSON of the risk questionnaire answers when the risk was computed. */
  risk_answers: string | null;
  postponed_count: Generated<number>;
  closeout_requested_at: number | null;
  /** Standard changes (migration 2026-12-02-300): the template's version and content (JSON) at submission. */
  template_version: number | null;
  template_snapshot: string | null;
  /** The requester's note on a standard change. */
  requester_note: string | null;
}

export interface ChangeApprovalColumns {
  /** JSON array of services whose approver group this approval satisfied. */
  covers_services: string | null;
}
