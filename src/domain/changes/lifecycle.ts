import type { ChangeStatus } from './types.js';

/**
 * The change state machine (ITIL / ServiceNow flavour):
 * pending_approval → scheduled (quorum reached) | rejected | cancelled
 * scheduled → in_progress (implementer starts) | pending_approval (window or plan edited) | completed | cancelled
 * in_progress → completed (close-out with an outcome)
 * Standard changes enter at `scheduled`: they are pre-approved. `draft` and `approved` are kept for
 * records made by other tools; Switchboard treats `approved` like `scheduled`.
 */
export type ChangeEvent = 'approve' | 'reject' | 'start' | 'reschedule' | 'edit' | 'close' | 'cancel' | 'review';

const ALLOWED: Record<ChangeEvent, readonly ChangeStatus[]> = {
  approve: ['pending_approval'],
  reject: ['pending_approval'],
  start: ['approved', 'scheduled'],
  reschedule: ['pending_approval', 'approved', 'scheduled'],
  edit: ['pending_approval', 'approved', 'scheduled'],
  close: ['approved', 'scheduled', 'in_progress'],
  cancel: ['draft', 'pending_approval', 'approved', 'scheduled'],
  review: ['pending_approval', 'approved', 'scheduled', 'in_progress', 'completed', 'rejected', 'cancelled'],
};

export function canApply(status: ChangeStatus, event: ChangeEvent): boolean {
  return ALLOWED[event].includes(status);
}

/** The reason a person sees when an action no longer applies (a stale button, a second click). */
export function staleReason(key: string, status: ChangeStatus, event: ChangeEvent): string {
  const state: Record<ChangeStatus, string> = {
    draft: 'is still a draft',
    pending_approval: 'is still awaiting approval',
    approved: 'is already approved',
    scheduled: 'is already approved',
    rejected: 'was rejected',
    in_progress: 'is already in progress',
    completed: 'is already closed',
    cancelled: 'was cancelled',
  };
  const verb: Record<ChangeEvent, string> = {
    approve: 'approved',
    reject: 'rejected',
    start: 'started',
    reschedule: 'rescheduled',
    edit: 'edited',
    close: 'closed out',
    cancel: 'cancelled',
    review: 'reviewed',
  };
  return `${key} ${state[status]}, so it cannot be ${verb[event]} now. Nothing was changed.`;
}

/** After a window or plan edit: approvals must be given again, except for pre-approved standard changes. */
export function statusAfterEdit(type: 'standard' | 'normal' | 'emergency', status: ChangeStatus): ChangeStatus {
  if (type === 'standard') return status === 'pending_approval' ? 'pending_approval' : 'scheduled';
  return 'pending_approval';
}

/**
 * Can a change be recorded as the cause of an incident? Only one that was (or may have been) carried
 * out: a cancelled, rejected or draft change never ran, so it caused nothing and must not count as failed.
 */
export function causeRefusal(key: string, status: ChangeStatus): string | undefined {
  if (status === 'cancelled' || status === 'rejected' || status === 'draft') {
    const what = status === 'cancelled' ? 'was cancelled' : status === 'rejected' ? 'was rejected' : 'is still a draft';
    return `${key} ${what} and never ran, so it cannot be the cause of an incident. Nothing was linked.`;
  }
  return undefined;
}
