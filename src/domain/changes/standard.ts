import { createHash } from 'node:crypto';
import type { Risk } from './types.js';

/**
 * Standard changes are a control, not a shortcut: everything that was pre-approved (title,
 * description, services, plans, risk) comes from the template in the settings; the requester only
 * chooses the window, the implementer and a note. Anything else is a normal change needing approval.
 */
export interface StandardTemplate {
  id: string;
  version: number;
  title: string;
  description: string;
  services: string[];
  risk: Risk;
  implementation_plan: string;
  rollback_plan: string;
  duration: number;
}

/** What a standard change keeps of its template: id, version, a digest of the content and the content. */
export interface TemplateSnapshot extends StandardTemplate {
  digest: string;
}

function templateDigest(t: StandardTemplate): string {
  const content = JSON.stringify([
    t.id,
    t.version,
    t.title,
    t.description,
    t.services,
    t.risk,
    t.implementation_plan,
    t.rollback_plan,
    t.duration,
  ]);
  return createHash('sha256').update(content).digest('hex').slice(0, 16);
}

export function snapshotOf(t: StandardTemplate): TemplateSnapshot {
  return {
    id: t.id,
    version: t.version,
    title: t.title,
    description: t.description,
    services: [...t.services],
    risk: t.risk,
    implementation_plan: t.implementation_plan,
    rollback_plan: t.rollback_plan,
    duration: t.duration,
    digest: templateDigest(t),
  };
}

/** How the template is named in the audit log: `monthly-os-patches v3 (sha256 1a2b…)`. */
export function templateLabel(s: Pick<TemplateSnapshot, 'id' | 'version' | 'digest'>): string {
  return `${s.id} v${s.version} (sha256 ${s.digest})`;
}

/** The content a standard change takes, from its template: what the requester typed plays no part. */
export function standardContent(t: StandardTemplate): {
  title: string;
  description: string;
  services: string[];
  risk: Risk;
  implementationPlan: string;
  rollbackPlan: string;
} {
  return {
    title: t.title,
    description: t.description,
    services: [...t.services],
    risk: t.risk,
    implementationPlan: t.implementation_plan,
    rollbackPlan: t.rollback_plan,
  };
}

/**
 * An edit of a standard change may move the window, name another implementer or change the note;
 * changing anything the template fixed is refused (the field names are returned), so the approved
 * content never drifts from what was pre-approved.
 */
export function standardEditOverreach(
  current: {
    title: string;
    description: string;
    services: string[];
    risk: Risk;
    implementationPlan: string;
    rollbackPlan: string;
  },
  edit: {
    title?: string;
    description?: string;
    services?: string[];
    risk?: Risk;
    riskAnswers?: unknown;
    implementationPlan?: string;
    rollbackPlan?: string;
  },
): string[] {
  const out: string[] = [];
  if (edit.title !== undefined && edit.title.trim() !== current.title) out.push('title');
  if (edit.description !== undefined && edit.description !== current.description) out.push('description');
  if (edit.services !== undefined && [...edit.services].sort().join('\n') !== [...current.services].sort().join('\n'))
    out.push('services');
  if ((edit.risk !== undefined && edit.risk !== current.risk) || edit.riskAnswers !== undefined) out.push('risk');
  if (edit.implementationPlan !== undefined && edit.implementationPlan !== current.implementationPlan)
    out.push('implementation plan');
  if (edit.rollbackPlan !== undefined && edit.rollbackPlan !== current.rollbackPlan) out.push('rollback plan');
  return out;
}

export function standardOverreachReason(key: string, fields: string[]): string {
  return `${key} is a standard change: its ${fields.join(', ')} come${fields.length === 1 ? 's' : ''} from the pre-approved template and cannot be changed. Request a normal change with /change for anything else (it needs approval). Nothing was changed.`;
}
