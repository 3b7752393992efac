import { describe, expect, it } from 'vitest';
import {
  actionReminderTimes,
  audienceChannels,
  cadenceFor,
  channelName,
  decideStatusChange,
  dueAtOnDate,
  incidentDurations,
  mayPostUpdate,
  mayRun,
  nextReminderAt,
  parseRole,
  punctuality,
  updateDueAfterCadenceChange,
} from '../../src/domain/incidents/rules.js';
import { testSettings } from '../../devkit/workspace.js';

const MIN = 60_000;
const now = Date.parse('2026-03-10T10:00:00Z');

describe('incident channel names', () => {
  it('slugs the title under the prefix and number, lower-case', () => {
    expect(channelName('inc', 42, 'VPN down in London!')).toBe('inc-42-vpn-down-in-london');
  });
  it('folds accents and drops symbols and emoji', () => {
    expect(channelName('inc', 7, 'Café  Wi‑Fi 🔥 ÉCHEC')).toBe('inc-7-cafe-wi-fi-echec');
  });
  it('stays within 80 characters without a trailing dash', () => {
    const name = channelName('inc', 12345, 'a'.repeat(60) + ' ' + 'b'.repeat(60));
    expect(name.length).toBeLessThanOrEqual(80);
    expect(name.endsWith('-')).toBe(false);
    expect(name).toMatch(/^[a-z0-9-]+$/);
  });
  it('falls back to prefix and number when nothing is left of the title', () => {
    expect(channelName('inc', 3, '!!! ???')).toBe('inc-3');
  });
});

describe('who may run an incident', () => {
  const incident = { declaredBy: 'UDECL', commanderId: 'UCMDR', commsLeadId: 'UCOMM' };
  it('allows the commander, the declarer and incident managers', () => {
    expect(mayRun(incident, { id: 'UCMDR', isIncidentManager: false })).toBe(true);
    expect(mayRun(incident, { id: 'UDECL', isIncidentManager: false })).toBe(true);
    expect(mayRun(incident, { id: 'UMGR', isIncidentManager: true })).toBe(true);
  });
  it('refuses anyone else, including the comms lead for severity and status', () => {
    expect(mayRun(incident, { id: 'UOTHER', isIncidentManager: false })).toBe(false);
    expect(mayRun(incident, { id: 'UCOMM', isIncidentManager: false })).toBe(false);
  });
  it('lets the comms lead post updates', () => {
    expect(mayPostUpdate(incident, { id: 'UCOMM', isIncidentManager: false })).toBe(true);
    expect(mayPostUpdate(incident, { id: 'UOTHER', isIncidentManager: false })).toBe(false);
  });
});

describe('status moves', () => {
  it('moves freely between active statuses', () => {
    expect(decideStatusChange('investigating', 'monitoring').ok).toBe(true);
    expect(decideStatusChange('monitoring', 'investigating').ok).toBe(true);
  });
  it('closes only after resolution and never changes a closed incident', () => {
    expect(decideStatusChange('identified', 'closed').ok).toBe(false);
    expect(decideStatusChange('resolved', 'closed').ok).toBe(true);
    expect(decideStatusChange('resolved', 'investigating').ok).toBe(false);
    expect(decideStatusChange('closed', 'resolved').ok).toBe(false);
  });
  it('refuses a move to the same status', () => {
    expect(decideStatusChange('identified', 'identified').ok).toBe(false);
  });
});

describe('update cadence', () => {
  const settings = testSettings().incidents;
  it('uses the defaults: P1 30 min, P2 60 min, P3 4 h, P4 none', () => {
    expect(cadenceFor(settings, 'P1', 'investigating')).toBe(30 * MIN);
    expect(cadenceFor(settings, 'P2', 'identified')).toBe(60 * MIN);
    expect(cadenceFor(settings, 'P3', 'investigating')).toBe(240 * MIN);
    expect(cadenceFor(settings, 'P4', 'investigating')).toBeNull();
  });
  it('uses the monitoring cadence while monitoring, and none once resolved', () => {
    const s = testSettings({ incidents: { monitoring_cadence: '2h' } }).incidents;
    expect(cadenceFor(s, 'P1', 'monitoring')).toBe(120 * MIN);
    expect(cadenceFor(s, 'P1', 'resolved')).toBeNull();
  });
  it('gives a severity without timed updates none while monitoring either', () => {
    const s = testSettings({ incidents: { monitoring_cadence: '2h' } }).incidents;
    expect(cadenceFor(s, 'P4', 'monitoring')).toBeNull();
  });
  it('after a cadence change, is due one cadence after the last update but never in the past', () => {
    expect(updateDueAfterCadenceChange(30 * MIN, now - 10 * MIN, now)).toBe(now + 20 * MIN);
    expect(updateDueAfterCadenceChange(30 * MIN, now - 50 * MIN, now)).toBe(now);
    expect(updateDueAfterCadenceChange(null, now, now)).toBeNull();
  });
  it('after a cadence change, keeps a next update already promised when it comes sooner', () => {
    // P2 update at 09:55 promised the next one at 10:10; raised to P1 (30 min) at 10:00: still 10:10, not 10:25.
    expect(updateDueAfterCadenceChange(30 * MIN, now - 5 * MIN, now, now + 10 * MIN)).toBe(now + 10 * MIN);
    // P1 promised 10:20; lowered to P3 (4 h): the promise stands.
    expect(updateDueAfterCadenceChange(240 * MIN, now - 10 * MIN, now, now + 20 * MIN)).toBe(now + 20 * MIN);
    // P3 promised 13:50; raised to P1: one P1 cadence after the last update.
    expect(updateDueAfterCadenceChange(30 * MIN, now - 10 * MIN, now, now + 230 * MIN)).toBe(now + 20 * MIN);
    // The commander chose 12:00 on a P1 (30 min); lowered to P2 (1 h) at 10:00: still 12:00, not 10:50.
    expect(updateDueAfterCadenceChange(60 * MIN, now - 10 * MIN, now, now + 120 * MIN, 30 * MIN)).toBe(now + 120 * MIN);
    // Raised from P2 (1 h) to P1 (30 min) with the same promise: one P1 cadence after the last update.
    expect(updateDueAfterCadenceChange(30 * MIN, now - 10 * MIN, now, now + 120 * MIN, 60 * MIN)).toBe(now + 20 * MIN);
    // An overdue promise stays due now.
    expect(updateDueAfterCadenceChange(30 * MIN, now - 10 * MIN, now, now - 5 * MIN)).toBe(now);
  });
  it('schedules the next reminder from now, so downtime gives one catch-up', () => {
    expect(nextReminderAt(30 * MIN, now)).toBe(now + 30 * MIN);
  });
  it('judges punctuality against the due time', () => {
    expect(punctuality(now, now)).toBe(true);
    expect(punctuality(now, now + 1)).toBe(false);
    expect(punctuality(null, now)).toBeNull();
  });
});

describe('audiences', () => {
  const settings = testSettings({
    incidents: {
      stakeholder_channels: [
        { channel: 'CSTAKEHO1', severities: ['P1', 'P2'], services: ['Email'] },
        { channel: 'CALLSEV01', services: [] },
      ],
    },
  });
  it('includes the incidents channel, matching stakeholder channels and executives for bridge severities', () => {
    expect(audienceChannels(settings, 'P1', ['Email'])).toEqual(['CINCIDNT1', 'CSTAKEHO1', 'CALLSEV01', 'CEXECS001']);
  });
  it('leaves out stakeholder channels for other services or severities, and executives below P1', () => {
    expect(audienceChannels(settings, 'P2', ['Printing'])).toEqual(['CINCIDNT1', 'CALLSEV01']);
    expect(audienceChannels(settings, 'P3', ['Email'])).toEqual(['CINCIDNT1', 'CALLSEV01']);
  });
});

describe('roles, durations and action due dates', () => {
  it('reads roles people type', () => {
    expect(parseRole('commander', [])).toBe('commander');
    expect(parseRole('Comms', [])).toBe('comms_lead');
    expect(parseRole('communications lead', [])).toBe('comms_lead');
    expect(parseRole('on-call engineer', ['on-call engineer'])).toBe('on_call_engineer');
    expect(parseRole('janitor', [])).toBeUndefined();
  });
  it('measures MTTA and MTTR from declaration (and from start when known)', () => {
    const d = incidentDurations({
      declaredAt: now,
      acknowledgedAt: now + 4 * MIN,
      resolvedAt: now + 70 * MIN,
      startedAt: now - 10 * MIN,
    });
    expect(d).toEqual({ timeToAcknowledge: 4 * MIN, timeToResolve: 70 * MIN, timeToResolveFromStart: 80 * MIN });
  });
  it('puts an action due on a date at the configured time in the organisation time zone (DST aware)', () => {
    expect(new Date(dueAtOnDate('2026-07-01', '17:00', 'Europe/London')).toISOString()).toBe(
      '2026-07-01T16:00:00.000Z',
    );
    expect(new Date(dueAtOnDate('2026-01-15', '17:00', 'Europe/London')).toISOString()).toBe(
      '2026-01-15T17:00:00.000Z',
    );
  });
  it('reminds before the due date only when that is still ahead', () => {
    expect(actionReminderTimes(now + 3 * 86_400_000, 86_400_000, now)).toEqual({
      before: now + 2 * 86_400_000,
      due: now + 3 * 86_400_000,
    });
    expect(actionReminderTimes(now + 3600_000, 86_400_000, now)).toEqual({ before: null, due: now + 3600_000 });
  });
});
