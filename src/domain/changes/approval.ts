import type { ChangeStatus, ChangeType, Risk } from './types.js';

/**
 * Who may approve a change and when enough have. Pure: group memberships are resolved by the caller
 * (from Slack) and passed in as facts.
 */
export interface ApprovalRules {
  approvals_by_risk: Record<Risk, number>;
  /** Service → approver entries; a change touching the service needs at least one approval from them. */
  approver_groups_by_service: Record<string, string[]>;
}

export interface ChangeForApproval {
  key: string;
  type: ChangeType;
  risk: Risk;
  status: ChangeStatus;
  requesterId: string;
  implementerId: string | null;
  services: string[];
  version: number;
}

/** What the shell found out about the person clicking. */
export interface ApproverFacts {
  userId: string;
  isChangeApprover: boolean;
  isEmergencyApprover: boolean;
  /** Services (of this change) whose approver group the person belongs to. */
  serviceGroups: string[];
}

export interface GivenApproval {
  approverId: string;
  decision: 'approved' | 'rejected';
  version: number;
  coversServices: string[];
}

export function requiredApprovals(
  type: ChangeType,
  risk: Risk,
  rules: Pick<ApprovalRules, 'approvals_by_risk'>,
): number {
  if (type === 'standard') return 0;
  if (type === 'emergency') return 1;
  return rules.approvals_by_risk[risk];
}

/** Services of the change that have a named approver group. */
function servicesNeedingGroupApproval(
  services: string[],
  rules: Pick<ApprovalRules, 'approver_groups_by_service'>,
): string[] {
  return services.filter((s) => (rules.approver_groups_by_service[s] ?? []).length > 0);
}

/** The approver entries (users or groups) of a change: CAB or ECAB, plus per-service groups of normal changes. */
export function approverEntriesFor(
  change: Pick<ChangeForApproval, 'type' | 'services'>,
  roles: { change_approvers: string[]; emergency_approvers: string[] },
  rules: Pick<ApprovalRules, 'approver_groups_by_service'>,
): string[] {
  if (change.type === 'standard') return [];
  if (change.type === 'emergency') return [...new Set(roles.emergency_approvers)];
  const entries = new Set(roles.change_approvers);
  for (const s of servicesNeedingGroupApproval(change.services, rules))
    for (const e of rules.approver_groups_by_service[s]!) entries.add(e);
  return [...entries];
}

export type ApprovalCheck =
  | { allowed: true }
  | { allowed: false; reason: string; kind: 'stale' | 'segregation' | 'not_approver' | 'already_decided' };

/**
 * May this person decide (approve or reject) this change now? Order matters for the message people
 * see: a closed change is stale for everyone; then segregation of duties; then membership; then a
 * second click.
 */
export function checkApprover(change: ChangeForApproval, who: ApproverFacts, given: GivenApproval[]): ApprovalCheck {
  if (change.status !== 'pending_approval') {
    return {
      allowed: false,
      kind: 'stale',
      reason: `${change.key} is no longer awaiting approval (${change.status.replace('_', ' ')}). Nothing was changed.`,
    };
  }
  if (who.userId === change.requesterId) {
    return {
      allowed: false,
      kind: 'segregation',
      reason: `You requested ${change.key}, so you cannot approve or reject it (segregation of duties). Another approver must decide. Nothing was changed; the attempt is kept in the audit log.`,
    };
  }
  if (change.implementerId && who.userId === change.implementerId) {
    return {
      allowed: false,
      kind: 'segregation',
      reason: `You are the implementer of ${change.key}, so you cannot approve or reject it (segregation of duties). Another approver must decide. Nothing was changed; the attempt is kept in the audit log.`,
    };
  }
  if (!isEligible(change, who)) {
    const group =
      change.type === 'emergency'
        ? 'emergency approvers (ECAB)'
        : 'change approvers (CAB) or the approver group of its services';
    return {
      allowed: false,
      kind: 'not_approver',
      reason: `Only ${group} can decide on ${change.key}. Nothing was changed; the attempt is kept in the audit log.`,
    };
  }
  const mine = given.find((a) => a.approverId === who.userId && a.version === change.version);
  if (mine) {
    return {
      allowed: false,
      kind: 'already_decided',
      reason: `You already ${mine.decision} ${change.key}; it counts once.`,
    };
  }
  return { allowed: true };
}

/** A change can be approved only while its window has not ended: an approval after it would start and close out in one breath. */
export function windowStillAhead(change: { plannedEnd: number }, now: number): boolean {
  return change.plannedEnd > now;
}

function isEligible(change: Pick<ChangeForApproval, 'type'>, who: ApproverFacts): boolean {
  if (change.type === 'emergency') return who.isEmergencyApprover;
  if (change.type === 'standard') return false;
  return who.isChangeApprover || who.serviceGroups.length > 0;
}

export interface QuorumState {
  approvals: number;
  required: number;
  /** Services whose group has not approved yet. */
  missingServiceGroups: string[];
  met: boolean;
  rejected: boolean;
}

/** Quorum of the current version: enough approvals, and every service group covered; any rejection rejects. */
export function quorum(
  change: Pick<ChangeForApproval, 'type' | 'risk' | 'services' | 'version'>,
  given: GivenApproval[],
  rules: ApprovalRules,
): QuorumState {
  const current = given.filter((a) => a.version === change.version);
  const approvals = current.filter((a) => a.decision === 'approved');
  const rejected = current.some((a) => a.decision === 'rejected');
  const required = requiredApprovals(change.type, change.risk, rules);
  const covered = new Set(approvals.flatMap((a) => a.coversServices));
  const missingServiceGroups =
    change.type === 'normal' ? servicesNeedingGroupApproval(change.services, rules).filter((s) => !covered.has(s)) : [];
  return {
    approvals: approvals.length,
    required,
    missingServiceGroups,
    rejected,
    met: !rejected && approvals.length >= required && missingServiceGroups.length === 0,
  };
}
