import type { Insertable } from 'kysely';
import type { ChangeTable, Db, IncidentTable, TicketTable } from '../../db/schema.js';

/**
 * A realistic, reproducible operations history for report tests: months of tickets, incidents (with
 * updates, services and review actions), changes (with approvals and incident links) and KB
 * deflections, drawn from a seeded PRNG and inserted in batches. The arrays are returned so tests can
 * compute each KPI independently in plain JavaScript.
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

export type Ticket = Insertable<TicketTable> & { id: number };
export type Incident = Insertable<IncidentTable> & { id: number; services: string[] };
export type Change = Insertable<ChangeTable> & { id: number; services: string[]; linked: boolean };
export interface Update {
  incident_id: number;
  at: number;
  due_at: number | null;
  on_time: number | null;
}
export interface Action {
  incident_id: number;
  due_at: number;
  closed_at: number | null;
  status: 'open' | 'done';
}

export interface History {
  tickets: Ticket[];
  incidents: Incident[];
  updates: Update[];
  actions: Action[];
  changes: Change[];
  deflections: { at: number }[];
}

const SERVICES = ['Email', 'Identity / SSO', 'Network / VPN', 'Wi-Fi', 'Laptops'];
const CATEGORIES = ['access', 'hardware', 'software', 'network'];
const AGENTS = ['UAGENT01', 'UAGENT02', 'UAGENT03'];
const PRIORITIES = ['P1', 'P2', 'P3', 'P4'] as const;

export function generateHistory(options: {
  seed: number;
  from: number;
  to: number;
  now: number;
  tickets: number;
  incidents: number;
  changes: number;
}): History {
  const rnd = mulberry32(options.seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const between = (a: number, b: number) => Math.floor(a + rnd() * (b - a));
  const span = options.to - options.from;
  const { now } = options;
  const past = (t: number | null) => (t !== null && t <= now ? t : null);

  const tickets: Ticket[] = [];
  for (let i = 1; i <= options.tickets; i++) {
    const created = options.from + Math.floor(rnd() * span);
    const priority = pick(PRIORITIES);
    const frTarget = { P1: 15 * MIN, P2: HOUR, P3: 4 * HOUR, P4: DAY }[priority];
    const resTarget = { P1: 4 * HOUR, P2: 8 * HOUR, P3: 3 * DAY, P4: 5 * DAY }[priority];
    const frDue = created + frTarget;
    const resDue = created + resTarget;
    const firstResponse = rnd() < 0.9 ? past(created + Math.floor(rnd() * frTarget * 1.3)) : null;
    const first = firstResponse ? pick(AGENTS) : null;
    const outcome = rnd();
    let status: TicketTable['status'] = 'new';
    let resolved: number | null = null;
    let cancelled: number | null = null;
    if (outcome < 0.75 && firstResponse) {
      resolved = past(firstResponse + Math.floor(rnd() * resTarget * 1.4));
      status = resolved ? (rnd() < 0.6 ? 'closed' : 'resolved') : 'in_progress';
    } else if (outcome < 0.8) {
      cancelled = past(created + between(HOUR, 3 * DAY));
      status = cancelled ? 'cancelled' : 'new';
    } else {
      status = firstResponse ? pick(['in_progress', 'waiting_on_requester'] as const) : 'new';
    }
    const reassignments = rnd() < 0.25 ? between(1, 3) : 0;
    const escalated = rnd() < 0.08 ? created + HOUR : null;
    const resolver = resolved ? (rnd() < 0.8 ? first : pick(AGENTS)) : null;
    // The SLA job flags breaches; a few are flagged even though the timestamps look fine (a paused clock).
    const frBreached =
      (firstResponse === null && frDue <= now) || (firstResponse !== null && firstResponse > frDue) || rnd() < 0.02
        ? 1
        : 0;
    const resBreached =
      (resolved !== null && resolved > resDue) ||
      (resolved === null && status !== 'cancelled' && resDue <= now && rnd() < 0.7)
        ? 1
        : 0;
    const csatAsked = resolved && rnd() < 0.8 ? past(resolved + HOUR) : null;
    const csatScore = csatAsked && rnd() < 0.45 ? pick([1, 2, 3, 4, 4, 5, 5, 5]) : null;
    const csatAt = csatScore !== null && csatAsked ? past(csatAsked + between(MIN, 2 * DAY)) : null;
    tickets.push({
      id: i,
      key: `IT-${i}`,
      requester_id: `UREQ${String(i % 50).padStart(4, '0')}`,
      requester_name: null,
      summary: `Ticket ${i}`,
      details: '',
      category: pick(CATEGORIES),
      service: rnd() < 0.8 ? pick(SERVICES) : null,
      impact: 'low',
      urgency: 'low',
      priority,
      attachment_url: null,
      status,
      assignee_id: first,
      first_assignee_id: first,
      source: 'command',
      source_channel: null,
      source_ts: null,
      source_permalink: null,
      created_at: created,
      updated_at: created,
      first_response_at: firstResponse,
      first_response_due_at: frDue,
      resolution_due_at: resDue,
      paused_since: null,
      resolved_at: resolved,
      resolved_by: resolver,
      resolution_note: null,
      resolution_code: resolved ? 'fixed' : null,
      closed_at: status === 'closed' ? resolved : null,
      cancelled_at: cancelled,
      reopen_count: resolved && rnd() < 0.06 ? 1 : 0,
      reassignment_count: reassignments,
      escalated_at: escalated,
      first_response_breached: frBreached,
      resolution_breached: resBreached,
      csat_score: csatAt ? csatScore : null,
      csat_at: csatAt,
      csat_requested_at: csatAsked,
      incident_id: null,
    });
  }

  const incidents: Incident[] = [];
  const updates: Update[] = [];
  const actions: Action[] = [];
  for (let i = 1; i <= options.incidents; i++) {
    const declared = options.from + Math.floor(rnd() * span);
    const severity = pick(PRIORITIES);
    const ack = rnd() < 0.95 ? past(declared + between(MIN, 45 * MIN)) : null;
    const started = rnd() < 0.6 ? declared - between(5 * MIN, 3 * HOUR) : null;
    const resolved = rnd() < 0.92 ? past(declared + between(20 * MIN, 30 * HOUR)) : null;
    const status: IncidentTable['status'] = resolved
      ? rnd() < 0.5
        ? 'closed'
        : 'resolved'
      : pick(['investigating', 'identified', 'monitoring'] as const);
    const services = [...new Set([pick(SERVICES), ...(rnd() < 0.3 ? [pick(SERVICES)] : [])])];
    incidents.push({
      id: i,
      key: `INC-${i}`,
      title: `Incident ${i}`,
      severity,
      status,
      impact: '',
      declared_by: 'UCOMMAN1',
      commander_id: 'UCOMMAN1',
      started_at: started,
      declared_at: declared,
      acknowledged_at: ack,
      mitigated_at: null,
      resolved_at: resolved,
      closed_at: status === 'closed' ? resolved : null,
      resolution_summary: null,
      channel_id: null,
      channel_name: null,
      bridge_url: null,
      bridge_started_at: null,
      next_update_due_at: resolved ? null : declared + HOUR,
      last_update_at: null,
      updated_at: declared,
      services,
    });
    const count = between(1, 8);
    let at = declared + 5 * MIN;
    for (let u = 0; u < count && at <= now; u++) {
      const due = u === 0 ? null : at;
      const late = rnd() < 0.15;
      const postedAt = due === null ? at : due + (late ? between(MIN, 40 * MIN) : -between(0, 10 * MIN));
      updates.push({ incident_id: i, at: postedAt, due_at: due, on_time: due === null ? null : late ? 0 : 1 });
      at = postedAt + HOUR;
    }
    if (resolved && (severity === 'P1' || severity === 'P2')) {
      for (let a = 0; a < between(1, 4); a++) {
        const due = resolved + between(2 * DAY, 20 * DAY);
        const closedAt = rnd() < 0.75 ? past(due + between(-10 * DAY, 4 * DAY)) : null;
        actions.push({ incident_id: i, due_at: due, closed_at: closedAt, status: closedAt ? 'done' : 'open' });
      }
    }
  }

  const changes: Change[] = [];
  for (let i = 1; i <= options.changes; i++) {
    const created = options.from + Math.floor(rnd() * span);
    const type = rnd() < 0.4 ? 'standard' : rnd() < 0.85 ? 'normal' : 'emergency';
    const submitted = rnd() < 0.95 ? past(created + between(MIN, DAY)) : null;
    const approved = submitted
      ? type === 'standard'
        ? submitted
        : rnd() < 0.85
          ? past(submitted + between(10 * MIN, 5 * DAY))
          : null
      : null;
    const completed = approved && rnd() < 0.8 ? past(approved + between(HOUR, 10 * DAY)) : null;
    const outcome = completed
      ? pick([
          'successful',
          'successful',
          'successful',
          'successful',
          'successful_with_issues',
          'failed',
          'rolled_back',
        ] as const)
      : null;
    const status: ChangeTable['status'] = completed
      ? 'completed'
      : approved
        ? 'scheduled'
        : submitted
          ? rnd() < 0.2
            ? 'rejected'
            : 'pending_approval'
          : 'draft';
    changes.push({
      id: i,
      key: `CHG-${i}`,
      title: `Change ${i}`,
      description: '',
      type,
      risk: pick(['low', 'medium', 'high'] as const),
      status,
      outcome,
      requester_id: 'UREQ0001',
      implementer_id: null,
      template_id: null,
      planned_start: created + DAY,
      planned_end: created + DAY + HOUR,
      implementation_plan: '',
      rollback_plan: '',
      linked_ticket_key: null,
      required_approvals: 1,
      freeze_override: type === 'emergency' && rnd() < 0.3 ? 1 : 0,
      freeze_override_reason: null,
      review_required: 0,
      reviewed_at: null,
      reviewed_by: null,
      review_note: null,
      version: 1,
      created_at: created,
      submitted_at: submitted,
      approved_at: status === 'rejected' ? null : approved,
      rejected_at: null,
      started_at: null,
      completed_at: completed,
      cancelled_at: null,
      closeout_notes: null,
      updated_at: created,
      services: [pick(SERVICES)],
      linked: completed !== null && rnd() < 0.07,
    });
  }

  const deflections = Array.from({ length: Math.floor(options.tickets / 6) }, () => ({
    at: options.from + Math.floor(rnd() * span),
  }));
  return { tickets, incidents, updates, actions, changes, deflections };
}

async function batches<T>(rows: T[], size: number, insert: (chunk: T[]) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < rows.length; i += size) await insert(rows.slice(i, i + size));
}

export async function insertHistory(db: Db, h: History): Promise<void> {
  await db.transaction().execute(async (trx) => {
    // SQLite allows 32766 bound values per statement: tickets have ~45 columns.
    await batches(h.tickets, 300, (chunk) => trx.insertInto('tickets').values(chunk).execute());
    await batches(h.incidents, 300, (chunk) =>
      trx
        .insertInto('incidents')
        .values(chunk.map(({ services: _s, ...row }) => row))
        .execute(),
    );
    const services = h.incidents.flatMap((i) => i.services.map((service) => ({ incident_id: i.id, service })));
    await batches(services, 1000, (chunk) => trx.insertInto('incident_services').values(chunk).execute());
    await batches(h.updates, 500, (chunk) =>
      trx
        .insertInto('incident_updates')
        .values(
          chunk.map((u) => ({
            ...u,
            posted_by: 'UCOMMAN1',
            status: 'investigating' as const,
            impact: '',
            actions: '',
            workaround: null,
            next_update_at: null,
            audience: 'all',
          })),
        )
        .execute(),
    );
    await batches(h.actions, 500, (chunk) =>
      trx
        .insertInto('incident_actions')
        .values(
          chunk.map((a) => ({
            ...a,
            text: 'follow up',
            owner_id: 'UAGENT01',
            created_at: a.due_at - 5 * DAY,
            created_by: 'UCOMMAN1',
            closed_by: a.closed_at ? 'UAGENT01' : null,
          })),
        )
        .execute(),
    );
    await batches(h.changes, 300, (chunk) =>
      trx
        .insertInto('changes')
        .values(chunk.map(({ services: _s, linked: _l, ...row }) => row))
        .execute(),
    );
    const changeServices = h.changes.flatMap((c) => c.services.map((service) => ({ change_id: c.id, service })));
    await batches(changeServices, 1000, (chunk) => trx.insertInto('change_services').values(chunk).execute());
    const links = h.changes
      .filter((c) => c.linked)
      .map((c, n) => ({
        change_id: c.id,
        incident_id: (n % h.incidents.length) + 1,
        linked_at: Number(c.completed_at),
        linked_by: 'UCOMMAN1',
      }));
    if (links.length) await trx.insertInto('change_incidents').values(links).execute();
    await trx
      .insertInto('kb_articles')
      .values({
        title: 'Reset your password',
        body: 'Use the portal',
        url: null,
        created_by: 'UAGENT01',
        created_at: 0,
        removed_at: null,
      })
      .execute();
    await batches(h.deflections, 1000, (chunk) =>
      trx
        .insertInto('kb_deflections')
        .values(chunk.map((d) => ({ ...d, user_id: 'UREQ0001', article_id: 1, query: 'password' })))
        .execute(),
    );
  });
}

/**
 * Seeded ticket rows carry no history; this writes the history such a row implies (filed, first
 * response, resolution, cancellation, closing, rating), with the clocks as the row's due times and
 * flags say, for every ticket that has none yet. Reports read the history, so seeded rows need it.
 * (The replay oracle drives the real use cases instead; this is only for view and export tests.)
 */
export async function insertSeededTicketHistory(db: Db): Promise<void> {
  const rows = await db
    .selectFrom('tickets')
    .selectAll()
    .where(({ not, exists, selectFrom }) =>
      not(exists(selectFrom('ticket_events as e').select('e.id').whereRef('e.ticket_id', '=', 'tickets.id'))),
    )
    .execute();
  const events: Record<string, unknown>[] = [];
  for (const t of rows) {
    const frLate =
      t.first_response_breached === 1 ||
      (t.first_response_at !== null && t.first_response_at > t.first_response_due_at);
    const resLate = t.resolution_breached === 1 || (t.resolved_at !== null && t.resolved_at > t.resolution_due_at);
    const base = {
      ticket_id: t.id,
      priority: t.priority,
      hold_reason: null,
      paused: 0,
      first_assignee_id: null as string | null,
      reassignments: 0,
      escalated: 0,
      body: null,
    };
    const clocks = (fr: string, frB: number, res: string, resB: number) => ({
      fr_state: fr,
      fr_breached: frB,
      fr_due_at: t.first_response_due_at,
      res_state: res,
      res_breached: resB,
      res_due_at: t.resolution_due_at,
    });
    let responded = 0;
    let frState = 'running';
    events.push({
      ...base,
      at: t.created_at,
      actor_id: t.requester_id,
      kind: 'filed',
      status: 'new',
      assignee_id: null,
      responded: 0,
      ...clocks('running', 0, 'running', 0),
    });
    if (t.first_response_at !== null) {
      responded = 1;
      frState = frLate ? 'breached' : 'met';
      events.push({
        ...base,
        at: t.first_response_at,
        actor_id: t.first_assignee_id ?? 'UAGENT01',
        kind: 'claim',
        status: 'in_progress',
        assignee_id: t.first_assignee_id,
        first_assignee_id: t.first_assignee_id,
        reassignments: 0,
        responded,
        ...clocks(frState, frLate ? 1 : 0, 'running', 0),
      });
    }
    const after = {
      first_assignee_id: t.first_assignee_id,
      reassignments: t.reassignment_count,
      escalated: t.escalated_at === null ? 0 : 1,
      assignee_id: t.assignee_id,
    };
    if (t.resolved_at !== null) {
      events.push({
        ...base,
        ...after,
        at: t.resolved_at,
        actor_id: t.resolved_by ?? 'UAGENT01',
        kind: 'resolve',
        status: 'resolved',
        responded: 1,
        ...clocks(
          frState === 'running' ? 'met' : frState,
          frLate ? 1 : 0,
          resLate ? 'breached' : 'met',
          resLate ? 1 : 0,
        ),
      });
      // Reopened before its last resolution (the row only says how often).
      if (t.reopen_count > 0)
        events.push({
          ...base,
          ...after,
          at: Math.floor((t.created_at + t.resolved_at) / 2) + 1,
          actor_id: t.requester_id,
          kind: 'reopen',
          status: 'in_progress',
          responded: 1,
          ...clocks(frState === 'running' ? 'met' : frState, frLate ? 1 : 0, 'running', 0),
        });
    }
    if (t.cancelled_at !== null)
      events.push({
        ...base,
        ...after,
        at: t.cancelled_at,
        actor_id: t.requester_id,
        kind: 'cancel',
        status: 'cancelled',
        responded,
        ...clocks(responded ? frState : 'cancelled', frLate ? 1 : 0, 'cancelled', 0),
      });
    if (t.closed_at !== null)
      events.push({
        ...base,
        ...after,
        at: t.closed_at,
        actor_id: 'switchboard',
        kind: 'close',
        status: 'closed',
        responded: 1,
        ...clocks(
          frState === 'running' ? 'met' : frState,
          frLate ? 1 : 0,
          resLate ? 'breached' : 'met',
          resLate ? 1 : 0,
        ),
      });
    if (t.csat_at !== null)
      events.push({
        ...base,
        ...after,
        at: t.csat_at,
        actor_id: t.requester_id,
        kind: 'rate',
        status: t.closed_at !== null && t.closed_at <= t.csat_at ? 'closed' : 'resolved',
        responded: 1,
        ...clocks(
          frState === 'running' ? 'met' : frState,
          frLate ? 1 : 0,
          resLate ? 'breached' : 'met',
          resLate ? 1 : 0,
        ),
      });
  }
  events.sort((a, b) => Number(a.at) - Number(b.at));
  await db.transaction().execute((trx) =>
    batches(events, 500, (chunk) =>
      trx
        .insertInto('ticket_events')
        .values(chunk as never)
        .execute(),
    ),
  );
}
