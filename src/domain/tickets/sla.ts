import type { Settings } from '../../config/settings.js';
import type { Priority } from './priority.js';
import {
  addWorkingTime,
  resolveCalendar,
  targetWorkingMs,
  workingTimeBetween,
  type BusinessCalendar,
} from '../calendar.js';

/**
 * SLA clocks, as ITIL and ServiceNow run them. A ticket has two clocks, first response and
 * resolution; each accumulates working time while it runs and is breached once its elapsed working
 * time reaches its target. Pure: the history and the instant are passed in.
 *
 * - The first-response clock runs from filing while the ticket is open, not on a pausing hold and
 *   not yet responded to; it stops for good at the first response. Later pauses never move it.
 * - The resolution clock runs while the ticket is open and not on a pausing hold; it stops when the
 *   ticket is resolved (or cancelled), and runs on again if the ticket is reopened.
 * - Priority change (ServiceNow's retroactive rule): a clock that has not stopped takes the new
 *   priority's target and calendar, and its elapsed time is recomputed from the ticket's history,
 *   from filing, on the new calendar. A stopped clock keeps the outcome it stopped with.
 *
 * Due time = the instant the elapsed time reaches the target, under the priority in force; met =
 * stopped no later than that; breached = the due time came while the clock had not stopped.
 */
export type SlaClockName = 'first_response' | 'resolution';

export function calendarFor(priority: Priority, settings: Settings): BusinessCalendar {
  const policy = settings.sla.policies[priority];
  return resolveCalendar(settings.calendars[policy.calendar]!, settings.timezone);
}

/** The target of a clock at a priority, as working milliseconds on that priority's calendar. */
function targetMs(priority: Priority, clock: SlaClockName, settings: Settings): number {
  const policy = settings.sla.policies[priority];
  return targetWorkingMs(
    clock === 'first_response' ? policy.first_response : policy.resolution,
    calendarFor(priority, settings),
  );
}

/**
 * A ticket's state from `at` until the next entry: what the clocks need to know. `open` = new, in
 * progress or waiting (not resolved, closed or cancelled); `paused` = on a hold whose reason pauses
 * the clock; `responded` = the first response has happened (at or before `at`).
 */
export interface ClockStep {
  at: number;
  priority: Priority;
  open: boolean;
  paused: boolean;
  responded: boolean;
  cancelled: boolean;
}

export type ClockState = 'running' | 'paused' | 'met' | 'breached' | 'cancelled';

export interface ClockReading {
  /** running / paused (not stopped; breach is then `dueAt <= at`), met or breached (stopped), cancelled (stopped before it could be met). */
  state: ClockState;
  /** Whether the clock is breached at the instant read (stopped late, or its due time has come). */
  breached: boolean;
  /** Priority whose target and calendar the clock is measured on. */
  priority: Priority;
  targetMs: number;
  elapsedMs: number;
  /** When the elapsed time reaches (or reached) the target, if it runs on from now without pausing. */
  dueAt: number;
  /** When the elapsed time reaches (or reached) `sla.warn_at` of the target, likewise. */
  warnAt: number;
  /** When the clock stopped, for met / breached / cancelled. */
  stoppedAt: number | null;
}

/**
 * Reads one clock at instant `at` from the ticket's steps (sorted by time, the first at filing). Only
 * steps at or before `at` count, so a reading at a past instant is what was true then.
 */
export function readClock(
  steps: readonly ClockStep[],
  clock: SlaClockName,
  at: number,
  settings: Settings,
): ClockReading {
  const known = steps.filter((s) => s.at <= at);
  if (known.length === 0) throw new Error('readClock: no history at that instant');
  const runs = (s: ClockStep) => s.open && !s.paused && (clock === 'resolution' || !s.responded);
  const stops = (s: ClockStep) => (clock === 'first_response' ? s.responded || !s.open : !s.open);
  // The first-response clock stops for good at the first stopping step; resolution at the last one
  // of a run of closed steps (a reopen starts it again).
  let stopIndex = -1;
  if (clock === 'first_response') stopIndex = known.findIndex(stops);
  else if (stops(known[known.length - 1]!)) {
    stopIndex = known.length - 1;
    while (stopIndex > 0 && stops(known[stopIndex - 1]!)) stopIndex -= 1;
  }
  const stop = stopIndex >= 0 ? known[stopIndex]! : undefined;
  const priority = (stop ?? known[known.length - 1]!).priority;
  const calendar = calendarFor(priority, settings);
  const target = targetMs(priority, clock, settings);
  const until = stop ? stop.at : at;

  // Walk the running stretches: elapsed working time, and the instants it reaches the warning point
  // and the target.
  const warnPoint = Math.round(target * settings.sla.warn_at);
  let elapsed = 0;
  let dueAt: number | undefined;
  let warnAt: number | undefined;
  const considered = stop ? known.slice(0, stopIndex) : known;
  for (let i = 0; i < considered.length; i++) {
    const s = considered[i]!;
    if (!runs(s)) continue;
    const last = i + 1 === considered.length;
    const next = last ? (stop ? stop.at : Infinity) : considered[i + 1]!.at;
    if (warnAt === undefined) {
      const warn = addWorkingTime(new Date(s.at), warnPoint - elapsed, calendar).getTime();
      if (warn <= next) warnAt = warn;
    }
    if (dueAt === undefined) {
      const due = addWorkingTime(new Date(s.at), target - elapsed, calendar).getTime();
      if (due <= next) dueAt = due;
    }
    elapsed += workingTimeBetween(new Date(s.at), new Date(Math.min(next, until)), calendar);
  }
  const crossed = dueAt !== undefined && dueAt <= until;
  const running = !stop && runs(considered[considered.length - 1]!);
  // Not reached yet and not running: due if the clock ran on from `until` without pausing.
  if (dueAt === undefined) dueAt = addWorkingTime(new Date(until), Math.max(0, target - elapsed), calendar).getTime();
  if (warnAt === undefined)
    warnAt = addWorkingTime(new Date(until), Math.max(0, warnPoint - elapsed), calendar).getTime();

  if (stop) {
    if (stop.cancelled && (clock === 'resolution' || !stop.responded)) {
      return {
        state: 'cancelled',
        breached: false,
        priority,
        targetMs: target,
        elapsedMs: elapsed,
        dueAt,
        warnAt,
        stoppedAt: stop.at,
      };
    }
    const late = crossed && dueAt < stop.at;
    return {
      state: late ? 'breached' : 'met',
      breached: late,
      priority,
      targetMs: target,
      elapsedMs: elapsed,
      dueAt,
      warnAt,
      stoppedAt: stop.at,
    };
  }
  return {
    state: running ? 'running' : 'paused',
    breached: crossed,
    priority,
    targetMs: target,
    elapsedMs: elapsed,
    dueAt,
    warnAt,
    stoppedAt: null,
  };
}

/** The first step of a ticket's history: filed, open, running. */
export function filingStep(priority: Priority, at: Date): ClockStep {
  return { at: at.getTime(), priority, open: true, paused: false, responded: false, cancelled: false };
}

export interface Clocks {
  firstResponse: ClockReading;
  resolution: ClockReading;
}

export function readClocks(steps: readonly ClockStep[], at: number, settings: Settings): Clocks {
  return {
    firstResponse: readClock(steps, 'first_response', at, settings),
    resolution: readClock(steps, 'resolution', at, settings),
  };
}

/** Where an open ticket stands against its next target (App Home's queue). */
export interface SlaStanding {
  target: SlaClockName;
  state: 'paused' | 'ok' | 'warning' | 'breached';
  dueAt: number;
}

/**
 * The next target is first response until that clock stops, then resolution. Warning from the
 * reading's `warnAt` (`sla.warn_at` of the target in working time), the instant the warning reminder
 * is due, so App Home turns amber when the reminder goes out.
 */
export function slaStanding(clocks: Clocks, at: number): SlaStanding {
  const target: SlaClockName = clocks.firstResponse.stoppedAt === null ? 'first_response' : 'resolution';
  const reading = target === 'first_response' ? clocks.firstResponse : clocks.resolution;
  const state = reading.breached
    ? 'breached'
    : reading.state === 'paused'
      ? 'paused'
      : at >= reading.warnAt
        ? 'warning'
        : 'ok';
  return { target, state, dueAt: reading.dueAt };
}
