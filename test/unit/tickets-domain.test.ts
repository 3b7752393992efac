import { describe, expect, it } from 'vitest';
import { parseSettings } from '../../src/config/load.js';
import type { Settings } from '../../src/config/settings.js';
import { decide, countsAsFirstResponse, type TicketFacts } from '../../src/domain/tickets/lifecycle.js';
import { priorityOf } from '../../src/domain/tickets/priority.js';
import { filingStep, readClock, readClocks } from '../../src/domain/tickets/sla.js';

const settings = (() => {
  const parsed = parseSettings({ timezone: 'Europe/London' });
  if (!parsed.ok) throw new Error(parsed.problems.join());
  return parsed.value as Settings;
})();
const now = new Date('2026-11-23T10:00:00Z');
const DAY = 86_400_000;
const ticket = (over: Partial<TicketFacts> = {}): TicketFacts => ({
  status: 'new',
  requesterId: 'UREQ',
  assigneeId: null,
  resolvedAt: null,
  csatScore: null,
  ...over,
});
const agent = { id: 'UAGENT', isAgent: true };
const requester = { id: 'UREQ', isAgent: false };
const stranger = { id: 'UOTHER', isAgent: false };

describe('priority matrix', () => {
  it('folds impact × urgency to P1–P4 as ITIL does', () => {
    expect(priorityOf('high', 'high')).toBe('P1');
    expect(priorityOf('high', 'medium')).toBe('P2');
    expect(priorityOf('medium', 'high')).toBe('P2');
    expect(priorityOf('high', 'low')).toBe('P3');
    expect(priorityOf('medium', 'medium')).toBe('P3');
    expect(priorityOf('low', 'high')).toBe('P3');
    expect(priorityOf('medium', 'low')).toBe('P4');
    expect(priorityOf('low', 'low')).toBe('P4');
  });
});

describe('ticket lifecycle', () => {
  it('lets only agents work a ticket', () => {
    for (const action of ['claim', 'assign', 'change_priority', 'wait_on_requester', 'resolve', 'escalate'] as const) {
      expect(decide(action, ticket(), requester, now, DAY).ok).toBe(false);
      expect(decide(action, ticket(), agent, now, DAY).ok).toBe(true);
    }
  });

  it('moves through the ITIL states', () => {
    expect(decide('claim', ticket(), agent, now, DAY)).toEqual({ ok: true, next: 'in_progress' });
    expect(decide('wait_on_requester', ticket({ status: 'in_progress' }), agent, now, DAY)).toEqual({
      ok: true,
      next: 'waiting_on_requester',
    });
    expect(decide('comment', ticket({ status: 'waiting_on_requester' }), requester, now, DAY)).toEqual({
      ok: true,
      next: 'in_progress',
    });
    expect(decide('comment', ticket({ status: 'waiting_on_requester' }), agent, now, DAY)).toEqual({
      ok: true,
      next: 'waiting_on_requester',
    });
    expect(decide('resolve', ticket({ status: 'in_progress' }), agent, now, DAY)).toEqual({
      ok: true,
      next: 'resolved',
    });
    expect(decide('close', ticket({ status: 'resolved' }), agent, now, DAY)).toEqual({ ok: true, next: 'closed' });
  });

  it('closes only a resolved ticket: the quiet-period job (closeResolved) leaves a reopened, closed or cancelled one alone', () => {
    const switchboard = { id: 'switchboard', isAgent: false };
    expect(decide('close', ticket({ status: 'resolved' }), switchboard, now, DAY)).toEqual({
      ok: true,
      next: 'closed',
    });
    for (const status of ['in_progress', 'closed', 'cancelled'] as const) {
      expect(decide('close', ticket({ status }), switchboard, now, DAY)).toEqual({
        ok: false,
        reason: 'Only resolved tickets close.',
      });
    }
  });

  it('refuses stale actions on finished tickets', () => {
    for (const status of ['resolved', 'closed', 'cancelled'] as const) {
      expect(decide('claim', ticket({ status }), agent, now, DAY).ok).toBe(false);
      expect(decide('resolve', ticket({ status }), agent, now, DAY).ok).toBe(false);
    }
    expect(decide('claim', ticket({ assigneeId: 'UAGENT', status: 'in_progress' }), agent, now, DAY)).toEqual({
      ok: false,
      reason: 'You already have this ticket.',
    });
  });

  it('reopens only within the window, by the requester or an agent', () => {
    const resolved = ticket({ status: 'resolved', resolvedAt: new Date(now.getTime() - DAY + 1) });
    expect(decide('reopen', resolved, requester, now, DAY).ok).toBe(true);
    expect(decide('reopen', resolved, stranger, now, DAY).ok).toBe(false);
    expect(
      decide(
        'reopen',
        ticket({ status: 'resolved', resolvedAt: new Date(now.getTime() - DAY - 1) }),
        requester,
        now,
        DAY,
      ).ok,
    ).toBe(false);
    expect(decide('reopen', ticket({ status: 'closed' }), requester, now, DAY).ok).toBe(false);
  });

  it('takes one CSAT rating from the requester after resolution', () => {
    expect(decide('rate', ticket({ status: 'resolved' }), requester, now, DAY).ok).toBe(true);
    expect(decide('rate', ticket({ status: 'resolved' }), agent, now, DAY).ok).toBe(false);
    expect(decide('rate', ticket({ status: 'in_progress' }), requester, now, DAY).ok).toBe(false);
    expect(decide('rate', ticket({ status: 'resolved', csatScore: 4 }), requester, now, DAY).ok).toBe(false);
  });

  it('lets only the requester cancel, and only while open', () => {
    expect(decide('cancel', ticket(), requester, now, DAY)).toEqual({ ok: true, next: 'cancelled' });
    expect(decide('cancel', ticket(), agent, now, DAY).ok).toBe(false);
    expect(decide('cancel', ticket({ status: 'resolved' }), requester, now, DAY).ok).toBe(false);
  });

  it('counts the first public agent action as first response', () => {
    expect(countsAsFirstResponse('claim', agent)).toBe(true);
    expect(countsAsFirstResponse('comment', agent)).toBe(true);
    expect(countsAsFirstResponse('comment', requester)).toBe(false);
    expect(countsAsFirstResponse('change_priority', agent)).toBe(false);
  });
});

describe('SLA due times', () => {
  // Due times at filing, as createTicket reads them.
  const filed = (priority: 'P1' | 'P3' | 'P4', iso: string) => {
    const c = readClocks([filingStep(priority, new Date(iso))], Date.parse(iso), settings);
    return { firstResponseDue: new Date(c.firstResponse.dueAt), resolutionDue: new Date(c.resolution.dueAt) };
  };

  it('runs P1 round the clock: 15 minutes and 4 hours, even on a Saturday night', () => {
    const t = filed('P1', '2026-11-21T23:00:00Z');
    expect(t.firstResponseDue.toISOString()).toBe('2026-11-21T23:15:00.000Z');
    expect(t.resolutionDue.toISOString()).toBe('2026-11-22T03:00:00.000Z');
  });

  it('counts P3 resolution as three business days on the business calendar', () => {
    // Filed Friday 16:00 London: 1 h Friday, then Mon, Tue, Wed 8 h each = 24 h → due Wednesday 16:00.
    const t = filed('P3', '2026-11-20T16:00:00Z');
    expect(t.firstResponseDue.toISOString()).toBe('2026-11-23T12:00:00.000Z');
    expect(t.resolutionDue.toISOString()).toBe('2026-11-25T16:00:00.000Z');
  });

  it('gives P4 one business day to first response', () => {
    const t = filed('P4', '2026-11-23T09:00:00Z');
    expect(t.firstResponseDue.toISOString()).toBe('2026-11-23T17:00:00.000Z');
  });

  it('warns at 75% of the working time', () => {
    const at = Date.parse('2026-11-23T16:00:00Z');
    const r = readClock(
      [{ at, priority: 'P2', open: true, paused: false, responded: false, cancelled: false }],
      'first_response',
      at,
      settings,
    );
    expect(new Date(r.dueAt).toISOString()).toBe('2026-11-23T17:00:00.000Z');
    expect(new Date(r.warnAt).toISOString()).toBe('2026-11-23T16:45:00.000Z');
  });
});
