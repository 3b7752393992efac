import { describe, expect, it } from 'vitest';
import { addWorkingTime, isWorkingTime, resolveCalendar, targetWorkingMs, workingTimeBetween } from '../../src/domain/calendar.js';
import { parseWorkingDuration } from '../../src/config/duration.js';

const H = 3_600_000;
const london = resolveCalendar({ always: false, days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '09:00', end: '17:00', holidays: ['2026-12-25'] }, 'Europe/London');
const allDay = resolveCalendar({ always: true, days: ['mon'], start: '00:00', end: '23:59', holidays: [] }, 'UTC');

describe('business calendar', () => {
  it('counts only working hours, skipping the weekend', () => {
    // Friday 2026-11-20 16:00 London (UTC in winter) + 2 working hours = Monday 10:00.
    expect(addWorkingTime(new Date('2026-11-20T16:00:00Z'), 2 * H, london).toISOString()).toBe('2026-11-23T10:00:00.000Z');
  });

  it('starts the clock at the next opening when filed out of hours', () => {
    expect(addWorkingTime(new Date('2026-11-21T12:00:00Z'), H, london).toISOString()).toBe('2026-11-23T10:00:00.000Z');
    expect(addWorkingTime(new Date('2026-11-23T07:00:00Z'), 0, london).toISOString()).toBe('2026-11-23T09:00:00.000Z');
  });

  it('skips holidays', () => {
    // Thu 24 Dec 16:00 + 2h: 1h on the 24th, Christmas off, weekend off?: 25th Fri holiday → Mon 28th 10:00.
    expect(addWorkingTime(new Date('2026-12-24T16:00:00Z'), 2 * H, london).toISOString()).toBe('2026-12-28T10:00:00.000Z');
  });

  it('skips a holiday in the next month or year', () => {
    const newYear = resolveCalendar({ always: false, days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '09:00', end: '17:00', holidays: ['2027-01-01'] }, 'Europe/London');
    // Thu 31 Dec 16:00 + 2h: 1h on the 31st, Friday 1 Jan is a holiday, so Monday 4 Jan 10:00.
    expect(addWorkingTime(new Date('2026-12-31T16:00:00Z'), 2 * H, newYear).toISOString()).toBe('2027-01-04T10:00:00.000Z');
  });

  it('keeps local office hours across the DST change', () => {
    // London moves to BST on Sunday 2026-03-29: Monday 09:00 local is 08:00 UTC.
    expect(addWorkingTime(new Date('2026-03-27T16:00:00Z'), 2 * H, london).toISOString()).toBe('2026-03-30T09:00:00.000Z');
    expect(isWorkingTime(new Date('2026-03-30T08:30:00Z'), london)).toBe(true);
    expect(isWorkingTime(new Date('2026-03-30T16:30:00Z'), london)).toBe(false);
  });

  it('reads targets as written: days are business days, hours are working hours', () => {
    const d = (text: string) => parseWorkingDuration(text)!;
    expect(targetWorkingMs(d('3d'), london)).toBe(24 * H);
    expect(targetWorkingMs(d('1d2h'), london)).toBe(10 * H);
    expect(targetWorkingMs(d('3d'), allDay)).toBe(72 * H);
    // The bug this replaces: durations became milliseconds first, so 24h read as one business day.
    expect(targetWorkingMs(d('23h'), london)).toBe(23 * H);
    expect(targetWorkingMs(d('24h'), london)).toBe(24 * H);
    expect(targetWorkingMs(d('25h'), london)).toBe(25 * H);
    expect(targetWorkingMs(d('1.5d'), london)).toBe(12 * H);
    expect(targetWorkingMs(d('P1DT2H'), london)).toBe(10 * H);
    expect(parseWorkingDuration('1w')).toBeUndefined();
  });

  it('measures working time between instants', () => {
    expect(workingTimeBetween(new Date('2026-11-20T16:00:00Z'), new Date('2026-11-23T10:00:00Z'), london)).toBe(2 * H);
    expect(workingTimeBetween(new Date('2026-11-23T10:00:00Z'), new Date('2026-11-20T16:00:00Z'), london)).toBe(0);
  });

  it('is plain arithmetic on a 24x7 calendar', () => {
    expect(addWorkingTime(new Date('2026-11-21T12:00:00Z'), 15 * 60_000, allDay).toISOString()).toBe('2026-11-21T12:15:00.000Z');
  });

  it('round-trips: the working time to the due instant is the target', () => {
    for (const start of ['2026-11-20T16:59:00Z', '2026-03-27T12:34:00Z', '2026-10-23T08:00:00Z']) {
      const due = addWorkingTime(new Date(start), 13 * H, london);
      expect(workingTimeBetween(new Date(start), due, london)).toBe(13 * H);
    }
  });
});
