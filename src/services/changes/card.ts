import type { Settings } from '../../config/settings.js';
import { quorum, type GivenApproval } from '../../domain/changes/approval.js';
import { findConflicts } from '../../domain/changes/schedule.js';
import { isOpen } from '../../domain/changes/types.js';
import {
  approvalsOf,
  incidentsLinkedTo,
  openChangesBetween,
  servicesOf,
  type ChangeApprovalRow,
  type ChangeRow,
} from '../../../db/queries/changes.js';
import type { Executor } from '../../../db/schema.js';
import { changePost, type ChangeCard } from '../../../views/changes/card.js';
import { postMessage, refChannel, updateMessage } from '../outbox.js';

/** Loading a change into what its post shows, and keeping that post current. */
export const postRef = (changeId: number): string => `change:${changeId}`;

export function givenApprovals(rows: ChangeApprovalRow[]): GivenApproval[] {
  return rows.map((r) => ({
    approverId: r.approver_id,
    decision: r.decision,
    version: r.version,
    coversServices: parseList(r.covers_services),
  }));
}

function parseList(json: string | null): string[] {
  if (!json) return [];
  try {
    const value = JSON.parse(json) as unknown;
    return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
  } catch {
    return [];
  }
}

export async function conflictsOf(
  db: Executor,
  change: ChangeRow,
  services: string[],
): Promise<{ id: number; key: string; services: string[] }[]> {
  if (!isOpen(change.status)) return [];
  const others = await openChangesBetween(db, change.planned_start, change.planned_end);
  return findConflicts(
    { id: change.id, start: change.planned_start, end: change.planned_end, services },
    others.map((o) => ({ id: o.id, key: o.key, start: o.planned_start, end: o.planned_end, services: o.services })),
  ).map((c) => ({ id: c.change.id, key: c.change.key, services: c.services }));
}

export async function loadCard(db: Executor, change: ChangeRow, settings: Settings): Promise<ChangeCard> {
  const services = await servicesOf(db, change.id);
  const approvals = await approvalsOf(db, change.id);
  const given = givenApprovals(approvals);
  const q = quorum(
    { type: change.type, risk: change.risk, services, version: change.version },
    given,
    settings.changes,
  );
  const conflicts = await conflictsOf(db, change, services);
  const incidents = await incidentsLinkedTo(db, change.id);
  // The template as it was when the change was approved (the settings may have moved on since).
  const template = change.template_snapshot
    ? (JSON.parse(change.template_snapshot) as { title?: string; version?: number })
    : undefined;
  return {
    id: change.id,
    key: change.key,
    title: change.title,
    description: change.description,
    type: change.type,
    risk: change.risk,
    riskComputed: Boolean(change.risk_answers),
    status: change.status,
    outcome: change.outcome,
    requesterId: change.requester_id,
    implementerId: change.implementer_id,
    services,
    plannedStart: change.planned_start,
    plannedEnd: change.planned_end,
    implementationPlan: change.implementation_plan,
    rollbackPlan: change.rollback_plan,
    linkedRecord: change.linked_ticket_key,
    templateTitle: template?.title ? `${template.title}, v${template.version ?? 1}` : change.template_id,
    freezeOverride: change.freeze_override === 1,
    freezeOverrideReason: change.freeze_override_reason,
    reviewRequired: change.review_required === 1,
    reviewedBy: change.reviewed_by,
    reviewedAt: change.reviewed_at,
    version: change.version,
    decisions: approvals
      .filter((a) => a.version === change.version)
      .map((a) => ({ approverId: a.approver_id, decision: a.decision, reason: a.reason, at: a.at })),
    required: q.required,
    missingServiceGroups: q.missingServiceGroups,
    conflicts: conflicts.map((c) => ({ key: c.key, services: c.services })),
    incidents: incidents.map((i) => i.key),
    closeoutNotes: change.closeout_notes,
  };
}

/** Where change posts go: the configured change channel, else the requester's DM. */
export function changeChannel(settings: Settings, change: Pick<ChangeRow, 'requester_id'>): string {
  return settings.channels.changes ?? change.requester_id;
}

export async function refreshPost(db: Executor, now: Date, change: ChangeRow, settings: Settings): Promise<ChangeCard> {
  const card = await loadCard(db, change, settings);
  await updateMessage(db, now, postRef(change.id), changePost(card));
  return card;
}

/** A line in the change post's thread: its history as people read it. */
export function threadNote(
  db: Executor,
  now: Date,
  changeId: number,
  text: string,
  dedupeKey?: string,
): Promise<boolean> {
  return postMessage(db, now, { channel: refChannel(postRef(changeId)), threadOf: postRef(changeId), text, dedupeKey });
}
