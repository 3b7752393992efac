import { ACTIVE_STATUSES, SEVERITIES, type Severity } from '../../src/domain/incidents/rules.js';
import { PRIORITIES } from '../../src/domain/tickets/priority.js';
import { OPEN_STATUSES } from '../../src/domain/tickets/lifecycle.js';
import { sql, type RawBuilder } from 'kysely';
import type { Executor } from '../schema.js';
import {
  CHANGE_TYPES,
  type ChangeFigures,
  type ChangeType,
  type DurationStats,
  type IncidentFigures,
  type Scorecard,
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
const OPEN_TICKET = sql`(${sql.join([...OPEN_STATUSES])})`;

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
  return new Map(
    rows.map((r) => [
      String(r.g),
      { n: num(r.n), mean: numOrNull(r.mean), median: numOrNull(r.median), p90: numOrNull(r.p90) },
    ]),
  );
}

function bySeverity<T>(make: () => T): Record<Severity, T> {
  return Object.fromEntries(SEVERITIES.map((s) => [s, make()])) as Record<Severity, T>;
}

function byType<T>(make: () => T): Record<ChangeType, T> {
  return Object.fromEntries(CHANGE_TYPES.map((s) => [s, make()])) as Record<ChangeType, T>;
}

/** Overall ('*') and per-severity stats from one base query selecting (severity, v). */
async function statsWithSeverity(
  db: Executor,
  base: RawBuilder<unknown>,
): Promise<{ all: DurationStats; bySeverity: Record<Severity, DurationStats> }> {
  const stats = await durationStats(
    db,
    sql`WITH b AS (${base}) SELECT '*' AS g, v FROM b UNION ALL SELECT severity AS g, v FROM b`,
  );
  const per = bySeverity(emptyStats);
  for (const s of SEVERITIES) per[s] = stats.get(s) ?? emptyStats();
  return { all: stats.get('*') ?? emptyStats(), bySeverity: per };
}

/**
 * An incident's severity in force at instant t, from its audited severity changes: the last change at
 * or before t, else what the first later change changed from, else the severity it has now.
 */
const severityAt = (t: number) => sql`COALESCE(
    (SELECT json_extract(a.after, '$.severity') FROM audit_log a WHERE a.record_type = 'incident' AND a.record_id = i.id AND a.action = 'incident.severity_changed' AND a.at <= ${t} ORDER BY a.at DESC, a.id DESC LIMIT 1),
    (SELECT json_extract(a.before, '$.severity') FROM audit_log a WHERE a.record_type = 'incident' AND a.record_id = i.id AND a.action = 'incident.severity_changed' AND a.at > ${t} ORDER BY a.at, a.id LIMIT 1),
    i.severity)`;

/** Acknowledged by someone other than the declarer: the commander's recorded acknowledgement, by another person. */
const ackByOther = sql`EXISTS (SELECT 1 FROM incident_timeline tl WHERE tl.incident_id = i.id AND tl.kind = 'acknowledged' AND tl.actor_id IS NOT NULL AND tl.actor_id != i.declared_by)`;

export async function incidentFigures(db: Executor, r: ReportRange): Promise<IncidentFigures> {
  const declared = sql`i.declared_at >= ${r.start} AND i.declared_at < ${r.end}`;
  const counts = await sql<{ severity: Severity; n: number; self_ack: number | null }>`
    SELECT ${severityAt(r.asOf)} AS severity, COUNT(*) AS n,
      SUM(CASE WHEN i.acknowledged_at IS NOT NULL AND i.acknowledged_at <= ${r.asOf} AND NOT ${ackByOther} THEN 1 ELSE 0 END) AS self_ack
    FROM incidents i WHERE ${declared} GROUP BY 1`.execute(db);
  const perSeverity = bySeverity(() => 0);
  let selfAcknowledged = 0;
  for (const row of counts.rows) {
    if (row.severity in perSeverity) perSeverity[row.severity] = num(row.n);
    selfAcknowledged += num(row.self_ack);
  }

  // MTTA: declaration to the first acknowledgement by someone other than the declarer (by the as-of instant).
  const mtta = await statsWithSeverity(
    db,
    sql`SELECT ${severityAt(r.asOf)} AS severity, i.acknowledged_at - i.declared_at AS v FROM incidents i
        WHERE ${declared} AND i.acknowledged_at IS NOT NULL AND i.acknowledged_at <= ${r.asOf} AND ${ackByOther}`,
  );
  const mttr = await statsWithSeverity(
    db,
    sql`SELECT ${severityAt(r.asOf)} AS severity, i.resolved_at - i.declared_at AS v FROM incidents i WHERE i.resolved_at >= ${r.start} AND i.resolved_at < ${r.end}`,
  );
  const started = await durationStats(
    db,
    sql`SELECT '*' AS g, resolved_at - started_at AS v FROM incidents
        WHERE resolved_at >= ${r.start} AND resolved_at < ${r.end} AND started_at IS NOT NULL`,
  );

  // Punctuality: every update slot that came due. A scheduled update (due_at set) is one slot, on
  // time or late; each repeated reminder (an update still missing one cadence after the reminder at
  // its due time) is one more slot missed.
  const updates = await sql<{ den: number; num: number | null }>`
    SELECT COUNT(*) AS den, SUM(CASE WHEN on_time = 1 THEN 1 ELSE 0 END) AS num FROM incident_updates
    WHERE at >= ${r.start} AND at < ${r.end} AND due_at IS NOT NULL`.execute(db);
  const missed = await sql<{ n: number }>`
    SELECT COUNT(*) AS n FROM due_items WHERE kind = 'incident.update_due' AND status = 'done' AND outcome LIKE 'reminded%'
      AND json_extract(payload, '$.n') >= 1 AND done_at >= ${r.start} AND done_at < ${r.end} AND done_at <= ${r.asOf}`.execute(
    db,
  );

  const actions = await sql<{ on_time: number | null; overdue: number | null; pending: number | null }>`
    SELECT
      SUM(CASE WHEN closed_at IS NOT NULL AND closed_at <= due_at THEN 1 ELSE 0 END) AS on_time,
      SUM(CASE WHEN NOT (closed_at IS NOT NULL AND closed_at <= due_at) AND due_at < ${r.asOf} THEN 1 ELSE 0 END) AS overdue,
      SUM(CASE WHEN NOT (closed_at IS NOT NULL AND closed_at <= due_at) AND due_at >= ${r.asOf} THEN 1 ELSE 0 END) AS pending
    FROM incident_actions WHERE due_at >= ${r.start} AND due_at < ${r.end}`.execute(db);

  const services = await sql<{ service: string; n: number }>`
    SELECT s.service AS service, COUNT(*) AS n FROM incidents i JOIN incident_services s ON s.incident_id = i.id
    WHERE i.declared_at >= ${r.start} AND i.declared_at < ${r.end} GROUP BY s.service ORDER BY n DESC, s.service`.execute(
    db,
  );
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
    selfAcknowledged,
    mttr: mttr.all,
    mttrBySeverity: mttr.bySeverity,
    mttrStarted: started.get('*') ?? emptyStats(),
    updatePunctuality: { num: num(updates.rows[0]?.num), den: num(updates.rows[0]?.den) + num(missed.rows[0]?.n) },
    actions: { onTime: num(a?.on_time), overdue: num(a?.overdue), pending: num(a?.pending) },
    byService: services.rows.map((row) => ({
      service: row.service,
      count: num(row.n),
      mttrMedian: serviceMttr.get(row.service)?.median ?? null,
    })),
  };
}

/**
 * The service-desk figures read the ticket history (ticket_events), never the mutable ticket columns:
 * each event row carries the state in force after it and both SLA clocks as read at that instant, so
 * "as of T" is the last event at or before T. A period's figures therefore never change once it ends.
 */

/**
 * The id of a ticket's last event at or before an instant (ties: the later row). Joins on it are
 * written CROSS JOIN so SQLite keeps the order: the period's rows first, then one primary-key lookup
 * each (left to itself it may scan the events for every ticket).
 */
const lastEventAt = (ticketId: RawBuilder<unknown>, t: number) =>
  sql`(SELECT e.id FROM ticket_events e WHERE e.ticket_id = ${ticketId} AND e.at <= ${t} ORDER BY e.at DESC, e.id DESC LIMIT 1)`;

/**
 * A clock's outcome at instant T from the event row `e` (prefix fr_ or res_): met (stopped in time),
 * breached (stopped late, or its due time came before it stopped), cancelled (left out) or pending.
 */
function clockOutcomeSql(prefix: 'fr' | 'res', t: number): RawBuilder<string> {
  const state = sql.ref(`e.${prefix}_state`);
  const breached = sql.ref(`e.${prefix}_breached`);
  const due = sql.ref(`e.${prefix}_due_at`);
  return sql<string>`CASE WHEN ${state} = 'cancelled' THEN 'cancelled' WHEN ${state} = 'met' THEN 'met'
    WHEN ${breached} = 1 OR ${state} = 'breached' OR (${state} = 'running' AND ${due} <= ${t}) THEN 'breached' ELSE 'pending' END`;
}

/** First-response and resolution tallies (per priority in force at the as-of instant) over tickets created in the period. */
async function slaTallies(
  db: Executor,
  r: ReportRange,
): Promise<{ firstResponse: Map<string, SlaTally>; resolution: Map<string, SlaTally> }> {
  const { rows } = await sql<{ g: string; fr: string; res: string; n: number }>`
    WITH c AS MATERIALIZED (SELECT ${lastEventAt(sql.ref('t.id'), r.asOf)} AS eid FROM tickets t WHERE t.created_at >= ${r.start} AND t.created_at < ${r.end})
    SELECT e.priority AS g, ${clockOutcomeSql('fr', r.asOf)} AS fr, ${clockOutcomeSql('res', r.asOf)} AS res, COUNT(*) AS n
    FROM c CROSS JOIN ticket_events e ON e.id = c.eid GROUP BY 1, 2, 3`.execute(db);
  const tally = (which: 'fr' | 'res') => {
    const out = new Map<string, SlaTally>();
    const all: SlaTally = { met: 0, breached: 0, pending: 0 };
    for (const row of rows) {
      const outcome = row[which];
      if (outcome === 'cancelled') continue;
      const t = out.get(row.g) ?? { met: 0, breached: 0, pending: 0 };
      const key = outcome === 'met' ? 'met' : outcome === 'breached' ? 'breached' : 'pending';
      t[key] += num(row.n);
      all[key] += num(row.n);
      out.set(row.g, t);
    }
    out.set('*', all);
    return out;
  };
  return { firstResponse: tally('fr'), resolution: tally('res') };
}

/**
 * Creation times of the tickets open at instant t: created before t, with an open status in force
 * just before t (from the history). Candidates are the tickets open now and those with an event at
 * or after t, so the query costs the recent history, not every ticket ever filed.
 */
function openCreatedAt(t: number): RawBuilder<unknown> {
  return sql`SELECT tk.created_at FROM (
      SELECT id FROM tickets WHERE status IN ${OPEN_TICKET} AND created_at < ${t}
      UNION SELECT ticket_id AS id FROM ticket_events WHERE at >= ${t}
    ) c CROSS JOIN tickets tk ON tk.id = c.id
    WHERE tk.created_at < ${t}
      AND (SELECT e.status FROM ticket_events e WHERE e.ticket_id = tk.id AND e.at < ${t} ORDER BY e.at DESC, e.id DESC LIMIT 1) IN ${OPEN_TICKET}`;
}

export async function ticketFigures(db: Executor, r: ReportRange): Promise<TicketFigures> {
  const sla = await slaTallies(db, r);
  const firstResponse = sla.firstResponse;
  const resolution = sla.resolution;
  const inCreated = sql`created_at >= ${r.start} AND created_at < ${r.end}`;

  // Opened: filings in the period, per the priority they were filed with.
  const opened = await sql<{ g: string; n: number }>`
    SELECT priority AS g, COUNT(*) AS n FROM ticket_events WHERE kind = 'filed' AND at >= ${r.start} AND at < ${r.end} GROUP BY priority`.execute(
    db,
  );
  // Resolved: tickets with a resolution in the period, read at their last one in it.
  const resolvedIn = sql`SELECT ticket_id, MAX(id) AS eid FROM ticket_events WHERE kind = 'resolve' AND at >= ${r.start} AND at < ${r.end} GROUP BY ticket_id`;
  const resolvedRows = await sql<{
    g: string;
    n: number;
    fcr: number | null;
    reopened: number | null;
    rated: number | null;
  }>`
    WITH rs AS MATERIALIZED (${resolvedIn})
    SELECT e.priority AS g, COUNT(*) AS n,
      SUM(CASE WHEN e.reassignments = 0 AND e.escalated = 0 AND e.actor_id = e.first_assignee_id THEN 1 ELSE 0 END) AS fcr,
      SUM(CASE WHEN EXISTS (SELECT 1 FROM ticket_events x WHERE x.ticket_id = rs.ticket_id AND +x.kind = 'reopen' AND x.at <= ${r.asOf}) THEN 1 ELSE 0 END) AS reopened,
      SUM(CASE WHEN EXISTS (SELECT 1 FROM ticket_events x WHERE x.ticket_id = rs.ticket_id AND +x.kind = 'rate' AND x.at <= ${r.asOf}) THEN 1 ELSE 0 END) AS rated
    FROM rs CROSS JOIN ticket_events e ON e.id = rs.eid GROUP BY e.priority`.execute(db);
  const openedBy = new Map(opened.rows.map((x) => [x.g, num(x.n)]));
  const resolvedBy = new Map(resolvedRows.rows.map((x) => [x.g, num(x.n)]));
  const sum = (rows: { n: number }[]) => rows.reduce((acc, x) => acc + num(x.n), 0);

  const backlog = await sql<{ total: number; over7: number | null; over14: number | null; over30: number | null }>`
    SELECT COUNT(*) AS total,
      SUM(CASE WHEN created_at < ${r.asOf - 7 * DAY} THEN 1 ELSE 0 END) AS over7,
      SUM(CASE WHEN created_at < ${r.asOf - 14 * DAY} THEN 1 ELSE 0 END) AS over14,
      SUM(CASE WHEN created_at < ${r.asOf - 30 * DAY} THEN 1 ELSE 0 END) AS over30
    FROM (${openCreatedAt(r.asOf)})`.execute(db);

  // A rating is given once per ticket and never changes: the ticket's csat columns are its event.
  const rated = await sql<{ rated: number; sum: number | null; positive: number | null }>`
    SELECT COUNT(*) AS rated, SUM(csat_score) AS sum, SUM(CASE WHEN csat_score >= 4 THEN 1 ELSE 0 END) AS positive
    FROM tickets WHERE csat_at >= ${r.start} AND csat_at < ${r.end} AND csat_score IS NOT NULL`.execute(db);
  const kb = await sql<{
    n: number;
  }>`SELECT COUNT(*) AS n FROM kb_deflections WHERE at >= ${r.start} AND at < ${r.end}`.execute(db);

  const breakdown = (column: RawBuilder<unknown>) => sql<{ g: string; opened: number | null; resolved: number | null }>`
    SELECT g, SUM(opened) AS opened, SUM(resolved) AS resolved FROM (
      SELECT ${column} AS g, 1 AS opened, 0 AS resolved FROM tickets WHERE ${inCreated}
      UNION ALL SELECT ${column} AS g, 0, 1 FROM (${resolvedIn}) rs CROSS JOIN tickets ON tickets.id = rs.ticket_id
    ) GROUP BY g ORDER BY opened DESC, g`;
  const categories = await breakdown(sql.ref('category')).execute(db);
  const services = await breakdown(sql`COALESCE(service, '(none)')`).execute(db);

  const b = backlog.rows[0];
  const c = rated.rows[0];
  const empty: SlaTally = { met: 0, breached: 0, pending: 0 };
  const resolvedTotal = sum(resolvedRows.rows);
  return {
    opened: sum(opened.rows),
    resolved: resolvedTotal,
    firstResponse: firstResponse.get('*')!,
    resolution: resolution.get('*')!,
    backlog: { total: num(b?.total), over7: num(b?.over7), over14: num(b?.over14), over30: num(b?.over30) },
    firstContact: { num: resolvedRows.rows.reduce((acc, x) => acc + num(x.fcr), 0), den: resolvedTotal },
    reopened: { num: resolvedRows.rows.reduce((acc, x) => acc + num(x.reopened), 0), den: resolvedTotal },
    csat: {
      rated: num(c?.rated),
      sum: num(c?.sum),
      positive: num(c?.positive),
      asked: resolvedTotal,
      answered: resolvedRows.rows.reduce((acc, x) => acc + num(x.rated), 0),
    },
    kbDeflections: num(kb.rows[0]?.n),
    byPriority: PRIORITIES.map((p) => ({
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

  // Standard changes are approved on submit: their lead time is reported on its own, not mixed into
  // the overall figure, which is normal and emergency changes only.
  const lead = await durationStats(
    db,
    sql`WITH b AS (SELECT type, approved_at - submitted_at AS v FROM changes
                   WHERE approved_at >= ${r.start} AND approved_at < ${r.end} AND submitted_at IS NOT NULL)
        SELECT '*' AS g, v FROM b WHERE type != 'standard' UNION ALL SELECT type AS g, v FROM b`,
  );
  const leadByType = byType(emptyStats);
  for (const t of CHANGE_TYPES) leadByType[t] = lead.get(t) ?? emptyStats();

  // Linked as a cause by the as-of instant: a link made after the period ends does not rewrite it.
  const failedExpr = sql`(c.outcome IN ('failed', 'rolled_back') OR EXISTS (SELECT 1 FROM change_incidents ci WHERE ci.change_id = c.id AND ci.linked_at <= ${r.asOf}))`;
  const completed = await sql<{ n: number; failed: number | null }>`
    SELECT COUNT(*) AS n, SUM(CASE WHEN ${failedExpr} THEN 1 ELSE 0 END) AS failed
    FROM changes c WHERE c.completed_at >= ${r.start} AND c.completed_at < ${r.end} AND c.status = 'completed'`.execute(
    db,
  );

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
    byService: services.rows.map((x) => ({
      service: x.g,
      submitted: num(x.submitted),
      completed: num(x.completed),
      failed: num(x.failed),
    })),
  };
}

export async function scorecard(db: Executor, r: ReportRange): Promise<Scorecard> {
  return {
    incidents: await incidentFigures(db, r),
    tickets: await ticketFigures(db, r),
    changes: await changeFigures(db, r),
  };
}

export async function weeklyTrend(
  db: Executor,
  weeks: { start: number; end: number; label: string }[],
  now: number,
): Promise<TrendPoint[]> {
  const out: TrendPoint[] = [];
  for (const w of weeks) {
    const range = { start: w.start, end: w.end, asOf: Math.min(w.end, now) };
    const mttr = await durationStats(
      db,
      sql`SELECT '*' AS g, resolved_at - declared_at AS v FROM incidents WHERE resolved_at >= ${w.start} AND resolved_at < ${w.end}`,
    );
    const t = await ticketSlaOnly(db, range);
    out.push({
      week: w.label,
      mttrMedian: mttr.get('*')?.median ?? null,
      firstResponseSla: t.fr,
      resolutionSla: t.res,
    });
  }
  return out;
}

async function ticketSlaOnly(db: Executor, r: ReportRange): Promise<{ fr: number | null; res: number | null }> {
  const t = await slaTallies(db, r);
  const ratio = (x: SlaTally) => (x.met + x.breached > 0 ? x.met / (x.met + x.breached) : null);
  return { fr: ratio(t.firstResponse.get('*')!), res: ratio(t.resolution.get('*')!) };
}

// ---- CSV exports: the period's rows, a page at a time (keyset on id) ---------------------------------

const EXPORT_PAGE = 500;

function exportPage(
  db: Executor,
  kind: ExportKind,
  range: { start: number; end: number; asOf?: number },
  afterId: number,
): Promise<Record<string, unknown>[]> {
  const asOf = range.asOf ?? range.end;
  switch (kind) {
    case 'tickets':
      // The SLA outcomes are the scorecard's: the clocks as of the export's as-of instant, from the history.
      return db
        .selectFrom('tickets as t')
        .selectAll('t')
        .select(
          sql<string>`(SELECT ${clockOutcomeSql('fr', asOf)} FROM ticket_events e WHERE e.id = ${lastEventAt(sql.ref('t.id'), asOf)})`.as(
            'first_response_outcome',
          ),
        )
        .select(
          sql<string>`(SELECT ${clockOutcomeSql('res', asOf)} FROM ticket_events e WHERE e.id = ${lastEventAt(sql.ref('t.id'), asOf)})`.as(
            'resolution_outcome',
          ),
        )
        .select(
          sql<
            string | null
          >`(SELECT e.hold_reason FROM ticket_events e WHERE e.id = ${lastEventAt(sql.ref('t.id'), asOf)})`.as(
            'hold_reason_as_of',
          ),
        )
        .where('t.created_at', '>=', range.start)
        .where('t.created_at', '<', range.end)
        .where('t.id', '>', afterId)
        .orderBy('t.id')
        .limit(EXPORT_PAGE)
        .execute();
    case 'incidents':
      return db
        .selectFrom('incidents as i')
        .selectAll('i')
        .select(
          sql<
            string | null
          >`(SELECT GROUP_CONCAT(service, '; ') FROM incident_services s WHERE s.incident_id = i.id)`.as('services'),
        )
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
        .select(
          sql<string | null>`(SELECT GROUP_CONCAT(service, '; ') FROM change_services s WHERE s.change_id = c.id)`.as(
            'services',
          ),
        )
        .select(
          sql<number>`(SELECT COUNT(*) FROM change_incidents ci WHERE ci.change_id = c.id)`.as('linked_incidents'),
        )
        .where('c.created_at', '>=', range.start)
        .where('c.created_at', '<', range.end)
        .where('c.id', '>', afterId)
        .orderBy('c.id')
        .limit(EXPORT_PAGE)
        .execute();
    case 'audit':
      return db
        .selectFrom('audit_log')
        .selectAll()
        .where('at', '>=', range.start)
        .where('at', '<', range.end)
        .where('id', '>', afterId)
        .orderBy('id')
        .limit(EXPORT_PAGE)
        .execute();
  }
}

/** Every row of the period, in id order, one page in memory at a time; stops after `maxRows`. */
export async function* exportRows(
  db: Executor,
  kind: ExportKind,
  range: { start: number; end: number; asOf?: number },
  maxRows: number,
): AsyncGenerator<Record<string, unknown>> {
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

/** A ticket as the Home tab lists it (its SLA standing is read from its history, see `slaStandings`). */
export interface HomeTicket {
  id: number;
  key: string;
  summary: string;
  status: string;
  priority: string;
  assignee_id: string | null;
}

const ticketColumns = ['id', 'key', 'summary', 'status', 'priority', 'assignee_id'] as const;

export async function openTicketsOf(
  db: Executor,
  userId: string,
  limit: number,
): Promise<{ rows: HomeTicket[]; total: number }> {
  const base = db
    .selectFrom('tickets')
    .where('requester_id', '=', userId)
    .where('status', 'in', [...OPEN_STATUSES]);
  const rows = await base.select(ticketColumns).orderBy('created_at', 'desc').limit(limit).execute();
  const total = await base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return { rows, total: num(total.n) };
}

/** Open tickets, the one whose next SLA target comes first on top. */
export async function triageQueue(db: Executor, limit: number): Promise<{ rows: HomeTicket[]; total: number }> {
  const base = db.selectFrom('tickets').where('status', 'in', [...OPEN_STATUSES]);
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

const incidentColumns = [
  'i.id',
  'i.key',
  'i.title',
  'i.severity',
  'i.status',
  'i.commander_id',
  'i.channel_id',
  'i.declared_at',
  'i.next_update_due_at',
] as const;

export function subscribedIncidents(db: Executor, userId: string, limit: number): Promise<HomeIncident[]> {
  return db
    .selectFrom('incident_subscriptions as s')
    .innerJoin('incidents as i', 'i.id', 's.incident_id')
    .select(incidentColumns)
    .where('s.user_id', '=', userId)
    .where('i.status', 'in', [...ACTIVE_STATUSES])
    .orderBy('i.severity')
    .orderBy('i.declared_at', 'desc')
    .limit(limit)
    .execute();
}

export function activeIncidents(db: Executor, limit: number): Promise<HomeIncident[]> {
  return db
    .selectFrom('incidents as i')
    .select(incidentColumns)
    .where('i.status', 'in', [...ACTIVE_STATUSES])
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
export function changesAwaiting(
  db: Executor,
  userId: string,
  types: ChangeType[],
  limit: number,
): Promise<AwaitingChange[]> {
  if (types.length === 0) return Promise.resolve([]);
  return db
    .selectFrom('changes as c')
    .select([
      'c.id',
      'c.key',
      'c.title',
      'c.type',
      'c.risk',
      'c.requester_id',
      'c.planned_start',
      'c.submitted_at',
      'c.version',
    ])
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
export async function latestPostedReport(
  db: Executor,
): Promise<
  { key: string; refKey: string; spec: string; kind: string; channel: string; ts: string | null } | undefined
> {
  const row = await db
    .selectFrom('report_deliveries as d')
    .leftJoin('slack_refs as r', 'r.key', 'd.ref_key')
    .select(['d.key', 'd.ref_key', 'd.spec', 'd.kind', 'd.channel', 'r.ts', 'r.channel as ref_channel'])
    .orderBy('d.period_end', 'desc')
    .orderBy('d.created_at', 'desc')
    .limit(1)
    .executeTakeFirst();
  if (!row) return undefined;
  return {
    key: row.key,
    refKey: row.ref_key,
    spec: row.spec,
    kind: row.kind,
    channel: row.ref_channel ?? row.channel,
    ts: row.ts ?? null,
  };
}

// ---- Scheduled reports ----------------------------------------------------------------------------------

export type ReportDeliveryRow = import('kysely').Selectable<import('../schema/reports.js').ReportDeliveryTable>;

/** Records a scheduled report once per key; false when it was already recorded. */
export async function insertReportDelivery(
  db: Executor,
  row: {
    key: string;
    kind: 'weekly' | 'monthly';
    spec: string;
    periodStart: number;
    periodEnd: number;
    channel: string;
    refKey: string;
    chart: boolean;
  },
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
export async function claimDueCharts(
  db: Executor,
  now: Date,
  leaseMs: number,
  limit = 5,
): Promise<ReportDeliveryRow[]> {
  const due = await db
    .selectFrom('report_deliveries')
    .selectAll()
    .where('chart_status', '=', 'pending')
    .where('chart_next_at', '<=', now.getTime())
    .orderBy('chart_next_at')
    .limit(limit)
    .execute();
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

export async function finishChart(
  db: Executor,
  key: string,
  outcome:
    | { status: 'done'; fileId: string | null }
    | { status: 'pending' | 'failed'; error: string; nextAt: number; countAttempt: boolean },
): Promise<void> {
  if (outcome.status === 'done') {
    await db
      .updateTable('report_deliveries')
      .set({ chart_status: 'done', chart_file_id: outcome.fileId, chart_error: null })
      .where('key', '=', key)
      .execute();
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
