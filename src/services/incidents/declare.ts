import { nextNumber } from '../../../db/queries/counters.js';
import { insertIncident, setRole, setServices } from '../../../db/queries/incidents.js';
import { auditRefusal, linkTicketToIncident, ticketDecisionFacts } from '../tickets/work.js';
import { findTicket } from '../../../db/queries/tickets.js';
import { decide } from '../../domain/tickets/lifecycle.js';
import { firstReceipt } from '../../../db/queries/receipts.js';
import { servicesRefusal } from '../../domain/catalog.js';
import {
  channelName,
  conferenceUrl,
  firstUpdateDue,
  hasBridge,
  isSeverity,
  type Severity,
} from '../../domain/incidents/rules.js';
import type { IncidentSnapshot } from '../../domain/incidents/types.js';
import { bridgeMessage, summaryMessage, topicText } from '../../../views/incidents/messages.js';
import { mention, userText } from '../../../views/text.js';
import { ok, refuse, transact, type Actor, type Outcome, type ServiceContext, type Trx } from '../context.js';
import { owe, refChannel, refTs } from '../outbox.js';
import {
  audit,
  currentCadence,
  ensureChannelAudiences,
  loadSnapshot,
  pageMentions,
  postInChannel,
  refs,
  scheduleUpdatePoint,
  timeline,
  type Source,
} from './common.js';
import type { Settings } from '../../config/settings.js';

export interface DeclareIncidentInput {
  title: string;
  severity: Severity;
  /** Affected services (names from the service catalog). */
  services?: string[];
  impact?: string;
  /** Defaults to the declarer. */
  commanderId?: string | null;
  actor: Actor;
  source?: Source;
  /** Declared from a service-desk ticket: the ticket is linked (tickets.incident_id) and the timeline says so. */
  linkedTicketId?: number;
  /** The declarer's standing on the service desk (resolved by the shell): escalating a ticket is for agents. */
  declarerIsAgent?: boolean;
  /** Declared from a Slack message (message shortcut). */
  sourceMessage?: { channel: string; ts: string; permalink?: string };
  /** When the problem started, if known (MTTR from start is reported too). */
  startedAt?: number | null;
  /** A modal submission's identity: a resubmitted form declares nothing twice. */
  submissionKey?: string;
}

/**
 * Declares an incident: the record, its timeline and audit, the update schedule, and everything Slack
 * is owed: a dedicated channel, invites, topic, a pinned summary, the bridge for severe incidents,
 * announcements and paging.
 */
export async function declareIncident(
  ctx: ServiceContext,
  input: DeclareIncidentInput,
): Promise<Outcome<IncidentSnapshot>> {
  const title = input.title.trim().replace(/\s+/g, ' ');
  if (!title) return refuse('Give the incident a title.', 'title');
  if (title.length > 150) return refuse('Keep the title under 150 characters.', 'title');
  if (!isSeverity(input.severity)) return refuse('Choose a severity: P1, P2, P3 or P4.', 'severity');
  const settings = ctx.settings;
  const unlisted = servicesRefusal(input.services ?? [], settings.service_catalog);
  if (unlisted) return refuse(unlisted, 'services');
  return transact(ctx, async (trx, now) => {
    if (input.linkedTicketId !== undefined) {
      // The form only says which ticket; whether this person may escalate it is decided from the ticket.
      const ticket = await findTicket(trx, input.linkedTicketId);
      if (!ticket) return refuse('That ticket no longer exists; no incident was declared.');
      const actor = {
        id: input.actor.id,
        name: input.actor.name,
        isAgent: input.declarerIsAgent ?? false,
        source: 'modal' as const,
      };
      const decision = decide('escalate', ticketDecisionFacts(ticket), actor, now, settings.service_desk.reopen_window);
      if (!decision.ok) {
        if (decision.forbidden) await auditRefusal(trx, now, ticket, 'escalate', actor);
        return refuse(`${ticket.key}: ${decision.reason} No incident was declared.`);
      }
    }
    if (input.submissionKey && !(await firstReceipt(trx, `incident.declare:${input.submissionKey}`, now))) {
      return refuse('This form was already submitted; the incident is declared.');
    }
    const number = await nextNumber(trx, 'INC');
    const key = `INC-${number}`;
    const at = now.getTime();
    const commanderId = input.commanderId || input.actor.id;
    const bridge = hasBridge(settings.incidents, input.severity);
    const bridgeUrl = bridge ? conferenceUrl(settings.incidents.conference_url_template, key, number) : null;
    const cadence = currentCadence(settings, input.severity, 'investigating');
    const nextDue = firstUpdateDue(cadence, at);
    const name = channelName(settings.incidents.channel_prefix, number, title);
    const services = [...new Set((input.services ?? []).map((s) => s.trim()).filter(Boolean))];
    const id = await insertIncident(trx, {
      key,
      title,
      severity: input.severity,
      status: 'investigating',
      impact: (input.impact ?? '').trim(),
      declared_by: input.actor.id,
      commander_id: commanderId,
      started_at: input.startedAt ?? null,
      declared_at: at,
      // Declaring is the commander's first action when they declare it themselves.
      acknowledged_at: commanderId === input.actor.id ? at : null,
      mitigated_at: null,
      resolved_at: null,
      closed_at: null,
      resolution_summary: null,
      channel_id: null,
      channel_name: name,
      bridge_url: bridgeUrl,
      bridge_started_at: bridge ? at : null,
      next_update_due_at: nextDue,
      last_update_at: null,
      updated_at: at,
      update_generation: 0,
    });
    await setServices(trx, id, services);
    await setRole(trx, id, 'commander', commanderId, input.actor.id, now);
    const source = input.source ?? 'command';
    await audit(trx, now, { id, key }, input.actor, 'incident.declared', source, {
      after: { title, severity: input.severity, services, commander: commanderId, channel: name, bridge: bridgeUrl },
    });
    await timeline(
      trx,
      now,
      id,
      'declared',
      input.actor.id,
      `Declared as ${input.severity} by ${mention(input.actor.id)}: ${userText(title, 150)}`,
    );
    await timeline(trx, now, id, 'role', input.actor.id, `${mention(commanderId)} is commander`);
    if (bridgeUrl) await timeline(trx, now, id, 'bridge', null, `Bridge started: ${bridgeUrl}`);
    if (input.sourceMessage) {
      await timeline(
        trx,
        now,
        id,
        'source',
        input.actor.id,
        `Declared from a message${input.sourceMessage.permalink ? `: ${input.sourceMessage.permalink}` : ''}`,
      );
    }
    if (input.linkedTicketId !== undefined) {
      const ticketKey = await linkTicketToIncident(
        trx,
        ctx,
        input.linkedTicketId,
        { id, key, title },
        input.actor,
        now,
      );
      if (ticketKey) {
        await timeline(trx, now, id, 'ticket', input.actor.id, `Linked ticket ${ticketKey}`);
        await audit(trx, now, { id, key }, input.actor, 'incident.ticket_linked', source, { detail: ticketKey });
      }
    }
    if (nextDue !== null)
      await scheduleUpdatePoint(
        trx,
        now,
        settings,
        { id, severity: input.severity, status: 'investigating' },
        0,
        nextDue,
      );
    const snapshot = (await loadSnapshot(trx, settings, id))!;
    await oweMobilisation(trx, now, settings, snapshot, { name, declarerId: input.actor.id });
    return ok(snapshot);
  });
}

/** The channel and everything in it, then the announcements outside it. */
async function oweMobilisation(
  trx: Trx,
  now: Date,
  settings: Settings,
  snapshot: IncidentSnapshot,
  opts: { name: string; declarerId: string },
): Promise<void> {
  const { id, key } = snapshot;
  const channel = refChannel(refs.channel(id));
  const lane = `ref:${refs.channel(id)}`;
  await owe(
    trx,
    now,
    'conversations.create',
    { name: opts.name, is_private: false },
    {
      refKey: refs.channel(id),
      lane,
      onFailure: {
        method: 'chat.postMessage',
        args: {
          channel: opts.declarerId,
          text: `${key} is declared and recorded, but Slack would not create its channel #${opts.name}. Run it from ${settings.channels.incidents ? `<#${settings.channels.incidents}>` : 'the incidents channel'} with \`/incident\`, or ask an admin to check the app's channels:manage permission.`,
        },
      },
    },
  );
  const invitees = [...new Set([opts.declarerId, snapshot.commanderId].filter((u): u is string => Boolean(u)))];
  for (const user of invitees) await oweInvite(trx, now, id, user);
  await owe(trx, now, 'conversations.setTopic', { channel, topic: topicText(snapshot, settings.timezone) }, { lane });
  await postInChannel(trx, now, id, { ...summaryMessage(snapshot, now.getTime()), refKey: refs.summary(id) });
  await owe(trx, now, 'pins.add', { channel, timestamp: refTs(refs.summary(id)) }, { lane });
  const page = snapshot.bridgeUrl ? pageMentions(settings) : [];
  if (snapshot.bridgeUrl) await oweBridge(trx, now, snapshot, page);
  await ensureChannelAudiences(trx, now, settings, snapshot, page);
}

export async function oweInvite(trx: Trx, now: Date, incidentId: number, userId: string): Promise<void> {
  await owe(
    trx,
    now,
    'conversations.invite',
    { channel: refChannel(refs.channel(incidentId)), users: userId },
    {
      lane: `ref:${refs.channel(incidentId)}`,
      onFailure: {
        method: 'chat.postMessage',
        args: {
          channel: refChannel(refs.channel(incidentId)),
          text: `Could not invite ${mention(userId)} to this channel (Slack refused: the user may not exist or be deactivated). Add them by hand if needed.`,
        },
      },
    },
  );
}

/** Conference link posted and bookmarked, the paging group mentioned. */
export async function oweBridge(trx: Trx, now: Date, snapshot: IncidentSnapshot, page: string[]): Promise<void> {
  // Slack refuses a link bookmark without its link: no bridge, nothing to post or bookmark.
  if (!snapshot.bridgeUrl) return;
  const lane = `ref:${refs.channel(snapshot.id)}`;
  await postInChannel(trx, now, snapshot.id, bridgeMessage(snapshot, page));
  await owe(
    trx,
    now,
    'bookmarks.add',
    {
      channel_id: refChannel(refs.channel(snapshot.id)),
      title: `Bridge ${snapshot.key}`,
      type: 'link',
      link: snapshot.bridgeUrl,
    },
    { lane },
  );
}
