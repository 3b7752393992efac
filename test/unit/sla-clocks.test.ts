import { afterEach, describe, expect, it } from 'vitest';
import { parseSettings } from '../../src/config/load.js';
import { readClock, readClocks, slaStanding, type ClockStep } from '../../src/domain/tickets/sla.js';
import {
  changePriority,
  claimTicket,
  commentOnTicket,
  holdTicket,
  reopenTicket,
  resolveTicket,
  resumeTicket,
  waitOnRequester,
} from '../../src/services/tickets/work.js';
import { ticketFigures } from '../../db/queries/reports.js';
import { fileTicket } from '../../src/services/tickets/file.js';
import { declareIncident } from '../../src/services/incidents/declare.js';
import { findTicket } from '../../db/queries/tickets.js';
import { triageMessage } from '../../views/tickets/messages.js';
import { homeView } from '../../views/reports/home.js';
import { homeData } from '../../src/services/reports/index.js';
import { openDesk, ticketInput, type Desk } from '../support/desk.js';

/**
 * The numbered cases of the SLA bookkeeping, each with its exact expected outcome, through the real
 * use cases (London, the shipped defaults: P1 15 min / 4 h round the clock, P2 1 h / 8 h, P3 4 h /
 * 3 business days, P4 1 / 5 business days, Mon–Fri 09:00–17:00).
 */
const LONDON = {
  timezone: 'Europe/London',
  roles: { agents: ['UAGENT1', 'UAGENT2'] },
  channels: { triage: 'CTRIAGE1' },
};
const agent = { id: 'UAGENT1', isAgent: true, source: 'button' as const };
const requester = { id: 'UREQ1', name: 'rita' };
const requesterActor = { id: 'UREQ1', isAgent: false, source: 'button' as const };
const at = (iso: string) => Date.parse(iso);
const iso = (ms: number) => new Date(ms).toISOString();

let desk: Desk | undefined;
afterEach(() => desk?.close());

async function file(d: Desk, priority: 'P1' | 'P2' | 'P3' | 'P4') {
  const r = await fileTicket(d.ctx, requester, ticketInput(priority), { kind: 'command' });
  if (!r.ok) throw new Error(r.message);
  return r.value.id;
}

async function step<T>(d: Desk, when: string, action: () => Promise<{ ok: boolean; message?: string } & T>) {
  await d.runUntil(at(when));
  const r = await action();
  if (!r.ok) throw new Error(r.message);
  return r;
}

describe('SLA clocks through the use cases (regression cases of #14)', () => {
  it('case 2a: P3 waiting over the weekend, raised to P1, resolved Monday 13:00 is met (3 h of 4 h used)', async () => {
    const d = (desk = await openDesk(LONDON, '2026-11-20T10:00:00Z')); // Friday, GMT
    const id = await file(d, 'P3');
    await step(d, '2026-11-20T10:30:00Z', () => waitOnRequester(d.ctx, id, 'Which room are you in?', agent));
    await step(d, '2026-11-23T10:30:00Z', () => commentOnTicket(d.ctx, id, 'here you go', requesterActor));
    const raised = await step(d, '2026-11-23T10:31:00Z', () => changePriority(d.ctx, id, 'P1', agent));
    // 30 min Friday + 1 min Monday on the 24×7 calendar: 3 h 29 min left from 10:31.
    expect(iso((raised as any).value.resolution_due_at)).toBe('2026-11-23T14:00:00.000Z');
    await step(d, '2026-11-23T13:00:00Z', () => resolveTicket(d.ctx, id, { note: 'fixed', code: 'fixed' }, agent));
    const t = (await findTicket(d.db, id))!;
    expect(t.resolution_breached).toBe(0);
    expect(iso(t.resolution_due_at)).toBe('2026-11-23T14:00:00.000Z');
  });

  it('case 2b: P1 waiting over the weekend, lowered to P2, resolved Tuesday 12:00 is breached (due Monday 16:55)', async () => {
    const d = (desk = await openDesk(LONDON, '2026-11-20T16:00:00Z'));
    const id = await file(d, 'P1');
    await step(d, '2026-11-20T16:05:00Z', () => waitOnRequester(d.ctx, id, 'Which room are you in?', agent));
    await step(d, '2026-11-23T09:00:00Z', () => commentOnTicket(d.ctx, id, 'back', requesterActor));
    const lowered = await step(d, '2026-11-23T09:30:00Z', () => changePriority(d.ctx, id, 'P2', agent));
    // On the business calendar: 5 min Friday, then from Monday 09:00: 8 h reached at 16:55.
    expect(iso((lowered as any).value.resolution_due_at)).toBe('2026-11-23T16:55:00.000Z');
    await step(d, '2026-11-24T12:00:00Z', () => resolveTicket(d.ctx, id, { note: 'fixed', code: 'fixed' }, agent));
    const t = (await findTicket(d.db, id))!;
    expect(t.resolution_breached).toBe(1);
    expect(iso(t.resolution_due_at)).toBe('2026-11-23T16:55:00.000Z');
    // The breach reminder fired at the new due time, not at the old one.
    const breach = await d.db
      .selectFrom('ticket_events')
      .select(['at', 'kind', 'body'])
      .where('ticket_id', '=', id)
      .where('kind', '=', 'sla_breach')
      .execute();
    expect(breach.map((b) => [iso(b.at), b.body])).toEqual([['2026-11-23T16:55:00.000Z', 'resolution SLA breached']]);
  });

  it('case 3: the first-response clock stops at the first response; later waits never move it', async () => {
    const d = (desk = await openDesk(LONDON, '2026-11-23T09:00:00Z'));
    const a = await file(d, 'P2');
    const b = await file(d, 'P2');
    await step(d, '2026-11-23T09:50:00Z', () => claimTicket(d.ctx, a, agent));
    await step(d, '2026-11-23T09:50:00Z', () => claimTicket(d.ctx, b, agent));
    await step(d, '2026-11-23T11:00:00Z', () => waitOnRequester(d.ctx, a, 'Which room are you in?', agent));
    await step(d, '2026-11-24T15:00:00Z', () => commentOnTicket(d.ctx, a, 'ok', requesterActor));
    const [ta, tb] = [(await findTicket(d.db, a))!, (await findTicket(d.db, b))!];
    expect(ta.first_response_due_at).toBe(tb.first_response_due_at);
    expect(iso(ta.first_response_due_at)).toBe('2026-11-23T10:00:00.000Z');
    expect([ta.first_response_breached, tb.first_response_breached]).toEqual([0, 0]);
    // The resolution clock did move by the wait (Mon 11:00 → Tue 15:00 = 12 working hours).
    expect(iso(ta.resolution_due_at)).toBe('2026-11-25T13:00:00.000Z');
    expect(iso(tb.resolution_due_at)).toBe('2026-11-23T17:00:00.000Z');
  });

  it('case 4: 24h on a business calendar is 24 working hours (three business days), not 8', async () => {
    const d = (desk = await openDesk(
      { ...LONDON, sla: { policies: { P4: { first_response: '24h', resolution: '25h', calendar: 'business' } } } },
      '2026-11-23T09:00:00Z',
    ));
    const id = await file(d, 'P4');
    const t = (await findTicket(d.db, id))!;
    expect(iso(t.first_response_due_at)).toBe('2026-11-25T17:00:00.000Z');
    expect(iso(t.resolution_due_at)).toBe('2026-11-26T10:00:00.000Z');
  });

  it('case 6: escalating a ticket to an incident is its first response: no first-response breach follows', async () => {
    const d = (desk = await openDesk(LONDON, '2026-11-23T09:00:00Z'));
    const id = await file(d, 'P2');
    await d.runUntil(at('2026-11-23T09:20:00Z'));
    const declared = await declareIncident(d.ctx, {
      title: 'Printers down',
      severity: 'P2',
      actor: { id: 'UAGENT1' },
      linkedTicketId: id,
      declarerIsAgent: true,
    });
    expect(declared.ok).toBe(true);
    await d.runUntil(at('2026-11-23T12:00:00Z'));
    const t = (await findTicket(d.db, id))!;
    expect(iso(t.first_response_at!)).toBe('2026-11-23T09:20:00.000Z');
    expect(t.first_response_breached).toBe(0);
    const kinds = (await d.db.selectFrom('ticket_events').select('kind').where('ticket_id', '=', id).execute()).map(
      (e) => e.kind,
    );
    expect(kinds).not.toContain('sla_breach');
    expect(kinds).toContain('incident_linked');
  });

  it('case 7: a ticket that breached and was then claimed reads "breached" on the triage post, never "met"', async () => {
    const d = (desk = await openDesk(LONDON, '2026-11-23T09:00:00Z'));
    const id = await file(d, 'P2');
    await step(d, '2026-11-23T10:30:00Z', () => claimTicket(d.ctx, id, agent));
    const t = (await findTicket(d.db, id))!;
    expect(t.first_response_breached).toBe(1);
    const post = JSON.stringify(triageMessage(t).blocks);
    expect(post).not.toMatch(/First response\*\\n met/);
    expect(post).toMatch(/First response\*\\n:rotating_light: breached: responded/);
    // And the breach is an SLA event, not an escalation: first-contact resolution is still possible.
    expect(t.escalated_at).toBeNull();
  });

  it('pause reasons: waiting on a vendor pauses; a reason configured not to pause keeps the clock running', async () => {
    const d = (desk = await openDesk(LONDON, '2026-11-23T09:00:00Z'));
    const vendor = await file(d, 'P2');
    const team = await file(d, 'P2');
    await step(d, '2026-11-23T09:10:00Z', () => claimTicket(d.ctx, vendor, agent));
    await step(d, '2026-11-23T09:10:00Z', () => claimTicket(d.ctx, team, agent));
    await step(d, '2026-11-23T10:00:00Z', () => holdTicket(d.ctx, vendor, 'waiting_on_vendor', agent));
    await step(d, '2026-11-23T10:00:00Z', () => holdTicket(d.ctx, team, 'waiting_on_other_team', agent));
    const held = (await findTicket(d.db, vendor))!;
    expect(held.hold_reason).toBe('waiting_on_vendor');
    expect(held.paused_since).toBe(at('2026-11-23T10:00:00Z'));
    expect(JSON.stringify(triageMessage(held, { holdLabel: 'Waiting on a vendor (SLA paused)' }).blocks)).toContain(
      'On hold: Waiting on a vendor (SLA paused)',
    );
    // A requester's comment does not end a vendor hold.
    await step(d, '2026-11-23T11:00:00Z', () => commentOnTicket(d.ctx, vendor, 'any news?', requesterActor));
    expect((await findTicket(d.db, vendor))!.hold_reason).toBe('waiting_on_vendor');
    await step(d, '2026-11-24T10:00:00Z', () => resumeTicket(d.ctx, vendor, agent));
    const [v, o] = [(await findTicket(d.db, vendor))!, (await findTicket(d.db, team))!];
    // Vendor: 1 h used before the hold, 8 working hours on hold; due 7 h after Tue 10:00.
    expect(iso(v.resolution_due_at)).toBe('2026-11-24T17:00:00.000Z');
    // Other team: the clock ran; due Mon 17:00 and breached by Tuesday.
    expect(iso(o.resolution_due_at)).toBe('2026-11-23T17:00:00.000Z');
    expect(o.resolution_breached).toBe(1);
    expect(await holdTicket(d.ctx, vendor, 'waiting_on_aliens', agent)).toMatchObject({ ok: false });
  });
});

describe('the SLA warning: one reading for the reminder and App Home', () => {
  const agentHome = async (d: Desk) =>
    JSON.stringify(
      homeView(
        await homeData(d.ctx, 'UAGENT1', { agent: true, commander: false, approverTypes: [] }, async () => new Map()),
      ).blocks,
    );

  it('a P3 filed Friday 16:00 warns Monday 11:00 (3 of its 4 working hours), not on Sunday evening (75% of the wall-clock time)', async () => {
    const d = (desk = await openDesk(LONDON, '2026-11-20T16:00:00Z'));
    const id = await file(d, 'P3');
    const warning = await d.db
      .selectFrom('due_items')
      .select('due_at')
      .where('record_id', '=', id)
      .where('dedupe_key', 'like', 'ticket.sla.response:%:warn-%')
      .executeTakeFirstOrThrow();
    expect(iso(Number(warning.due_at))).toBe('2026-11-23T11:00:00.000Z');
    // Sunday 20:00: one working hour used; 52 of the 68 wall-clock hours to the due time have passed.
    await d.runUntil(at('2026-11-22T20:00:00Z'));
    expect(await agentHome(d)).toContain(':large_green_circle: *IT-1*');
    await d.runUntil(at('2026-11-23T10:59:00Z'));
    expect(await agentHome(d)).toContain(':large_green_circle: *IT-1*');
    await d.runUntil(at('2026-11-23T11:00:00Z'));
    expect(await agentHome(d)).toContain(':large_yellow_circle: *IT-1*');
  });

  it('a clock paused on a vendor hold shows paused on App Home; once due it shows breached', async () => {
    const d = (desk = await openDesk(LONDON, '2026-11-23T09:00:00Z'));
    const id = await file(d, 'P2');
    await step(d, '2026-11-23T09:10:00Z', () => claimTicket(d.ctx, id, agent));
    await step(d, '2026-11-23T10:00:00Z', () => holdTicket(d.ctx, id, 'waiting_on_vendor', agent));
    expect(await agentHome(d)).toContain(':double_vertical_bar: *IT-1*');
    await step(d, '2026-11-24T10:00:00Z', () => resumeTicket(d.ctx, id, agent));
    await d.runUntil(at('2026-11-24T17:00:00Z'));
    expect(await agentHome(d)).toContain(':red_circle: *IT-1*');
  });
});

describe('figures from the history (regression cases of #14)', () => {
  it('case 1: a ticket that breached and was then resolved by its first agent counts as first-contact resolution', async () => {
    const d = (desk = await openDesk(LONDON, '2026-11-23T09:00:00Z'));
    const id = await file(d, 'P2');
    await step(d, '2026-11-23T11:00:00Z', () => claimTicket(d.ctx, id, agent));
    await step(d, '2026-11-23T18:00:00Z', () => resolveTicket(d.ctx, id, { note: 'ok', code: 'fixed' }, agent));
    const t = (await findTicket(d.db, id))!;
    expect([t.first_response_breached, t.resolution_breached, t.escalated_at]).toEqual([1, 1, null]);
    const week = {
      start: at('2026-11-23T00:00:00Z'),
      end: at('2026-11-30T00:00:00Z'),
      asOf: at('2026-11-30T00:00:00Z'),
    };
    await d.runUntil(week.end);
    expect((await ticketFigures(d.db, week)).firstContact).toEqual({ num: 1, den: 1 });
  });

  it('case 5: the backlog at a past instant and a past week stay as they were after a later reopen', async () => {
    const d = (desk = await openDesk(LONDON, '2026-11-23T09:00:00Z'));
    const id = await file(d, 'P3');
    await step(d, '2026-11-25T10:00:00Z', () => resolveTicket(d.ctx, id, { note: 'ok', code: 'fixed' }, agent));
    const thursday = {
      start: at('2026-11-26T00:00:00Z'),
      end: at('2026-11-26T12:00:00Z'),
      asOf: at('2026-11-26T12:00:00Z'),
    };
    const week = {
      start: at('2026-11-23T00:00:00Z'),
      end: at('2026-11-30T00:00:00Z'),
      asOf: at('2026-11-30T00:00:00Z'),
    };
    await d.runUntil(week.end);
    const before = await ticketFigures(d.db, week);
    expect(before.resolved).toBe(1);
    await step(d, '2026-11-30T09:00:00Z', () => reopenTicket(d.ctx, id, requesterActor));
    expect((await ticketFigures(d.db, thursday)).backlog.total).toBe(0);
    expect(await ticketFigures(d.db, week)).toEqual(before);
    // Now, after the reopen, it is in the backlog again.
    const monday = {
      start: at('2026-11-30T00:00:00Z'),
      end: at('2026-11-30T12:00:00Z'),
      asOf: at('2026-11-30T12:00:00Z'),
    };
    expect((await ticketFigures(d.db, monday)).backlog.total).toBe(1);
  });
});

describe('readClock (pure)', () => {
  const settings = (() => {
    const p = parseSettings({ timezone: 'Europe/London' });
    if (!p.ok) throw new Error('settings');
    return p.value;
  })();
  const s = (when: string, over: Partial<ClockStep>): ClockStep => ({
    at: at(when),
    priority: 'P2',
    open: true,
    paused: false,
    responded: false,
    cancelled: false,
    ...over,
  });

  it("slaStanding: the next target, warning from the reading's warnAt, paused on a pausing hold, breached once due", () => {
    // P2 filed Monday 09:00: first response 1 working hour (warn 09:45, due 10:00), resolution 8 (warn 15:00, due 17:00).
    const filed = [s('2026-11-23T09:00:00Z', {})];
    const standing = (steps: ClockStep[], when: string) => slaStanding(readClocks(steps, at(when), settings), at(when));
    expect(standing(filed, '2026-11-23T09:44:00Z')).toEqual({
      target: 'first_response',
      state: 'ok',
      dueAt: at('2026-11-23T10:00:00Z'),
    });
    expect(standing(filed, '2026-11-23T09:45:00Z').state).toBe('warning');
    expect(standing(filed, '2026-11-23T10:00:00Z').state).toBe('breached');
    const responded = [...filed, s('2026-11-23T09:30:00Z', { responded: true })];
    expect(standing(responded, '2026-11-23T14:59:00Z')).toEqual({
      target: 'resolution',
      state: 'ok',
      dueAt: at('2026-11-23T17:00:00Z'),
    });
    expect(standing(responded, '2026-11-23T15:00:00Z').state).toBe('warning');
    // On a pausing hold from 10:00: one working hour used, the rest waits.
    const held = [...responded, s('2026-11-23T10:00:00Z', { responded: true, paused: true })];
    expect(standing(held, '2026-11-24T16:00:00Z')).toMatchObject({ target: 'resolution', state: 'paused' });
  });

  it('reads the past as it was: a reading at T ignores what happened after T', () => {
    const steps = [
      s('2026-11-23T09:00:00Z', {}),
      s('2026-11-23T09:30:00Z', { responded: true }),
      s('2026-11-23T12:00:00Z', { priority: 'P1', responded: true }),
    ];
    expect(readClock(steps, 'resolution', at('2026-11-23T11:00:00Z'), settings)).toMatchObject({
      priority: 'P2',
      state: 'running',
      breached: false,
    });
    expect(readClock(steps, 'resolution', at('2026-11-23T13:30:00Z'), settings)).toMatchObject({
      priority: 'P1',
      state: 'running',
      breached: true,
    });
    // The first-response clock stopped at 09:30 on P2 and keeps that outcome after the change.
    expect(readClock(steps, 'first_response', at('2026-11-23T13:30:00Z'), settings)).toMatchObject({
      priority: 'P2',
      state: 'met',
      breached: false,
    });
  });

  it('a clock stopped out of hours after its due time is breached, consistently with the running reading', () => {
    const steps = [s('2026-11-23T16:00:00Z', {}), s('2026-11-23T18:00:00Z', { responded: true })];
    expect(readClock(steps, 'first_response', at('2026-11-23T17:30:00Z'), settings)).toMatchObject({
      state: 'running',
      breached: true,
    });
    expect(readClock(steps, 'first_response', at('2026-11-23T18:00:00Z'), settings)).toMatchObject({
      state: 'breached',
      breached: true,
    });
  });

  it('cancelled before a response: the first-response clock is cancelled, not breached', () => {
    const steps = [s('2026-11-23T09:00:00Z', {}), s('2026-11-24T09:00:00Z', { open: false, cancelled: true })];
    expect(readClock(steps, 'first_response', at('2026-11-25T09:00:00Z'), settings)).toMatchObject({
      state: 'cancelled',
      breached: false,
    });
  });
});
