import type { SlaInput } from '../../src/domain/reports/sla-status.js';
import { sql, type RawBuilder } from 'kysely';
import type { Executor } from '../schema.js';
import {
  CHANGE_TYPES,
  SEVERITIES,
  type ChangeFigures,
  type ChangeType,
  type DurationStats,
  type IncidentFigures,
  type Scorecard,
  type Severity,
  type SlaTally,
  type TicketFigures,
  type TrendPoint,
  type ExportKind,
} from '../../src/domain/reports/scorecard.js';

/**
 * The scorecard in SQL. Every figure is an aggregate over rows picked by an indexed time column
 * (declared_at, resolved_at, created_at, csat_at, submitted_at, approved_at, completed_at, due_at, at),
 * so a report reads only its period's rows and returns a handful of numbers. Medians and p90 use window
 * functions over the period's rows: median = mean of the middle one or two values; p90 = nearest rank,
 * the value at position ceil(0.9 × n). docs/reports.md defines each figure in words.
 */
export interface ReportRange {
  start: number;
  end: number;
  /** Instant point-in-time figures (backlog, "overdue") are taken at: min(end, now). */
  asOf: number;
}

const DAY = 86_400_000;
const OPEN_TICKET = sql.raw(`('new', 'in_progress', 'waiting_on_requester')`);

const emptyStats = (): DurationStats => ({ n: 0, mean: null, median: null, p90: null });
const num = (v: unknown): number => (v === null || v === undefined ? 0 : Number(v));
const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

/** n / mean / median / p90 per group `g` of the values `v` the fragment selects. */
async function durationStats(db: Executor, values: RawBuilder<unknown>): Promise<Map<string, DurationStats>> {
  const { rows } = await sql<{ g: string; n: number; mean: number | null; median: number | null; p90: number | null }>`
    WITH d AS (${values}),
    r AS (SELECT g, v, ROW_NUMBER() OVER (PARTITION BY g ORDER BY v) AS rn, COUNT(*) OVER (PARTITION BY g) AS n FROM d)
    SELECT g, MAX(n) AS n, AVG(v) AS mean,
      AVG(CASE WHEN rn IN ((n + 1) / 2, (n + 2) / 2) THEN v END) AS median,
      MAX(CASE WHEN rn = (9 * n + 9) / 10 THEN v END) AS p90
    FROM r GROUP BY g`.execute(db);
  return new Map(rows.map((r) => [String(r.g), { n: num(r.n), mean: numOrNull(r.mean), median: numOrNull(r.median), p90: numOrNull(r.p90) }]));
}

function bySeverity<T>(make: () => T): Record<Severity, T> {
  return Object.fromEntries(SEVERITIES.map((s) => [s, make()])) as Record<Severity, T>;
}

function byType<T>(make: () => T): Record<ChangeType, T> {
  return Object.fromEntries(CHANGE_TYPES.map((s) => [s, make()])) as Record<ChangeType, T>;
}

/** Overall ('*') and per-severity stats from one base query selecting (severity, v). */
async function statsWithSeverity(db: Executor, base: RawBuilder<unknown>): Promise<{ all: DurationStats; bySeverity: Record<Severity, DurationStats> }> {
  const stats = await durationStats(db, sql`WITH b AS (${base}) SELECT '*' AS g, v FROM b UNION ALL SELECT severity AS g, v FROM b`);
  const per = bySeverity(emptyStats);
  for (const s of SEVERITIES) per[s] = stats.get(s) ?? emptyStats();
  return { all: stats.get('*') ?? emptyStats(), bySeverity: per };
}

export async function incidentFigures(db: Executor, r: ReportRange): Promise<IncidentFigures> {
  const counts = await sql<{ severity: Severity; n: number }>`
    SELECT severity, COUNT(*) AS n FROM incidents WHERE declared_at >= ${r.start} AND declared_at < ${r.end} GROUP BY severity`.execute(db);
  const perSeverity = bySeverity(() => 0);
  for (const row of counts.rows) if (row.severity in perSeverity) perSeverity[row.severity] = num(row.n);

  const mtta = await statsWithSeverity(
    db,
    sql`SELECT severity, acknowledged_at - declared_at AS v FROM incidents
        WHERE declared_at >= ${r.start} AND declared_at < ${r.end} AND acknowledged_at IS NOT NULL`,
  );
  const mttr = await statsWithSeverity(
    db,
    sql`SELECT severity, resolved_at - declared_at AS v FROM incidents WHERE resolved_at >= ${r.start} AND resolved_at < ${r.end}`,
  );
  const started = await durationStats(
    db,
    sql`SELECT '*' AS g, resolved_at - started_at AS v FROM incidents
        WHERE resolved_at >= ${r.start} AND resolved_at < ${r.end} AND started_at IS NOT NULL`,
  );

  const updates = await sql<{ den: number; num: number | null }>`
    SELECT COUNT(*) AS den, SUM(CASE WHEN on_time = 1 THEN 1 ELSE 0 END) AS num FROM incident_updates
    WHERE at >= ${r.start} AND at < ${r.end} AND due_at IS NOT NULL`.execute(db);

  const actions = await sql<{ on_time: number | null; overdue: number | null; pending: number | null }>`
    SELECT
      SUM(CASE WHEN closed_at IS NOT NULL AND closed_at <= due_at THEN 1 ELSE 0 END) AS on_time,
      SUM(CASE WHEN NOT (closed_at IS NOT NULL AND closed_at <= due_at) AND due_at < ${r.asOf} THEN 1 ELSE 0 END) AS overdue,
      SUM(CASE WHEN NOT (closed_at IS NOT NULL AND closed_at <= due_at) AND due_at >= ${r.asOf} THEN 1 ELSE 0 END) AS pending
    FROM incident_actions WHERE due_at >= ${r.start} AND due_at < ${r.end}`.execute(db);

  const services = await sql<{ service: string; n: number }>`
    SELECT s.service AS service, COUNT(*) AS n FROM incidents i JOIN incident_services s ON s.incident_id = i.id
    WHERE i.declared_at >= ${r.start} AND i.declared_at < ${r.end} GROUP BY s.service ORDER BY n DESC, s.service`.execute(db);
  const serviceMttr = await durationStats(
    db,
    sql`SELECT s.service AS g, i.resolved_at - i.declared_at AS v FROM incidents i JOIN incident_services s ON s.incident_id = i.id
        WHERE i.resolved_at >= ${r.start} AND i.resolved_at < ${r.end}`,
  );

  const a = actions.rows[0];
  return {
    total: Object.values(perSeverity).reduce((x, y) => x + y, 0),
    bySeverity: perSeverity,
    mtta: mtta.all,
    mttaBySeverity: mtta.bySeverity,
    mttr: mttr.all,
    mttrBySeverity: mttr.bySeverity,
    mttrStarted: started.get('*') ?? emptyStats(),
    updatePunctuality: { num: num(updates.rows[0]?.num), den: num(updates.rows[0]?.den) },
    actions: { onTime: num(a?.on_time), overdue: num(a?.overdue), pending: num(a?.pending) },
    byService: services.rows.map((row) => ({ service: row.service, count: num(row.n), mttrMedian: serviceMttr.get(row.service)?.median ?? null })),
  };
}

interface TallyRow {
  g: string;
  met: number | null;
  breached: number | null;
  total: number;
}

function tallies(rows: TallyRow[]): Map<string, SlaTally> {
  const out = new Map<string, SlaTally>();
  const all: SlaTally = { met: 0, breached: 0, pending: 0 };
  for (const row of rows) {
    const t = { met: num(row.met), breached: num(row.breached), pending: num(row.total) - num(row.met) - num(row.breached) };
    out.set(row.g, t);
    all.met += t.met;
    all.breached += t.breached;
    all.pending += t.pending;
  }
  out.set('*', all);
  return out;
}

/** The SLA definitions, shared by the scorecard and the trend chart (docs/reports.md). */
const frCounted = sql`NOT (status = 'cancelled' AND first_response_at IS NULL)`;
const frMet = sql`(first_response_at IS NOT NULL AND first_response_at <= first_response_due_at AND first_response_breached = 0)`;
const frBreached = (asOf: number) =>
  sql`(first_response_breached = 1 OR first_response_at > first_response_due_at OR (first_response_at IS NULL AND first_response_due_at <= ${asOf}))`;
const resCounted = sql`NOT (status = 'cancelled' AND resolved_at IS NULL)`;
const resMet = sql`(resolved_at IS NOT NULL AND resolved_at <= resolution_due_at AND resolution_breached = 0)`;
const resBreached = (asOf: number) =>
  sql`(resolution_breached = 1 OR resolved_at > resolution_due_at OR (resolved_at IS NULL AND status IN ('new', 'in_progress') AND resolution_due_at <= ${asOf}))`;

/** Open at instant T: created before T and not resolved or cancelled before T. */
/**
 * Creation times of the tickets open at instant t: open now, or resolved or cancelled after t. Three
 * index-driven parts (status+created_at, resolved_at, cancelled_at) rather than one scan of every
 * ticket created before t; `+status` keeps SQLite from walking every resolved ticket by status.
 */
function openCreatedAt(t: number): RawBuilder<unknown> {
  return sql`SELECT created_at FROM tickets WHERE status IN ${OPEN_TICKET} AND created_at < ${t}
    UNION ALL SELECT created_at FROM tickets WHERE resolved_at >= ${t} AND +status IN ('resolved', 'closed') AND created_at < ${t}
    UNION ALL SELECT created_at FROM tickets WHERE cancelled_at >= ${t} AND +status = 'cancelled' AND created_at < ${t}`;
}

export async function ticketFigures(db: Executor, r: ReportRange): Promise<TicketFigures> {
  const inCreated = sql`created_at >= ${r.start} AND created_at < ${r.end}`;
  const inResolved = sql`resolved_at >= ${r.start} AND resolved_at < ${r.end}`;

  const firstResponse = tallies(
    (
      await sql<TallyRow>`
    SELECT priority AS g,
      SUM(CASE WHEN ${frMet} THEN 1 ELSE 0 END) AS met,
      SUM(CASE WHEN ${frBreached(r.asOf)} THEN 1 ELSE 0 END) AS breached,
      COUNT(*) AS total
    FROM tickets WHERE ${inCreated} AND ${frCounted}
    GROUP BY priority`.execute(db)
    ).rows,
  );
  const resolution = tallies(
    (
      await sql<TallyRow>`
    SELECT priority AS g,
      SUM(CASE WHEN ${resMet} THEN 1 ELSE 0 END) AS met,
      SUM(CASE WHEN ${resBreached(r.asOf)} THEN 1 ELSE 0 END) AS breached,
      COUNT(*) AS total
    FROM tickets WHERE ${inCreated} AND ${resCounted}
    GROUP BY priority`.execute(db)
    ).rows,
  );

  const opened = await sql<{ g: string; n: number }>`SELECT priority AS g, COUNT(*) AS n FROM tickets WHERE ${inCreated} GROUP BY priority`.execute(db);
  const resolvedRows = await sql<{ g: string; n: number; fcr: number | null; reopened: number | null }>`
    SELECT priority AS g, COUNT(*) AS n,
      SUM(CASE WHEN reassignment_count = 0 AND escalated_at IS NULL AND resolved_by IS NOT NULL AND resolved_by = first_assignee_id THEN 1 ELSE 0 END) AS fcr,
      SUM(CASE WHEN reopen_count > 0 THEN 1 ELSE 0 END) AS reopened
    FROM tickets WHERE ${inResolved} GROUP BY priority`.execute(db);
  const openedBy = new Map(opened.rows.map((x) => [x.g, num(x.n)]));
  const resolvedBy = new Map(resolvedRows.rows.map((x) => [x.g, num(x.n)]));
  const sum = (rows: { n: number }[]) => rows.reduce((acc, x) => acc + num(x.n), 0);

  const backlog = await sql<{ total: number; over7: number | null; over14: number | null; over30: number | null }>`
    SELECT COUNT(*) AS total,
      SUM(CASE WHEN created_at < ${r.asOf - 7 * DAY} THEN 1 ELSE 0 END) AS over7,
      SUM(CASE WHEN created_at < ${r.asOf - 14 * DAY} THEN 1 ELSE 0 END) AS over14,
      SUM(CASE WHEN created_at < ${r.asOf - 30 * DAY} THEN 1 ELSE 0 END) AS over30
    FROM (${openCreatedAt(r.asOf)})`.execute(db);

  const rated = await sql<{ rated: number; sum: number | null; positive: number | null }>`
    SELECT COUNT(*) AS rated, SUM(csat_score) AS sum, SUM(CASE WHEN csat_score >= 4 THEN 1 ELSE 0 END) AS positive
    FROM tickets WHERE csat_at >= ${r.start} AND csat_at < ${r.end} AND csat_score IS NOT NULL`.execute(db);
  const asked = await sql<{ asked: number; answered: number | null }>`
    SELECT COUNT(*) AS asked, SUM(CASE WHEN csat_score IS NOT NULL THEN 1 ELSE 0 END) AS answered
    FROM tickets WHERE csat_requested_at >= ${r.start} AND csat_requested_at < ${r.end}`.execute(db);
  const kb = await sql<{ n: number }>`SELECT COUNT(*) AS n FROM kb_deflections WHERE at >= ${r.start} AND at < ${r.end}`.execute(db);

  const categories = await sql<{ g: string; opened: number | null; resolved: number | null }>`
    SELECT g, SUM(opened) AS opened, SUM(resolved) AS resolved FROM (
      SELECT category AS g, 1 AS opened, 0 AS resolved FROM tickets WHERE ${inCreated}
      UNION ALL SELECT category AS g, 0, 1 FROM tickets WHERE ${inResolved}
    ) GROUP BY g ORDER BY opened DESC, g`.execute(db);
  const services = await sql<{ g: string; opened: number | null; resolved: number | null }>`
    SELECT g, SUM(opened) AS opened, SUM(resolved) AS resolved FROM (
      SELECT COALESCE(service, '(none)') AS g, 1 AS opened, 0 AS resolved FROM tickets WHERE ${inCreated}
      UNION ALL SELECT COALESCE(service, '(none)') AS g, 0, 1 FROM tickets WHERE ${inResolved}
    ) GROUP BY g ORDER BY opened DESC, g`.execute(db);

  const b = backlog.rows[0];
  const c = rated.rows[0];
  const q = asked.rows[0];
  const empty: SlaTally = { met: 0, breached: 0, pending: 0 };
  return {
    opened: sum(opened.rows),
    resolved: sum(resolvedRows.rows),
    firstResponse: firstResponse.get('*')!,
    resolution: resolution.get('*')!,
    backlog: { total: num(b?.total), over7: num(b?.over7), over14: num(b?.over14), over30: num(b?.over30) },
    firstContact: { num: resolvedRows.rows.reduce((acc, x) => acc + num(x.fcr), 0), den: sum(resolvedRows.rows) },
    reopened: { num: resolvedRows.rows.reduce((acc, x) => acc + num(x.reopened), 0), den: sum(resolvedRows.rows) },
    csat: { rated: num(c?.rated), sum: num(c?.sum), positive: num(c?.positive), asked: num(q?.asked), answered: num(q?.answered) },
    kbDeflections: num(kb.rows[0]?.n),
    byPriority: SEVERITIES.map((p) => ({
      priority: p,
      opened: openedBy.get(p) ?? 0,
      resolved: resolvedBy.get(p) ?? 0,
      firstResponse: firstResponse.get(p) ?? empty,
      resolution: resolution.get(p) ?? empty,
    })),
    byCategory: categories.rows.map((x) => ({ category: x.g, opened: num(x.opened), resolved: num(x.resolved) })),
    byService: services.rows.map((x) => ({ service: x.g, opened: num(x.opened), resolved: num(x.resolved) })),
  };
}

export async function changeFigures(db: Executor, r: ReportRange): Promise<ChangeFigures> {
  const submitted = await sql<{ type: ChangeType; n: number; overrides: number | null }>`
    SELECT type, COUNT(*) AS n, SUM(CASE WHEN freeze_override = 1 THEN 1 ELSE 0 END) AS overrides
    FROM changes WHERE submitted_at >= ${r.start} AND submitted_at < ${r.end} GROUP BY type`.execute(db);
  const types = byType(() => 0);
  let overrides = 0;
  for (const row of submitted.rows) {
    if (row.type in types) types[row.type] = num(row.n);
    overrides += num(row.overrides);
  }
  const total = Object.values(types).reduce((x, y) => x + y, 0);

  const lead = await durationStats(
    db,
    sql`WITH b AS (SELECT type, approved_at - submitted_at AS v FROM changes
                   WHERE approved_at >= ${r.start} AND approved_at < ${r.end} AND submitted_at IS NOT NULL)
        SELECT '*' AS g, v FROM b UNION ALL SELECT type AS g, v FROM b`,
  );
  const leadByType = byType(emptyStats);
  for (const t of CHANGE_TYPES) leadByType[t] = lead.get(t) ?? emptyStats();

  const failedExpr = sql`(c.outcome IN ('failed', 'rolled_back') OR EXISTS (SELECT 1 FROM change_incidents ci WHERE ci.change_id = c.id))`;
  const completed = await sql<{ n: number; failed: number | null }>`
    SELECT COUNT(*) AS n, SUM(CASE WHEN ${failedExpr} THEN 1 ELSE 0 END) AS failed
    FROM changes c WHERE c.completed_at >= ${r.start} AND c.completed_at < ${r.end} AND c.status = 'completed'`.execute(db);

  const services = await sql<{ g: string; submitted: number | null; completed: number | null; failed: number | null }>`
    SELECT g, SUM(submitted) AS submitted, SUM(completed) AS completed, SUM(failed) AS failed FROM (
      SELECT s.service AS g, 1 AS submitted, 0 AS completed, 0 AS failed FROM changes c JOIN change_services s ON s.change_id = c.id
        WHERE c.submitted_at >= ${r.start} AND c.submitted_at < ${r.end}
      UNION ALL
      SELECT s.service AS g, 0, 1, CASE WHEN ${failedExpr} THEN 1 ELSE 0 END FROM changes c JOIN change_services s ON s.change_id = c.id
        WHERE c.completed_at >= ${r.start} AND c.completed_at < ${r.end} AND c.status = 'completed'
    ) GROUP BY g ORDER BY submitted DESC, g`.execute(db);

  return {
    submitted: total,
    byType: types,
    leadTime: lead.get('*') ?? emptyStats(),
    leadTimeByType: leadByType,
    completed: num(completed.rows[0]?.n),
    failed: num(completed.rows[0]?.failed),
    emergency: { num: types.emergency, den: total },
    freezeOverrides: overrides,
    byService: services.rows.map((x) => ({ service: x.g, submitted: num(x.submitted), completed: num(x.completed), failed: num(x.failed) })),
  };
}

export async function scorecard(db: Executor, r: ReportRange): Promise<Scorecard> {
  return { incidents: await incidentFigures(db, r), tickets: await ticketFigures(db, r), changes: await changeFigures(db, r) };
}


export async function weeklyTrend(db: Executor, weeks: { start: number; end: number; label: string }[], now: number): Promise<TrendPoint[]> {
  const out: TrendPoint[] = [];
  for (const w of weeks) {
    const range = { start: w.start, end: w.end, asOf: Math.min(w.end, now) };
    const mttr = await durationStats(db, sql`SELECT '*' AS g, resolved_at - declared_at AS v FROM incidents WHERE resolved_at >= ${w.start} AND resolved_at < ${w.end}`);
    const t = await ticketSlaOnly(db, range);
    out.push({ week: w.label, mttrMedian: mttr.get('*')?.median ?? null, firstResponseSla: t.fr, resolutionSla: t.res });
  }
  return out;
}

async function ticketSlaOnly(db: Executor, r: ReportRange): Promise<{ fr: number | null; res: number | null }> {
  const { rows } = await sql<{ fr_met: number | null; fr_breached: number | null; res_met: number | null; res_breached: number | null }>`
    SELECT
      SUM(CASE WHEN ${frCounted} AND ${frMet} THEN 1 ELSE 0 END) AS fr_met,
      SUM(CASE WHEN ${frCounted} AND ${frBreached(r.asOf)} THEN 1 ELSE 0 END) AS fr_breached,
      SUM(CASE WHEN ${resCounted} AND ${resMet} THEN 1 ELSE 0 END) AS res_met,
      SUM(CASE WHEN ${resCounted} AND ${resBreached(r.asOf)} THEN 1 ELSE 0 END) AS res_breached
    FROM tickets WHERE created_at >= ${r.start} AND created_at < ${r.end}`.execute(db);
  const x = rows[0];
  const ratio = (met: unknown, breached: unknown) => (num(met) + num(breached) > 0 ? num(met) / (num(met) + num(breached)) : null);
  return { fr: ratio(x?.fr_met, x?.fr_breached), res: ratio(x?.res_met, x?.res_breached) };
}

// ---- CSV exports: the period's rows, a page at a time (keyset on id) ---------------------------------

const EXPORT_PAGE = 500;

function exportPage(db: Executor, kind: ExportKind, range: { start: number; end: number }, afterId: number): Promise<Record<string, unknown>[]> {
  switch (kind) {
    case 'tickets':
      return db.selectFrom('tickets').selectAll().where('created_at', '>=', range.start).where('created_at', '<', range.end).where('id', '>', afterId).orderBy('id').limit(EXPORT_PAGE).execute();
    case 'incidents':
      return db
        .selectFrom('incidents as i')
        .selectAll('i')
        .select(sql<string | null>`(SELECT GROUP_CONCAT(service, '; ') FROM incident_services s WHERE s.incident_id = i.id)`.as('services'))
        .where('i.declared_at', '>=', range.start)
        .where('i.declared_at', '<', range.end)
        .where('i.id', '>', afterId)
        .orderBy('i.id')
        .limit(EXPORT_PAGE)
        .execute();
    case 'changes':
      return db
        .selectFrom('changes as c')
        .selectAll('c')
        .select(sql<string | null>`(SELECT GROUP_CONCAT(service, '; ') FROM change_services s WHERE s.change_id = c.id)`.as('services'))
        .select(sql<number>`(SELECT COUNT(*) FROM change_incidents ci WHERE ci.change_id = c.id)`.as('linked_incidents'))
        .where('c.created_at', '>=', range.start)
        .where('c.created_at', '<', range.end)
        .where('c.id', '>', afterId)
        .orderBy('c.id')
        .limit(EXPORT_PAGE)
        .execute();
    case 'audit':
      return db.selectFrom('audit_log').selectAll().where('at', '>=', range.start).where('at', '<', range.end).where('id', '>', afterId).orderBy('id').limit(EXPORT_PAGE).execute();
  }
}

/** Every row of the period, in id order, one page in memory at a time; stops after `maxRows`. */
export async function* exportRows(db: Executor, kind: ExportKind, range: { start: number; end: number }, maxRows: number): AsyncGenerator<Record<string, unknown>> {
  let afterId = 0;
  let given = 0;
  for (;;) {
    const page = await exportPage(db, kind, range, afterId);
    for (const row of page) {
      if (given >= maxRows) return;
      given += 1;
      yield row;
    }
    if (page.length < EXPORT_PAGE) return;
    afterId = Number(page[page.length - 1]!.id);
  }
}

// ---- App Home -----------------------------------------------------------------------------------------

/** A ticket as the Home tab lists it: the SLA facts `slaStatus` reads, plus what is shown. */
export interface HomeTicket extends SlaInput {
  id: number;
  key: string;
  summary: string;
  priority: string;
  assignee_id: string | null;
}

const ticketColumns = [
  'id', 'key', 'summary', 'status', 'priority', 'assignee_id', 'created_at', 'first_response_at', 'first_response_due_at',
  'resolution_due_at', 'paused_since', 'first_response_breached', 'resolution_breached',
] as const;

export async function openTicketsOf(db: Executor, userId: string, limit: number): Promise<{ rows: HomeTicket[]; total: number }> {
  const base = db.selectFrom('tickets').where('requester_id', '=', userId).where('status', 'in', ['new', 'in_progress', 'waiting_on_requester']);
  const rows = await base.select(ticketColumns).orderBy('created_at', 'desc').limit(limit).execute();
  const total = await base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return { rows, total: num(total.n) };
}

/** Open tickets, the one whose next SLA target comes first on top. */
export async function triageQueue(db: Executor, limit: number): Promise<{ rows: HomeTicket[]; total: number }> {
  const base = db.selectFrom('tickets').where('status', 'in', ['new', 'in_progress', 'waiting_on_requester']);
  const rows = await base
    .select(ticketColumns)
    .orderBy(sql`CASE WHEN first_response_at IS NULL THEN first_response_due_at ELSE resolution_due_at END`)
    .limit(limit)
    .execute();
  const total = await base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return { rows, total: num(total.n) };
}

export interface HomeIncident {
  id: number;
  key: string;
  title: string;
  severity: string;
  status: string;
  commander_id: string | null;
  channel_id: string | null;
  declared_at: number;
  next_update_due_at: number | null;
}

const incidentColumns = ['i.id', 'i.key', 'i.title', 'i.severity', 'i.status', 'i.commander_id', 'i.channel_id', 'i.declared_at', 'i.next_update_due_at'] as const;
const ACTIVE_INCIDENT = ['investigating', 'identified', 'monitoring'] as const;

export function subscribedIncidents(db: Executor, userId: string, limit: number): Promise<HomeIncident[]> {
  return db
    .selectFrom('incident_subscriptions as s')
    .innerJoin('incidents as i', 'i.id', 's.incident_id')
    .select(incidentColumns)
    .where('s.user_id', '=', userId)
    .where('i.status', 'in', [...ACTIVE_INCIDENT])
    .orderBy('i.severity')
    .orderBy('i.declared_at', 'desc')
    .limit(limit)
    .execute();
}

export function activeIncidents(db: Executor, limit: number): Promise<HomeIncident[]> {
  return db
    .selectFrom('incidents as i')
    .select(incidentColumns)
    .where('i.status', 'in', [...ACTIVE_INCIDENT])
    .orderBy('i.severity')
    .orderBy('i.declared_at')
    .limit(limit)
    .execute();
}

export interface AwaitingChange {
  id: number;
  key: string;
  title: string;
  type: string;
  risk: string;
  requester_id: string;
  planned_start: number;
  submitted_at: number | null;
  version: number;
}

/**
 * Changes waiting for this approver: pending approval, of a type they approve, not requested or
 * implemented by them (segregation of duties), and not yet decided by them for the current version.
 */
export function changesAwaiting(db: Executor, userId: string, types: ChangeType[], limit: number): Promise<AwaitingChange[]> {
  if (types.length === 0) return Promise.resolve([]);
  return db
    .selectFrom('changes as c')
    .select(['c.id', 'c.key', 'c.title', 'c.type', 'c.risk', 'c.requester_id', 'c.planned_start', 'c.submitted_at', 'c.version'])
    .where('c.status', '=', 'pending_approval')
    .where('c.type', 'in', types)
    .where('c.requester_id', '!=', userId)
    .where((eb) => eb.or([eb('c.implementer_id', 'is', null), eb('c.implementer_id', '!=', userId)]))
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('change_approvals as a')
            .select(sql`1`.as('one'))
            .whereRef('a.change_id', '=', 'c.id')
            .whereRef('a.version', '=', 'c.version')
            .where('a.approver_id', '=', userId),
        ),
      ),
    )
    .orderBy('c.submitted_at')
    .limit(limit)
    .execute();
}

/** The newest scheduled report the bot posted, for the Home tab's link. */
export async function latestPostedReport(db: Executor): Promise<{ key: string; spec: string; kind: string; channel: string; ts: string | null } | undefined> {
  const row = await db
    .selectFrom('report_deliveries as d')
    .leftJoin('slack_refs as r', 'r.key', 'd.ref_key')
    .select(['d.key', 'd.spec', 'd.kind', 'd.channel', 'r.ts', 'r.channel as ref_channel'])
    .orderBy('d.period_end', 'desc')
    .orderBy('d.created_at', 'desc')
    .limit(1)
    .executeTakeFirst();
  if (!row) return undefined;
  return { key: row.key, spec: row.spec, kind: row.kind, channel: row.ref_channel ?? row.channel, ts: row.ts ?? null };
}

// ---- Scheduled reports ----------------------------------------------------------------------------------

export type ReportDeliveryRow = import('kysely').Selectable<import('../schema/reports.js').ReportDeliveryTable>;

/** Records a scheduled report once per key; false when it was already recorded. */
export async function insertReportDelivery(
  db: Executor,
  row: { key: string; kind: 'weekly' | 'monthly'; spec: string; periodStart: number; periodEnd: number; channel: string; refKey: string; chart: boolean },
  now: Date,
): Promise<boolean> {
  const result = await db
    .insertInto('report_deliveries')
    .values({
      key: row.key,
      kind: row.kind,
      spec: row.spec,
      period_start: row.periodStart,
      period_end: row.periodEnd,
      channel: row.channel,
      ref_key: row.refKey,
      created_at: now.getTime(),
      chart_status: row.chart ? 'pending' : 'none',
      chart_attempts: 0,
      chart_next_at: now.getTime(),
    })
    .onConflict((oc) => oc.column('key').doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0n) > 0;
}

/**
 * Claims chart uploads that are due: each claimed row's next attempt moves `leaseMs` ahead first, so an
 * overlapping run cannot take the same row.
 */
export async function claimDueCharts(db: Executor, now: Date, leaseMs: number, limit = 5): Promise<ReportDeliveryRow[]> {
  const due = await db.selectFrom('report_deliveries').selectAll().where('chart_status', '=', 'pending').where('chart_next_at', '<=', now.getTime()).orderBy('chart_next_at').limit(limit).execute();
  const claimed: ReportDeliveryRow[] = [];
  for (const row of due) {
    const result = await db
      .updateTable('report_deliveries')
      .set({ chart_next_at: now.getTime() + leaseMs })
      .where('key', '=', row.key)
      .where('chart_status', '=', 'pending')
      .where('chart_next_at', '=', row.chart_next_at)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) > 0) claimed.push(row);
  }
  return claimed;
}

export async function finishChart(db: Executor, key: string, outcome: { status: 'done'; fileId: string | null } | { status: 'pending' | 'failed'; error: string; nextAt: number; countAttempt: boolean }): Promise<void> {
  if (outcome.status === 'done') {
    await db.updateTable('report_deliveries').set({ chart_status: 'done', chart_file_id: outcome.fileId, chart_error: null }).where('key', '=', key).execute();
    return;
  }
  await db
    .updateTable('report_deliveries')
    .set({
      chart_status: outcome.status,
      chart_error: outcome.error.slice(0, 500),
      chart_next_at: outcome.nextAt,
      chart_attempts: (eb) => eb('chart_attempts', '+', outcome.countAttempt ? 1 : 0),
    })
    .where('key', '=', key)
    .execute();
}
