import type { DueHandler } from '../services/context.js';
import type { JobDefinition } from './scheduler.js';
import type { ServiceContext } from '../services/context.js';
import type { Directory } from '../slack/directory.js';
import { ticketDueHandlers } from '../services/tickets/jobs.js';
import type { WebClient } from '@slack/web-api';
import { reportJobs } from './reports.js';
import { changeDueHandlers } from '../services/changes/reminders.js';
import { incidentDueHandlers } from '../services/incidents/index.js';

/** Everything that reacts to a due time, by due-item kind; each area adds its handlers here. */
export function dueHandlers(ctx: ServiceContext, _directory: Directory): Record<string, DueHandler> {
  return {
    ...ticketDueHandlers(ctx),
    ...changeDueHandlers(ctx),
    ...incidentDueHandlers(ctx),
  };
}

/** Calendar-driven jobs other than the due sweep (weekly reports, housekeeping). */
export function calendarJobs(ctx: ServiceContext, _directory: Directory, client: WebClient): JobDefinition[] {
  return [...reportJobs(ctx, client)];
}
