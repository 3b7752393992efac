import { LINKED_INCIDENT_REASON } from '../../domain/tickets/lifecycle.js';
import { nextNumber } from '../../../db/queries/counters.js';
import { openIncidentsForService } from '../../../db/queries/incidents.js';
import { insertAudit } from '../../../db/queries/audit.js';
import { searchArticles } from '../../../db/queries/kb.js';
import { firstReceipt } from '../../../db/queries/receipts.js';
import { findTicketBySource, insertTicket, saveDraft, takeDraft, type TicketRow } from '../../../db/queries/tickets.js';
import { categoryRefusal, servicesRefusal } from '../../domain/catalog.js';
import { priorityOf } from '../../domain/tickets/priority.js';
import { filingStep, readClocks, type Clocks } from '../../domain/tickets/sla.js';
import type { TicketInput } from '../../../views/tickets/parse.js';
import {
  confirmationDm,
  filedForSomeoneDm,
  fullDetailsMessage,
  TRIAGE_DETAILS_SHOWN,
  triageMessage,
} from '../../../views/tickets/messages.js';
import type { Suggestion } from '../../../views/tickets/modals.js';
import { ok, refuse, transact, type Outcome, type ServiceContext, type Trx } from '../context.js';
import { postMessage } from '../outbox.js';
import { holdOptions, recordTicketEvent } from './sla.js';
import { editTicketDm, sendTicketDm } from './dm-buttons.js';

export interface TicketSource {
  kind: 'command' | 'shortcut' | 'reaction';
  channel?: string | null;
  ts?: string | null;
  permalink?: string | null;
  /** Who filed it when that is not the requester (a reaction on someone else's message). */
  filedBy?: string;
}

export interface Requester {
  id: string;
  name?: string | null;
}

export const triageRef = (ticketId: number): string => `ticket/${ticketId}/triage`;

export type Precheck = { kind: 'file' } | { kind: 'suggest'; draftId: number; suggestion: Suggestion };

/**
 * First step of /it-help, cheap enough to answer Slack's submission at once: refuses a message that is
 * already a ticket; if an open incident already covers the service, or knowledge-base articles match
 * the summary, keeps the input as a draft and offers those first. Otherwise the caller stores the
 * request, acks and then files (fileTicket), so the write never delays Slack's answer.
 */
export async function checkBeforeFiling(
  ctx: ServiceContext,
  requester: Requester,
  input: TicketInput,
  source: TicketSource,
): Promise<Outcome<Precheck>> {
  if (source.channel && source.ts) {
    const existing = await findTicketBySource(ctx.db, source.channel, source.ts);
    if (existing) return refuse(`That message is already ticket ${existing.key}.`);
  }
  const incidents = input.service ? await openIncidentsForService(ctx.db, input.service) : [];
  const articles = await searchArticles(ctx.db, input.summary.split(/\s+/), 3);
  if (incidents.length === 0 && articles.length === 0) return ok({ kind: 'file' });
  const draftId = await saveDraft(ctx.db, requester.id, { input, source }, ctx.clock.now());
  return ok({
    kind: 'suggest',
    draftId,
    suggestion: {
      incidents: incidents.map((i) => ({ id: i.id, key: i.key, title: i.title, channelId: i.channel_id })),
      articles: articles.map((a) => ({ id: a.id, title: a.title, body: a.body, url: a.url })),
    },
  });
}

/** "File anyway" from the suggestions step: the draft is used once, so a double submit files one ticket. */
export async function fileDraft(
  ctx: ServiceContext,
  requester: Requester,
  draftId: number,
): Promise<Outcome<TicketRow>> {
  const draft = (await takeDraft(ctx.db, draftId, requester.id, ctx.clock.now())) as
    { input: TicketInput; source: TicketSource } | undefined;
  if (!draft) return refuse('This request was already filed or has expired. Type /it-help to start again.');
  return fileTicket(ctx, requester, draft.input, draft.source);
}

/**
 * Files a ticket. `receipt` names the Slack delivery that asked for it (the stored form or event): it
 * is marked processed in this transaction, so a second processing of the same delivery files nothing.
 */
export async function fileTicket(
  ctx: ServiceContext,
  requester: Requester,
  input: TicketInput,
  source: TicketSource,
  receipt?: string,
): Promise<Outcome<TicketRow>> {
  const unlisted = catalogRefusal(ctx, input);
  if (unlisted) return unlisted;
  return transact(ctx, async (trx, now) => {
    if (source.channel && source.ts) {
      const existing = await findTicketBySource(trx, source.channel, source.ts);
      if (existing) return refuse(`That message is already ticket ${existing.key}.`);
    }
    if (receipt && !(await firstReceipt(trx, receipt, now))) return refuse('This form was already submitted.');
    const ticket = await createTicket(trx, ctx, requester, input, source, now);
    return ok(ticket);
  });
}

/** Category and service come from the settings' lists on every path (form, draft, reaction). */
function catalogRefusal(ctx: ServiceContext, input: TicketInput): Outcome<never> | undefined {
  const category = categoryRefusal(input.category, ctx.settings.service_desk.categories);
  if (category) return refuse(category, 'category');
  const service = input.service === null ? undefined : servicesRefusal([input.service], ctx.settings.service_catalog);
  if (service) return refuse(service, 'service');
  return undefined;
}

/** The working-time targets the requester is told about. */
const targets = (clocks: Clocks) => ({
  firstResponseMs: clocks.firstResponse.targetMs,
  resolutionMs: clocks.resolution.targetMs,
});

async function createTicket(
  trx: Trx,
  ctx: ServiceContext,
  requester: Requester,
  input: TicketInput,
  source: TicketSource,
  now: Date,
): Promise<TicketRow> {
  const { settings } = ctx;
  const priority = priorityOf(input.impact, input.urgency);
  // Due as if the clocks run from filing; recording the filing below reads them again with any hold.
  const filed = readClocks([filingStep(priority, now)], now.getTime(), settings);
  const covering = input.service ? await openIncidentsForService(trx, input.service) : [];
  const number = await nextNumber(trx, 'IT');
  const inserted = await insertTicket(trx, {
    key: `IT-${number}`,
    requester_id: requester.id,
    requester_name: requester.name ?? null,
    summary: input.summary,
    details: input.details,
    category: input.category,
    service: input.service,
    impact: input.impact,
    urgency: input.urgency,
    priority,
    attachment_url: input.attachmentUrl,
    status: 'new',
    assignee_id: null,
    first_assignee_id: null,
    source: source.kind,
    source_channel: source.channel ?? null,
    source_ts: source.ts ?? null,
    source_permalink: source.permalink ?? null,
    created_at: now.getTime(),
    updated_at: now.getTime(),
    first_response_due_at: filed.firstResponse.dueAt,
    resolution_due_at: filed.resolution.dueAt,
    incident_id: covering[0]?.id ?? null,
    // Filed against a service with an open incident: the ticket follows that incident (on hold meanwhile).
    hold_reason: covering[0] && settings.sla.pause_reasons[LINKED_INCIDENT_REASON] ? LINKED_INCIDENT_REASON : null,
  });
  const ticket = await recordTicketEvent(
    trx,
    settings,
    inserted,
    { kind: 'filed', actorId: requester.id, body: null },
    now,
  );
  await insertAudit(
    trx,
    {
      actor: source.filedBy ? { id: source.filedBy } : requester,
      action: 'ticket.filed',
      recordType: 'ticket',
      recordId: ticket.id,
      recordKey: ticket.key,
      after: ticketFacts(ticket),
      source: source.kind === 'reaction' ? 'event' : source.kind === 'shortcut' ? 'shortcut' : 'modal',
    },
    now,
  );
  const triage = settings.channels.triage;
  if (triage) {
    await postMessage(trx, now, {
      channel: triage,
      ...triageMessage(ticket, { incidentKey: covering[0]?.key, holds: holdOptions(ctx) }),
      refKey: triageRef(ticket.id),
    });
  } else {
    ctx.logger.warn(
      { ticket: ticket.key },
      'no triage channel configured (channels.triage); the ticket is recorded but not posted',
    );
  }
  // The confirmation goes at once; the link to the triage post is added when that post exists, so a
  // busy triage channel (an outage, Slack's 1 message/s) never delays the requester's receipt.
  const confirmation = `ticket/${ticket.id}/confirmation`;
  await sendTicketDm(
    trx,
    now,
    ticket,
    requester.id,
    confirmationDm(ticket, targets(filed), null, { filedBy: source.filedBy }),
    { refKey: confirmation },
  );
  if (triage)
    await editTicketDm(
      trx,
      now,
      confirmation,
      confirmationDm(ticket, targets(filed), triageRef(ticket.id), { filedBy: source.filedBy }),
    );
  // Filed for someone else (a reaction on their message): the person who reacted is told too.
  if (source.filedBy) await postMessage(trx, now, { channel: source.filedBy, ...filedForSomeoneDm(ticket) });
  // Triage shows the start of long details; the whole text goes in the post's thread.
  if (triage && [...ticket.details].length > TRIAGE_DETAILS_SHOWN)
    await postMessage(trx, now, { channel: triage, threadOf: triageRef(ticket.id), ...fullDetailsMessage(ticket) });
  return ticket;
}

/**
 * A ticket reaction in a private space by someone other than the author (and not in a listed channel):
 * nothing is filed or copied; the attempt is audited, without the message's text.
 */
export async function refuseReactionFiling(
  ctx: ServiceContext,
  actor: Requester,
  channel: string,
  ts: string,
): Promise<void> {
  await transact(ctx, async (trx, now) => {
    await insertAudit(
      trx,
      {
        actor,
        action: 'ticket.reaction_refused',
        recordType: 'ticket',
        recordKey: null,
        detail: `reaction in private conversation ${channel} (message ${ts}) by someone other than its author; not filed`,
        source: 'event',
      },
      now,
    );
  });
}

/** The audit's before/after: the fields that matter to an auditor, not the whole row. */
export function ticketFacts(ticket: TicketRow): Record<string, unknown> {
  return {
    status: ticket.status,
    priority: ticket.priority,
    assignee: ticket.assignee_id,
    category: ticket.category,
    service: ticket.service,
    resolution_code: ticket.resolution_code,
    csat: ticket.csat_score,
  };
}

/**
 * "Get updates instead": the requester follows the known incident rather than filing a duplicate.
 * The draft is used up, the subscription recorded (once), and both audited.
 */
export async function followIncidentInstead(
  ctx: ServiceContext,
  requester: Requester,
  incidentId: number,
  draftId: number,
): Promise<Outcome<{ key: string; title: string; channelId: string | null }>> {
  return transact(ctx, async (trx, now) => {
    const incident = await trx
      .selectFrom('incidents')
      .select(['id', 'key', 'title', 'status', 'channel_id'])
      .where('id', '=', incidentId)
      .executeTakeFirst();
    if (!incident) return refuse('That incident no longer exists.');
    const draft = await takeDraft(trx, draftId, requester.id, now);
    if (!draft) return refuse('This request was already filed or closed.');
    await trx
      .insertInto('incident_subscriptions')
      .values({ incident_id: incident.id, user_id: requester.id, at: now.getTime() })
      .onConflict((oc) => oc.columns(['incident_id', 'user_id']).doNothing())
      .execute();
    await insertAudit(
      trx,
      {
        actor: requester,
        action: 'incident.subscribe',
        recordType: 'incident',
        recordId: incident.id,
        recordKey: incident.key,
        detail: 'from the /it-help known-incident prompt',
        source: 'button',
      },
      now,
    );
    return ok({ key: incident.key, title: incident.title, channelId: incident.channel_id });
  });
}
