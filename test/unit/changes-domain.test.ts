import { describe, expect, it } from 'vitest';
import { resolveCalendar } from '../../src/domain/calendar.js';
import {
  approverEntriesFor,
  checkApprover,
  quorum,
  requiredApprovals,
  type ChangeForApproval,
  type GivenApproval,
} from '../../src/domain/changes/approval.js';
import { canApply, statusAfterEdit } from '../../src/domain/changes/lifecycle.js';
import { workRefusal } from '../../src/domain/changes/access.js';
import { riskFromAnswers, riskScore } from '../../src/domain/changes/risk.js';
import {
  approvalReminderAt,
  checkWindow,
  closeoutAt,
  decideFreeze,
  findConflicts,
  freezeConflicts,
  freezeWindowsFrom,
} from '../../src/domain/changes/schedule.js';
import { overlaps } from '../../src/domain/changes/types.js';

const rules = {
  approvals_by_risk: { low: 1, medium: 1, high: 2 },
  approver_groups_by_service: { Email: ['SMAIL0001'], Payroll: ['UPAY00001'] },
};
const change = (over: Partial<ChangeForApproval> = {}): ChangeForApproval => ({
  key: 'CHG-1',
  type: 'normal',
  risk: 'low',
  status: 'pending_approval',
  requesterId: 'UREQ',
  implementerId: 'UIMP',
  services: ['Laptops'],
  version: 1,
  ...over,
});
const cab = (
  userId: string,
  over: Partial<{ isChangeApprover: boolean; isEmergencyApprover: boolean; serviceGroups: string[] }> = {},
) => ({
  userId,
  isChangeApprover: true,
  isEmergencyApprover: false,
  serviceGroups: [],
  ...over,
});
const approval = (approverId: string, over: Partial<GivenApproval> = {}): GivenApproval => ({
  approverId,
  decision: 'approved',
  version: 1,
  coversServices: [],
  ...over,
});

describe('approval quorum and who may decide', () => {
  it('needs approvals by risk for normal, one for emergency, none for standard', () => {
    expect(requiredApprovals('normal', 'low', rules)).toBe(1);
    expect(requiredApprovals('normal', 'medium', rules)).toBe(1);
    expect(requiredApprovals('normal', 'high', rules)).toBe(2);
    expect(requiredApprovals('emergency', 'high', rules)).toBe(1);
    expect(requiredApprovals('standard', 'high', rules)).toBe(0);
  });

  it('refuses the requester and the implementer (segregation of duties) even when they are CAB members', () => {
    expect(checkApprover(change(), cab('UREQ'), [])).toMatchObject({ allowed: false, kind: 'segregation' });
    expect(checkApprover(change(), cab('UIMP'), [])).toMatchObject({ allowed: false, kind: 'segregation' });
    expect(checkApprover(change(), cab('UCAB'), [])).toEqual({ allowed: true });
  });

  it('refuses outsiders; emergency changes need an emergency approver', () => {
    expect(checkApprover(change(), cab('UOUT', { isChangeApprover: false }), [])).toMatchObject({
      kind: 'not_approver',
    });
    expect(checkApprover(change({ type: 'emergency' }), cab('UCAB'), [])).toMatchObject({ kind: 'not_approver' });
    expect(
      checkApprover(
        change({ type: 'emergency' }),
        cab('UECAB', { isChangeApprover: false, isEmergencyApprover: true }),
        [],
      ),
    ).toEqual({ allowed: true });
  });

  it('lets a per-service group member approve, and counts a person once per version', () => {
    expect(
      checkApprover(
        change({ services: ['Email'] }),
        cab('UMAIL', { isChangeApprover: false, serviceGroups: ['Email'] }),
        [],
      ),
    ).toEqual({ allowed: true });
    expect(checkApprover(change(), cab('UCAB'), [approval('UCAB')])).toMatchObject({ kind: 'already_decided' });
    expect(checkApprover(change({ version: 2 }), cab('UCAB'), [approval('UCAB')])).toEqual({ allowed: true });
  });

  it('treats a decided change as stale for everyone', () => {
    expect(checkApprover(change({ status: 'scheduled' }), cab('UREQ'), [])).toMatchObject({ kind: 'stale' });
  });

  it('meets quorum only with enough approvals of the current version and every service group covered', () => {
    const high = { type: 'normal' as const, risk: 'high' as const, services: ['Email', 'Laptops'], version: 2 };
    expect(quorum(high, [approval('A', { version: 1 }), approval('B', { version: 1 })], rules)).toMatchObject({
      approvals: 0,
      met: false,
    });
    expect(quorum(high, [approval('A', { version: 2 }), approval('B', { version: 2 })], rules)).toMatchObject({
      approvals: 2,
      met: false,
      missingServiceGroups: ['Email'],
    });
    expect(
      quorum(high, [approval('A', { version: 2 }), approval('B', { version: 2, coversServices: ['Email'] })], rules),
    ).toMatchObject({ met: true, missingServiceGroups: [] });
    expect(
      quorum(high, [approval('A', { version: 2 }), approval('B', { version: 2, decision: 'rejected' })], rules),
    ).toMatchObject({ met: false, rejected: true });
  });

  it('names the approver entries: CAB plus service groups, or the ECAB', () => {
    const roles = { change_approvers: ['SCAB'], emergency_approvers: ['SECAB'] };
    expect(approverEntriesFor({ type: 'normal', services: ['Email'] }, roles, rules)).toEqual(['SCAB', 'SMAIL0001']);
    expect(approverEntriesFor({ type: 'emergency', services: ['Email'] }, roles, rules)).toEqual(['SECAB']);
    expect(approverEntriesFor({ type: 'standard', services: ['Email'] }, roles, rules)).toEqual([]);
  });
});

describe('who may work on a change', () => {
  const people = { key: 'CHG-3', requesterId: 'UREQ', implementerId: 'UIMP' };
  it('lets the requester and the implementer, and refuses anyone else with the verb in the refusal', () => {
    expect(workRefusal(people, 'UREQ', 'edit')).toBeUndefined();
    expect(workRefusal(people, 'UIMP', 'close out')).toBeUndefined();
    expect(workRefusal(people, 'UOTHER', 'postpone')).toBe(
      'Only the implementer or requester of CHG-3 can postpone it. Nothing was changed.',
    );
    expect(workRefusal({ ...people, implementerId: null }, 'UOTHER', 'cancel')).toBe(
      'Only the requester or the implementer of CHG-3 can cancel it. Nothing was changed.',
    );
  });
});

describe('lifecycle', () => {
  it('allows transitions only from the right states', () => {
    expect(canApply('pending_approval', 'approve')).toBe(true);
    expect(canApply('scheduled', 'approve')).toBe(false);
    expect(canApply('scheduled', 'start')).toBe(true);
    expect(canApply('in_progress', 'close')).toBe(true);
    expect(canApply('scheduled', 'close')).toBe(true);
    expect(canApply('completed', 'close')).toBe(false);
    expect(canApply('in_progress', 'edit')).toBe(false);
    expect(canApply('rejected', 'cancel')).toBe(false);
  });

  it('sends edited normal and emergency changes back for approval, not standard ones', () => {
    expect(statusAfterEdit('normal', 'scheduled')).toBe('pending_approval');
    expect(statusAfterEdit('emergency', 'scheduled')).toBe('pending_approval');
    expect(statusAfterEdit('standard', 'scheduled')).toBe('scheduled');
  });
});

describe('freeze windows and conflicts', () => {
  const freezes = freezeWindowsFrom([
    { name: 'Year end', start: '2026-12-20T00:00:00Z', end: '2027-01-04T00:00:00Z', services: [] },
    { name: 'Payroll run', start: '2026-03-25T00:00:00Z', end: '2026-03-27T00:00:00Z', services: ['Payroll'] },
  ]);
  const at = (iso: string) => Date.parse(iso);

  it('finds global freezes for any service and service freezes only for that service', () => {
    expect(
      freezeConflicts({ start: at('2026-12-21T10:00:00Z'), end: at('2026-12-21T11:00:00Z') }, ['Email'], freezes).map(
        (f) => f.name,
      ),
    ).toEqual(['Year end']);
    expect(
      freezeConflicts({ start: at('2026-03-26T10:00:00Z'), end: at('2026-03-26T11:00:00Z') }, ['Email'], freezes),
    ).toEqual([]);
    expect(
      freezeConflicts({ start: at('2026-03-26T10:00:00Z'), end: at('2026-03-26T11:00:00Z') }, ['Payroll'], freezes).map(
        (f) => f.name,
      ),
    ).toEqual(['Payroll run']);
  });

  it('treats a window ending exactly when a freeze starts as no overlap', () => {
    expect(
      freezeConflicts({ start: at('2026-12-19T22:00:00Z'), end: at('2026-12-20T00:00:00Z') }, ['Email'], freezes),
    ).toEqual([]);
    expect(overlaps({ start: 0, end: 10 }, { start: 10, end: 20 })).toBe(false);
    expect(overlaps({ start: 0, end: 11 }, { start: 10, end: 20 })).toBe(true);
  });

  it('refuses normal and standard changes; emergency only with a reasoned override', () => {
    const hit = freezes.slice(0, 1);
    const describe = (f: { name: string }) => f.name;
    expect(decideFreeze('normal', hit, { requested: true, reason: 'x' }, describe)).toMatchObject({
      allowed: false,
      field: 'window',
    });
    expect(decideFreeze('standard', hit, { requested: false, reason: null }, describe)).toMatchObject({
      allowed: false,
      field: 'window',
    });
    expect(decideFreeze('emergency', hit, { requested: true, reason: '  ' }, describe)).toMatchObject({
      allowed: false,
      field: 'freeze_override',
    });
    expect(decideFreeze('emergency', hit, { requested: true, reason: 'VPN down' }, describe)).toEqual({
      allowed: true,
      override: true,
    });
    expect(decideFreeze('normal', [], { requested: false, reason: null }, describe)).toEqual({
      allowed: true,
      override: false,
    });
  });

  it('flags other changes overlapping in time on a shared service, not itself', () => {
    const others = [
      { id: 1, key: 'CHG-1', start: 0, end: 100, services: ['Email', 'Wi-Fi'] },
      { id: 2, key: 'CHG-2', start: 50, end: 150, services: ['Printing'] },
      { id: 3, key: 'CHG-3', start: 200, end: 300, services: ['Email'] },
    ];
    expect(findConflicts({ id: 9, start: 40, end: 120, services: ['Email'] }, others)).toEqual([
      { change: others[0], services: ['Email'] },
    ]);
    expect(findConflicts({ id: 1, start: 0, end: 100, services: ['Email'] }, others)).toEqual([]);
  });

  it('checks the window: end after start, not over, only emergencies start in the past', () => {
    const now = new Date('2026-03-02T10:00:00Z');
    expect(
      checkWindow('normal', { start: at('2026-03-02T12:00:00Z'), end: at('2026-03-02T11:00:00Z') }, now),
    ).toMatchObject({ field: 'end' });
    expect(
      checkWindow('normal', { start: at('2026-03-02T08:00:00Z'), end: at('2026-03-02T11:00:00Z') }, now),
    ).toMatchObject({ field: 'start' });
    expect(
      checkWindow('emergency', { start: at('2026-03-02T08:00:00Z'), end: at('2026-03-02T11:00:00Z') }, now),
    ).toBeUndefined();
    expect(
      checkWindow('emergency', { start: at('2026-03-02T08:00:00Z'), end: at('2026-03-02T09:00:00Z') }, now),
    ).toMatchObject({ field: 'end' });
  });
});

describe('reminder times', () => {
  const business = resolveCalendar(
    {
      always: false,
      days: ['mon', 'tue', 'wed', 'thu', 'fri'],
      start: '09:00',
      end: '17:00',
      holidays: ['2026-04-03'],
    },
    'Europe/London',
  );

  it('counts the approval reminder in business hours, skipping nights, weekends and holidays', () => {
    expect(
      approvalReminderAt(new Date('2026-03-02T10:00:00Z'), { days: 0, ms: 4 * 3_600_000 }, business).toISOString(),
    ).toBe('2026-03-02T14:00:00.000Z');
    expect(
      approvalReminderAt(new Date('2026-03-02T15:00:00Z'), { days: 0, ms: 4 * 3_600_000 }, business).toISOString(),
    ).toBe('2026-03-03T11:00:00.000Z');
    expect(
      approvalReminderAt(new Date('2026-03-06T16:00:00Z'), { days: 0, ms: 4 * 3_600_000 }, business).toISOString(),
    ).toBe('2026-03-09T12:00:00.000Z');
    // Thursday 2 April 15:00 BST: 2h that day, Good Friday off, 2h more → Monday 6 April 11:00 BST.
    expect(
      approvalReminderAt(new Date('2026-04-02T14:00:00Z'), { days: 0, ms: 4 * 3_600_000 }, business).toISOString(),
    ).toBe('2026-04-06T10:00:00.000Z');
  });

  it('asks for close-out at window end plus grace', () => {
    expect(closeoutAt(1_000, 3_600_000).getTime()).toBe(3_601_000);
  });
});

describe('risk questionnaire', () => {
  it('scores answers to low, medium and high', () => {
    expect(riskFromAnswers({ impact: 'low', blast_radius: 'single', tested: true, rollback_ready: true })).toBe('low');
    expect(riskFromAnswers({ impact: 'medium', blast_radius: 'team', tested: true, rollback_ready: true })).toBe(
      'medium',
    );
    expect(riskFromAnswers({ impact: 'high', blast_radius: 'company', tested: true, rollback_ready: true })).toBe(
      'high',
    );
    expect(riskFromAnswers({ impact: 'low', blast_radius: 'single', tested: false, rollback_ready: false })).toBe(
      'high',
    );
    expect(riskFromAnswers({ impact: 'low', blast_radius: 'single', tested: false, rollback_ready: true })).toBe(
      'medium',
    );
    expect(riskScore({ impact: 'high', blast_radius: 'company', tested: false, rollback_ready: false })).toBe(9);
  });
});
