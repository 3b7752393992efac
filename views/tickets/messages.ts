import type { ActionsBlockElement, Button, KnownBlock, MrkdwnElement, PlainTextOption } from '@slack/types';
import type { KbArticle, Ticket } from '../../src/domain/tickets/types.js';
import { formatDuration } from '../../src/config/duration.js';
import { isOpen } from '../../src/domain/tickets/lifecycle.js';
import { PRIORITIES } from '../../src/domain/tickets/priority.js';
import {
  composed,
  escapeMrkdwn,
  mention,
  mrkdwn,
  plain,
  slackDate,
  truncate,
  userText,
  type Owed,
  fallbackText,
} from '../text.js';
import { TICKET_ACTIONS as A, TICKET_DM_BLOCKS as DM } from './ids.js';

export interface MessageContent {
  text: string;
  blocks: KnownBlock[];
}
/** A message with a send-time value in it (a link to a post not made yet): only the outbox can send it. */
export interface OwedMessageContent {
  text: string;
  blocks: Owed<KnownBlock>[];
}

const STATUS_LABEL: Record<Ticket['status'], string> = {
  new: ':new: New',
  in_progress: ':hammer_and_wrench: In progress',
  waiting_on_requester: ':hourglass_flowing_sand: Waiting on requester',
  resolved: ':white_check_mark: Resolved',
  closed: ':lock: Closed',
  cancelled: ':heavy_multiplication_x: Cancelled',
};

const PRIORITY_LABEL: Record<Ticket['priority'], string> = {
  P1: ':red_circle: P1',
  P2: ':large_orange_circle: P2',
  P3: ':large_yellow_circle: P3',
  P4: ':white_circle: P4',
};
const priorityOption = (p: Ticket['priority']): PlainTextOption => ({ text: plain(p, 75), value: p });

/** A hold the triage post can offer: a key of `sla.pause_reasons` and its label. */
export interface HoldOption {
  reason: string;
  label: string;
}

/**
 * The canonical triage post: current state in place, with the agent's buttons while the ticket is open.
 * SLA lines read the ticket row, which every change keeps in step with its clocks: a clock that
 * stopped late, or whose due time came, says breached, never met.
 */
export function triageMessage(
  ticket: Ticket,
  options: { incidentKey?: string | null; holdLabel?: string | null; holds?: HoldOption[] } = {},
): MessageContent {
  const open = isOpen(ticket.status);
  const due = (at: number, met: number | null, breached: number) =>
    met && !breached
      ? `met ${slackDate(new Date(met))}`
      : met
        ? `:rotating_light: breached: responded ${slackDate(new Date(met))}, was due ${slackDate(new Date(at))}`
        : `${breached ? ':rotating_light: breached, was due' : 'due'} ${slackDate(new Date(at))}`;
  const paused = ticket.paused_since !== null;
  const fields = [
    mrkdwn(`*Requester*\n${mention(ticket.requester_id)}`),
    mrkdwn(`*Priority*\n${PRIORITY_LABEL[ticket.priority]}`),
    mrkdwn(
      `*Status*\n${STATUS_LABEL[ticket.status]}${open && options.holdLabel ? `\n:double_vertical_bar: On hold: ${userText(options.holdLabel, 80)}` : ''}`,
    ),
    mrkdwn(`*Assignee*\n${ticket.assignee_id ? mention(ticket.assignee_id) : '_unassigned_'}`),
    mrkdwn(`*Category*\n${userText(ticket.category, 100)}`),
    mrkdwn(`*Service*\n${ticket.service ? userText(ticket.service, 100) : '—'}`),
  ];
  const pausedLine = (breached: number) =>
    breached ? ':rotating_light: breached; clock paused while on hold' : ':double_vertical_bar: paused while on hold';
  if (open || ticket.first_response_at) {
    const line =
      !ticket.first_response_at && paused
        ? pausedLine(ticket.first_response_breached)
        : due(ticket.first_response_due_at, ticket.first_response_at, ticket.first_response_breached);
    fields.push(mrkdwn(`*First response*\n${line}`));
  }
  if (open)
    fields.push(
      mrkdwn(
        `*Resolution*\n${paused ? pausedLine(ticket.resolution_breached) : due(ticket.resolution_due_at, null, ticket.resolution_breached)}`,
      ),
    );
  else if (ticket.resolved_at)
    fields.push(
      mrkdwn(
        `*Resolved*\n${slackDate(new Date(ticket.resolved_at))}${ticket.resolved_by ? ` by ${mention(ticket.resolved_by)}` : ''}${ticket.resolution_breached ? ' · :rotating_light: resolution SLA breached' : ''}`,
      ),
    );

  const blocks: KnownBlock[] = [
    { type: 'header', text: plain(`${ticket.key} · ${ticket.summary}`, 150) },
    { type: 'section', fields },
  ];
  if (ticket.details) {
    const cut = [...ticket.details].length > TRIAGE_DETAILS_SHOWN;
    blocks.push({
      type: 'section',
      text: mrkdwn(`${userText(ticket.details, TRIAGE_DETAILS_SHOWN)}${cut ? '\n_Full details in the thread._' : ''}`),
    });
  }
  const context: string[] = [];
  if (ticket.attachment_url) context.push(`<${encodeURI(ticket.attachment_url).replace(/[<>|]/g, '')}|Attachment>`);
  if (ticket.source_permalink) context.push(`<${ticket.source_permalink.replace(/[<>|]/g, '')}|Original message>`);
  if (options.incidentKey) context.push(`Linked to incident *${options.incidentKey}*`);
  if (ticket.resolution_note && !open)
    context.push(
      `Resolution (${userText(ticket.resolution_code ?? '', 60)}): ${userText(ticket.resolution_note, 500)}`,
    );
  if (ticket.csat_score !== null)
    context.push(`CSAT ${'★'.repeat(ticket.csat_score)}${'☆'.repeat(5 - ticket.csat_score)}`);
  if (context.length > 0) blocks.push({ type: 'context', elements: context.slice(0, 10).map((c) => mrkdwn(c)) });
  const value = String(ticket.id);
  if (open) {
    blocks.push({
      type: 'actions',
      block_id: `ticket.actions.${ticket.id}`,
      elements: [
        ...(ticket.assignee_id
          ? []
          : [
              {
                type: 'button' as const,
                action_id: A.claim,
                text: plain('Claim', 75),
                style: 'primary' as const,
                value,
              },
            ]),
        {
          type: 'users_select',
          action_id: A.assign,
          placeholder: plain('Assign…', 150),
          ...(ticket.assignee_id ? { initial_user: ticket.assignee_id } : {}),
        },
        {
          type: 'static_select',
          action_id: A.priority,
          placeholder: plain('Priority', 150),
          initial_option: priorityOption(ticket.priority),
          options: PRIORITIES.map(priorityOption),
        },
        ...(ticket.status === 'waiting_on_requester'
          ? []
          : [{ type: 'button' as const, action_id: A.wait, text: plain('Waiting on requester', 75), value }]),
        ...holdElements(ticket, options.holds ?? []),
        { type: 'button', action_id: A.comment, text: plain('Message requester', 75), value },
        { type: 'button', action_id: A.resolve, text: plain('Resolve', 75), value },
        ...(options.incidentKey
          ? [
              {
                type: 'button' as const,
                action_id: A.unlink,
                text: plain(`Unlink from ${options.incidentKey}`, 75),
                value,
                confirm: {
                  title: plain('Unlink from the incident?', 100),
                  text: plain(
                    `${ticket.key} will no longer wait for ${options.incidentKey} or be resolved with it.`,
                    300,
                  ),
                  confirm: plain('Unlink', 30),
                  deny: plain('Keep it linked', 30),
                },
              },
            ]
          : [
              {
                type: 'button' as const,
                action_id: A.escalate,
                text: plain('Escalate to incident', 75),
                style: 'danger' as const,
                value,
              },
            ]),
      ],
    });
  }
  return {
    text: fallbackText(
      `${ticket.key}: ${userText(truncate(ticket.summary, 150), 400)} (${ticket.priority}, ${ticket.status.replace(/_/g, ' ')})`,
    ),
    blocks,
  };
}

/** "On hold…" with the other configured reasons, and "Resume" while a hold other than the requester's is on. */
function holdElements(ticket: Ticket, holds: HoldOption[]): ActionsBlockElement[] {
  const value = String(ticket.id);
  const others = holds
    .filter((h) => h.reason !== 'waiting_on_requester' && h.reason !== ticket.hold_reason)
    .slice(0, 100);
  const out: ActionsBlockElement[] = [];
  if (others.length > 0)
    out.push({
      type: 'static_select',
      action_id: A.hold,
      placeholder: plain('On hold…', 150),
      options: others.map((h) => ({ text: plain(h.label, 75), value: `${ticket.id}:${h.reason}` })),
    });
  if (ticket.hold_reason && ticket.hold_reason !== 'waiting_on_requester')
    out.push({ type: 'button', action_id: A.resume, text: plain('Resume', 75), value });
  return out;
}

/** How much of the details the triage post shows; longer details go in full to its thread. */
export const TRIAGE_DETAILS_SHOWN = 1500;

/** The whole details in the triage thread, in sections that each fit Slack's 3000 characters. */
export function fullDetailsMessage(ticket: Ticket): MessageContent {
  const sections: string[] = [];
  let current = '';
  for (const char of ticket.details) {
    const piece = escapeMrkdwn(char);
    if (current.length + piece.length > 2900) {
      sections.push(current);
      current = '';
    }
    current += piece;
  }
  if (current) sections.push(current);
  return {
    text: fallbackText(`Full details of ${ticket.key}`),
    blocks: [
      { type: 'context', elements: [mrkdwn(`Full details of *${ticket.key}*:`)] },
      ...sections.slice(0, 4).map((text) => ({ type: 'section' as const, text: mrkdwn(text) })),
    ],
  };
}

/** To whoever filed a ticket for someone else (reacting to their message). */
export function filedForSomeoneDm(ticket: Ticket): MessageContent {
  const text = `You filed *${ticket.key}* for ${mention(ticket.requester_id)} from their message: ${userText(ticket.summary, 150)}. They get its updates.`;
  return { text: fallbackText(text), blocks: [{ type: 'section', text: mrkdwn(text) }] };
}

/** A line in the ticket's thread: the history people can scroll. */
export function historyLine(text: string): MessageContent {
  return { text: fallbackText(text), blocks: [{ type: 'context', elements: [mrkdwn(text)] }] };
}

/**
 * The requester's receipt. `triagePostRef` names the triage post once it is owed: the link to it is a
 * send-time value, filled in by the outbox sender when that post exists.
 */
export function confirmationDm(
  ticket: Ticket,
  targets: { firstResponseMs: number; resolutionMs: number },
  triagePostRef: string | null,
  opts: { filedBy?: string } = {},
): OwedMessageContent {
  const text = opts.filedBy
    ? `${mention(opts.filedBy)} filed *${ticket.key}* for you from your message: ${userText(ticket.summary, 150)}. You'll get its updates here.`
    : `Thanks, we've got it: *${ticket.key}* · ${userText(ticket.summary, 150)}`;
  const facts = `Priority ${ticket.priority} · first response within ${formatDuration(targets.firstResponseMs)} of working time (by ${slackDate(new Date(ticket.first_response_due_at))}) · resolution target ${slackDate(new Date(ticket.resolution_due_at))}`;
  const context: Owed<MrkdwnElement> = triagePostRef
    ? {
        type: 'mrkdwn',
        text: composed(`${facts} · <`, { $ref: triagePostRef, field: 'permalink' }, '|View in triage>'),
      }
    : mrkdwn(facts);
  return {
    text: fallbackText(text),
    blocks: [
      { type: 'section', text: mrkdwn(text) },
      { type: 'context', elements: [context] },
      requesterActions(ticket),
    ],
  };
}

function requesterActions(ticket: Ticket): KnownBlock {
  const value = String(ticket.id);
  return {
    type: 'actions',
    block_id: `${DM.requester}.${ticket.id}`,
    elements: [
      { type: 'button', action_id: A.comment, text: plain('Add a comment', 75), value },
      {
        type: 'button',
        action_id: A.cancel,
        text: plain('Cancel request', 75),
        value,
        confirm: {
          title: plain('Cancel this request?', 100),
          text: plain(`${ticket.key} will be closed without a fix.`, 300),
          confirm: plain('Cancel it', 30),
          deny: plain('Keep it', 30),
        },
      },
    ],
  };
}

/** What an agent can do on an open ticket from a DM or the ticket card (not the requester's buttons). */
function agentActions(ticket: Ticket, opts: { viewerId?: string } = {}): KnownBlock {
  const value = String(ticket.id);
  const claim = !ticket.assignee_id || (opts.viewerId !== undefined && ticket.assignee_id !== opts.viewerId);
  return {
    type: 'actions',
    block_id: `${DM.agent}.${ticket.id}`,
    elements: [
      ...(claim && opts.viewerId !== undefined
        ? [
            {
              type: 'button' as const,
              action_id: A.claim,
              text: plain(ticket.assignee_id ? 'Take it' : 'Claim', 75),
              style: 'primary' as const,
              value,
            },
          ]
        : []),
      { type: 'button', action_id: A.comment, text: plain('Message requester', 75), value },
      ...(ticket.status === 'waiting_on_requester'
        ? []
        : [{ type: 'button' as const, action_id: A.wait, text: plain('Waiting on requester', 75), value }]),
      { type: 'button', action_id: A.resolve, text: plain('Resolve', 75), value },
    ],
  };
}

/** A DM to the assignee: what happened, with the agent's buttons while the ticket is open. */
export function assigneeUpdate(ticket: Ticket, what: string, opts: { buttons?: boolean } = {}): MessageContent {
  const text = `*${ticket.key}* · ${userText(ticket.summary, 150)}\n${what}`;
  const blocks: KnownBlock[] = [{ type: 'section', text: mrkdwn(text) }];
  if (isOpen(ticket.status) && (opts.buttons ?? true)) blocks.push(agentActions(ticket));
  return { text: fallbackText(text), blocks };
}

/** Claim on a ticket someone else has: asks first. */
export function takeOverPrompt(ticket: Ticket, currentAssignee: string): MessageContent {
  const text = `*${ticket.key}* is assigned to ${mention(currentAssignee)}. Take it from ${mention(currentAssignee)}?`;
  return {
    text: fallbackText(`${ticket.key} is assigned to someone else. Take it?`),
    blocks: [
      { type: 'section', text: mrkdwn(text) },
      {
        type: 'actions',
        block_id: `ticket.takeover.${ticket.id}`,
        elements: [
          {
            type: 'button',
            action_id: A.takeOver,
            text: plain('Take it', 75),
            style: 'primary',
            value: JSON.stringify({ ticketId: ticket.id, from: currentAssignee }),
          },
          { type: 'button', action_id: A.keepAssignee, text: plain('Leave it', 75), value: String(ticket.id) },
        ],
      },
    ],
  };
}

/**
 * `/it-help IT-1`: the ticket for whoever asked (ephemeral), with what they may do. The requester gets
 * comment / cancel / reopen, an agent the agent's buttons.
 */
export function ticketCard(
  ticket: Ticket,
  viewer: { id: string; isAgent: boolean },
  reopenWindowMs: number,
  now: number,
): MessageContent {
  const fields = [
    mrkdwn(`*Status*\n${STATUS_LABEL[ticket.status]}`),
    mrkdwn(`*Priority*\n${PRIORITY_LABEL[ticket.priority]}`),
    mrkdwn(`*Requester*\n${mention(ticket.requester_id)}`),
    mrkdwn(`*Assignee*\n${ticket.assignee_id ? mention(ticket.assignee_id) : '_unassigned_'}`),
    mrkdwn(`*Filed*\n${slackDate(new Date(ticket.created_at))}`),
    mrkdwn(`*Category*\n${userText(ticket.category, 100)}`),
  ];
  if (isOpen(ticket.status) && !ticket.paused_since)
    fields.push(mrkdwn(`*Resolution target*\n${slackDate(new Date(ticket.resolution_due_at))}`));
  const blocks: KnownBlock[] = [
    { type: 'header', text: plain(`${ticket.key} · ${ticket.summary}`, 150) },
    { type: 'section', fields },
  ];
  if (ticket.details) blocks.push({ type: 'section', text: mrkdwn(userText(ticket.details, 2900)) });
  if (ticket.resolution_note && !isOpen(ticket.status))
    blocks.push({ type: 'context', elements: [mrkdwn(`Resolution: ${userText(ticket.resolution_note, 2000)}`)] });
  const value = String(ticket.id);
  const isRequester = viewer.id === ticket.requester_id;
  if (viewer.isAgent && isOpen(ticket.status)) blocks.push(agentActions(ticket, { viewerId: viewer.id }));
  else if (isRequester && isOpen(ticket.status)) blocks.push(requesterActions(ticket));
  else if (
    (isRequester || viewer.isAgent) &&
    ticket.status === 'resolved' &&
    ticket.resolved_at !== null &&
    now - ticket.resolved_at <= reopenWindowMs
  ) {
    blocks.push({
      type: 'actions',
      block_id: `ticket.card.${ticket.id}`,
      elements: [{ type: 'button', action_id: A.reopen, text: plain('Reopen', 75), value }],
    });
  }
  return {
    text: fallbackText(
      `${ticket.key}: ${userText(truncate(ticket.summary, 150), 400)} (${ticket.status.replace(/_/g, ' ')})`,
    ),
    blocks,
  };
}

export function requesterUpdate(ticket: Ticket, what: string): MessageContent {
  const text = `*${ticket.key}* · ${userText(ticket.summary, 150)}\n${what}`;
  const blocks: KnownBlock[] = [{ type: 'section', text: mrkdwn(text) }];
  if (isOpen(ticket.status)) blocks.push(requesterActions(ticket));
  return { text: fallbackText(text), blocks };
}

/** The resolution note, a CSAT question with five buttons, and a way back in. */
export function resolvedDm(ticket: Ticket, reopenWindowMs: number): MessageContent {
  const text = `*${ticket.key}* is resolved: ${userText(ticket.summary, 150)}`;
  return {
    text: fallbackText(text),
    blocks: [
      {
        type: 'section',
        text: mrkdwn(`${text}\n>${userText(ticket.resolution_note ?? '', 2000).replace(/\n/g, '\n>')}`),
      },
      { type: 'section', text: mrkdwn('*How did we do?* 1 = poor, 5 = excellent') },
      {
        type: 'actions',
        block_id: `${DM.csat}.${ticket.id}`,
        elements: [1, 2, 3, 4, 5].map((score) => ({
          type: 'button' as const,
          action_id: `${A.rate}.${score}`,
          text: plain(`${score} ${'★'.repeat(score)}`, 75),
          value: JSON.stringify({ ticketId: ticket.id, score }),
        })),
      },
      {
        type: 'actions',
        block_id: `${DM.reopen}.${ticket.id}`,
        elements: [
          { type: 'button', action_id: A.reopen, text: plain('Not fixed? Reopen', 75), value: String(ticket.id) },
        ],
      },
      { type: 'context', elements: [mrkdwn(`You can reopen it within ${formatDuration(reopenWindowMs)}.`)] },
    ],
  };
}

export function csatThanks(ticket: Ticket, score: number): MessageContent {
  const text = `Thanks for rating *${ticket.key}* ${'★'.repeat(score)}${'☆'.repeat(5 - score)}`;
  return { text: fallbackText(text), blocks: [{ type: 'section', text: mrkdwn(text) }] };
}

/** `/it-help list`: the requester's tickets, each with what they can do now. */
export function ticketList(tickets: Ticket[]): MessageContent {
  if (tickets.length === 0)
    return {
      text: fallbackText('You have no open IT tickets. Type `/it-help` to get help.'),
      blocks: [{ type: 'section', text: mrkdwn('You have no open IT tickets. Type `/it-help` to get help.') }],
    };
  const blocks: KnownBlock[] = [{ type: 'header', text: plain('Your IT tickets', 150) }];
  for (const ticket of tickets.slice(0, 15)) {
    const value = String(ticket.id);
    blocks.push({
      type: 'section',
      text: mrkdwn(
        `*${ticket.key}* · ${userText(ticket.summary, 150)}\n${STATUS_LABEL[ticket.status]} · ${ticket.priority}${ticket.assignee_id ? ` · with ${mention(ticket.assignee_id)}` : ''} · filed ${slackDate(new Date(ticket.created_at), '{date_short_pretty}')}`,
      ),
      accessory:
        ticket.status === 'resolved'
          ? { type: 'button', action_id: A.reopen, text: plain('Reopen', 75), value }
          : { type: 'button', action_id: A.comment, text: plain('Add a comment', 75), value },
    });
  }
  if (tickets.length > 15) blocks.push({ type: 'context', elements: [mrkdwn(`…and ${tickets.length - 15} more.`)] });
  return { text: fallbackText(`You have ${tickets.length} IT ticket(s).`), blocks };
}

export function slaReminder(
  ticket: Ticket,
  kind: 'warn' | 'breach',
  target: 'first response' | 'resolution',
  dueAt: Date,
  escalateTo: string | null,
): MessageContent {
  const who = ticket.assignee_id ? mention(ticket.assignee_id) : 'Unassigned';
  const head =
    kind === 'warn'
      ? `:warning: ${ticket.key} ${target} SLA is due ${slackDate(dueAt)}`
      : `:rotating_light: ${ticket.key} ${target} SLA breached (was due ${slackDate(dueAt)})`;
  const tail = kind === 'breach' && escalateTo ? ` · escalating to ${escalateTo}` : '';
  const text = `${head} · ${who}${tail}`;
  return { text: fallbackText(text), blocks: [{ type: 'section', text: mrkdwn(text) }] };
}

/**
 * Articles per page of `/it-help kb list`: each shows up to ~400 characters, so a page stays well
 * inside a message's 50 blocks and the ~12,000 characters Slack takes across them.
 */
export const KB_PAGE_SIZE = 20;

/** One page of the knowledge base, with the count and buttons to the pages before and after. */
export function kbList(
  page: { articles: KbArticle[]; total: number; offset: number },
  canRemove: boolean,
): MessageContent {
  const { articles, total, offset } = page;
  if (articles.length === 0) {
    const empty =
      total === 0
        ? 'The knowledge base is empty. Agents add answers with `/it-help kb add`.'
        : `No articles on this page (there are ${total}). Type \`/it-help kb list\` to start again.`;
    return { text: fallbackText(empty), blocks: [{ type: 'section', text: mrkdwn(empty) }] };
  }
  const range = `Articles ${offset + 1}–${offset + articles.length} of ${total}`;
  const blocks: KnownBlock[] = [
    { type: 'header', text: plain('Knowledge base', 150) },
    { type: 'context', elements: [mrkdwn(range)] },
  ];
  for (const a of articles.slice(0, KB_PAGE_SIZE)) {
    blocks.push({
      type: 'section',
      text: mrkdwn(`*KB-${a.id}* · ${userText(a.title, 150)}\n${userText(a.body, 200)}`),
      ...(canRemove
        ? {
            accessory: {
              type: 'button' as const,
              action_id: A.kbRemove,
              text: plain('Remove', 75),
              value: String(a.id),
              style: 'danger' as const,
            },
          }
        : {}),
    });
  }
  const pages: Button[] = [];
  if (offset > 0)
    pages.push({
      type: 'button',
      action_id: `${A.kbPage}.previous`,
      text: plain('Previous page', 75),
      value: String(Math.max(0, offset - KB_PAGE_SIZE)),
    });
  if (offset + articles.length < total)
    pages.push({
      type: 'button',
      action_id: `${A.kbPage}.next`,
      text: plain('Next page', 75),
      value: String(offset + KB_PAGE_SIZE),
    });
  if (pages.length > 0) blocks.push({ type: 'actions', block_id: 'ticket.kb_pages', elements: pages });
  return { text: fallbackText(`${range} in the knowledge base`), blocks };
}
