import { sql, type Kysely } from 'kysely';

// Frozen: a schema change is a new migration file.
/**
 * The ticket history becomes the source of the service-desk figures: each event row records the
 * state in force after it (status, priority, assignee, hold reason and whether it pauses the clocks,
 * whether the first response has happened), the bookkeeping first-contact resolution needs (first
 * assignee, reassignments, escalation to an incident so far), and both SLA clocks as read at that
 * instant (state, breached, due time). Reports read the last row at or before an instant.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('tickets').addColumn('hold_reason', 'text').execute();
  const columns: [string, 'text' | 'integer' | 'bigint'][] = [
    ['status', 'text'],
    ['priority', 'text'],
    ['assignee_id', 'text'],
    ['hold_reason', 'text'],
    ['paused', 'integer'],
    ['responded', 'integer'],
    ['first_assignee_id', 'text'],
    ['reassignments', 'integer'],
    ['escalated', 'integer'],
    ['fr_state', 'text'],
    ['fr_breached', 'integer'],
    ['fr_due_at', 'bigint'],
    ['res_state', 'text'],
    ['res_breached', 'integer'],
    ['res_due_at', 'bigint'],
  ];
  for (const [name, type] of columns) await db.schema.alterTable('ticket_events').addColumn(name, type).execute();
  // Events of one kind in a period (resolutions, reopens, ratings) and every event after an instant.
  await db.schema.createIndex('ticket_events_kind_at').on('ticket_events').columns(['kind', 'at']).execute();
  await db.schema.createIndex('ticket_events_at').on('ticket_events').column('at').execute();

  // Events recorded before this version: the state after each is filled in as well as the ticket's
  // row allows (its current priority and assignee; the status each kind of event leads to), and the
  // last event of each ticket carries its clocks as the row has them.
  await sql`UPDATE ticket_events SET
      priority = (SELECT priority FROM tickets t WHERE t.id = ticket_events.ticket_id),
      assignee_id = (SELECT assignee_id FROM tickets t WHERE t.id = ticket_events.ticket_id),
      first_assignee_id = (SELECT first_assignee_id FROM tickets t WHERE t.id = ticket_events.ticket_id),
      reassignments = (SELECT reassignment_count FROM tickets t WHERE t.id = ticket_events.ticket_id),
      escalated = (SELECT CASE WHEN escalated_at IS NULL OR escalated_at > ticket_events.at THEN 0 ELSE 1 END FROM tickets t WHERE t.id = ticket_events.ticket_id),
      responded = (SELECT CASE WHEN first_response_at IS NOT NULL AND first_response_at <= ticket_events.at THEN 1 ELSE 0 END FROM tickets t WHERE t.id = ticket_events.ticket_id),
      status = CASE kind WHEN 'filed' THEN 'new' WHEN 'resolve' THEN 'resolved' WHEN 'close' THEN 'closed' WHEN 'cancel' THEN 'cancelled'
        WHEN 'wait_on_requester' THEN 'waiting_on_requester' ELSE 'in_progress' END,
      paused = CASE kind WHEN 'wait_on_requester' THEN 1 ELSE 0 END,
      hold_reason = CASE kind WHEN 'wait_on_requester' THEN 'waiting_on_requester' ELSE NULL END`.execute(db);
  await sql`UPDATE ticket_events SET
      status = (SELECT status FROM tickets t WHERE t.id = ticket_events.ticket_id),
      fr_state = (SELECT CASE WHEN first_response_at IS NOT NULL THEN CASE WHEN first_response_breached = 1 OR first_response_at > first_response_due_at THEN 'breached' ELSE 'met' END
        WHEN status = 'cancelled' THEN 'cancelled' WHEN paused_since IS NOT NULL THEN 'paused' ELSE 'running' END FROM tickets t WHERE t.id = ticket_events.ticket_id),
      fr_breached = (SELECT CASE WHEN first_response_breached = 1 OR first_response_at > first_response_due_at THEN 1 ELSE 0 END FROM tickets t WHERE t.id = ticket_events.ticket_id),
      fr_due_at = (SELECT first_response_due_at FROM tickets t WHERE t.id = ticket_events.ticket_id),
      res_state = (SELECT CASE WHEN status = 'cancelled' THEN 'cancelled' WHEN resolved_at IS NOT NULL THEN CASE WHEN resolution_breached = 1 OR resolved_at > resolution_due_at THEN 'breached' ELSE 'met' END
        WHEN paused_since IS NOT NULL THEN 'paused' ELSE 'running' END FROM tickets t WHERE t.id = ticket_events.ticket_id),
      res_breached = (SELECT CASE WHEN resolution_breached = 1 OR resolved_at > resolution_due_at THEN 1 ELSE 0 END FROM tickets t WHERE t.id = ticket_events.ticket_id),
      res_due_at = (SELECT resolution_due_at FROM tickets t WHERE t.id = ticket_events.ticket_id)
    WHERE id IN (SELECT MAX(id) FROM ticket_events GROUP BY ticket_id)`.execute(db);
  await sql`UPDATE tickets SET hold_reason = 'waiting_on_requester' WHERE status = 'waiting_on_requester'`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('ticket_events_at').ifExists().execute();
  await db.schema.dropIndex('ticket_events_kind_at').ifExists().execute();
  for (const name of [
    'status',
    'priority',
    'assignee_id',
    'hold_reason',
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
  ]) {
    await db.schema.alterTable('ticket_events').dropColumn(name).execute();
  }
  await db.schema.alterTable('tickets').dropColumn('hold_reason').execute();
}
