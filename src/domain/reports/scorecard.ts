import type { Priority } from '../tickets/priority.js';
import type { Severity } from '../incidents/rules.js';
/**
 * The figures of the IT operations scorecard for one period, as the queries return them. Durations
 * are milliseconds; shares are kept as numerator and denominator so nothing divides by zero silently.
 */
export const CHANGE_TYPES = ['standard', 'normal', 'emergency'] as const;
export type ChangeType = (typeof CHANGE_TYPES)[number];

export interface DurationStats {
  n: number;
  mean: number | null;
  median: number | null;
  p90: number | null;
}

export interface Ratio {
  num: number;
  den: number;
}

/** met / (met + breached); tickets whose target has not passed yet are pending and left out. */
export interface SlaTally {
  met: number;
  breached: number;
  pending: number;
}

export interface IncidentFigures {
  total: number;
  bySeverity: Record<Severity, number>;
  mtta: DurationStats;
  mttaBySeverity: Record<Severity, DurationStats>;
  /** Declared in the period and acknowledged only by their declarer (declared as their own commander): left out of MTTA. */
  selfAcknowledged: number;
  mttr: DurationStats;
  mttrBySeverity: Record<Severity, DurationStats>;
  /** From started_at (when known) rather than declared_at. */
  mttrStarted: DurationStats;
  updatePunctuality: Ratio;
  actions: { onTime: number; overdue: number; pending: number };
  byService: { service: string; count: number; mttrMedian: number | null }[];
}

export interface TicketFigures {
  opened: number;
  resolved: number;
  firstResponse: SlaTally;
  resolution: SlaTally;
  backlog: { total: number; over7: number; over14: number; over30: number };
  firstContact: Ratio;
  reopened: Ratio;
  csat: { rated: number; sum: number; positive: number; asked: number; answered: number };
  kbDeflections: number;
  byPriority: { priority: Priority; opened: number; resolved: number; firstResponse: SlaTally; resolution: SlaTally }[];
  byCategory: { category: string; opened: number; resolved: number }[];
  byService: { service: string; opened: number; resolved: number }[];
}

export interface ChangeFigures {
  submitted: number;
  byType: Record<ChangeType, number>;
  /** Approval lead time of normal and emergency changes (standard changes are in leadTimeByType only). */
  leadTime: DurationStats;
  leadTimeByType: Record<ChangeType, DurationStats>;
  completed: number;
  /** failed + rolled back + completed changes linked as the cause of an incident. */
  failed: number;
  emergency: Ratio;
  freezeOverrides: number;
  byService: { service: string; submitted: number; completed: number; failed: number }[];
}

export interface Scorecard {
  incidents: IncidentFigures;
  tickets: TicketFigures;
  changes: ChangeFigures;
}

export const share = (r: Ratio): number | null => (r.den > 0 ? r.num / r.den : null);
export const attainment = (t: SlaTally): number | null =>
  t.met + t.breached > 0 ? t.met / (t.met + t.breached) : null;

/** Weekly points for the trend chart: MTTR median and SLA attainment (first response, resolution). */
export interface TrendPoint {
  week: string;
  mttrMedian: number | null;
  firstResponseSla: number | null;
  resolutionSla: number | null;
}

export type ExportKind = 'tickets' | 'incidents' | 'changes' | 'audit';
export const EXPORT_KINDS: ExportKind[] = ['tickets', 'incidents', 'changes', 'audit'];
