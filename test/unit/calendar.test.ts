import { describe, expect, it } from 'vitest';
import {
  addWorkingTime,
  isWorkingTime,
  resolveCalendar,
  targetWorkingMs,
  workingTimeBetween,
} from '../../src/domain/calendar.js';
import { parseWorkingDuration } from '../../src/config/duration.js';

const H = 3_600_000;
const london = resolveCalendar(
  { always: false, days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '09:00', end: '17:00', holidays: ['2026-12-25'] },
  'Europe/London',
);
const allDay = resolveCalendar({ always: true, days: ['mon'], start: '00:00', end: '23:59', holidays: [] }, 'UTC');

describe('business calendar', () => {
  it('counts only working hours, skipping the weekend', () => {
    // Friday 2026-11-20 16:00 London (UTC in winter) + 2 working hours = Monday 10:00.
    expect(addWorkingTime(new Date('2026-11-20T16:00:00Z'), 2 * H, london).toISOString()).toBe(
      '2026-11-23T10:00:00.000Z',
    );
  });

  it('starts the clock at the next opening when filed out of hours', () => {
    expect(addWorkingTime(new Date('2026-11-21T12:00:00Z'), H, london).toISOString()).toBe('2026-11-23T10:00:00.000Z');
    expect(addWorkingTime(new Date('2026-11-23T07:00:00Z'), 0, london).toISOString()).toBe('2026-11-23T09:00:00.000Z');
  });

  it('skips holidays', () => {
    // Thu 24 Dec 16:00 + 2h: 1h on the 24th, Christmas off, weekend off?: 25th Fri holiday → Mon 28th 10:00.
    expect(addWorkingTime(new Date('2026-12-24T16:00:00Z'), 2 * H, london).toISOString()).toBe(
      '2026-12-28T10:00:00.000Z',
    );
  });

  it('skips a holiday in the next month or year', () => {
    const newYear = resolveCalendar(
      {
        always: false,
        days: ['mon', 'tue', 'wed', 'thu', 'fri'],
        start: '09:00',
        end: '17:00',
        holidays: ['2027-01-01'],
      },
      'Europe/London',
    );
    // Thu 31 Dec 16:00 + 2h: 1h on the 31st, Friday 1 Jan is a holiday, so Monday 4 Jan 10:00.
    expect(addWorkingTime(new Date('2026-12-31T16:00:00Z'), 2 * H, newYear).toISOString()).toBe(
      '2027-01-04T10:00:00.000Z',
    );
  });

  it('keeps local office hours across the DST change', () => {
    // London moves to BST on Sunday 2026-03-29: Monday 09:00 local is 08:00 UTC.
    expect(addWorkingTime(new Date('2026-03-27T16:00:00Z'), 2 * H, london).toISOString()).toBe(
      '2026-03-30T09:00:00.000Z',
    );
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
    expect(addWorkingTime(new Date('2026-11-21T12:00:00Z'), 15 * 60_000, allDay).toISOString()).toBe(
      '2026-11-21T12:15:00.000Z',
    );
  });

  it('round-trips: the working time to the due instant is the target', () => {
    for (const start of ['2026-11-20T16:59:00Z', '2026-03-27T12:34:00Z', '2026-10-23T08:00:00Z']) {
      const due = addWorkingTime(new Date(start), 13 * H, london);
      expect(workingTimeBetween(new Date(start), due, london)).toBe(13 * H);
    }
  });
});

describe('business time against a minute-by-minute reference (DST nights included)', () => {
  // A working minute is one whose local wall-clock time falls in [start, end) on a working day of the
  // calendar's zone. The reference reads every minute's local time with Intl, independently of the
  // window arithmetic; the checks cover the days around each clock change of four zones.
  const zones = ['Europe/London', 'America/New_York', 'Australia/Sydney', 'Europe/Berlin'];
  const transitions: Record<string, string[]> = {
    'Europe/London': ['2026-03-29', '2026-10-25'],
    'America/New_York': ['2026-03-08', '2026-11-01'],
    'Australia/Sydney': ['2026-04-05', '2026-10-04'],
    'Europe/Berlin': ['2026-03-29', '2026-10-25'],
  };
  const MIN = 60_000;
  let seed = 20261202;
  const rnd = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
  const hhmm = (m: number) => `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
  const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;

  function localMinutes(
    zone: string,
    from: number,
    count: number,
  ): { date: string; weekday: number; minute: number }[] {
    const fmt = new Intl.DateTimeFormat('en-CA', {
      timeZone: zone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      weekday: 'short',
      hourCycle: 'h23',
    });
    const out = [];
    for (let i = 0; i < count; i++) {
      const parts = Object.fromEntries(fmt.formatToParts(new Date(from + i * MIN)).map((p) => [p.type, p.value]));
      out.push({
        date: `${parts.year}-${parts.month}-${parts.day}`,
        weekday: WEEKDAYS.findIndex((w) => w === parts.weekday!.toLowerCase().slice(0, 3)),
        minute: Number(parts.hour) * 60 + Number(parts.minute),
      });
    }
    return out;
  }

  it('agrees on every checked interval, for random calendars opening or closing between 00:00 and 03:00', () => {
    let checks = 0;
    for (const zone of zones) {
      for (const day of transitions[zone]!) {
        const from = Date.parse(`${day}T00:00:00Z`) - 2 * 86_400_000;
        const count = 4 * 24 * 60;
        const local = localMinutes(zone, from, count);
        for (let c = 0; c < 6; c++) {
          const night = rnd() < 0.7;
          const start = night ? Math.floor(rnd() * 180) : Math.floor(rnd() * 600);
          const end =
            night && rnd() < 0.5
              ? start + 1 + Math.floor(rnd() * (180 - start))
              : Math.min(24 * 60 - 1, start + 60 + Math.floor(rnd() * 900));
          const days = WEEKDAYS.filter(() => rnd() < 0.8);
          if (days.length === 0) days.push('sun');
          const holidays = rnd() < 0.3 ? [day] : [];
          const settings = { always: false, days, start: hhmm(start), end: hhmm(end), holidays };
          const cal = resolveCalendar(settings, zone);
          const endMin = settings.end === '23:59' ? 24 * 60 : end;
          const works = local.map((l) =>
            days.includes(WEEKDAYS[l.weekday]!) && !holidays.includes(l.date) && l.minute >= start && l.minute < endMin
              ? 1
              : 0,
          );
          const prefix = [0];
          for (const w of works) prefix.push(prefix[prefix.length - 1]! + w);
          for (let k = 0; k < 25; k++) {
            const a = Math.floor(rnd() * (count - 1));
            const b = a + 1 + Math.floor(rnd() * (count - a - 1));
            const expected = (prefix[b]! - prefix[a]!) * MIN;
            expect(
              workingTimeBetween(new Date(from + a * MIN), new Date(from + b * MIN), cal),
              `${zone} ${settings.start}-${settings.end} ${days.join(',')} [${a}, ${b})`,
            ).toBe(expected);
            // And the inverse: adding that much working time from a lands where the reference says.
            if (expected > 0) {
              let reach = a;
              let got = 0;
              while (got < expected / MIN) got += works[reach++]!;
              expect(addWorkingTime(new Date(from + a * MIN), expected, cal).getTime()).toBe(from + reach * MIN);
            }
            checks += 1;
          }
        }
      }
    }
    expect(checks).toBe(zones.length * 2 * 6 * 25);
  });
});
