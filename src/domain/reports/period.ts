import { TZDate } from '@date-fns/tz';

/**
 * Report periods, in the configured time zone. Every period is a half-open range [start, end) of local
 * calendar days, compared with the period just before it:
 * - `7d` / `30d` (any `Nd`, 1–366): the last N days including today (today counts so far).
 *   Previous: the N days before.
 * - `quarter`: the last complete calendar quarter (Jan–Mar, Apr–Jun, Jul–Sep, Oct–Dec). Previous: the
 *   quarter before (its own length, 90–92 days).
 * - `YYYY-MM-DD..YYYY-MM-DD`: both days included. Previous: as many days just before.
 * - `week` / `month` (scheduled reports): the last complete Monday–Sunday week / calendar month.
 * `asOf` is min(end, now): the instant point-in-time figures (backlog) are taken at.
 */
export interface Range {
  start: number;
  end: number;
}

export interface Period extends Range {
  /** What was asked for, normalised: "7d", "quarter", "2026-10-01..2026-10-31". */
  spec: string;
  /** For people: "10 Nov – 16 Nov 2026". */
  label: string;
  /** First and last local day (YYYY-MM-DD), both included. */
  firstDay: string;
  lastDay: string;
  asOf: number;
  previous: Range & { label: string; asOf: number };
  timezone: string;
}

export type PeriodResult = { ok: true; period: Period } | { ok: false; message: string };

const DEFAULT_PERIOD = '7d';
const MAX_DAYS = 366;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

interface LocalDay {
  y: number;
  m: number; // 0-11
  d: number;
}

function localDay(at: number, tz: string): LocalDay {
  const t = new TZDate(at, tz);
  return { y: t.getFullYear(), m: t.getMonth(), d: t.getDate() };
}

/** Local midnight of a (possibly overflowing) calendar day: day 0 or 32 roll over like Date does. */
function midnight(day: LocalDay, tz: string): number {
  return new TZDate(day.y, day.m, day.d, 0, 0, 0, tz).getTime();
}

function addDays(day: LocalDay, n: number, tz: string): LocalDay {
  return localDay(new TZDate(day.y, day.m, day.d + n, 12, 0, 0, tz).getTime(), tz);
}

function isoDay(day: LocalDay): string {
  return `${day.y}-${String(day.m + 1).padStart(2, '0')}-${String(day.d).padStart(2, '0')}`;
}

function parseIsoDay(text: string): LocalDay | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!match) return undefined;
  const day = { y: Number(match[1]), m: Number(match[2]) - 1, d: Number(match[3]) };
  const check = new Date(Date.UTC(day.y, day.m, day.d));
  if (check.getUTCFullYear() !== day.y || check.getUTCMonth() !== day.m || check.getUTCDate() !== day.d)
    return undefined;
  return day;
}

function daysBetween(a: LocalDay, b: LocalDay): number {
  return Math.round((Date.UTC(b.y, b.m, b.d) - Date.UTC(a.y, a.m, a.d)) / 86_400_000);
}

function rangeLabel(first: LocalDay, last: LocalDay): string {
  const f = `${first.d} ${MONTHS[first.m]}`;
  const l = `${last.d} ${MONTHS[last.m]} ${last.y}`;
  if (first.y === last.y && first.m === last.m && first.d === last.d) return l;
  return first.y === last.y ? `${f} – ${l}` : `${f} ${first.y} – ${l}`;
}

/** A period of whole local days [first, last], compared with `prevFirst`..`prevLast`. */
function daysPeriod(
  spec: string,
  first: LocalDay,
  last: LocalDay,
  prevFirst: LocalDay,
  prevLast: LocalDay,
  now: number,
  tz: string,
): Period {
  const start = midnight(first, tz);
  const end = midnight({ ...last, d: last.d + 1 }, tz);
  const pStart = midnight(prevFirst, tz);
  const pEnd = midnight({ ...prevLast, d: prevLast.d + 1 }, tz);
  return {
    spec,
    label: rangeLabel(first, last),
    firstDay: isoDay(first),
    lastDay: isoDay(last),
    start,
    end,
    asOf: Math.min(end, now),
    previous: { start: pStart, end: pEnd, label: rangeLabel(prevFirst, prevLast), asOf: Math.min(pEnd, now) },
    timezone: tz,
  };
}

/** N whole days ending with `last`, compared with the N days before. */
function lastDays(spec: string, last: LocalDay, n: number, now: number, tz: string): Period {
  const first = addDays(last, -(n - 1), tz);
  return daysPeriod(spec, first, last, addDays(first, -n, tz), addDays(first, -1, tz), now, tz);
}

export function parsePeriod(text: string | undefined, now: Date, tz: string): PeriodResult {
  const spec = (text ?? '').trim().toLowerCase() || DEFAULT_PERIOD;
  const nowMs = now.getTime();
  const today = localDay(nowMs, tz);

  const days = /^(\d{1,3})d$/.exec(spec);
  if (days) {
    const n = Number(days[1]);
    if (n < 1 || n > MAX_DAYS) return { ok: false, message: `A period of days must be 1d to ${MAX_DAYS}d.` };
    return { ok: true, period: lastDays(spec, today, n, nowMs, tz) };
  }
  if (spec === 'week') {
    // Monday..Sunday before the current week.
    const weekday = (new TZDate(nowMs, tz).getDay() + 6) % 7; // Monday 0
    const lastSunday = addDays(today, -weekday - 1, tz);
    return { ok: true, period: lastDays('week', lastSunday, 7, nowMs, tz) };
  }
  if (spec === 'month') {
    const first = { y: today.y, m: today.m - 1, d: 1 };
    const norm = localDay(new TZDate(first.y, first.m, 1, 12, 0, 0, tz).getTime(), tz);
    const last = addDays({ y: today.y, m: today.m, d: 1 }, -1, tz);
    const prevFirst = localDay(new TZDate(norm.y, norm.m - 1, 1, 12, 0, 0, tz).getTime(), tz);
    return { ok: true, period: daysPeriod('month', norm, last, prevFirst, addDays(norm, -1, tz), nowMs, tz) };
  }
  if (spec === 'quarter') {
    const thisQuarterMonth = today.m - (today.m % 3);
    const first = localDay(new TZDate(today.y, thisQuarterMonth - 3, 1, 12, 0, 0, tz).getTime(), tz);
    const last = addDays({ y: today.y, m: thisQuarterMonth, d: 1 }, -1, tz);
    const prevFirst = localDay(new TZDate(first.y, first.m - 3, 1, 12, 0, 0, tz).getTime(), tz);
    return { ok: true, period: daysPeriod('quarter', first, last, prevFirst, addDays(first, -1, tz), nowMs, tz) };
  }
  const range = /^(\d{4}-\d{2}-\d{2})\s*\.\.\s*(\d{4}-\d{2}-\d{2})$/.exec(spec);
  if (range) {
    const first = parseIsoDay(range[1]!);
    const last = parseIsoDay(range[2]!);
    if (!first || !last) return { ok: false, message: 'Dates must be real calendar days written YYYY-MM-DD.' };
    const n = daysBetween(first, last) + 1;
    if (n < 1) return { ok: false, message: 'The period must start on or before the day it ends.' };
    if (n > MAX_DAYS) return { ok: false, message: `A period can span at most ${MAX_DAYS} days.` };
    if (daysBetween(today, first) > 0) return { ok: false, message: 'The period starts in the future.' };
    return { ok: true, period: lastDays(`${isoDay(first)}..${isoDay(last)}`, last, n, nowMs, tz) };
  }
  return { ok: false, message: 'Say which period: `7d`, `30d`, `quarter`, or `YYYY-MM-DD..YYYY-MM-DD`.' };
}

/** The `weeks` Monday–Sunday weeks ending with the last complete one, oldest first (trend charts). */
export function lastWeeks(now: Date, tz: string, weeks: number): (Range & { label: string; firstDay: string })[] {
  const week = parsePeriod('week', now, tz);
  if (!week.ok) return [];
  const out: (Range & { label: string; firstDay: string })[] = [];
  let lastSunday = localDay(week.period.end - 1, tz);
  for (let i = 0; i < weeks; i++) {
    const first = addDays(lastSunday, -6, tz);
    out.unshift({
      start: midnight(first, tz),
      end: midnight({ ...lastSunday, d: lastSunday.d + 1 }, tz),
      label: `${first.d} ${MONTHS[first.m]}`,
      firstDay: isoDay(first),
    });
    lastSunday = addDays(first, -1, tz);
  }
  return out;
}
