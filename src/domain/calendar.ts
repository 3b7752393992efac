import { TZDate, tzOffset } from '@date-fns/tz';
import type { CalendarSettings } from '../config/settings.js';
import type { WorkingDuration } from '../config/duration.js';

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
type Window = { start: number; end: number };
const windows = new WeakMap<BusinessCalendar, Map<string, Window[]>>();

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

/** Minutes after local midnight the working day ends: `23:59` means "to midnight". */
function endMinutes(calendar: CalendarSettings): number {
  return calendar.end === '23:59' ? 24 * 60 : minutesOf(calendar.end);
}

/** The working windows of a local day (day may overflow the month); empty on a day off. */
function windowsOfDay(calendar: BusinessCalendar, year: number, month: number, day: number): Window[] {
  let memo = windows.get(calendar);
  if (!memo) windows.set(calendar, (memo = new Map()));
  const key = `${year}-${month}-${day}`;
  let found = memo.get(key);
  if (found === undefined) memo.set(key, (found = computeWindows(calendar, year, month, day)));
  return found;
}

const MIN_MS = 60_000;

/** The zone's offset from UTC (ms) at an instant. */
function offsetAt(zone: string, at: number): number {
  return tzOffset(zone, new Date(at)) * MIN_MS;
}

/**
 * A working minute is one whose local wall-clock time, in the calendar's zone, falls in [start, end)
 * on a working day. On a day the clocks change, the offset is o1 before the change instant and o2
 * after it, so the working instants are [day + start − o1, day + end − o1) before the change and
 * [day + start − o2, day + end − o2) after it: a window across a skipped hour is shorter, one across a
 * repeated hour longer (or, when it opens or closes inside the repeated hour, in two pieces).
 */
function computeWindows(calendar: BusinessCalendar, year: number, month: number, day: number): Window[] {
  const midnight = new TZDate(year, month, day, 0, 0, 0, calendar.timezone);
  // The day may overflow the month (Dec 32 is Jan 1): take the date from the normalised local midnight.
  const y = midnight.getFullYear();
  const mo = midnight.getMonth();
  const d = midnight.getDate();
  const isoDate = `${y}-${String(mo + 1).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
  const weekday = midnight.getDay();
  const works = calendar.days.some((w) => WEEKDAY_INDEX[w] === weekday) && !calendar.holidays.includes(isoDate);
  if (!works) return [];
  const wallDay = Date.UTC(y, mo, d);
  const startMin = minutesOf(calendar.start);
  const endMin = endMinutes(calendar);
  if (endMin <= startMin) return [];
  // Offsets before and after the local day (UTC offsets lie within −12 h … +14 h): a change
  // instant, if the day has one, lies between the two samples.
  let a = wallDay - 14 * 3_600_000;
  let b = wallDay + DAY_MS + 14 * 3_600_000;
  const o1 = offsetAt(calendar.timezone, a);
  const o2 = offsetAt(calendar.timezone, b);
  const span = (o: number): Window => ({ start: wallDay + startMin * MIN_MS - o, end: wallDay + endMin * MIN_MS - o });
  if (o1 === o2) return [span(o1)];
  // Find the change instant (to the millisecond) by bisection.
  while (b - a > 1) {
    const mid = Math.floor((a + b) / 2);
    if (offsetAt(calendar.timezone, mid) === o1) a = mid;
    else b = mid;
  }
  const change = b;
  const before = span(o1);
  const after = span(o2);
  const pieces: Window[] = [];
  if (before.start < change) pieces.push({ start: before.start, end: Math.min(before.end, change) });
  if (after.end > change) pieces.push({ start: Math.max(after.start, change), end: after.end });
  // Merge pieces that touch or overlap (a window that spans the change with no gap left).
  const out: Window[] = [];
  for (const p of pieces.filter((w) => w.end > w.start).sort((x, z) => x.start - z.start)) {
    const last = out[out.length - 1];
    if (last && p.start <= last.end) last.end = Math.max(last.end, p.end);
    else out.push({ ...p });
  }
  return out;
}

/** Calls `visit` with each working window from the local day of `from` on, until it returns false. */
function eachWindow(calendar: BusinessCalendar, from: Date, visit: (start: number, end: number) => boolean): void {
  // Start a day early: a window of the previous local day can end after `from` in another offset.
  const local = new TZDate(from.getTime() - DAY_MS, calendar.timezone);
  for (let i = 0; i < MAX_DAYS; i++) {
    for (const w of windowsOfDay(calendar, local.getFullYear(), local.getMonth(), local.getDate() + i)) {
      if (!visit(w.start, w.end)) return;
    }
  }
  throw new Error('calendar has no working time in ten years');
}

/** Length of one working day, used to read "3d" on a business calendar as three business days. */
function workingDayMs(calendar: BusinessCalendar): number {
  if (calendar.always) return DAY_MS;
  return (endMinutes(calendar) - minutesOf(calendar.start)) * MIN_MS;
}

/**
 * A target as working time, read as written: on a business calendar days are business days (P3's
 * "3d" is three working days of 09:00–17:00) and hours are working hours ("24h" is 24 working hours,
 * three days' worth); on a round-the-clock calendar a day is 24 hours.
 */
export function targetWorkingMs(target: WorkingDuration, calendar: BusinessCalendar): number {
  return Math.round(target.days * workingDayMs(calendar) + target.ms);
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
