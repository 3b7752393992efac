import { z } from 'zod';
import cron from 'node-cron';
import { durationMs, workingDuration, type WorkingDuration } from './duration.js';
import { PRIORITIES, type Priority } from '../domain/tickets/priority.js';

/**
 * Operational settings from the YAML file named by ITOPS_CONFIG. Every field has a default, so the app
 * starts without a file. Keys are snake_case in YAML and in code alike: one spelling to grep for.
 * config.example.yml documents each field.
 */

const userOrGroup = z.string().regex(/^[UWS][A-Z0-9]{2,}$/, 'must be a Slack user ID (U… or W…) or user-group ID (S…)');
const channelId = z.string().regex(/^[CGD][A-Z0-9]{2,}$/, 'must be a Slack channel ID (C… or G…), not a #name');
const timeZone = z.string().refine(isTimeZone, { message: 'must be an IANA time zone such as Europe/London' });
const cronExpression = z
  .string()
  .refine((expr) => cron.validate(expr), { message: 'must be a cron expression (5 fields, or 6 with seconds first)' });
const clockTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a time of day as HH:mm');
const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date as YYYY-MM-DD');
const isoDateTime = z.string().refine((s) => !Number.isNaN(Date.parse(s)) && /\d{4}-\d{2}-\d{2}T/.test(s), {
  message: 'must be a date-time such as 2026-12-20T18:00:00Z',
});

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;

const calendarSchema = z.strictObject({
  /** Round the clock: SLA time runs every minute of every day. */
  always: z.boolean().default(false),
  timezone: timeZone.optional(),
  days: z.array(z.enum(WEEKDAYS)).min(1).default(['mon', 'tue', 'wed', 'thu', 'fri']),
  start: clockTime.default('09:00'),
  end: clockTime.default('17:00'),
  holidays: z.array(isoDate).default([]),
});
export type CalendarSettings = z.infer<typeof calendarSchema>;

/** Targets are working time as written on the policy's calendar: `24h` = 24 working hours, `3d` = 3 business days. */
const slaPolicy = z.strictObject({
  first_response: workingDuration,
  resolution: workingDuration,
  calendar: z.string(),
});

/** A hold reason: what a ticket waits on, and whether the SLA clocks stop while it waits. */
const pauseReason = z.strictObject({
  label: z.string().min(1).max(60),
  /** true: both SLA clocks stop while the ticket waits for this; false: the hold is shown, the clocks run on. */
  pauses: z.boolean(),
});
const PAUSE_REASON_ID = /^[a-z][a-z0-9_]{0,40}$/;
/** The reason the requester's answer ends: "Waiting on requester" on the triage post. */
export const REQUESTER_REASON = 'waiting_on_requester';
const DEFAULT_PAUSE_REASONS = {
  waiting_on_requester: { label: 'Waiting on requester', pauses: true },
  waiting_on_vendor: { label: 'Waiting on a vendor', pauses: true },
  waiting_on_problem: { label: 'Waiting on a problem fix', pauses: true },
  waiting_on_incident: { label: 'Waiting on the linked incident', pauses: true },
  waiting_on_other_team: { label: 'Waiting on another IT team', pauses: false },
};

const severitySchema = z.strictObject({
  label: z.string(),
  description: z.string(),
  /** How often stakeholders hear from the commander; null for no timed updates. */
  update_cadence: durationMs.nullable(),
  /** Starts a bridge: conference link, bookmark, paging, executives notice. */
  bridge: z.boolean().default(false),
});

const freezeWindow = z.strictObject({
  name: z.string(),
  start: isoDateTime,
  end: isoDateTime,
  /** Empty: every service is frozen. */
  services: z.array(z.string()).default([]),
});

const standardTemplate = z.strictObject({
  id: z.string().regex(/^[a-z0-9-]{1,60}$/, 'must be lower-case letters, digits and dashes'),
  /** Raise it when the template's content changes; each standard change records the version (and the content) it was approved from. */
  version: z.number().int().min(1).default(1),
  title: z.string().max(150),
  description: z.string().default(''),
  services: z.array(z.string()).default([]),
  risk: z.enum(['low', 'medium', 'high']).default('low'),
  implementation_plan: z.string().default(''),
  rollback_plan: z.string().default(''),
  duration: durationMs.prefault('1h'),
});

const stakeholderChannel = z.strictObject({
  channel: channelId,
  severities: z.array(z.enum(PRIORITIES)).default([...PRIORITIES]),
  services: z.array(z.string()).default([]),
});

const HOUR = 3_600_000;
const hours = (h: number): WorkingDuration => ({ days: 0, ms: h * HOUR });
const days = (d: number): WorkingDuration => ({ days: d, ms: 0 });
const DEFAULT_SLA_POLICIES = {
  P1: { first_response: hours(0.25), resolution: hours(4), calendar: '24x7' },
  P2: { first_response: hours(1), resolution: hours(8), calendar: 'business' },
  P3: { first_response: hours(4), resolution: days(3), calendar: 'business' },
  P4: { first_response: days(1), resolution: days(5), calendar: 'business' },
};
const DEFAULT_SEVERITIES = {
  P1: {
    label: 'Critical',
    description:
      'A business-critical service is down or unusable for most employees, or a security incident is in progress; no workaround.',
    update_cadence: HOUR / 2,
    bridge: true,
  },
  P2: {
    label: 'Major',
    description: 'A critical service is badly degraded, or down for a site or department; workaround hard.',
    update_cadence: HOUR,
    bridge: false,
  },
  P3: {
    label: 'Minor',
    description: 'Degraded with a workaround; a limited group is affected.',
    update_cadence: 4 * HOUR,
    bridge: false,
  },
  P4: { label: 'Low', description: 'Little impact; tracked for follow-up.', update_cadence: null, bridge: false },
};

/** The roles of `roles:` below (IT staff all hold at least one). */
export const ROLE_NAMES = [
  'agents',
  'escalation',
  'incident_commanders',
  'incident_managers',
  'change_approvers',
  'emergency_approvers',
  'managers',
] as const;

export const settingsSchema = z
  .strictObject({
    /** Time zone for business hours, report periods and the dates people see when theirs is unknown. */
    timezone: timeZone.default('UTC'),
    channels: z
      .strictObject({
        triage: channelId.optional(),
        incidents: channelId.optional(),
        executives: channelId.optional(),
        changes: channelId.optional(),
        reports: channelId.optional(),
      })
      .prefault({}),
    roles: z
      .strictObject({
        agents: z.array(userOrGroup).default([]),
        escalation: z.array(userOrGroup).default([]),
        incident_commanders: z.array(userOrGroup).default([]),
        incident_managers: z.array(userOrGroup).default([]),
        change_approvers: z.array(userOrGroup).default([]),
        emergency_approvers: z.array(userOrGroup).default([]),
        managers: z.array(userOrGroup).default([]),
      })
      .prefault({}),
    calendars: z.record(z.string(), calendarSchema).default({
      '24x7': { always: true, days: [...WEEKDAYS], start: '00:00', end: '23:59', holidays: [] },
      business: {
        always: false,
        days: ['mon', 'tue', 'wed', 'thu', 'fri'],
        start: '09:00',
        end: '17:00',
        holidays: [],
      },
    }),
    service_catalog: z
      .array(z.string().min(1).max(75))
      .max(100)
      .default(['Email', 'Identity / SSO', 'Network / VPN', 'Wi-Fi', 'Laptops', 'Printing', 'Slack', 'HR system']),
    service_desk: z
      .strictObject({
        categories: z
          .array(z.string().min(1).max(75))
          .min(1)
          .max(100)
          .default(['access', 'hardware', 'software', 'network', 'accounts', 'other']),
        resolution_codes: z
          .array(z.string().min(1).max(75))
          .min(1)
          .default(['fixed', 'workaround', 'answered', 'duplicate', 'cannot reproduce', 'not an IT issue']),
        ticket_reaction: z.string().default('ticket'),
        /**
         * Private channels, group DMs and DMs where anyone's ticket reaction files a ticket (elsewhere in
         * private spaces only the message's author may); from a private space only a link is copied.
         */
        reaction_private_channels: z.array(channelId).default([]),
        reopen_window: durationMs.prefault('5d'),
        close_after: durationMs.prefault('5d'),
      })
      .prefault({}),
    sla: z
      .strictObject({
        /** Share of a target elapsed when the warning fires. */
        warn_at: z.number().gt(0).lt(1).default(0.75),
        /** Per priority; a priority left out keeps its default. */
        policies: z
          .partialRecord(z.enum(PRIORITIES), slaPolicy)
          .default({})
          .transform((given) => ({ ...DEFAULT_SLA_POLICIES, ...given }) as Record<Priority, z.infer<typeof slaPolicy>>),
        /** What a ticket can be put on hold for; `waiting_on_requester` is required (the requester's answer ends it). */
        pause_reasons: z
          .record(
            z
              .string()
              .regex(PAUSE_REASON_ID, 'must be lower-case letters, digits and underscores, e.g. waiting_on_vendor'),
            pauseReason,
          )
          .default(DEFAULT_PAUSE_REASONS)
          .refine((reasons) => REQUESTER_REASON in reasons, {
            message: `must include ${REQUESTER_REASON} (the requester's answer ends that hold)`,
          }),
      })
      .prefault({}),
    incidents: z
      .strictObject({
        /** Per severity; a severity left out keeps its default. */
        severities: z
          .partialRecord(z.enum(PRIORITIES), severitySchema)
          .default({})
          .transform(
            (given) => ({ ...DEFAULT_SEVERITIES, ...given }) as Record<Priority, z.infer<typeof severitySchema>>,
          ),
        /** Cadence while an incident is in "monitoring"; unset: the severity's cadence. */
        monitoring_cadence: durationMs.optional(),
        overdue_grace: durationMs.prefault('10m'),
        /** A heads-up this long before an update is due (at most half the cadence); 0 for none. */
        update_reminder_lead: durationMs.prefault('5m'),
        /** `{key}` and `{number}` are replaced, e.g. https://meet.example.com/it-{key}. */
        conference_url_template: z.string().default('https://meet.example.com/switchboard-{key}'),
        timeline_reaction: z.string().default('pushpin'),
        channel_prefix: z
          .string()
          .regex(/^[a-z0-9-]{1,20}$/)
          .default('inc'),
        custom_roles: z.array(z.string().regex(/^[a-z][a-z0-9_ -]{0,30}$/)).default([]),
        review_required: z.array(z.enum(PRIORITIES)).default(['P1', 'P2']),
        stakeholder_channels: z.array(stakeholderChannel).default([]),
        action_reminder_before: durationMs.prefault('1d'),
        /** An open follow-up action past its due time is chased this often until it is closed. */
        action_chase_every: durationMs.prefault('1d'),
        /** Time of day (in `timezone`) a follow-up action given as a date falls due. */
        action_due_time: clockTime.default('17:00'),
        /** Who is paged when a bridge starts and escalated to when an update is overdue; empty: roles.incident_managers. */
        page: z.array(userOrGroup).default([]),
      })
      .prefault({}),
    changes: z
      .strictObject({
        approvals_by_risk: z
          .strictObject({
            low: z.number().int().min(1),
            medium: z.number().int().min(1),
            high: z.number().int().min(1),
          })
          .default({ low: 1, medium: 1, high: 2 }),
        /** Service name → approvers who must include at least one approval for changes touching it. */
        approver_groups_by_service: z.record(z.string(), z.array(userOrGroup)).default({}),
        freeze_windows: z.array(freezeWindow).default([]),
        standard_templates: z.array(standardTemplate).default([]),
        approval_reminder_after: workingDuration.prefault('4h'),
        /** Calendar the approval reminder counts business hours on. */
        calendar: z.string().default('business'),
        closeout_grace: durationMs.prefault('1h'),
        /** How often an implementer is chased, after the close-out request, until the change is closed. */
        closeout_chase_every: durationMs.prefault('1d'),
        /** Default look-ahead of `/change calendar` when no number of days is given. */
        calendar_days: z.number().int().min(1).max(60).default(14),
      })
      .prefault({}),
    reports: z
      .strictObject({
        weekly_cron: cronExpression.default('0 9 * * 1'),
        monthly_cron: cronExpression.default('0 9 1 * *'),
        /** Upload the 12-week trend chart (PNG) into the weekly and monthly report's thread. */
        charts: z.boolean().default(true),
        /** Most rows one CSV export holds; beyond it the file is cut and the requester told. */
        export_max_rows: z.number().int().min(1).max(1_000_000).default(100_000),
        /** How often pending chart uploads are tried (after the report is posted, and again after a failure). */
        chart_retry_cron: cronExpression.default('* * * * *'),
        /** Roles that may post the scorecard to a channel, export CSVs (the audit log: managers only) and upload incident reviews. */
        post_roles: z.array(z.enum(ROLE_NAMES)).default([...ROLE_NAMES]),
        /** Everyone may see their own scorecard (ephemeral, or by DM from the App Home); false: only holders of post_roles. */
        own_scorecard_for_everyone: z.boolean().default(true),
      })
      .prefault({}),
    jobs: z
      .strictObject({
        /** How often the due-item sweep runs; seconds field allowed for second-scale reminders. */
        sweep_cron: cronExpression.default('*/5 * * * * *'),
      })
      .prefault({}),
    slack: z
      .strictObject({
        /** Messages per second per channel the sender allows itself (Slack's guidance: about 1). */
        per_channel_rate: z.number().positive().default(1),
        /** Messages a quiet channel may receive at once before pacing starts. */
        per_channel_burst: z.number().int().min(1).default(4),
        role_cache_ttl: durationMs.prefault('5m'),
        request_timeout: durationMs.prefault('10s'),
      })
      .prefault({}),
  })
  .superRefine((settings, ctx) => {
    for (const [name, calendar] of Object.entries(settings.calendars)) {
      const minutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3));
      // 23:59 means "to midnight"; any other end must come after the start on the same day.
      const end = calendar.end === '23:59' ? 24 * 60 : minutes(calendar.end);
      if (!calendar.always && end <= minutes(calendar.start)) {
        ctx.addIssue({
          code: 'custom',
          path: ['calendars', name, 'end'],
          message: `(${calendar.end}) is at or before start (${calendar.start}); a working day must end after it starts`,
        });
      }
    }
    for (const [priority, policy] of Object.entries(settings.sla.policies)) {
      if (!settings.calendars[policy.calendar]) {
        ctx.addIssue({
          code: 'custom',
          path: ['sla', 'policies', priority, 'calendar'],
          message: `names calendar "${policy.calendar}", which is not under calendars`,
        });
      }
    }
    if (!settings.calendars[settings.changes.calendar]) {
      ctx.addIssue({
        code: 'custom',
        path: ['changes', 'calendar'],
        message: `names calendar "${settings.changes.calendar}", which is not under calendars`,
      });
    }
  });

export type Settings = z.infer<typeof settingsSchema>;
export type RoleName = keyof Settings['roles'];
