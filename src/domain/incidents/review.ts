import { TZDate } from '@date-fns/tz';
import { format } from 'date-fns';
import { incidentDurations, roleLabel, STATUS_LABELS, type Severity, type Status } from './rules.js';

/**
 * The post-incident review draft, built from the record alone: blameless, with the sections reviewers
 * fill in left as prompts. Markdown, so it can be exported as a file and pasted into a wiki.
 */
export interface ReviewRecord {
  key: string;
  title: string;
  severity: Severity;
  severityLabel: string;
  status: Status;
  impact: string;
  services: string[];
  declaredBy: string;
  declaredAt: number;
  startedAt: number | null;
  acknowledgedAt: number | null;
  mitigatedAt: number | null;
  resolvedAt: number | null;
  resolutionSummary: string | null;
  roles: { role: string; userId: string }[];
  timeline: { at: number; kind: string; actorId: string | null; text: string }[];
  updates: { at: number; onTime: boolean | null }[];
  tickets: { key: string; summary: string }[];
  changes: { key: string; title: string }[];
  actions: { text: string; ownerId: string; dueAt: number; status: 'open' | 'done' }[];
  reviewRequired: boolean;
}

/** Names for user IDs (the shell resolves them; an unknown ID stays as the ID). */
export type NameOf = (userId: string) => string;

function formatDuration(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  if (ms < 60_000) return `${Math.round(ms / 1000)}s`;
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  if (hours < 48) return rest ? `${hours} h ${rest} min` : `${hours} h`;
  return `${Math.floor(hours / 24)} d ${hours % 24} h`;
}

export function formatTime(at: number, timeZone: string): string {
  return format(new TZDate(at, timeZone), 'yyyy-MM-dd HH:mm');
}

/** Markdown must not be broken by what people typed: one line, no leading heading/list markers. */
function line(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}

export function reviewMarkdown(record: ReviewRecord, nameOf: NameOf, timeZone: string): string {
  const t = (at: number | null) => (at === null ? '—' : formatTime(at, timeZone));
  const d = incidentDurations(record);
  const out: string[] = [];
  out.push(`# Post-incident review: ${record.key} ${line(record.title)}`);
  out.push('');
  out.push(
    `*Draft generated from the incident record. Blameless: describe systems and decisions, not people.*${record.reviewRequired ? ' A review is required for this severity.' : ''}`,
  );
  out.push('');
  out.push('## Summary');
  out.push(record.resolutionSummary ? line(record.resolutionSummary) : '_Not resolved yet._');
  out.push('');
  out.push('## Impact');
  out.push(`- Severity: ${record.severity} (${record.severityLabel})`);
  out.push(`- Status: ${STATUS_LABELS[record.status]}`);
  out.push(`- Services: ${record.services.length ? record.services.join(', ') : '—'}`);
  out.push(`- Impact: ${record.impact ? line(record.impact) : '—'}`);
  out.push('');
  out.push(`## Key times (${timeZone})`);
  if (record.startedAt !== null) out.push(`- Started: ${t(record.startedAt)}`);
  out.push(`- Declared: ${t(record.declaredAt)} by ${nameOf(record.declaredBy)}`);
  out.push(
    `- Acknowledged: ${t(record.acknowledgedAt)}${d.timeToAcknowledge !== undefined ? ` (time to acknowledge ${formatDuration(d.timeToAcknowledge)})` : ''}`,
  );
  out.push(`- Mitigated: ${t(record.mitigatedAt)}`);
  out.push(
    `- Resolved: ${t(record.resolvedAt)}${d.timeToResolve !== undefined ? ` (time to resolve ${formatDuration(d.timeToResolve)})` : ''}`,
  );
  const onTime = record.updates.filter((u) => u.onTime !== null);
  const punctual = onTime.filter((u) => u.onTime).length;
  out.push(
    `- Stakeholder updates: ${record.updates.length}${onTime.length ? `, ${punctual} of ${onTime.length} scheduled ones on time` : ''}`,
  );
  out.push('');
  out.push('## Roles');
  if (record.roles.length === 0) out.push('- —');
  for (const r of record.roles) out.push(`- ${roleLabel(r.role)}: ${nameOf(r.userId)}`);
  out.push('');
  out.push('## Timeline');
  for (const entry of record.timeline) {
    out.push(`- ${t(entry.at)}: ${line(entry.text)}${entry.actorId ? ` (${nameOf(entry.actorId)})` : ''}`);
  }
  out.push('');
  out.push('## Linked tickets');
  if (record.tickets.length === 0) out.push('- —');
  for (const ticket of record.tickets) out.push(`- ${ticket.key}: ${line(ticket.summary)}`);
  out.push('');
  out.push('## Linked changes');
  if (record.changes.length === 0) out.push('- —');
  for (const change of record.changes) out.push(`- ${change.key}: ${line(change.title)}`);
  out.push('');
  out.push('## Contributing factors');
  out.push('- _What conditions allowed this to happen?_');
  out.push('');
  out.push('## What went well');
  out.push('- _…_');
  out.push('');
  out.push('## What went badly');
  out.push('- _…_');
  out.push('');
  out.push('## Follow-up actions');
  if (record.actions.length === 0) out.push('- _None yet: add them with `/incident action <text> @owner <date>`._');
  for (const action of record.actions) {
    out.push(
      `- [${action.status === 'done' ? 'x' : ' '}] ${line(action.text)} (owner ${nameOf(action.ownerId)}, due ${formatTime(action.dueAt, timeZone).slice(0, 10)})`,
    );
  }
  out.push('');
  return out.join('\n');
}
