import type { Severity } from '../incidents/rules.js';
import { attainment, share, type Scorecard } from './scorecard.js';

/**
 * Which way is better for each KPI, and the targets the IT operations reference quotes, for
 * colouring: good / warn / bad. Where the reference gives a range (e.g. SLA attainment 90–95%), the
 * stricter end is "good" and the looser end "warn"; with one number, it is good or bad.
 */
export type Direction = 'higher' | 'lower' | 'neutral';
export type Rating = 'good' | 'warn' | 'bad';
export type Unit = 'count' | 'duration' | 'percent' | 'score';

export interface Target {
  /** At or beyond this: good. */
  good: number;
  /** At or beyond this (but not good): warn; otherwise bad. */
  warn?: number;
}

export interface KpiDefinition {
  id: string;
  label: string;
  section: 'incidents' | 'tickets' | 'changes';
  unit: Unit;
  direction: Direction;
  target?: Target;
  value(s: Scorecard): number | null;
}

const MIN = 60_000;

export function rate(direction: Direction, target: Target | undefined, value: number | null): Rating | undefined {
  if (!target || value === null || direction === 'neutral') return undefined;
  if (direction === 'higher') {
    if (value >= target.good) return 'good';
    if (target.warn !== undefined && value >= target.warn) return 'warn';
    return 'bad';
  }
  if (value < target.good) return 'good';
  if (target.warn !== undefined && value <= target.warn) return 'warn';
  return 'bad';
}

export interface Trend {
  arrow: '↑' | '↓' | '→';
  /** Undefined for KPIs with no better side (e.g. tickets opened). */
  verdict?: 'better' | 'worse' | 'same';
}

export function trend(direction: Direction, current: number | null, previous: number | null): Trend | undefined {
  if (current === null || previous === null) return undefined;
  const epsilon = Math.max(Math.abs(previous), Math.abs(current)) * 1e-9;
  if (Math.abs(current - previous) <= epsilon)
    return { arrow: '→', verdict: direction === 'neutral' ? undefined : 'same' };
  const up = current > previous;
  const arrow = up ? '↑' : '↓';
  if (direction === 'neutral') return { arrow };
  return { arrow, verdict: (direction === 'higher') === up ? 'better' : 'worse' };
}

const severityTargets: Partial<Record<Severity, { mtta?: Target; mttr?: Target }>> = {
  P1: { mtta: { good: 10 * MIN }, mttr: { good: 60 * MIN, warn: 120 * MIN } },
  P2: { mtta: { good: 30 * MIN } },
};

export function severityTarget(severity: Severity, kpi: 'mtta' | 'mttr'): Target | undefined {
  return severityTargets[severity]?.[kpi];
}

/** The scorecard's rows, in the order they are shown. */
export const KPIS: KpiDefinition[] = [
  {
    id: 'incidents.count',
    label: 'Incidents declared',
    section: 'incidents',
    unit: 'count',
    direction: 'lower',
    value: (s) => s.incidents.total,
  },
  {
    id: 'incidents.mtta.median',
    label: 'MTTA (median)',
    section: 'incidents',
    unit: 'duration',
    direction: 'lower',
    value: (s) => s.incidents.mtta.median,
  },
  {
    id: 'incidents.mtta.p90',
    label: 'MTTA (p90)',
    section: 'incidents',
    unit: 'duration',
    direction: 'lower',
    value: (s) => s.incidents.mtta.p90,
  },
  {
    id: 'incidents.self_acknowledged',
    label: 'Declared by their own commander (not in MTTA)',
    section: 'incidents',
    unit: 'count',
    direction: 'neutral',
    value: (s) => s.incidents.selfAcknowledged,
  },
  {
    id: 'incidents.mttr.median',
    label: 'MTTR (median)',
    section: 'incidents',
    unit: 'duration',
    direction: 'lower',
    value: (s) => s.incidents.mttr.median,
  },
  {
    id: 'incidents.mttr.mean',
    label: 'MTTR (mean)',
    section: 'incidents',
    unit: 'duration',
    direction: 'lower',
    value: (s) => s.incidents.mttr.mean,
  },
  {
    id: 'incidents.mttr.p90',
    label: 'MTTR (p90)',
    section: 'incidents',
    unit: 'duration',
    direction: 'lower',
    value: (s) => s.incidents.mttr.p90,
  },
  {
    id: 'incidents.mttr_started.median',
    label: 'MTTR from start (median)',
    section: 'incidents',
    unit: 'duration',
    direction: 'lower',
    value: (s) => s.incidents.mttrStarted.median,
  },
  {
    id: 'incidents.update_punctuality',
    label: 'Updates on time',
    section: 'incidents',
    unit: 'percent',
    direction: 'higher',
    target: { good: 0.95, warn: 0.9 },
    value: (s) => share(s.incidents.updatePunctuality),
  },
  {
    id: 'incidents.actions_on_time',
    label: 'Review actions closed by due date',
    section: 'incidents',
    unit: 'percent',
    direction: 'higher',
    target: { good: 0.9, warn: 0.8 },
    value: (s) =>
      share({ num: s.incidents.actions.onTime, den: s.incidents.actions.onTime + s.incidents.actions.overdue }),
  },
  {
    id: 'tickets.opened',
    label: 'Tickets opened',
    section: 'tickets',
    unit: 'count',
    direction: 'neutral',
    value: (s) => s.tickets.opened,
  },
  {
    id: 'tickets.resolved',
    label: 'Tickets resolved',
    section: 'tickets',
    unit: 'count',
    direction: 'higher',
    value: (s) => s.tickets.resolved,
  },
  {
    id: 'tickets.first_response_sla',
    label: 'First-response SLA met',
    section: 'tickets',
    unit: 'percent',
    direction: 'higher',
    target: { good: 0.95, warn: 0.9 },
    value: (s) => attainment(s.tickets.firstResponse),
  },
  {
    id: 'tickets.resolution_sla',
    label: 'Resolution SLA met',
    section: 'tickets',
    unit: 'percent',
    direction: 'higher',
    target: { good: 0.95, warn: 0.9 },
    value: (s) => attainment(s.tickets.resolution),
  },
  {
    id: 'tickets.backlog',
    label: 'Backlog (open)',
    section: 'tickets',
    unit: 'count',
    direction: 'lower',
    value: (s) => s.tickets.backlog.total,
  },
  {
    id: 'tickets.backlog_over14',
    label: 'Backlog older than 14 days',
    section: 'tickets',
    unit: 'percent',
    direction: 'lower',
    target: { good: 0.1 },
    value: (s) => share({ num: s.tickets.backlog.over14, den: s.tickets.backlog.total }),
  },
  {
    id: 'tickets.first_contact',
    label: 'First-contact resolution',
    section: 'tickets',
    unit: 'percent',
    direction: 'higher',
    target: { good: 0.7, warn: 0.5 },
    value: (s) => share(s.tickets.firstContact),
  },
  {
    id: 'tickets.reopen_rate',
    label: 'Reopen rate',
    section: 'tickets',
    unit: 'percent',
    direction: 'lower',
    target: { good: 0.05, warn: 0.08 },
    value: (s) => share(s.tickets.reopened),
  },
  {
    id: 'tickets.csat_average',
    label: 'CSAT (average of 5)',
    section: 'tickets',
    unit: 'score',
    direction: 'higher',
    target: { good: 4.5 },
    value: (s) => (s.tickets.csat.rated > 0 ? s.tickets.csat.sum / s.tickets.csat.rated : null),
  },
  {
    id: 'tickets.csat_positive',
    label: 'CSAT positive (4–5)',
    section: 'tickets',
    unit: 'percent',
    direction: 'higher',
    target: { good: 0.9 },
    value: (s) => share({ num: s.tickets.csat.positive, den: s.tickets.csat.rated }),
  },
  {
    id: 'tickets.csat_response',
    label: 'CSAT response rate',
    section: 'tickets',
    unit: 'percent',
    direction: 'higher',
    value: (s) => share({ num: s.tickets.csat.answered, den: s.tickets.csat.asked }),
  },
  {
    id: 'tickets.kb_deflections',
    label: 'KB deflections',
    section: 'tickets',
    unit: 'count',
    direction: 'higher',
    value: (s) => s.tickets.kbDeflections,
  },
  {
    id: 'changes.count',
    label: 'Changes submitted',
    section: 'changes',
    unit: 'count',
    direction: 'neutral',
    value: (s) => s.changes.submitted,
  },
  {
    id: 'changes.lead_time.median',
    label: 'Approval lead time, normal + emergency (median)',
    section: 'changes',
    unit: 'duration',
    direction: 'lower',
    value: (s) => s.changes.leadTime.median,
  },
  {
    id: 'changes.lead_time.mean',
    label: 'Approval lead time, normal + emergency (mean)',
    section: 'changes',
    unit: 'duration',
    direction: 'lower',
    value: (s) => s.changes.leadTime.mean,
  },
  {
    id: 'changes.lead_time.standard.median',
    label: 'Approval lead time, standard (median)',
    section: 'changes',
    unit: 'duration',
    direction: 'lower',
    value: (s) => s.changes.leadTimeByType.standard.median,
  },
  {
    id: 'changes.failure_rate',
    label: 'Change failure rate',
    section: 'changes',
    unit: 'percent',
    direction: 'lower',
    target: { good: 0.05, warn: 0.1 },
    value: (s) => share({ num: s.changes.failed, den: s.changes.completed }),
  },
  {
    id: 'changes.emergency_share',
    label: 'Emergency changes',
    section: 'changes',
    unit: 'percent',
    direction: 'lower',
    value: (s) => share(s.changes.emergency),
  },
  {
    id: 'changes.freeze_overrides',
    label: 'Freeze overrides',
    section: 'changes',
    unit: 'count',
    direction: 'lower',
    value: (s) => s.changes.freezeOverrides,
  },
];

/** 95.3%, 4 h 12 min, 4.6: how a figure reads in Slack and in CSV. */
export function formatValue(unit: Unit, value: number | null): string {
  if (value === null || Number.isNaN(value)) return '—';
  switch (unit) {
    case 'count':
      return String(Math.round(value));
    case 'percent':
      return `${(value * 100).toFixed(1)}%`;
    case 'score':
      return value.toFixed(2);
    case 'duration':
      return formatDuration(value);
  }
}

export function formatDuration(ms: number): string {
  const minutes = Math.round(ms / MIN);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h ${minutes % 60} min`;
  const days = Math.floor(hours / 24);
  return `${days} d ${hours % 24} h`;
}
