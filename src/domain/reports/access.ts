import type { RoleName } from '../../config/settings.js';

/**
 * Who may publish what Switchboard knows. Pure: the shell resolves the person's roles; the use cases
 * ask these rules and audit every refusal.
 * - Posting the scorecard to a channel, exporting CSVs and uploading an incident review: a role in
 *   `reports.post_roles` (IT staff roles by default). The audit log: `roles.managers` only.
 * - One's own scorecard (ephemeral, or by DM from the App Home): everyone when
 *   `reports.own_scorecard_for_everyone`, otherwise the same roles as posting.
 */
export interface ReportAccess {
  post_roles: readonly RoleName[];
  own_scorecard_for_everyone: boolean;
}

export type ExportKind = 'tickets' | 'incidents' | 'changes' | 'audit';

function holdsAny(roles: ReadonlySet<RoleName>, wanted: readonly RoleName[]): boolean {
  return wanted.some((r) => roles.has(r));
}

export function mayPostReports(roles: ReadonlySet<RoleName>, access: ReportAccess): boolean {
  return holdsAny(roles, access.post_roles);
}

export function maySeeOwnScorecard(roles: ReadonlySet<RoleName>, access: ReportAccess): boolean {
  return access.own_scorecard_for_everyone || mayPostReports(roles, access);
}

export function mayExport(kind: ExportKind, roles: ReadonlySet<RoleName>, access: ReportAccess): boolean {
  return kind === 'audit' ? roles.has('managers') : mayPostReports(roles, access);
}

export function mayUploadReview(roles: ReadonlySet<RoleName>, access: ReportAccess): boolean {
  return mayPostReports(roles, access);
}

export function postRolesText(access: ReportAccess): string {
  return access.post_roles.length
    ? `IT staff (${access.post_roles.map((r) => r.replace(/_/g, ' ')).join(', ')})`
    : 'nobody (reports.post_roles is empty)';
}
