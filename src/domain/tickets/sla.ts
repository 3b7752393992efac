import type { Priority, Settings } from '../../config/settings.js';
import { addWorkingTime, resolveCalendar, targetWorkingMs, workingTimeBetween, type BusinessCalendar } from '../calendar.js';

/**
 * SLA due times. One function computes them (from the policy's calendar, in its time zone, with
 * holidays), one moves them when the clock was paused, one says when the warning falls.
 */
export interface SlaTargets {
  firstResponseDue: Date;
  resolutionDue: Date;
  firstResponseMs: number;
  resolutionMs: number;
  calendar: BusinessCalendar;
}

export function calendarFor(priority: Priority, settings: Settings): BusinessCalendar {
  const policy = settings.sla.policies[priority];
  return resolveCalendar(settings.calendars[policy.calendar]!, settings.timezone);
}

export function slaTargets(priority: Priority, start: Date, settings: Settings): SlaTargets {
  const policy = settings.sla.policies[priority];
  const calendar = calendarFor(priority, settings);
  const firstResponseMs = targetWorkingMs(policy.first_response, calendar);
  const resolutionMs = targetWorkingMs(policy.resolution, calendar);
  return {
    firstResponseDue: addWorkingTime(start, firstResponseMs, calendar),
    resolutionDue: addWorkingTime(start, resolutionMs, calendar),
    firstResponseMs,
    resolutionMs,
    calendar,
  };
}

/** A due time pushed out by the working time spent waiting on the requester. */
export function extendForPause(due: Date, pausedFrom: Date, resumedAt: Date, calendar: BusinessCalendar): Date {
  const paused = workingTimeBetween(pausedFrom, resumedAt, calendar);
  return paused === 0 ? due : addWorkingTime(due, paused, calendar);
}

/** When `fraction` of the working time between start and due has elapsed. */
export function warningAt(start: Date, due: Date, fraction: number, calendar: BusinessCalendar): Date {
  const total = workingTimeBetween(start, due, calendar);
  return addWorkingTime(start, Math.round(total * fraction), calendar);
}

