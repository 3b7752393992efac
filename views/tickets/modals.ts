import type { KnownBlock, ModalView, PlainTextOption } from '@slack/types';
import { IMPACT_LABELS, LEVELS, URGENCY_LABELS, type Level } from '../../src/domain/tickets/priority.js';
import { asksForServices } from '../../src/domain/catalog.js';
import { mrkdwn, plain, userText, channelLink } from '../text.js';
import { TICKET_ACTIONS, TICKET_FIELDS as F, TICKET_VIEWS } from './ids.js';

export const LIMITS = {
  summary: 150,
  details: 2900,
  attachment: 1000,
  note: 2900,
  comment: 2900,
  question: 1000,
  kbTitle: 150,
  kbBody: 2900,
} as const;

export interface FileModalOptions {
  categories: string[];
  services: string[];
  summary?: string;
  details?: string;
  /** Where the ticket comes from, carried through private_metadata. */
  source?: { kind: 'command' | 'shortcut'; channel?: string; ts?: string };
  /**
   * A message from a private conversation: shown to the person filing as a reference above the form,
   * never pre-filled into the fields (which go to the triage channel).
   */
  reference?: { heading: string; text: string };
}

const option = (text: string, value = text): PlainTextOption => ({ text: plain(text, 75), value: value.slice(0, 75) });

/** The /it-help form. Every field is an input block whose block_id and action_id are the field name. */
export function fileTicketModal(options: FileModalOptions): ModalView {
  const levelOptions = (labels: Record<Level, string>) => LEVELS.map((l) => option(labels[l], l));
  const reference: KnownBlock[] = options.reference
    ? [
        {
          type: 'section',
          text: mrkdwn(
            `*${userText(options.reference.heading, 200)}* (for reference; not copied to the ticket)\n${userText(options.reference.text || '—', 2500)}`,
            3000,
          ),
        },
        {
          type: 'context',
          elements: [
            mrkdwn(
              'The summary and details go to the IT triage channel: write them without private details. The ticket links the message.',
            ),
          ],
        },
      ]
    : [];
  const blocks: KnownBlock[] = [
    ...reference,
    {
      type: 'input',
      block_id: F.summary,
      label: plain('What do you need help with?', 2000),
      element: {
        type: 'plain_text_input',
        action_id: F.summary,
        max_length: LIMITS.summary,
        placeholder: plain('e.g. Printer on 3rd floor jams on every job', 150),
        ...(options.summary ? { initial_value: options.summary.slice(0, LIMITS.summary) } : {}),
      },
    },
    {
      type: 'input',
      block_id: F.details,
      optional: true,
      label: plain('Details', 2000),
      hint: plain('What happened, what you tried, error messages.', 2000),
      element: {
        type: 'plain_text_input',
        action_id: F.details,
        multiline: true,
        max_length: LIMITS.details,
        ...(options.details ? { initial_value: options.details.slice(0, LIMITS.details) } : {}),
      },
    },
    {
      type: 'input',
      block_id: F.category,
      label: plain('Category', 2000),
      element: {
        type: 'static_select',
        action_id: F.category,
        options: options.categories.slice(0, 100).map((c) => option(c)),
      },
    },
    ...(asksForServices(options.services)
      ? [
          {
            type: 'input',
            block_id: F.service,
            optional: true,
            label: plain('Affected service', 2000),
            element: {
              type: 'static_select',
              action_id: F.service,
              options: options.services.slice(0, 100).map((s) => option(s)),
            },
          } satisfies KnownBlock,
        ]
      : []),
    {
      type: 'input',
      block_id: F.impact,
      label: plain('Who is affected?', 2000),
      element: {
        type: 'static_select',
        action_id: F.impact,
        options: levelOptions(IMPACT_LABELS),
        initial_option: option(IMPACT_LABELS.low, 'low'),
      },
    },
    {
      type: 'input',
      block_id: F.urgency,
      label: plain('How urgent is it?', 2000),
      element: {
        type: 'static_select',
        action_id: F.urgency,
        options: levelOptions(URGENCY_LABELS),
        initial_option: option(URGENCY_LABELS.medium, 'medium'),
      },
    },
    {
      type: 'input',
      block_id: F.attachment,
      optional: true,
      label: plain('Link to a screenshot or file', 2000),
      element: { type: 'url_text_input', action_id: F.attachment },
    },
  ];
  return {
    type: 'modal',
    callback_id: TICKET_VIEWS.file,
    title: plain('Get IT help', 24),
    submit: plain('Submit', 24),
    close: plain('Cancel', 24),
    private_metadata: JSON.stringify(options.source ?? { kind: 'command' }),
    blocks,
  };
}

export interface Suggestion {
  incidents: { id: number; key: string; title: string; channelId: string | null }[];
  articles: { id: number; title: string; body: string; url: string | null }[];
}

/** "Before you file": a known incident on the service, and knowledge-base answers for the summary. */
export function beforeYouFileModal(draftId: number, summary: string, suggestion: Suggestion): ModalView {
  const blocks: KnownBlock[] = [];
  for (const incident of suggestion.incidents.slice(0, 5)) {
    const follow = incident.channelId ? `, follow ${channelLink(incident.channelId)}` : '';
    blocks.push({
      type: 'section',
      text: mrkdwn(
        `:rotating_light: *Known incident ${incident.key}: ${userText(incident.title, 200)}*${follow}\nIT is already working on this. You can get its updates instead of filing a ticket.`,
      ),
      accessory: {
        type: 'button',
        action_id: TICKET_ACTIONS.subscribeIncident,
        text: plain('Get updates instead', 75),
        style: 'primary',
        value: JSON.stringify({ incidentId: incident.id, draftId }),
      },
    });
  }
  if (suggestion.articles.length > 0) {
    blocks.push({ type: 'section', text: mrkdwn(`*These answers might help with “${userText(summary, 150)}”:*`) });
    for (const article of suggestion.articles.slice(0, 5)) {
      const link = article.url ? `\n<${article.url.replace(/[<>|]/g, '')}|Read the full article>` : '';
      blocks.push({
        type: 'section',
        text: mrkdwn(`*${userText(article.title, 150)}*\n${userText(article.body, 600)}${link}`),
        accessory: {
          type: 'button',
          action_id: TICKET_ACTIONS.kbHelped,
          text: plain('This solved it', 75),
          value: JSON.stringify({ articleId: article.id, draftId }),
        },
      });
    }
  }
  blocks.push({
    type: 'context',
    elements: [mrkdwn('Still need help? Press *File ticket* and an agent will pick it up.')],
  });
  return {
    type: 'modal',
    callback_id: TICKET_VIEWS.confirm,
    title: plain('Before you file', 24),
    submit: plain('File ticket', 24),
    close: plain('Cancel', 24),
    private_metadata: JSON.stringify({ draftId }),
    blocks,
  };
}

/** Shown in place of the modal once the requester took a suggestion instead of filing. */
export function noTicketNeededModal(message: string): ModalView {
  return ticketNoticeModal('Get IT help', message, 'Done');
}

export function resolveModal(ticketId: number, key: string, codes: string[]): ModalView {
  return {
    type: 'modal',
    callback_id: TICKET_VIEWS.resolve,
    title: plain(`Resolve ${key}`, 24),
    submit: plain('Resolve', 24),
    close: plain('Cancel', 24),
    private_metadata: JSON.stringify({ ticketId }),
    blocks: [
      {
        type: 'input',
        block_id: F.resolutionNote,
        label: plain('Resolution (the requester sees this)', 2000),
        element: { type: 'plain_text_input', action_id: F.resolutionNote, multiline: true, max_length: LIMITS.note },
      },
      {
        type: 'input',
        block_id: F.resolutionCode,
        label: plain('Resolution code', 2000),
        element: {
          type: 'static_select',
          action_id: F.resolutionCode,
          options: codes.slice(0, 100).map((c) => option(c)),
        },
      },
    ],
  };
}

export function commentModal(ticketId: number, key: string, toRequester: boolean): ModalView {
  return {
    type: 'modal',
    callback_id: TICKET_VIEWS.comment,
    title: plain(`Comment on ${key}`, 24),
    submit: plain('Send', 24),
    close: plain('Cancel', 24),
    private_metadata: JSON.stringify({ ticketId }),
    blocks: [
      {
        type: 'input',
        block_id: F.comment,
        label: plain(toRequester ? 'Message to the requester' : 'Add to your ticket', 2000),
        element: { type: 'plain_text_input', action_id: F.comment, multiline: true, max_length: LIMITS.comment },
      },
    ],
  };
}

/**
 * Waiting on requester: the question the requester gets by DM. Built from the button alone, so it
 * opens before anything is looked up (the trigger_id lasts 3 seconds).
 */
export function waitModal(ticketId: number): ModalView {
  return {
    type: 'modal',
    callback_id: TICKET_VIEWS.wait,
    title: plain('Waiting on requester', 24),
    submit: plain('Ask', 24),
    close: plain('Cancel', 24),
    private_metadata: JSON.stringify({ ticketId }),
    blocks: [
      {
        type: 'input',
        block_id: F.question,
        label: plain('What do you need from the requester?', 2000),
        hint: plain('They get this by DM with an Add a comment button; the ticket waits for their answer.', 2000),
        element: { type: 'plain_text_input', action_id: F.question, multiline: true, max_length: LIMITS.question },
      },
    ],
  };
}

/** Shown in place of a ticket form the person may not use after all (the check ran once it was open). */
export function ticketNoticeModal(title: string, message: string, close = 'Close'): ModalView {
  return {
    type: 'modal',
    title: plain(title, 24),
    close: plain(close, 24),
    blocks: [{ type: 'section', text: mrkdwn(message) }],
  };
}

export function kbAddModal(): ModalView {
  return {
    type: 'modal',
    callback_id: TICKET_VIEWS.kbAdd,
    title: plain('New KB article', 24),
    submit: plain('Save', 24),
    close: plain('Cancel', 24),
    blocks: [
      {
        type: 'input',
        block_id: F.kbTitle,
        label: plain('Title', 2000),
        element: { type: 'plain_text_input', action_id: F.kbTitle, max_length: LIMITS.kbTitle },
      },
      {
        type: 'input',
        block_id: F.kbBody,
        label: plain('Answer', 2000),
        element: { type: 'plain_text_input', action_id: F.kbBody, multiline: true, max_length: LIMITS.kbBody },
      },
      {
        type: 'input',
        block_id: F.kbUrl,
        optional: true,
        label: plain('Link to the full article', 2000),
        element: { type: 'url_text_input', action_id: F.kbUrl },
      },
    ],
  };
}
