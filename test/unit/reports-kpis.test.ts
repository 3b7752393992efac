import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase } from '../support/database.js';
import { migrateToLatest } from '../../db/migrate.js';
import type { Db } from '../../db/schema.js';
import {
  changeFigures,
  incidentFigures,
  ticketFigures,
  weeklyTrend,
  type ReportRange,
} from '../../db/queries/reports.js';
import { generateHistory, insertHistory, insertSeededTicketHistory, type History } from '../support/report-history.js';
import { lastWeeks } from '../../src/domain/reports/period.js';

// Known answers: each KPI recomputed here in plain JavaScript over the generated arrays, following the
// definitions in docs/reports.md, and compared with what the SQL returns.
const DAY = 86_400_000;
const NOW = Date.parse('2026-11-20T12:00:00Z');
const FROM = Date.parse('2026-05-01T00:00:00Z');

const inRange = (t: number | null | undefined, r: { start: number; end: number }) =>
  t !== null && t !== undefined && t >= r.start && t < r.end;

function stats(values: number[]) {
  if (values.length === 0) return { n: 0, mean: null, median: null, p90: null };
  const v = [...values].sort((a, b) => a - b);
  const n = v.length;
  const median = n % 2 ? v[(n - 1) / 2]! : (v[n / 2 - 1]! + v[n / 2]!) / 2;
  const p90 = v[Math.ceil(0.9 * n) - 1]!;
  return { n, mean: v.reduce((a, b) => a + b, 0) / n, median, p90 };
}

function expectStats(
  actual: { n: number; mean: number | null; median: number | null; p90: number | null },
  values: number[],
) {
  const e = stats(values);
  expect(actual.n).toBe(e.n);
  if (e.n === 0) return expect(actual.median).toBeNull();
  expect(actual.mean).toBeCloseTo(e.mean!, 3);
  expect(actual.median).toBeCloseTo(e.median!, 3);
  expect(actual.p90).toBe(e.p90);
}

const ranges: [string, ReportRange][] = [
  [
    '30 days in the past',
    {
      start: Date.parse('2026-08-01T00:00:00Z'),
      end: Date.parse('2026-08-31T00:00:00Z'),
      asOf: Date.parse('2026-08-31T00:00:00Z'),
    },
  ],
  [
    'the quarter',
    {
      start: Date.parse('2026-07-01T00:00:00Z'),
      end: Date.parse('2026-10-01T00:00:00Z'),
      asOf: Date.parse('2026-10-01T00:00:00Z'),
    },
  ],
  ['the last 7 days so far', { start: NOW - 6.5 * DAY, end: NOW + 0.5 * DAY, asOf: NOW }],
];

describe('report KPIs over a seeded history', () => {
  let db: Db;
  let opened: Awaited<ReturnType<typeof openTestDatabase>>;
  let h: History;

  beforeAll(async () => {
    opened = await openTestDatabase();
    db = opened.db;
    await migrateToLatest(db);
    h = generateHistory({ seed: 20261123, from: FROM, to: NOW, now: NOW, tickets: 4000, incidents: 400, changes: 600 });
    await insertHistory(db, h);
    await insertSeededTicketHistory(db);
  });
  afterAll(async () => {
    await opened.close();
  });

  it('generates thousands of records across months', () => {
    expect(h.tickets.length).toBe(4000);
    expect(h.updates.length).toBeGreaterThan(1000);
    const months = new Set(h.tickets.map((t) => new Date(t.created_at).getUTCMonth()));
    expect(months.size).toBeGreaterThanOrEqual(6);
  });

  describe.each(ranges)('%s', (_name, r) => {
    it('incidents: count by severity, MTTA, MTTR (declared- and started-based), punctuality, actions', async () => {
      const f = await incidentFigures(db, r);
      const declared = h.incidents.filter((i) => inRange(i.declared_at, r));
      expect(f.total).toBe(declared.length);
      expect(declared.length).toBeGreaterThan(5);
      for (const s of ['P1', 'P2', 'P3', 'P4'] as const)
        expect(f.bySeverity[s]).toBe(declared.filter((i) => i.severity === s).length);

      // Seeded incidents are declared by their own commander: acknowledged by the declarer, so not in MTTA.
      const acked = declared.filter((i) => i.acknowledged_at != null && i.acknowledged_at <= r.asOf);
      expect(f.mtta.n).toBe(0);
      expect(f.selfAcknowledged).toBe(acked.length);

      const resolved = h.incidents.filter((i) => inRange(i.resolved_at, r));
      expectStats(
        f.mttr,
        resolved.map((i) => i.resolved_at! - i.declared_at),
      );
      expectStats(
        f.mttrBySeverity.P2,
        resolved.filter((i) => i.severity === 'P2').map((i) => i.resolved_at! - i.declared_at),
      );
      expectStats(
        f.mttrStarted,
        resolved.filter((i) => i.started_at != null).map((i) => i.resolved_at! - i.started_at!),
      );

      const due = h.updates.filter((u) => inRange(u.at, r) && u.due_at !== null);
      expect(f.updatePunctuality).toEqual({ num: due.filter((u) => u.on_time === 1).length, den: due.length });

      const acts = h.actions.filter((a) => inRange(a.due_at, r));
      const onTime = acts.filter((a) => a.closed_at !== null && a.closed_at <= a.due_at);
      const late = acts.filter((a) => !onTime.includes(a));
      expect(f.actions).toEqual({
        onTime: onTime.length,
        overdue: late.filter((a) => a.due_at < r.asOf).length,
        pending: late.filter((a) => a.due_at >= r.asOf).length,
      });

      const email = declared.filter((i) => i.services.includes('Email'));
      expect(f.byService.find((s) => s.service === 'Email')?.count ?? 0).toBe(email.length);
      const emailResolved = resolved
        .filter((i) => i.services.includes('Email'))
        .map((i) => i.resolved_at! - i.declared_at);
      expect(f.byService.find((s) => s.service === 'Email')?.mttrMedian ?? null).toBe(
        email.length ? stats(emailResolved).median : null,
      );
    });

    // The service-desk figures are checked by the replay oracle (kpi-replay.test.ts): they read the
    // ticket history written by the real use cases, which hand-inserted rows cannot stand in for.

    it('changes: by type, approval lead time, failure rate, emergency share, freeze overrides', async () => {
      const f = await changeFigures(db, r);
      const submitted = h.changes.filter((c) => inRange(c.submitted_at, r));
      expect(f.submitted).toBe(submitted.length);
      for (const t of ['standard', 'normal', 'emergency'] as const)
        expect(f.byType[t]).toBe(submitted.filter((c) => c.type === t).length);
      expect(f.emergency).toEqual({
        num: submitted.filter((c) => c.type === 'emergency').length,
        den: submitted.length,
      });
      expect(f.freezeOverrides).toBe(submitted.filter((c) => c.freeze_override === 1).length);

      const approved = h.changes.filter((c) => inRange(c.approved_at, r) && c.submitted_at != null);
      // Standard changes (approved on submit) are reported on their own, not in the overall figure.
      expectStats(
        f.leadTime,
        approved.filter((c) => c.type !== 'standard').map((c) => c.approved_at! - c.submitted_at!),
      );
      expectStats(
        f.leadTimeByType.standard,
        approved.filter((c) => c.type === 'standard').map((c) => c.approved_at! - c.submitted_at!),
      );
      expectStats(
        f.leadTimeByType.normal,
        approved.filter((c) => c.type === 'normal').map((c) => c.approved_at! - c.submitted_at!),
      );

      const completed = h.changes.filter((c) => inRange(c.completed_at, r) && c.status === 'completed');
      const failed = completed.filter((c) => c.outcome === 'failed' || c.outcome === 'rolled_back' || c.linked);
      expect(f.completed).toBe(completed.length);
      expect(f.failed).toBe(failed.length);
      if (r.end - r.start > 20 * DAY) expect(failed.length).toBeGreaterThan(2);
      const laptops = f.byService.find((s) => s.service === 'Laptops');
      expect(laptops?.failed ?? 0).toBe(failed.filter((c) => c.services.includes('Laptops')).length);
    });
  });

  it('weekly trend: MTTR median and SLA attainment for 12 weeks', async () => {
    const weeks = lastWeeks(new Date(NOW), 'UTC', 12);
    expect(weeks).toHaveLength(12);
    const points = await weeklyTrend(db, weeks, NOW);
    const w = weeks[5]!;
    const values = h.incidents.filter((i) => inRange(i.resolved_at, w)).map((i) => i.resolved_at! - i.declared_at);
    expect(points[5]!.mttrMedian).toBe(stats(values).median);
    const full = await ticketFigures(db, { ...w, asOf: w.end });
    expect(points[5]!.firstResponseSla).toBeCloseTo(
      full.firstResponse.met / (full.firstResponse.met + full.firstResponse.breached),
      9,
    );
    expect(points[5]!.resolutionSla).toBeCloseTo(
      full.resolution.met / (full.resolution.met + full.resolution.breached),
      9,
    );
  });

  it('answers from the indexes, not by scanning whole tables', async () => {
    const { sql } = await import('kysely');
    const plan = async (q: string) =>
      (await sql.raw<{ detail: string }>(`EXPLAIN QUERY PLAN ${q}`).execute(db)).rows.map((r) => r.detail).join(' | ');
    expect(await plan('SELECT COUNT(*) FROM incidents WHERE resolved_at >= 1 AND resolved_at < 2')).toMatch(
      /USING (COVERING )?INDEX incidents_resolved/,
    );
    expect(await plan('SELECT COUNT(*) FROM tickets WHERE csat_at >= 1 AND csat_at < 2')).toMatch(
      /INDEX tickets_csat_at/,
    );
    expect(await plan('SELECT COUNT(*) FROM changes WHERE submitted_at >= 1 AND submitted_at < 2')).toMatch(
      /INDEX changes_submitted/,
    );
    expect(await plan('SELECT COUNT(*) FROM changes WHERE approved_at >= 1 AND approved_at < 2')).toMatch(
      /INDEX changes_approved/,
    );
    expect(await plan('SELECT COUNT(*) FROM incident_actions WHERE due_at >= 1 AND due_at < 2')).toMatch(
      /INDEX incident_actions_due/,
    );
  });
});
