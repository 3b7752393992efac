import { TZDate } from '@date-fns/tz';
import type { CalendarSettings } from '../config/settings.js';

/**
 * Working time on a business calendar: which minutes count towards an SLA or a reminder. Pure: every
 * function takes the instants it works on. Windows are built in the calendar's own time zone, so a
 * 09:00–17:00 day stays 09:00–17:00 local across DST changes (and is 7 or 9 hours of UTC only where the
 * wall clock itself jumps inside the window).
 */
export interface BusinessCalendar extends CalendarSettings {
  /** Resolved zone: the calendar's own, else the settings' default. */
  timezone: string;
}

const DAY_MS = 86_400_000;
const WEEKDAY_INDEX: Record<string, number> = { sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 };
/** Ten years of days: a target longer than that is a configuration mistake, not a loop to run forever. */
const MAX_DAYS = 3660;

/**
 * Working windows are memoised per calendar and local day: building one asks Intl for the zone's
 * offset, which dominated the cost of filing a ticket and of every SLA reminder before. The memo is
 * invisible to callers (same inputs, same answers), so the functions stay pure in effect.
 */
const resolved = new WeakMap<CalendarSettings, Map<string, BusinessCalendar>>();
const windows = new WeakMap<BusinessCalendar, Map<string, { start: number; end: number } | null>>();

export function resolveCalendar(calendar: CalendarSettings, defaultZone: string): BusinessCalendar {
  let byZone = resolved.get(calendar);
  if (!byZone) resolved.set(calendar, (byZone = new Map()));
  let result = byZone.get(defaultZone);
  if (!result) byZone.set(defaultZone, (result = { ...calendar, timezone: calendar.timezone ?? defaultZone }));
  return result;
}

function minutesOf(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number);
  return h! * 60 + m!;
}

/** The working window of a local day (day may overflow the month), or undefined on a day off. */
function windowOfDay(calendar: BusinessCalendar, year: number, month: number, day: number): { start: number; end: number } | undefined {
  let memo = windows.get(calendar);
  if (!memo) windows.set(calendar, (memo = new Map()));
  const key = `${year}-${month}-${day}`;
  let window = memo.get(key);
  if (window === undefined) memo.set(key, (window = computeWindow(calendar, year, month, day) ?? null));
  return window ?? undefined;
}

function computeWindow(calendar: BusinessCalendar, year: number, month: number, day: number): { start: number; end: number } | undefined {
  const midnight = new TZDate(year, month, day, 0, 0, 0, calendar.timezone);
  // The day may overflow the month (Dec 32 is Jan 1): take the date from the normalised local midnight.
  const isoDate = `${midnight.getFullYear()}-${String(midnight.getMonth() + 1).padStart(2, '0')}-${String(midnight.getDate()).padStart(2, '0')}`;
  const weekday = midnight.getDay();
  const works = calendar.days.some((d) => WEEKDAY_INDEX[d] === weekday) && !calendar.holidays.includes(isoDate);
  if (!works) return undefined;
  const startMin = minutesOf(calendar.start);
  const endMin = minutesOf(calendar.end);
  const start = new TZDate(year, month, day, Math.floor(startMin / 60), startMin % 60, 0, calendar.timezone).getTime();
  // An end of 23:59 means "to midnight": a full day.
  const end =
    calendar.end === '23:59'
      ? new TZDate(year, month, day + 1, 0, 0, 0, calendar.timezone).getTime()
      : new TZDate(year, month, day, Math.floor(endMin / 60), endMin % 60, 0, calendar.timezone).getTime();
  return end > start ? { start, end } : undefined;
}

/** Calls `visit` with each working window from the local day of `from` on, until it returns false. */
function eachWindow(calendar: BusinessCalendar, from: Date, visit: (start: number, end: number) => boolean): void {
  const local = new TZDate(from.getTime(), calendar.timezone);
  for (let i = 0; i < MAX_DAYS; i++) {
    const w = windowOfDay(calendar, local.getFullYear(), local.getMonth(), local.getDate() + i);
    if (w && !visit(w.start, w.end)) return;
  }
  throw new Error('calendar has no working time in ten years');
}

/** Length of one working day, used to read "3d" on a business calendar as three business days. */
export function workingDayMs(calendar: BusinessCalendar): number {
  if (calendar.always) return DAY_MS;
  const span = calendar.end === '23:59' ? 24 * 60 - minutesOf(calendar.start) : minutesOf(calendar.end) - minutesOf(calendar.start);
  return span * 60_000;
}

/**
 * A target as working time: on a business calendar whole days are business days (P3's "3d" is three
 * working days of 09:00–17:00, not 72 working hours), the rest is working hours and minutes.
 */
export function targetWorkingMs(targetMs: number, calendar: BusinessCalendar): number {
  if (calendar.always) return targetMs;
  const days = Math.floor(targetMs / DAY_MS);
  return days * workingDayMs(calendar) + (targetMs - days * DAY_MS);
}

/** The instant `workingMs` of working time after `start`. */
export function addWorkingTime(start: Date, workingMs: number, calendar: BusinessCalendar): Date {
  if (calendar.always) return new Date(start.getTime() + workingMs);
  let remaining = workingMs;
  let result = start.getTime();
  let cursor = start.getTime();
  if (remaining <= 0) {
    // Zero work still lands inside working time: a ticket filed on Saturday is due Monday 09:00 at the earliest.
    eachWindow(calendar, start, (s, e) => {
      if (e <= cursor) return true;
      result = Math.max(s, cursor);
      return false;
    });
    return new Date(result);
  }
  eachWindow(calendar, start, (s, e) => {
    if (e <= cursor) return true;
    const from = Math.max(s, cursor);
    const available = e - from;
    if (available >= remaining) {
      result = from + remaining;
      remaining = 0;
      return false;
    }
    remaining -= available;
    cursor = e;
    return true;
  });
  return new Date(result);
}

/** Working time between two instants (0 when `to` is not after `from`). */
export function workingTimeBetween(from: Date, to: Date, calendar: BusinessCalendar): number {
  if (to.getTime() <= from.getTime()) return 0;
  if (calendar.always) return to.getTime() - from.getTime();
  let total = 0;
  const a = from.getTime();
  const b = to.getTime();
  eachWindow(calendar, from, (s, e) => {
    if (s >= b) return false;
    total += Math.max(0, Math.min(e, b) - Math.max(s, a));
    return true;
  });
  return total;
}

/** Whether `at` falls inside working time. */
export function isWorkingTime(at: Date, calendar: BusinessCalendar): boolean {
  if (calendar.always) return true;
  return workingTimeBetween(at, new Date(at.getTime() + 1), calendar) === 1;
}
