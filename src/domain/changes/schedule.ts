import { addWorkingTime, targetWorkingMs, type BusinessCalendar } from '../calendar.js';
import type { WorkingDuration } from '../../config/duration.js';
import { overlaps, type Window } from './types.js';

/**
 * Time rules of changes: freeze windows, conflicts, and when reminders fall due. Pure.
 */
export interface FreezeWindow {
  name: string;
  start: number;
  end: number;
  /** Empty: every service. */
  services: string[];
}

export function freezeWindowsFrom(
  config: { name: string; start: string; end: string; services: string[] }[],
): FreezeWindow[] {
  return config.map((f) => ({
    name: f.name,
    start: Date.parse(f.start),
    end: Date.parse(f.end),
    services: f.services,
  }));
}

/** Freeze windows a change's window and services run into. */
export function freezeConflicts(window: Window, services: string[], freezes: FreezeWindow[]): FreezeWindow[] {
  return freezes.filter(
    (f) => overlaps(window, f) && (f.services.length === 0 || f.services.some((s) => services.includes(s))),
  );
}

export type FreezeDecision =
  { allowed: true; override: boolean } | { allowed: false; reason: string; field: 'window' | 'freeze_override' };

/**
 * Standard and normal changes are refused inside a freeze; an emergency change may go ahead only with
 * an explicit, reasoned override, which is recorded.
 */
export function decideFreeze(
  type: 'standard' | 'normal' | 'emergency',
  hits: FreezeWindow[],
  override: { requested: boolean; reason: string | null },
  describe: (f: FreezeWindow) => string,
): FreezeDecision {
  if (hits.length === 0) return { allowed: true, override: false };
  const names = hits.map(describe).join('; ');
  if (type !== 'emergency') {
    return {
      allowed: false,
      field: 'window',
      reason: `The window overlaps a change freeze: ${names}. Pick a window outside it (only emergency changes may override a freeze).`,
    };
  }
  if (!override.requested || !override.reason?.trim()) {
    return {
      allowed: false,
      field: 'freeze_override',
      reason: `The window overlaps a change freeze: ${names}. To proceed, tick the override and give a reason; it is recorded.`,
    };
  }
  return { allowed: true, override: true };
}

export interface ScheduledChange extends Window {
  id: number;
  key: string;
  services: string[];
}

/** Other open changes overlapping in time on at least one shared service. */
export function findConflicts(
  candidate: Window & { id?: number; services: string[] },
  others: ScheduledChange[],
): { change: ScheduledChange; services: string[] }[] {
  const out: { change: ScheduledChange; services: string[] }[] = [];
  for (const other of others) {
    if (other.id === candidate.id || !overlaps(candidate, other)) continue;
    const shared = other.services.filter((s) => candidate.services.includes(s));
    if (shared.length > 0) out.push({ change: other, services: shared });
  }
  return out;
}

/** When approvers are reminded: `after` of working time on the changes calendar after the request. */
export function approvalReminderAt(requestedAt: Date, after: WorkingDuration, calendar: BusinessCalendar): Date {
  return addWorkingTime(requestedAt, targetWorkingMs(after, calendar), calendar);
}

/** When the implementer is asked to close out: the window's end plus grace. */
export function closeoutAt(plannedEnd: number, grace: number): Date {
  return new Date(plannedEnd + grace);
}

/** The next chase of an unclosed change: a fixed cadence from now (a long outage gives one catch-up). */
export function nextChaseAt(now: Date, every: number): Date {
  return new Date(now.getTime() + every);
}

/** Window checks at submission: end after start; only emergencies may start in the past (a little slack for typing). */
export function checkWindow(
  type: 'standard' | 'normal' | 'emergency',
  window: Window,
  now: Date,
  slackMs = 10 * 60_000,
): { field: 'start' | 'end'; message: string } | undefined {
  if (!(window.end > window.start)) return { field: 'end', message: 'The end must be after the start.' };
  if (window.end <= now.getTime())
    return { field: 'end', message: 'The window has already ended; pick a window in the future.' };
  if (type !== 'emergency' && window.start < now.getTime() - slackMs)
    return { field: 'start', message: 'The start is in the past; only emergency changes may start right away.' };
  return undefined;
}
