export type ChangeStatus =
  'draft' | 'pending_approval' | 'approved' | 'rejected' | 'scheduled' | 'in_progress' | 'completed' | 'cancelled';
export type ChangeOutcome = 'successful' | 'successful_with_issues' | 'failed' | 'rolled_back';
export type ChangeType = 'standard' | 'normal' | 'emergency';
export type Risk = 'low' | 'medium' | 'high';

export const OUTCOMES: readonly ChangeOutcome[] = ['successful', 'successful_with_issues', 'failed', 'rolled_back'];

export const STATUS_LABEL: Record<ChangeStatus, string> = {
  draft: 'Draft',
  pending_approval: 'Awaiting approval',
  approved: 'Approved',
  rejected: 'Rejected',
  scheduled: 'Approved · scheduled',
  in_progress: 'In progress',
  completed: 'Completed',
  cancelled: 'Cancelled',
};

export const OUTCOME_LABEL: Record<ChangeOutcome, string> = {
  successful: 'Successful',
  successful_with_issues: 'Successful with issues',
  failed: 'Failed',
  rolled_back: 'Rolled back',
};

export const TYPE_LABEL: Record<ChangeType, string> = {
  standard: 'Standard',
  normal: 'Normal',
  emergency: 'Emergency',
};
export const RISK_LABEL: Record<Risk, string> = { low: 'Low', medium: 'Medium', high: 'High' };

/** A time span in epoch ms, start inclusive, end exclusive. */
export interface Window {
  start: number;
  end: number;
}

/** Two windows overlap when each starts before the other ends (touching end-to-start is no overlap). */
export function overlaps(a: Window, b: Window): boolean {
  return a.start < b.end && b.start < a.end;
}

/** Which states still hold a slot on the calendar. */
const OPEN_STATUSES: readonly ChangeStatus[] = ['pending_approval', 'approved', 'scheduled', 'in_progress'];
export function isOpen(status: ChangeStatus): boolean {
  return OPEN_STATUSES.includes(status);
}
