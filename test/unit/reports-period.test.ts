import { describe, expect, it } from 'vitest';
import { lastWeeks, parsePeriod } from '../../src/domain/reports/period.js';
import { formatValue, rate, trend } from '../../src/domain/reports/kpis.js';

const london = 'Europe/London';
const ok = (text: string | undefined, now: string, tz = london) => {
  const r = parsePeriod(text, new Date(now), tz);
  if (!r.ok) throw new Error(r.message);
  return r.period;
};

describe('report periods', () => {
  it('7d is the last seven local days including today, compared with the seven before', () => {
    const p = ok('7d', '2026-11-20T10:00:00Z');
    expect(p.firstDay).toBe('2026-11-14');
    expect(p.lastDay).toBe('2026-11-20');
    expect(new Date(p.start).toISOString()).toBe('2026-11-14T00:00:00.000Z');
    expect(new Date(p.end).toISOString()).toBe('2026-11-21T00:00:00.000Z');
    expect(p.asOf).toBe(Date.parse('2026-11-20T10:00:00Z'));
    expect(new Date(p.previous.start).toISOString()).toBe('2026-11-07T00:00:00.000Z');
    expect(p.previous.end).toBe(p.start);
    expect(p.label).toBe('14 Nov – 20 Nov 2026');
  });

  it('defaults to 7d and uses the configured zone for day boundaries (summer time)', () => {
    const p = ok(undefined, '2026-07-10T23:30:00Z');
    expect(p.spec).toBe('7d');
    expect(p.lastDay).toBe('2026-07-11'); // already the 11th in London
    expect(new Date(p.end).toISOString()).toBe('2026-07-11T23:00:00.000Z');
  });

  it('keeps whole local days across a DST change', () => {
    const p = ok('7d', '2026-10-28T12:00:00Z');
    expect(new Date(p.start).toISOString()).toBe('2026-10-21T23:00:00.000Z'); // 22 Oct, BST
    expect(new Date(p.end).toISOString()).toBe('2026-10-29T00:00:00.000Z'); // 29 Oct, GMT
    expect(p.end - p.start).toBe(7 * 86_400_000 + 3_600_000);
  });

  it('30d and explicit ranges', () => {
    expect(ok('30d', '2026-11-20T10:00:00Z').firstDay).toBe('2026-10-22');
    const r = ok('2026-10-01..2026-10-31', '2026-11-20T10:00:00Z');
    expect(r.firstDay).toBe('2026-10-01');
    expect(r.lastDay).toBe('2026-10-31');
    expect(r.asOf).toBe(r.end);
    expect(r.previous.label).toBe('31 Aug – 30 Sep 2026');
  });

  it('quarter is the last complete calendar quarter, compared with the one before', () => {
    const q = ok('quarter', '2026-11-20T10:00:00Z');
    expect([q.firstDay, q.lastDay]).toEqual(['2026-07-01', '2026-09-30']);
    expect(q.previous.label).toBe('1 Apr – 30 Jun 2026');
    const jan = ok('quarter', '2026-01-02T10:00:00Z');
    expect([jan.firstDay, jan.lastDay]).toEqual(['2025-10-01', '2025-12-31']);
  });

  it('week and month are the last complete ones (scheduled reports)', () => {
    const w = ok('week', '2026-11-23T09:00:00Z'); // a Monday
    expect([w.firstDay, w.lastDay]).toEqual(['2026-11-16', '2026-11-22']);
    const m = ok('month', '2026-03-01T09:00:00Z');
    expect([m.firstDay, m.lastDay]).toEqual(['2026-02-01', '2026-02-28']);
    expect(m.previous.label).toBe('1 Jan – 31 Jan 2026');
  });

  it('refuses what it cannot read', () => {
    for (const bad of [
      '0d',
      '400d',
      'yesterday',
      '2026-02-30..2026-03-01',
      '2026-03-05..2026-03-01',
      '2027-01-01..2027-01-05',
    ]) {
      const r = parsePeriod(bad, new Date('2026-11-20T10:00:00Z'), london);
      expect(r.ok, bad).toBe(false);
    }
  });

  it('lists the last 12 complete weeks, oldest first', () => {
    const weeks = lastWeeks(new Date('2026-11-25T10:00:00Z'), london, 12);
    expect(weeks).toHaveLength(12);
    expect(weeks.at(-1)!.firstDay).toBe('2026-11-16');
    expect(weeks[0]!.firstDay).toBe('2026-08-31');
  });
});

describe('KPI direction and targets', () => {
  it('marks better or worse by the KPI direction', () => {
    expect(trend('lower', 30, 40)).toEqual({ arrow: '↓', verdict: 'better' });
    expect(trend('higher', 0.8, 0.9)).toEqual({ arrow: '↓', verdict: 'worse' });
    expect(trend('neutral', 5, 3)).toEqual({ arrow: '↑' });
    expect(trend('higher', 1, 1)).toEqual({ arrow: '→', verdict: 'same' });
    expect(trend('higher', null, 1)).toBeUndefined();
  });

  it('colours against the reference targets', () => {
    expect(rate('higher', { good: 0.95, warn: 0.9 }, 0.96)).toBe('good');
    expect(rate('higher', { good: 0.95, warn: 0.9 }, 0.92)).toBe('warn');
    expect(rate('higher', { good: 0.95, warn: 0.9 }, 0.5)).toBe('bad');
    expect(rate('lower', { good: 0.05, warn: 0.1 }, 0.04)).toBe('good');
    expect(rate('lower', { good: 0.05, warn: 0.1 }, 0.1)).toBe('warn');
    expect(rate('lower', { good: 0.05, warn: 0.1 }, 0.2)).toBe('bad');
    expect(rate('lower', undefined, 3)).toBeUndefined();
  });

  it('formats figures', () => {
    expect(formatValue('percent', 0.9534)).toBe('95.3%');
    expect(formatValue('duration', 4 * 3_600_000 + 12 * 60_000)).toBe('4 h 12 min');
    expect(formatValue('duration', 3 * 86_400_000)).toBe('3 d 0 h');
    expect(formatValue('count', null)).toBe('—');
  });
});
