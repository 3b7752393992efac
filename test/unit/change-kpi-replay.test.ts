import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestChange } from '../../src/services/changes/request.js';
import { decideOnChange } from '../../src/services/changes/decide.js';
import { cancelChange, closeChange, linkChangeToIncident, startChange } from '../../src/services/changes/lifecycle.js';
import { declareIncident } from '../../src/services/incidents/declare.js';
import { changeFigures } from '../../db/queries/reports.js';
import { mulberry32 } from '../support/report-history.js';
import { openDesk, type Desk } from '../support/desk.js';

/**
 * The change figures of the scorecard against an oracle: changes requested, approved (or rejected),
 * started, closed with an outcome and sometimes linked later as an incident's cause, through the real
 * use cases; the expected figures are computed from what the test itself did and when, by the
 * README's definitions (approval lead time of normal and emergency changes, standard apart; failure
 * rate counting links made by the as-of instant).
 */
const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const START = Date.parse('2026-03-02T08:00:00Z');
const WEEKS = 6;
const END = START + WEEKS * 7 * DAY;
const CAB = ['UCAB1', 'UCAB2', 'UCAB3'];
const ECAB = 'UECAB1';
const REQUESTER = 'UREQ1';
const SERVICES = ['Email', 'Wi-Fi', 'Laptops'];
const SETTINGS = {
  timezone: 'Europe/London',
  roles: { change_approvers: CAB, emergency_approvers: [ECAB], agents: ['UAGENT1'] },
  changes: {
    standard_templates: [
      {
        id: 'patches',
        title: 'Monthly OS patches',
        description: 'Patch laptops',
        services: ['Laptops'],
        risk: 'low',
        implementation_plan: 'Push',
        rollback_plan: 'Uninstall',
        duration: '2h',
      },
    ],
  },
};

interface Done {
  type: 'standard' | 'normal' | 'emergency';
  services: string[];
  submitted: number;
  approved: number | null;
  completed: number | null;
  outcome: string | null;
  linked: number | null;
}

const median = (xs: number[]) => {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const stats = (xs: number[]) => ({
  n: xs.length,
  mean: xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null,
  median: median(xs),
  p90: xs.length ? [...xs].sort((a, b) => a - b)[Math.ceil(0.9 * xs.length) - 1]! : null,
});

describe('change KPIs against an oracle, through the real use cases', () => {
  let desk: Desk;
  const done: Done[] = [];

  beforeAll(async () => {
    desk = await openDesk(SETTINGS, START);
    const rnd = mulberry32(1714);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
    const minutes = (lo: number, hi: number) => Math.round(lo + rnd() * (hi - lo)) * MIN;
    type Step = { at: number; run: () => Promise<unknown> };
    const plan: Step[] = [];
    const approver = (id: string) => ({
      isChangeApprover: CAB.includes(id),
      isEmergencyApprover: id === ECAB,
      serviceGroups: [] as string[],
    });
    const source = 'button' as const;
    let incidents = 0;

    for (let n = 0; n < 140; n++) {
      const at = START + Math.floor((rnd() * (WEEKS * 7 - 8) * DAY) / MIN) * MIN;
      const type = pick(['standard', 'normal', 'normal', 'emergency'] as const);
      const risk = pick(['low', 'medium', 'high'] as const);
      const services = type === 'standard' ? ['Laptops'] : [pick(SERVICES)];
      const windowStart = at + (type === 'emergency' ? minutes(30, 120) : minutes(2 * 24 * 60, 5 * 24 * 60));
      const windowEnd = windowStart + 2 * HOUR;
      const record: Done & { id: number; key: string } = {
        id: 0,
        key: '',
        type,
        services,
        submitted: at,
        approved: null,
        completed: null,
        outcome: null,
        linked: null,
      };
      plan.push({
        at,
        run: async () => {
          const r = await requestChange(
            desk.ctx,
            {
              title: 'Change',
              description: 'x',
              type,
              services,
              risk,
              start: windowStart,
              end: windowEnd,
              implementerId: null,
              implementationPlan: 'do',
              rollbackPlan: 'undo',
              linked: null,
              templateId: type === 'standard' ? 'patches' : null,
            },
            { actor: { id: REQUESTER }, source: 'modal' },
          );
          if (r.ok) {
            record.id = r.value.id;
            record.key = r.value.key;
            done.push(record);
            if (type === 'standard') record.approved = at;
          }
          return r;
        },
      });
      // Approvals: one for low/medium (and emergency), two for high normal changes; some rejected.
      let approvalAt = at;
      const needed = type === 'normal' && risk === 'high' ? 2 : 1;
      const rejects = type !== 'standard' && rnd() < 0.15;
      if (type !== 'standard') {
        const people = type === 'emergency' ? [ECAB] : [...CAB].sort(() => rnd() - 0.5).slice(0, needed);
        for (let k = 0; k < people.length; k++) {
          approvalAt += minutes(5, type === 'emergency' ? 20 : 600);
          const who = people[k]!;
          const decisionAt = approvalAt;
          const last = k === people.length - 1;
          const decision = rejects && last ? 'rejected' : 'approved';
          plan.push({
            at: decisionAt,
            run: async () => {
              const r = await decideOnChange(desk.ctx, {
                changeId: record.id,
                decision,
                reason: decision === 'rejected' ? 'no' : null,
                actor: { id: who },
                facts: approver(who),
                source,
              });
              if (r.ok && decision === 'approved' && last) record.approved = decisionAt;
              return r;
            },
          });
        }
      }
      if (rejects) continue;
      if (rnd() < 0.08) {
        plan.push({
          at: approvalAt + minutes(1, 30),
          run: () =>
            cancelChange(desk.ctx, { changeId: record.id, actor: { id: REQUESTER }, reason: 'not needed', source }),
        });
        continue;
      }
      const outcome = pick([
        'successful',
        'successful',
        'successful',
        'successful_with_issues',
        'failed',
        'rolled_back',
      ] as const);
      plan.push({
        at: windowStart,
        run: () => startChange(desk.ctx, { changeId: record.id, actor: { id: REQUESTER }, source }),
      });
      const closeAt = windowEnd + minutes(0, 60);
      plan.push({
        at: closeAt,
        run: async () => {
          const r = await closeChange(desk.ctx, {
            changeId: record.id,
            actor: { id: REQUESTER },
            outcome,
            notes: 'notes',
            source,
          });
          if (r.ok) {
            record.completed = closeAt;
            record.outcome = outcome;
          }
          return r;
        },
      });
      // Some successful changes turn out to have caused an incident, sometimes weeks later.
      if (outcome === 'successful' && rnd() < 0.25) {
        const linkAt = closeAt + minutes(60, 14 * 24 * 60);
        plan.push({
          at: linkAt,
          run: async () => {
            if (record.completed === null) return { ok: false };
            const inc = await declareIncident(desk.ctx, {
              title: `Caused ${++incidents}`,
              severity: 'P3',
              actor: { id: 'UAGENT1' },
            });
            if (!inc.ok) return inc;
            const r = await linkChangeToIncident(desk.ctx, {
              changeKey: record.key,
              incidentKey: inc.value.key,
              actor: { id: 'UAGENT1' },
              isStaff: true,
            });
            if (r.ok) record.linked = linkAt;
            return r;
          },
        });
      }
    }
    plan.sort((a, b) => a.at - b.at);
    for (const step of plan) {
      if (step.at >= END) break;
      await desk.runUntil(step.at);
      await step.run();
    }
    await desk.runUntil(END);
  }, 120_000);

  afterAll(() => desk?.close());

  it('approval lead time (normal + emergency, standard apart), failure rate, counts: exactly as the oracle says', async () => {
    expect(done.length).toBeGreaterThan(100);
    expect(done.filter((d) => d.linked !== null).length).toBeGreaterThan(3);
    expect(done.filter((d) => d.approved !== null && d.type !== 'standard').length).toBeGreaterThan(40);
    const ranges = [];
    for (let w = 0; w < WEEKS; w++)
      ranges.push({ start: START + w * 7 * DAY, end: START + (w + 1) * 7 * DAY, asOf: START + (w + 1) * 7 * DAY });
    ranges.push({ start: START, end: END, asOf: END });
    for (const r of ranges) {
      const inP = (t: number | null) => t !== null && t >= r.start && t < r.end;
      const got = await changeFigures(desk.db, r);
      const submitted = done.filter((d) => inP(d.submitted));
      const approved = done.filter((d) => inP(d.approved));
      const completed = done.filter((d) => inP(d.completed));
      const failed = completed.filter(
        (d) => d.outcome === 'failed' || d.outcome === 'rolled_back' || (d.linked !== null && d.linked <= r.asOf),
      );
      const lead = (ds: Done[]) => stats(ds.map((d) => d.approved! - d.submitted));
      const label = new Date(r.start).toISOString();
      expect(got.submitted, label).toBe(submitted.length);
      expect(got.byType, label).toEqual({
        standard: submitted.filter((d) => d.type === 'standard').length,
        normal: submitted.filter((d) => d.type === 'normal').length,
        emergency: submitted.filter((d) => d.type === 'emergency').length,
      });
      expect(got.leadTime, label).toEqual(lead(approved.filter((d) => d.type !== 'standard')));
      expect(got.leadTimeByType.standard, label).toEqual(lead(approved.filter((d) => d.type === 'standard')));
      expect(got.leadTimeByType.emergency, label).toEqual(lead(approved.filter((d) => d.type === 'emergency')));
      expect(got.completed, label).toBe(completed.length);
      expect(got.failed, label).toBe(failed.length);
      expect(got.emergency, label).toEqual({
        num: submitted.filter((d) => d.type === 'emergency').length,
        den: submitted.length,
      });
      expect(got.freezeOverrides).toBe(0);
      for (const service of SERVICES) {
        const row = got.byService.find((s) => s.service === service);
        expect([row?.submitted ?? 0, row?.completed ?? 0, row?.failed ?? 0], `${label} ${service}`).toEqual([
          submitted.filter((d) => d.services.includes(service)).length,
          completed.filter((d) => d.services.includes(service)).length,
          failed.filter((d) => d.services.includes(service)).length,
        ]);
      }
    }
  });
});
