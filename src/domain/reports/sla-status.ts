/**
 * Where a ticket stands against its SLA for the triage queue: which target is next (first response,
 * then resolution), and whether it is paused, on track, nearly due (past `warnAt` of its time) or
 * breached.
 */
export interface SlaInput {
  status: string;
  created_at: number;
  first_response_at: number | null;
  first_response_due_at: number;
  resolution_due_at: number;
  paused_since: number | null;
  first_response_breached: number;
  resolution_breached: number;
}

export interface SlaStatus {
  target: 'first_response' | 'resolution';
  state: 'paused' | 'ok' | 'warning' | 'breached';
  dueAt: number;
}

export function slaStatus(t: SlaInput, now: number, warnAt: number): SlaStatus {
  const target = t.first_response_at === null ? 'first_response' : 'resolution';
  const dueAt = target === 'first_response' ? t.first_response_due_at : t.resolution_due_at;
  const flagged = target === 'first_response' ? t.first_response_breached === 1 : t.resolution_breached === 1;
  if (flagged || (t.paused_since === null && now >= dueAt)) return { target, state: 'breached', dueAt };
  if (t.status === 'waiting_on_requester' || t.paused_since !== null) return { target, state: 'paused', dueAt };
  const span = dueAt - t.created_at;
  const state = span > 0 && (now - t.created_at) / span >= warnAt ? 'warning' : 'ok';
  return { target, state, dueAt };
}
