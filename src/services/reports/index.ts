import type { KnownBlock } from '@slack/types';
import { triageRef } from '../tickets/file.js';
import { slaStandings } from '../tickets/sla.js';
import type { ServiceContext, Actor, Outcome } from '../context.js';
import { ok, refuse, transact } from '../context.js';
import { postMessage } from '../outbox.js';
import { insertAudit } from '../../../db/queries/audit.js';
import type { RoleName } from '../../config/settings.js';
import { mayExport, mayPostReports, maySeeOwnScorecard, postRolesText } from '../../domain/reports/access.js';
import type { Executor } from '../../../db/schema.js';
import {
  activeIncidents,
  changesAwaiting,
  exportRows,
  insertReportDelivery,
  latestPostedReport,
  openTicketsOf,
  scorecard,
  subscribedIncidents,
  triageQueue,
  weeklyTrend,
} from '../../../db/queries/reports.js';
import { parsePeriod, lastWeeks, type Period } from '../../domain/reports/period.js';
import type { ChangeType, ExportKind, Scorecard, TrendPoint } from '../../domain/reports/scorecard.js';
import { scorecardBlocks, scorecardText, type ScorecardInput } from '../../../views/reports/scorecard.js';
import { exportColumns, writeCsv } from '../../../views/reports/csv.js';
import { HOME_LIST_LIMIT, type HomeInput } from '../../../views/reports/home.js';
import { reportNotDelivered } from '../../../views/reports/notices.js';

/**
 * Reporting use cases: the scorecard for a period (with the previous one), posting it, the scheduled
 * weekly and monthly reports, CSV exports and the App Home data. Reads are SQL aggregates; anything
 * the bot says later goes through the outbox.
 */
const TREND_WEEKS = 12;

export interface Report {
  period: Period;
  current: Scorecard;
  previous: Scorecard;
  message: { text: string; blocks: KnownBlock[] };
}

async function loadReport(db: Executor, period: Period, title: string): Promise<Report> {
  const current = await scorecard(db, { start: period.start, end: period.end, asOf: period.asOf });
  const previous = await scorecard(db, {
    start: period.previous.start,
    end: period.previous.end,
    asOf: period.previous.asOf,
  });
  const input: ScorecardInput = {
    title,
    periodLabel: period.label,
    previousLabel: period.previous.label,
    timezone: period.timezone,
    current,
    previous,
  };
  return { period, current, previous, message: { text: scorecardText(input), blocks: scorecardBlocks(input) } };
}

function resolvePeriod(ctx: ServiceContext, text: string | undefined, now: Date): Outcome<Period> {
  const parsed = parsePeriod(text, now, ctx.settings.timezone);
  return parsed.ok ? ok(parsed.period) : refuse(parsed.message, 'period');
}

/** Someone asking for a report, with the roles the shell resolved for them. */
export interface ReportReader extends Actor {
  roles: ReadonlySet<RoleName>;
}

/** A refused post, export or view: nothing is sent, the attempt is kept in the audit log. */
async function auditRefused(
  trx: Executor,
  now: Date,
  actor: Actor,
  action: string,
  recordKey: string,
  detail: string,
  source: 'command' | 'button',
): Promise<void> {
  await insertAudit(
    trx,
    { actor: { id: actor.id, name: actor.name }, action, recordType: 'report', recordKey, detail, source },
    now,
  );
}

/**
 * The scorecard for a period, for the person asking alone (ephemeral), read in one transaction so
 * current and previous agree. Everyone may see it unless `reports.own_scorecard_for_everyone` is off.
 */
export async function buildReport(
  ctx: ServiceContext,
  periodText: string | undefined,
  reader: ReportReader,
  source: 'command' | 'button' = 'command',
): Promise<Outcome<Report>> {
  return transact(ctx, async (trx, now) => {
    const period = resolvePeriod(ctx, periodText, now);
    if (!period.ok) return period;
    if (!maySeeOwnScorecard(reader.roles, ctx.settings.reports)) {
      await auditRefused(
        trx,
        now,
        reader,
        'report.view_refused',
        period.value.spec,
        `scorecard refused: needs one of ${postRolesText(ctx.settings.reports)}`,
        source,
      );
      return refuse(`The scorecard is for ${postRolesText(ctx.settings.reports)}.`);
    }
    return ok(await loadReport(trx, period.value, 'IT operations scorecard'));
  });
}

/**
 * Posts the scorecard through the outbox, audited. To a channel it needs a role in
 * `reports.post_roles`; to the person's own DM (`own`) it follows the own-scorecard rule. Refusals
 * post nothing and are audited (`report.post_refused`).
 */
export async function postReport(
  ctx: ServiceContext,
  actor: ReportReader,
  periodText: string | undefined,
  channel: string,
  source: 'command' | 'button' = 'command',
  options: { own?: boolean } = {},
): Promise<Outcome<Report>> {
  return transact(ctx, async (trx, now) => {
    const period = resolvePeriod(ctx, periodText, now);
    if (!period.ok) return period;
    const allowed =
      options.own && channel === actor.id
        ? maySeeOwnScorecard(actor.roles, ctx.settings.reports)
        : mayPostReports(actor.roles, ctx.settings.reports);
    if (!allowed) {
      await auditRefused(
        trx,
        now,
        actor,
        'report.post_refused',
        period.value.spec,
        `post to ${channel} refused: needs one of ${postRolesText(ctx.settings.reports)}`,
        source,
      );
      return refuse(
        `Posting the scorecard is for ${postRolesText(ctx.settings.reports)}. Nothing was posted; \`/itops report\` shows it to you alone.`,
      );
    }
    const report = await loadReport(trx, period.value, 'IT operations scorecard');
    // Slack may refuse the post (a private channel without the bot): whoever asked is told so.
    const notice =
      channel === actor.id
        ? undefined
        : {
            method: 'chat.postMessage' as const,
            args: { channel: actor.id, text: reportNotDelivered(period.value.label, channel) },
          };
    await postMessage(trx, now, { channel, ...report.message, onFailure: notice });
    await insertAudit(
      trx,
      {
        actor: { id: actor.id, name: actor.name },
        action: 'report.post',
        recordType: 'report',
        recordKey: period.value.spec,
        after: { channel, period: period.value.spec },
        source,
      },
      now,
    );
    return ok(report);
  });
}

export type ScheduledKind = 'weekly' | 'monthly';

export interface ScheduledResult {
  status: 'posted' | 'already_posted' | 'no_channel';
  key?: string;
}

/**
 * The weekly (last complete Monday–Sunday week) or monthly (last calendar month) report, posted to
 * channels.reports. Once per period: the ledger row's key and the outbox dedupe key are both the
 * period, so a restart, a catch-up or an overlapping tick never posts it twice.
 */
export async function runScheduledReport(ctx: ServiceContext, kind: ScheduledKind): Promise<ScheduledResult> {
  const channel = ctx.settings.channels.reports;
  if (!channel) {
    ctx.logger.warn({ kind }, 'no channels.reports configured; scheduled report skipped');
    return { status: 'no_channel' };
  }
  return transact(ctx, async (trx, now) => {
    const parsed = parsePeriod(kind === 'weekly' ? 'week' : 'month', now, ctx.settings.timezone);
    if (!parsed.ok) throw new Error(parsed.message);
    const period = parsed.period;
    const key = `${kind}:${period.firstDay}`;
    const refKey = `report:${key}`;
    const fresh = await insertReportDelivery(
      trx,
      {
        key,
        kind,
        spec: `${period.firstDay}..${period.lastDay}`,
        periodStart: period.start,
        periodEnd: period.end,
        channel,
        refKey,
        chart: ctx.settings.reports.charts,
      },
      now,
    );
    if (!fresh) return { status: 'already_posted', key };
    const report = await loadReport(
      trx,
      period,
      kind === 'weekly' ? 'Weekly IT operations report' : 'Monthly IT operations report',
    );
    await postMessage(trx, now, { channel, ...report.message, refKey, dedupeKey: refKey });
    await insertAudit(
      trx,
      {
        actor: { id: 'switchboard', name: 'Switchboard' },
        action: 'report.scheduled',
        recordType: 'report',
        recordKey: key,
        after: { channel, period: period.label },
        source: 'job',
      },
      now,
    );
    return { status: 'posted', key };
  });
}

/** Weekly MTTR and SLA attainment for the `TREND_WEEKS` weeks before `until`. */
export async function trendPoints(ctx: ServiceContext, until: Date): Promise<TrendPoint[]> {
  const weeks = lastWeeks(until, ctx.settings.timezone, TREND_WEEKS);
  return ctx.db.transaction().execute((trx) => weeklyTrend(trx, weeks, ctx.clock.now().getTime()));
}

export interface CsvExport {
  filename: string;
  title: string;
  csv: string;
  rows: number;
  truncated: boolean;
}

/** A CSV of the period's records; the audit log only for managers. The export itself is audited. */
export async function exportCsv(
  ctx: ServiceContext,
  reader: ReportReader,
  kind: ExportKind,
  periodText: string | undefined,
): Promise<Outcome<CsvExport>> {
  const actor = { id: reader.id, name: reader.name };
  return transact(ctx, async (trx, now) => {
    const period = resolvePeriod(ctx, periodText, now);
    if (!period.ok) return period;
    if (!mayExport(kind, reader.roles, ctx.settings.reports)) {
      const who = kind === 'audit' ? 'IT managers (roles.managers)' : postRolesText(ctx.settings.reports);
      await auditRefused(
        trx,
        now,
        actor,
        'report.export_refused',
        kind,
        `${kind} export refused: needs ${who}`,
        'command',
      );
      return refuse(kind === 'audit' ? 'Only IT managers may export the audit log.' : `Exports are for ${who}.`);
    }
    const max = ctx.settings.reports.export_max_rows;
    const { csv, rows } = await writeCsv(exportColumns(kind), exportRows(trx, kind, period.value, max + 1));
    const truncated = rows > max;
    const text = truncated ? csv.slice(0, csvEndOfRow(csv, max)) : csv;
    const p = period.value;
    await insertAudit(
      trx,
      {
        actor,
        action: 'report.export',
        recordType: 'export',
        recordKey: kind,
        after: { kind, period: `${p.firstDay}..${p.lastDay}`, rows: Math.min(rows, max), truncated },
        source: 'command',
      },
      now,
    );
    return ok({
      filename: `switchboard-${kind}-${p.firstDay}-to-${p.lastDay}.csv`,
      title: `Switchboard ${kind} ${p.label}`,
      csv: text,
      rows: Math.min(rows, max),
      truncated,
    });
  });
}

/** Character offset just past the CRLF ending data row `n` (the header is row 0). */
function csvEndOfRow(csv: string, n: number): number {
  let index = -1;
  let inQuotes = false;
  let row = -1;
  for (let i = 0; i < csv.length; i++) {
    const c = csv[i];
    if (c === '"') inQuotes = !inQuotes;
    else if (!inQuotes && c === '\n') {
      row += 1;
      index = i + 1;
      if (row === n) return index;
    }
  }
  return index < 0 ? csv.length : index;
}

export interface HomeRoles {
  agent: boolean;
  commander: boolean;
  approverTypes: ChangeType[];
}

/**
 * Slack's links to messages, by their slack_refs key (asked of Slack once and kept; see
 * src/slack/permalinks.ts). A key without a link is left out.
 */
export type MessageLinks = (refKeys: string[]) => Promise<Map<string, string>>;

/** Each queued ticket with the link to its triage post, once that post exists. */
function withTriageLinks<T extends { id: number }>(
  queue: { rows: T[]; total: number },
  links: Map<string, string>,
): { rows: (T & { triageUrl?: string })[]; total: number } {
  return {
    rows: queue.rows.map((row) => ({
      ...row,
      ...(links.has(triageRef(row.id)) ? { triageUrl: links.get(triageRef(row.id)) } : {}),
    })),
    total: queue.total,
  };
}

/** The triage queue with each ticket's SLA standing, read from its history as the reminders read it. */
async function queueWithStandings(trx: Executor, ctx: ServiceContext, now: Date) {
  const queue = await triageQueue(trx, 15);
  const standings = await slaStandings(
    trx,
    queue.rows.map((row) => row.id),
    ctx.settings,
    now,
  );
  return {
    rows: queue.rows.filter((row) => standings.has(row.id)).map((row) => ({ ...row, sla: standings.get(row.id)! })),
    total: queue.total,
  };
}

/** What the Home tab shows this person, by their roles; links are asked for after the reads. */
export async function homeData(
  ctx: ServiceContext,
  userId: string,
  roles: HomeRoles,
  linksOf: MessageLinks,
): Promise<HomeInput> {
  const at = ctx.clock.now();
  const now = at.getTime();
  const read = await ctx.db.transaction().execute(async (trx) => ({
    latest: await latestPostedReport(trx),
    myTickets: await openTicketsOf(trx, userId, HOME_LIST_LIMIT),
    following: await subscribedIncidents(trx, userId, HOME_LIST_LIMIT),
    triage: roles.agent ? await queueWithStandings(trx, ctx, at) : undefined,
    activeIncidents: roles.commander ? await activeIncidents(trx, HOME_LIST_LIMIT) : undefined,
    awaiting: roles.approverTypes.length
      ? await changesAwaiting(trx, userId, roles.approverTypes, HOME_LIST_LIMIT)
      : undefined,
  }));
  const { latest, triage, ...lists } = read;
  const links = await linksOf([
    ...(triage?.rows.map((row) => triageRef(row.id)) ?? []),
    ...(latest?.ts ? [latest.refKey] : []),
  ]);
  return {
    now,
    ...lists,
    triage: triage ? withTriageLinks(triage, links) : undefined,
    latestReport: latest
      ? {
          label: `${latest.kind === 'weekly' ? 'Weekly' : 'Monthly'} report, ${latest.spec.replace('..', ' to ')}`,
          url: links.get(latest.refKey),
        }
      : undefined,
  };
}
