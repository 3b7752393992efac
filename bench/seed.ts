import type SQLite from 'better-sqlite3';

/**
 * Fast, deterministic seeding straight through better-sqlite3: prepared statements in one
 * transaction per batch, bypassing kysely. Rows are shaped like the app writes them
 * (db/schema/records.ts); times are epoch ms.
 */

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** mulberry32: a small seeded PRNG so every run seeds the same data. */
function random(seed = 42): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const CATEGORIES = ['access', 'hardware', 'software', 'network', 'accounts', 'other'];
const SERVICES = ['Email', 'Identity / SSO', 'Network / VPN', 'Wi-Fi', 'Laptops', 'Printing', 'Slack', 'HR system'];
const LEVELS = ['high', 'medium', 'low'] as const;
const PRIORITY: Record<string, string> = {
  'high/high': 'P1',
  'high/medium': 'P2',
  'high/low': 'P3',
  'medium/high': 'P2',
  'medium/medium': 'P3',
  'medium/low': 'P4',
  'low/high': 'P3',
  'low/medium': 'P4',
  'low/low': 'P4',
};
const FIRST_RESPONSE_MS: Record<string, number> = { P1: HOUR / 4, P2: HOUR, P3: 4 * HOUR, P4: DAY };
const RESOLUTION_MS: Record<string, number> = { P1: 4 * HOUR, P2: 8 * HOUR, P3: 3 * DAY, P4: 5 * DAY };
const AGENTS = ['UAGENT01', 'UAGENT02', 'UAGENT03', 'UAGENT04', 'UAGENT05', 'UAGENT06'];

const pick = <T>(rand: () => number, items: readonly T[]): T => items[Math.floor(rand() * items.length)]!;

function weighted<T>(rand: () => number, items: [T, number][]): T {
  let x = rand();
  for (const [item, w] of items) {
    if ((x -= w) < 0) return item;
  }
  return items.at(-1)![0];
}

const TICKET_COLUMNS = [
  'id',
  'key',
  'requester_id',
  'requester_name',
  'summary',
  'details',
  'category',
  'service',
  'impact',
  'urgency',
  'priority',
  'status',
  'assignee_id',
  'first_assignee_id',
  'source',
  'source_channel',
  'source_ts',
  'created_at',
  'updated_at',
  'first_response_at',
  'first_response_due_at',
  'resolution_due_at',
  'resolved_at',
  'resolved_by',
  'resolution_note',
  'resolution_code',
  'closed_at',
  'cancelled_at',
  'reopen_count',
  'reassignment_count',
  'escalated_at',
  'first_response_breached',
  'resolution_breached',
  'csat_score',
  'csat_at',
  'csat_requested_at',
  'incident_id',
] as const;
type TicketValues = Partial<Record<(typeof TICKET_COLUMNS)[number], string | number | null>>;

function ticketInsert(sqlite: SQLite.Database) {
  const stmt = sqlite.prepare(
    `INSERT INTO tickets (${TICKET_COLUMNS.join(', ')}) VALUES (${TICKET_COLUMNS.map((c) => `@${c}`).join(', ')})`,
  );
  return (row: TicketValues) => stmt.run(Object.fromEntries(TICKET_COLUMNS.map((c) => [c, row[c] ?? null])));
}

function baseTicket(rand: () => number, id: number, createdAt: number): TicketValues {
  const impact = weighted(rand, [
    ['low', 0.6],
    ['medium', 0.3],
    ['high', 0.1],
  ] as [string, number][]);
  const urgency = pick(rand, LEVELS);
  const priority = PRIORITY[`${impact}/${urgency}`]!;
  const requester = `U${String(Math.floor(rand() * 20_000)).padStart(8, '0')}`;
  return {
    id,
    key: `IT-${id}`,
    requester_id: requester,
    requester_name: `person${requester.slice(-5)}`,
    summary: `Printer on floor ${id % 9} jams on every job (${id})`,
    details: 'Tried turning it off and on again. Error E-204 on the display; tray 2 is empty.',
    category: pick(rand, CATEGORIES),
    service: rand() < 0.8 ? pick(rand, SERVICES) : null,
    impact,
    urgency,
    priority,
    status: 'new',
    source: weighted(rand, [
      ['command', 0.7],
      ['shortcut', 0.2],
      ['reaction', 0.1],
    ] as [string, number][]),
    source_channel: 'CGENERAL',
    source_ts: `${Math.floor(createdAt / 1000)}.${String(id % 1_000_000).padStart(6, '0')}`,
    created_at: createdAt,
    updated_at: createdAt,
    first_response_due_at: createdAt + FIRST_RESPONSE_MS[priority]!,
    resolution_due_at: createdAt + RESOLUTION_MS[priority]!,
    reopen_count: 0,
    reassignment_count: 0,
    first_response_breached: 0,
    resolution_breached: 0,
  };
}

const EVENT_COLUMNS = [
  'ticket_id',
  'at',
  'actor_id',
  'kind',
  'status',
  'priority',
  'assignee_id',
  'paused',
  'responded',
  'first_assignee_id',
  'reassignments',
  'escalated',
  'fr_state',
  'fr_breached',
  'fr_due_at',
  'res_state',
  'res_breached',
  'res_due_at',
] as const;
type EventValues = Record<(typeof EVENT_COLUMNS)[number], string | number | null>;

function eventInsert(sqlite: SQLite.Database) {
  const stmt = sqlite.prepare(
    `INSERT INTO ticket_events (${EVENT_COLUMNS.join(', ')}) VALUES (${EVENT_COLUMNS.map((c) => `@${c}`).join(', ')})`,
  );
  return (row: EventValues) => stmt.run(row);
}

/**
 * The history a seeded ticket's lifecycle implies (reports read the history): filed, first response,
 * resolution, cancellation, closing and rating, with the clocks as the row's due times say.
 */
function seededHistory(t: TicketValues): EventValues[] {
  const n = (v: unknown) => (v === null || v === undefined ? null : Number(v));
  const created = n(t.created_at)!;
  const frAt = n(t.first_response_at);
  const resolvedAt = n(t.resolved_at);
  const frLate = frAt !== null && frAt > n(t.first_response_due_at)! ? 1 : 0;
  const resLate = resolvedAt !== null && resolvedAt > n(t.resolution_due_at)! ? 1 : 0;
  const base = {
    ticket_id: n(t.id)!,
    priority: t.priority as string,
    paused: 0,
    escalated: 0,
    fr_due_at: n(t.first_response_due_at),
    res_due_at: n(t.resolution_due_at),
  };
  const out: EventValues[] = [
    {
      ...base,
      at: created,
      actor_id: t.requester_id as string,
      kind: 'filed',
      status: 'new',
      assignee_id: null,
      responded: 0,
      first_assignee_id: null,
      reassignments: 0,
      fr_state: 'running',
      fr_breached: 0,
      res_state: 'running',
      res_breached: 0,
    },
  ];
  const frState = frAt === null ? 'running' : frLate ? 'breached' : 'met';
  const agent = (t.first_assignee_id as string | null) ?? 'UAGENT01';
  if (frAt !== null)
    out.push({
      ...base,
      at: frAt,
      actor_id: agent,
      kind: 'claim',
      status: 'in_progress',
      assignee_id: agent,
      responded: 1,
      first_assignee_id: agent,
      reassignments: 0,
      fr_state: frState,
      fr_breached: frLate,
      res_state: 'running',
      res_breached: 0,
    });
  const after = {
    assignee_id: t.assignee_id as string | null,
    first_assignee_id: t.first_assignee_id as string | null,
    reassignments: n(t.reassignment_count) ?? 0,
    responded: 1,
    fr_state: frState,
    fr_breached: frLate,
  };
  const done = { res_state: resLate ? 'breached' : 'met', res_breached: resLate };
  if (resolvedAt !== null)
    out.push({
      ...base,
      ...after,
      at: resolvedAt,
      actor_id: (t.resolved_by as string | null) ?? agent,
      kind: 'resolve',
      status: 'resolved',
      ...done,
    });
  if (n(t.cancelled_at) !== null)
    out.push({
      ...base,
      ...after,
      responded: frAt === null ? 0 : 1,
      at: n(t.cancelled_at)!,
      actor_id: t.requester_id as string,
      kind: 'cancel',
      status: 'cancelled',
      fr_state: frAt === null ? 'cancelled' : frState,
      res_state: 'cancelled',
      res_breached: 0,
    });
  if (n(t.closed_at) !== null)
    out.push({
      ...base,
      ...after,
      at: n(t.closed_at)!,
      actor_id: 'switchboard',
      kind: 'close',
      status: 'closed',
      ...done,
    });
  if (n(t.csat_at) !== null)
    out.push({
      ...base,
      ...after,
      at: n(t.csat_at)!,
      actor_id: t.requester_id as string,
      kind: 'rate',
      status: n(t.closed_at) !== null && n(t.closed_at)! <= n(t.csat_at)! ? 'closed' : 'resolved',
      ...done,
    });
  return out.sort((a, b) => Number(a.at) - Number(b.at));
}

function maxId(sqlite: SQLite.Database, table: string): number {
  return Number((sqlite.prepare(`SELECT COALESCE(MAX(id), 0) AS n FROM ${table}`).get() as { n: number }).n);
}

export interface OpenTicketSeed {
  /** Open tickets to add. */
  count: number;
  /** Of those, how many have an SLA breach due now (the rest are due in the future). */
  dueNow: number;
  /** Pending due rows per ticket not due now (the app schedules 2 to 4 per open ticket). */
  duePerTicket: number;
  now: number;
  seed?: number;
}

/**
 * Adds open tickets with their pending SLA due rows: all in the future except `dueNow` resolution
 * breaches due in the last minute. Returns the ids of the tickets whose reminder is due now.
 */
export function seedOpenTickets(sqlite: SQLite.Database, options: OpenTicketSeed): number[] {
  const rand = random(options.seed ?? maxId(sqlite, 'tickets') + 1);
  const insertTicket = ticketInsert(sqlite);
  const insertEvent = eventInsert(sqlite);
  const insertDue = sqlite.prepare(
    `INSERT INTO due_items (kind, record_type, record_id, due_at, status, payload, dedupe_key, created_at) VALUES (?, 'ticket', ?, ?, 'pending', ?, ?, ?)`,
  );
  const first = maxId(sqlite, 'tickets') + 1;
  const dueNowIds: number[] = [];
  const dueEvery =
    options.dueNow > 0 ? Math.max(1, Math.floor(options.count / options.dueNow)) : Number.POSITIVE_INFINITY;
  sqlite.transaction(() => {
    for (let k = 0; k < options.count; k++) {
      const id = first + k;
      const dueNow = k % dueEvery === 0 && dueNowIds.length < options.dueNow;
      // Due-now tickets were filed long enough ago for their resolution target to have passed.
      const createdAt = dueNow ? options.now - 10 * DAY : options.now - Math.floor(rand() * 2 * HOUR);
      const row = baseTicket(rand, id, createdAt);
      row.status = weighted(rand, [
        ['new', 0.4],
        ['in_progress', 0.5],
        ['waiting_on_requester', 0.1],
      ] as [string, number][]);
      if (row.status !== 'new') {
        row.assignee_id = row.first_assignee_id = pick(rand, AGENTS);
        row.first_response_at = createdAt + Math.floor(rand() * HOUR);
      }
      if (row.status === 'waiting_on_requester') row.status = 'in_progress';
      insertTicket(row);
      // The history the reminder handler reads its clocks from.
      for (const event of seededHistory(row)) insertEvent(event);
      const payload = (threshold: string) => JSON.stringify({ threshold });
      if (dueNow) {
        dueNowIds.push(id);
        const at = options.now - Math.floor(rand() * 60_000);
        insertDue.run(
          'ticket.sla.resolution',
          id,
          at,
          payload('breach'),
          `ticket.sla.resolution:ticket:${id}:breach`,
          createdAt,
        );
      } else {
        const points = [
          ['ticket.sla.resolution', 'warn'],
          ['ticket.sla.resolution', 'breach'],
          ['ticket.sla.response', 'warn'],
          ['ticket.sla.response', 'breach'],
        ].slice(0, options.duePerTicket);
        points.forEach(([kind, threshold], i) => {
          const at = options.now + HOUR + Math.floor(rand() * 30 * DAY) + i * HOUR;
          insertDue.run(kind, id, at, payload(threshold!), `${kind}:ticket:${id}:${threshold}`, createdAt);
        });
      }
    }
  })();
  setCounter(sqlite, 'IT', first + options.count - 1);
  return dueNowIds;
}

function setCounter(sqlite: SQLite.Database, name: string, value: number): void {
  sqlite
    .prepare(
      'INSERT INTO counters (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = MAX(value, excluded.value)',
    )
    .run(name, value);
}

export interface HistorySeed {
  tickets: number;
  incidents: number;
  changes: number;
  /** History runs from now - days to now. */
  days: number;
  now: number;
  seed?: number;
  /** Rows per transaction (keeps the WAL small). */
  batch?: number;
}

/**
 * A realistic history for reports: tickets through their whole lifecycle (most resolved and closed,
 * some breached, reopened, reassigned, rated), incidents with services, updates and follow-up actions,
 * changes with services, approvals, outcomes and a few linked as the cause of an incident.
 */
export function seedHistory(
  sqlite: SQLite.Database,
  options: HistorySeed,
): { tickets: number; incidents: number; changes: number } {
  const rand = random(options.seed ?? 7);
  const batch = options.batch ?? 50_000;
  const start = options.now - options.days * DAY;
  const span = options.days * DAY;
  const inBatches = (count: number, each: (i: number) => void) => {
    for (let from = 0; from < count; from += batch) {
      sqlite.transaction(() => {
        for (let i = from; i < Math.min(count, from + batch); i++) each(i);
      })();
    }
  };

  // Incidents first, so tickets can point at them.
  const insIncident =
    sqlite.prepare(`INSERT INTO incidents (id, key, title, severity, status, impact, declared_by, commander_id, started_at, declared_at,
    acknowledged_at, mitigated_at, resolved_at, closed_at, resolution_summary, channel_id, channel_name, next_update_due_at, last_update_at, updated_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  const insIncService = sqlite.prepare('INSERT INTO incident_services (incident_id, service) VALUES (?, ?)');
  const insUpdate =
    sqlite.prepare(`INSERT INTO incident_updates (incident_id, at, posted_by, status, impact, actions, workaround, next_update_at, due_at, on_time, audience)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'all')`);
  const insAction =
    sqlite.prepare(`INSERT INTO incident_actions (incident_id, text, owner_id, due_at, status, created_at, created_by, closed_at, closed_by)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  const insTimeline = sqlite.prepare(
    'INSERT INTO incident_timeline (incident_id, at, kind, actor_id, text) VALUES (?, ?, ?, ?, ?)',
  );
  const incidentStart = maxId(sqlite, 'incidents') + 1;
  const incidentTimes: number[] = [];
  inBatches(options.incidents, (i) => {
    const id = incidentStart + i;
    const severity = weighted(rand, [
      ['P1', 0.03],
      ['P2', 0.12],
      ['P3', 0.4],
      ['P4', 0.45],
    ] as [string, number][]);
    const declared = start + Math.floor(rand() * span);
    incidentTimes.push(declared);
    const ack = declared + Math.floor(rand() * (severity === 'P1' ? 15 : 60) * 60_000);
    const resolvedAfter = Math.floor(rand() * (severity === 'P1' ? 4 : 24) * HOUR) + 10 * 60_000;
    const open = declared > options.now - 2 * DAY && rand() < 0.5;
    const resolved = open ? null : declared + resolvedAfter;
    const status = open
      ? pick(rand, ['investigating', 'identified', 'monitoring'])
      : resolved! < options.now - 7 * DAY
        ? 'closed'
        : 'resolved';
    insIncident.run(
      id,
      `INC-${id}`,
      `${pick(rand, SERVICES)} degraded for some users`,
      severity,
      status,
      'Some people cannot work normally',
      pick(rand, AGENTS),
      pick(rand, AGENTS),
      rand() < 0.6 ? declared - Math.floor(rand() * HOUR) : null,
      declared,
      ack,
      resolved ? declared + Math.floor(resolvedAfter * 0.7) : null,
      resolved,
      status === 'closed' ? resolved! + 3 * DAY : null,
      resolved ? 'Rolled back the faulty configuration.' : null,
      `C${String(id).padStart(8, '0')}`,
      `inc-${id}`,
      open ? options.now + HOUR : null,
      declared + HOUR,
      resolved ?? declared,
    );
    const services = new Set([pick(rand, SERVICES), ...(rand() < 0.3 ? [pick(rand, SERVICES)] : [])]);
    for (const s of services) insIncService.run(id, s);
    const cadence = severity === 'P1' ? HOUR / 2 : severity === 'P2' ? HOUR : 4 * HOUR;
    const updates = severity === 'P4' ? 1 : 2 + Math.floor(rand() * 3);
    for (let u = 0; u < updates; u++) {
      const dueAt = u === 0 ? null : declared + u * cadence;
      const at = u === 0 ? declared + 5 * 60_000 : dueAt! + Math.floor((rand() - 0.7) * 20 * 60_000);
      insUpdate.run(
        id,
        at,
        pick(rand, AGENTS),
        u === updates - 1 && resolved ? 'resolved' : 'investigating',
        'Some people affected',
        'Investigating',
        null,
        at + cadence,
        dueAt,
        dueAt === null ? null : at <= dueAt + 10 * 60_000 ? 1 : 0,
      );
    }
    insTimeline.run(id, declared, 'declared', pick(rand, AGENTS), 'Incident declared');
    insTimeline.run(id, ack, 'acknowledged', pick(rand, AGENTS), 'Commander acknowledged');
    if (severity === 'P1' || severity === 'P2') {
      for (let a = 0; a < 2; a++) {
        const due = (resolved ?? declared) + (5 + Math.floor(rand() * 20)) * DAY;
        const done = due < options.now && rand() < 0.8;
        insAction.run(
          id,
          'Add an alert for the queue depth',
          pick(rand, AGENTS),
          due,
          done ? 'done' : 'open',
          resolved ?? declared,
          pick(rand, AGENTS),
          done ? due - Math.floor(rand() * 5 * DAY) : null,
          done ? pick(rand, AGENTS) : null,
        );
      }
    }
  });
  setCounter(sqlite, 'INC', incidentStart + options.incidents - 1);

  const insertTicket = ticketInsert(sqlite);
  const insertEvent = eventInsert(sqlite);
  const ticketStart = maxId(sqlite, 'tickets') + 1;
  inBatches(options.tickets, (i) => {
    const id = ticketStart + i;
    // Spread evenly over the period, a little denser on weekdays.
    const createdAt = start + Math.floor(((i + rand()) / options.tickets) * span);
    const row = baseTicket(rand, id, createdAt);
    const age = options.now - createdAt;
    const fr = Math.floor(rand() * FIRST_RESPONSE_MS[row.priority as string]! * 1.3);
    const res = Math.floor(rand() * RESOLUTION_MS[row.priority as string]! * 1.4);
    const agent = pick(rand, AGENTS);
    const outcome = weighted(rand, [
      ['done', 0.94],
      ['cancelled', 0.03],
      ['open', 0.03],
    ] as [string, number][]);
    if (outcome === 'cancelled' || (outcome === 'done' && age < fr)) {
      row.status = 'cancelled';
      row.cancelled_at = createdAt + Math.floor(rand() * HOUR);
    } else if (outcome === 'open' || age < fr + res) {
      row.status = age > fr ? 'in_progress' : 'new';
      if (row.status === 'in_progress') {
        row.assignee_id = row.first_assignee_id = agent;
        row.first_response_at = createdAt + fr;
      }
    } else {
      row.assignee_id = row.first_assignee_id = agent;
      row.first_response_at = createdAt + fr;
      row.resolved_at = createdAt + fr + res;
      const reassigned = rand() < 0.15;
      row.reassignment_count = reassigned ? 1 : 0;
      if (reassigned) row.assignee_id = pick(rand, AGENTS);
      row.resolved_by = row.assignee_id;
      row.resolution_note = 'Replaced the toner and cleared the jam.';
      row.resolution_code = pick(rand, ['fixed', 'workaround', 'answered', 'duplicate']);
      row.reopen_count = rand() < 0.05 ? 1 : 0;
      row.status = age > fr + res + 5 * DAY ? 'closed' : 'resolved';
      if (row.status === 'closed') row.closed_at = (row.resolved_at as number) + 5 * DAY;
      row.csat_requested_at = row.resolved_at;
      if (rand() < 0.3) {
        row.csat_score = weighted(rand, [
          [5, 0.55],
          [4, 0.25],
          [3, 0.1],
          [2, 0.05],
          [1, 0.05],
        ] as [number, number][]);
        row.csat_at = (row.resolved_at as number) + Math.floor(rand() * DAY);
      }
    }
    row.first_response_breached =
      row.first_response_at && (row.first_response_at as number) > (row.first_response_due_at as number) ? 1 : 0;
    row.resolution_breached =
      row.resolved_at && (row.resolved_at as number) > (row.resolution_due_at as number) ? 1 : 0;
    row.updated_at = (row.closed_at ??
      row.resolved_at ??
      row.cancelled_at ??
      row.first_response_at ??
      createdAt) as number;
    if (incidentTimes.length > 0 && rand() < 0.02)
      row.incident_id = incidentStart + Math.floor(rand() * incidentTimes.length);
    insertTicket(row);
    for (const event of seededHistory(row)) insertEvent(event);
  });
  setCounter(sqlite, 'IT', ticketStart + options.tickets - 1);

  const insChange =
    sqlite.prepare(`INSERT INTO changes (id, key, title, description, type, risk, status, outcome, requester_id, implementer_id, template_id,
    planned_start, planned_end, implementation_plan, rollback_plan, required_approvals, freeze_override, review_required, reviewed_at, reviewed_by,
    version, created_at, submitted_at, approved_at, rejected_at, started_at, completed_at, cancelled_at, updated_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?)`);
  const insChangeService = sqlite.prepare('INSERT INTO change_services (change_id, service) VALUES (?, ?)');
  const insApproval = sqlite.prepare(
    'INSERT INTO change_approvals (change_id, version, approver_id, decision, reason, at) VALUES (?, 1, ?, ?, ?, ?)',
  );
  const insChangeIncident = sqlite.prepare(
    'INSERT INTO change_incidents (change_id, incident_id, linked_at, linked_by) VALUES (?, ?, ?, ?)',
  );
  const changeStart = maxId(sqlite, 'changes') + 1;
  inBatches(options.changes, (i) => {
    const id = changeStart + i;
    const type = weighted(rand, [
      ['standard', 0.5],
      ['normal', 0.45],
      ['emergency', 0.05],
    ] as [string, number][]);
    const risk =
      type === 'standard'
        ? 'low'
        : weighted(rand, [
            ['low', 0.4],
            ['medium', 0.4],
            ['high', 0.2],
          ] as [string, number][]);
    const created = start + Math.floor(((i + rand()) / options.changes) * span);
    const submitted = created + Math.floor(rand() * HOUR);
    const rejected = type === 'normal' && rand() < 0.05;
    const approved = rejected ? null : submitted + (type === 'standard' ? 0 : Math.floor(rand() * 2 * DAY));
    const plannedStart = (approved ?? submitted) + Math.floor(rand() * 5 * DAY);
    const plannedEnd = plannedStart + 2 * HOUR;
    const done = !rejected && plannedEnd < options.now;
    const cancelled = !rejected && rand() < 0.03;
    const outcome =
      done && !cancelled
        ? weighted(rand, [
            ['successful', 0.9],
            ['successful_with_issues', 0.04],
            ['failed', 0.03],
            ['rolled_back', 0.03],
          ] as [string, number][])
        : null;
    const status = rejected
      ? 'rejected'
      : cancelled
        ? 'cancelled'
        : done
          ? 'completed'
          : approved && approved < options.now
            ? 'scheduled'
            : 'pending_approval';
    const requester = pick(rand, AGENTS);
    insChange.run(
      id,
      `CHG-${id}`,
      'Apply monthly OS patches to office laptops',
      'Routine patching.',
      type,
      risk,
      status,
      outcome,
      requester,
      pick(rand, AGENTS),
      type === 'standard' ? 'os-patches' : null,
      plannedStart,
      plannedEnd,
      'Roll out in waves.',
      'Uninstall the update.',
      risk === 'high' ? 2 : 1,
      type === 'emergency' && rand() < 0.2 ? 1 : 0,
      type === 'emergency' ? 1 : 0,
      type === 'emergency' && done ? plannedEnd + DAY : null,
      type === 'emergency' && done ? 'UCAB0001' : null,
      created,
      submitted,
      approved,
      rejected ? submitted + DAY : null,
      done ? plannedStart : null,
      done ? plannedEnd : null,
      cancelled ? submitted + HOUR : null,
      done ? plannedEnd : submitted,
    );
    insChangeService.run(id, pick(rand, SERVICES));
    if (type !== 'standard') {
      const approvals = rejected ? 1 : risk === 'high' ? 2 : 1;
      for (let a = 0; a < approvals; a++)
        insApproval.run(
          id,
          `UCAB000${a + 1}`,
          rejected ? 'rejected' : 'approved',
          null,
          (approved ?? submitted + DAY) - a,
        );
    }
    if ((outcome === 'failed' || outcome === 'rolled_back') && incidentTimes.length > 0 && rand() < 0.3) {
      insChangeIncident.run(
        id,
        incidentStart + Math.floor(rand() * incidentTimes.length),
        plannedEnd + HOUR,
        'UCOMMAN1',
      );
    }
  });
  setCounter(sqlite, 'CHG', changeStart + options.changes - 1);
  return { tickets: options.tickets, incidents: options.incidents, changes: options.changes };
}
