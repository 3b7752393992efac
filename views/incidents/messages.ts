import type { ActionsBlockElement, Button, KnownBlock, RichTextBlock } from '@slack/types';
import {
  ACTIVE_STATUSES,
  isOpen,
  roleLabel,
  SEVERITIES,
  STATUS_LABELS,
  type Severity,
} from '../../src/domain/incidents/rules.js';
import { formatTime } from '../../src/domain/incidents/review.js';
import type { ActionItem, IncidentSnapshot, UpdateContent } from '../../src/domain/incidents/types.js';
import {
  channelLink,
  composed,
  mention,
  mrkdwn,
  nameOf,
  plain,
  slackDate,
  truncate,
  userText,
  type ComposedText,
  type Owed,
  fallbackText,
} from '../text.js';
import { ACTIONS } from './ids.js';

/** Messages of the incident area: pure Block Kit within Slack's limits. */

type Block = KnownBlock;
export interface Message {
  text: string;
  blocks: Block[];
}
/** A message that links the incident channel before Slack has made it: only the outbox can send it. */
export interface OwedMessage {
  text: string;
  blocks: Owed<KnownBlock>[];
}

const SEVERITY_EMOJI: Record<Severity, string> = {
  P1: ':red_circle:',
  P2: ':large_orange_circle:',
  P3: ':large_yellow_circle:',
  P4: ':white_circle:',
};
const STATUS_EMOJI: Record<string, string> = {
  investigating: ':mag:',
  identified: ':bulb:',
  monitoring: ':eyes:',
  resolved: ':white_check_mark:',
  closed: ':lock:',
};

const button = (text: string, actionId: string, value: string, style?: 'primary' | 'danger', url?: string): Button => ({
  type: 'button',
  text: plain(text, 75),
  action_id: actionId,
  value,
  ...(style ? { style } : {}),
  ...(url ? { url } : {}),
});

const who = (userId: string | null | undefined) => (userId ? mention(userId) : '_unassigned_');

function headline(i: IncidentSnapshot): string {
  return `${SEVERITY_EMOJI[i.severity]} *${i.key}* ${userText(i.title, 150)}`;
}

function nextUpdateText(i: IncidentSnapshot, now?: number): string {
  if (!isOpen(i.status)) return '—';
  if (i.nextUpdateDueAt === null) return 'none scheduled';
  const overdue = now !== undefined && now > i.nextUpdateDueAt ? ' (overdue)' : '';
  return `${slackDate(new Date(i.nextUpdateDueAt), '{time}')}${overdue}`;
}

/** Incident actions: what the pinned summary and the status card offer. */
function controlBlocks(i: IncidentSnapshot): Block[] {
  const id = String(i.id);
  if (!isOpen(i.status)) {
    const elements = [
      button('Add follow-up action', ACTIONS.addAction, id),
      button('Export review (Markdown)', ACTIONS.exportReview, id),
    ];
    if (i.status === 'resolved') elements.push(button('Review done: close', ACTIONS.close, id, 'primary'));
    return [{ type: 'actions', block_id: `incident.controls.${id}`, elements }];
  }
  const statusOptions = ACTIVE_STATUSES.map((s) => ({ text: plain(STATUS_LABELS[s], 75), value: s }));
  const severityOptions = SEVERITIES.map((s) => ({ text: plain(s, 75), value: s }));
  const first: ActionsBlockElement[] = [];
  if (i.acknowledgedAt === null) first.push(button('Acknowledge', ACTIONS.ack, id, 'primary'));
  first.push(button('Post update', ACTIONS.postUpdate, id, i.acknowledgedAt === null ? undefined : 'primary'));
  first.push({
    type: 'static_select',
    action_id: ACTIONS.status,
    placeholder: plain('Status', 150),
    options: statusOptions,
    initial_option: statusOptions.find((o) => o.value === i.status),
  });
  first.push({
    type: 'static_select',
    action_id: ACTIONS.severity,
    placeholder: plain('Severity', 150),
    options: severityOptions,
    initial_option: severityOptions.find((o) => o.value === i.severity),
  });
  return [
    { type: 'actions', block_id: `incident.controls.${id}`, elements: first },
    {
      type: 'actions',
      block_id: `incident.controls2.${id}`,
      elements: [
        button('Assign role', ACTIONS.assignRole, id),
        button('Add follow-up action', ACTIONS.addAction, id),
        button('Subscribe to updates', ACTIONS.subscribe, id),
        button('Resolve', ACTIONS.resolve, id, 'danger'),
      ],
    },
  ];
}

function factFields(i: IncidentSnapshot, now?: number): Block {
  const roles = i.roles.filter((r) => r.role !== 'commander').slice(0, 5);
  const fields = [
    mrkdwn(`*Severity*\n${i.severity} – ${userText(i.severityLabel, 60)}`, 2000),
    mrkdwn(`*Status*\n${STATUS_EMOJI[i.status]} ${STATUS_LABELS[i.status]}`, 2000),
    mrkdwn(`*Commander*\n${who(i.commanderId)}`, 2000),
    mrkdwn(`*Next update*\n${nextUpdateText(i, now)}`, 2000),
    ...roles.map((r) => mrkdwn(`*${userText(roleLabel(r.role), 60)}*\n${mention(r.userId)}`, 2000)),
  ];
  if (fields.length < 10)
    fields.push(mrkdwn(`*Services*\n${i.services.length ? userText(i.services.join(', '), 500) : '—'}`, 2000));
  return { type: 'section', fields: fields.slice(0, 10) };
}

/** The canonical message pinned in the incident channel, edited in place on every change. */
export function summaryMessage(i: IncidentSnapshot, now?: number): Message {
  const blocks: Block[] = [{ type: 'header', text: plain(`${i.key}: ${i.title}`, 150) }, factFields(i, now)];
  if (i.impact) blocks.push({ type: 'section', text: mrkdwn(`*Impact*\n${userText(i.impact, 2500)}`) });
  if (i.resolutionSummary)
    blocks.push({ type: 'section', text: mrkdwn(`*Resolution*\n${userText(i.resolutionSummary, 2500)}`) });
  const context = [`Declared ${slackDate(new Date(i.declaredAt))} by ${mention(i.declaredBy)}`];
  if (i.acknowledgedAt !== null) context.push(`acknowledged ${slackDate(new Date(i.acknowledgedAt), '{time}')}`);
  if (i.resolvedAt !== null) context.push(`resolved ${slackDate(new Date(i.resolvedAt))}`);
  if (i.bridgeUrl) context.push(`bridge: <${i.bridgeUrl}|join>`);
  blocks.push({ type: 'context', elements: [mrkdwn(context.join(' · '))] });
  blocks.push(...controlBlocks(i));
  return { text: fallbackText(`${i.key} ${i.severity} ${STATUS_LABELS[i.status]}: ${userText(i.title, 150)}`), blocks };
}

/** The status card `/incident` shows inside the incident channel (ephemeral). */
export function statusCard(i: IncidentSnapshot, now?: number): Message {
  return summaryMessage(i, now);
}

/**
 * The incident's own channel: its ID, or a structured reference to it (`{$ref, field: 'channel'}`) while
 * the outbox has yet to create it; the sender puts the ID in at send time.
 */
export type ChannelRef = string | { readonly $ref: string; readonly field: 'channel' };

/** "Join #inc-42-… to help.": a rich-text channel element, so it works before the channel's ID is known. */
function channelLine(before: string, channel: ChannelRef, after: string): Owed<RichTextBlock> {
  return {
    type: 'rich_text',
    block_id: 'incident.channel',
    elements: [
      {
        type: 'rich_text_section',
        elements: [
          { type: 'text', text: before },
          { type: 'channel', channel_id: channel },
          { type: 'text', text: after },
        ],
      },
    ],
  };
}

/**
 * The announcement in the incidents channel (and stakeholder channels): edited in place as status
 * changes. It links the incident channel from the first post (`channel` when the ID is not known yet).
 */
export function announcementMessage(
  i: IncidentSnapshot,
  opts: { page?: string[]; channel?: ChannelRef } = {},
): OwedMessage {
  const lines = [
    headline(i),
    `*Status:* ${STATUS_EMOJI[i.status]} ${STATUS_LABELS[i.status]} · *Severity:* ${i.severity} ${userText(i.severityLabel, 60)} · *Commander:* ${who(i.commanderId)}`,
  ];
  if (i.services.length) lines.push(`*Services:* ${userText(i.services.join(', '), 500)}`);
  if (i.impact) lines.push(`*Impact:* ${userText(i.impact, 1000)}`);
  if (i.bridgeUrl) lines.push(`:telephone_receiver: Bridge: <${i.bridgeUrl}|${userText(i.bridgeUrl, 200)}>`);
  if (opts.page?.length) lines.push(`Paging ${opts.page.join(' ')}`);
  if (i.resolutionSummary) lines.push(`*Resolution:* ${userText(i.resolutionSummary, 1000)}`);
  const blocks: Owed<KnownBlock>[] = [{ type: 'section', text: mrkdwn(lines.join('\n')) }];
  const channel = i.channelId ?? opts.channel;
  if (channel)
    blocks.push(channelLine(isOpen(i.status) ? 'Join ' : 'Discussion: ', channel, isOpen(i.status) ? ' to help.' : ''));
  if (isOpen(i.status)) {
    blocks.push({
      type: 'actions',
      block_id: `incident.announce.${i.id}`,
      elements: [button('Subscribe to updates', ACTIONS.subscribe, String(i.id))],
    });
  }
  return {
    text: fallbackText(`${i.key} (${i.severity}, ${STATUS_LABELS[i.status]}): ${userText(i.title, 150)}`),
    blocks,
  };
}

/** The short notice for the executives channel when a bridge starts, linking the incident channel. */
export function executivesNotice(i: IncidentSnapshot, opts: { channel?: ChannelRef } = {}): OwedMessage {
  const text = `${SEVERITY_EMOJI[i.severity]} *${i.key}* (${i.severity} ${userText(i.severityLabel, 40)}) ${userText(i.title, 150)}. Commander ${who(i.commanderId)}.${
    i.bridgeUrl ? ` Bridge: <${i.bridgeUrl}|join>.` : ''
  } Updates follow in this thread.`;
  const channel = i.channelId ?? opts.channel;
  return {
    text: fallbackText(`${i.key} ${i.severity}: ${userText(i.title, 150)}`),
    blocks: [
      { type: 'section', text: mrkdwn(text) },
      ...(channel ? [channelLine('Details and discussion: ', channel, '')] : []),
      {
        type: 'actions',
        block_id: `incident.exec.${i.id}`,
        elements: [button('Subscribe to updates', ACTIONS.subscribe, String(i.id))],
      },
    ],
  };
}

export function bridgeMessage(i: IncidentSnapshot, page: string[]): Message {
  const text = `:telephone_receiver: *Bridge for ${i.key}*: <${i.bridgeUrl}|${userText(i.bridgeUrl ?? '', 200)}>${page.length ? `\nPaging ${page.join(' ')}: please join.` : ''}`;
  return {
    text: fallbackText(`Bridge for ${i.key}: ${i.bridgeUrl}`),
    blocks: [{ type: 'section', text: mrkdwn(text) }],
  };
}

/** The consistent stakeholder update template. */
export function updatePost(
  i: IncidentSnapshot,
  u: UpdateContent,
  opts: { final?: boolean; subscriber?: boolean } = {},
): Message {
  const title = opts.final
    ? `:white_check_mark: *${i.key} resolved*: ${userText(i.title, 150)}`
    : `:loudspeaker: *Update on ${i.key}*: ${userText(i.title, 150)}`;
  const fields = [
    mrkdwn(`*Status*\n${STATUS_EMOJI[u.status]} ${STATUS_LABELS[u.status]}`, 2000),
    mrkdwn(`*Severity*\n${i.severity} – ${userText(i.severityLabel, 60)}`, 2000),
    mrkdwn(`*Impact*\n${userText(u.impact || '—', 1500)}`, 2000),
    mrkdwn(`*${opts.final ? 'Resolution' : 'What we are doing'}*\n${userText(u.actions || '—', 1500)}`, 2000),
  ];
  if (u.workaround) fields.push(mrkdwn(`*Workaround*\n${userText(u.workaround, 1500)}`, 2000));
  if (!opts.final)
    fields.push(
      mrkdwn(
        `*Next update*\n${u.nextUpdateAt === null ? 'when there is news' : slackDate(new Date(u.nextUpdateAt), '{time}')}`,
        2000,
      ),
    );
  const blocks: Block[] = [
    { type: 'section', text: mrkdwn(title) },
    { type: 'section', fields },
    { type: 'context', elements: [mrkdwn(`Posted by ${mention(u.postedBy)} · ${slackDate(new Date(u.at))}`)] },
  ];
  if (opts.subscriber && !opts.final) {
    blocks.push({
      type: 'actions',
      block_id: `incident.sub.${i.id}`,
      elements: [button('Unsubscribe', ACTIONS.unsubscribe, String(i.id))],
    });
  }
  const head = opts.final ? `${i.key} resolved` : `Update on ${i.key}`;
  return { text: fallbackText(`${head}: ${STATUS_LABELS[u.status]}. ${userText(u.impact, 300)}`), blocks };
}

/** Reminder to the commander / comms lead: an update is due. */
export function reminderMessage(i: IncidentSnapshot, opts: { dueAt: number; to: string[] }): Message {
  const text = `:alarm_clock: ${opts.to.map(mention).join(' ')} a stakeholder update for *${i.key}* is due (${slackDate(new Date(opts.dueAt), '{time}')}).`;
  return {
    text: fallbackText(`A stakeholder update for ${i.key} is due`),
    blocks: [
      { type: 'section', text: mrkdwn(`${text}\n${userText(i.title, 200)}`) },
      {
        type: 'actions',
        block_id: `incident.remind.${i.id}`,
        elements: [button('Post update', ACTIONS.postUpdate, String(i.id), 'primary')],
      },
    ],
  };
}

/** Heads-up to the commander / comms lead ahead of the due time, so the update can go out on time. */
export function headsUpMessage(i: IncidentSnapshot, opts: { dueAt: number; inMs: string; to: string[] }): Message {
  const text = `:hourglass_flowing_sand: ${opts.to.map(mention).join(' ')} the next stakeholder update for *${i.key}* is due in ${opts.inMs} (${slackDate(new Date(opts.dueAt), '{time}')}).`;
  return {
    text: fallbackText(`Heads-up: the next stakeholder update for ${i.key} is due in ${opts.inMs}`),
    blocks: [
      { type: 'section', text: mrkdwn(`${text}\n${userText(i.title, 200)}`) },
      {
        type: 'actions',
        block_id: `incident.soon.${i.id}`,
        elements: [button('Post update', ACTIONS.postUpdate, String(i.id), 'primary')],
      },
    ],
  };
}

export function overdueMessage(
  i: IncidentSnapshot,
  opts: { dueAt: number; overdueMs: string; page: string[] },
): Message {
  const text = `:rotating_light: ${opts.page.join(' ')} the stakeholder update for *${i.key}* is overdue by ${opts.overdueMs} (due ${slackDate(new Date(opts.dueAt), '{time}')}). Commander: ${who(i.commanderId)}.`;
  return {
    text: fallbackText(`The stakeholder update for ${i.key} is overdue`),
    blocks: [
      { type: 'section', text: mrkdwn(text) },
      {
        type: 'actions',
        block_id: `incident.overdue.${i.id}`,
        elements: [button('Post update', ACTIONS.postUpdate, String(i.id), 'primary')],
      },
    ],
  };
}

/** A one-line note in a channel or thread (status change, role change, …); `line` is already mrkdwn-safe. */
export function note(line: string, fallback: string): Message {
  return { text: fallbackText(fallback), blocks: [{ type: 'section', text: mrkdwn(line) }] };
}

export function resolvedNextSteps(i: IncidentSnapshot, opts: { reviewRequired: boolean }): Message {
  const lines = [
    `:white_check_mark: *${i.key} is resolved.* ${i.resolutionSummary ? userText(i.resolutionSummary, 1500) : ''}`,
    '*What happens next*',
    `• Stakeholder update reminders have stopped; everyone who received updates got a final "resolved" update.`,
    `• A post-incident review draft follows below${opts.reviewRequired ? ` (a review is *required* for ${i.severity})` : ''}.`,
    '• Add follow-up actions with `/incident action <text> @owner <YYYY-MM-DD>` or the button; owners get reminders.',
    '• When the review is done, press *Review done: close*. This channel stays open for the discussion.',
  ];
  return {
    text: fallbackText(`${i.key} is resolved`),
    blocks: [{ type: 'section', text: mrkdwn(lines.join('\n')) }, ...controlBlocks(i)],
  };
}

/**
 * Where to cut escaped mrkdwn at or before `at` without splitting an entity (`&amp;`), a Slack token
 * (`<@U…>`, `<!date^…|…>`) or a surrogate pair.
 */
export function safeCut(text: string, at: number): number {
  let cut = at;
  const amp = text.lastIndexOf('&', cut - 1);
  if (amp >= 0 && amp > cut - 10 && !text.slice(amp, cut).includes(';')) cut = amp;
  const lt = text.lastIndexOf('<', cut - 1);
  if (lt >= 0 && lt > cut - 300 && !text.slice(lt, cut).includes('>')) cut = lt;
  const code = text.charCodeAt(cut - 1);
  if (code >= 0xd800 && code <= 0xdbff) cut -= 1;
  return cut;
}

/**
 * The review draft in the channel: `slackText` is the Markdown already escaped for mrkdwn (with mentions),
 * headings shown bold, in sections of ≤ 3000 chars (≤ 3 of them), with an export button for the full file.
 */
export function reviewMessage(i: IncidentSnapshot, slackText: string): Message {
  const text = slackText.replace(/^#+ (.*)$/gm, '*$1*');
  const chunks: string[] = [];
  let rest = text;
  while (rest.length > 0 && chunks.length < 3) {
    let cut = Math.min(rest.length, 2900);
    if (cut < rest.length) {
      const nl = rest.lastIndexOf('\n', cut);
      cut = nl > 1000 ? nl : safeCut(rest, cut);
    }
    chunks.push(rest.slice(0, cut));
    rest = rest.slice(cut);
  }
  if (rest.length > 0) {
    const last = chunks[chunks.length - 1]!;
    chunks[chunks.length - 1] =
      `${last.slice(0, safeCut(last, Math.min(last.length, 2800)))}…\n_(truncated: export for the full draft)_`;
  }
  return {
    text: fallbackText(`Post-incident review draft for ${i.key}`),
    blocks: [
      { type: 'header', text: plain(`Review draft: ${i.key}`, 150) },
      ...chunks.map((c): Block => ({ type: 'section', text: mrkdwn(c) })),
      {
        type: 'actions',
        block_id: `incident.review.${i.id}`,
        elements: [button('Export review (Markdown)', ACTIONS.exportReview, String(i.id))],
      },
    ],
  };
}

export function openIncidentsList(
  rows: {
    key: string;
    title: string;
    severity: Severity;
    status: IncidentSnapshot['status'];
    channelId: string | null;
  }[],
): Message {
  if (rows.length === 0)
    return {
      text: fallbackText('No open incidents.'),
      blocks: [{ type: 'section', text: mrkdwn('No open incidents. Declare one with `/incident declare <title>`.') }],
    };
  const shown = rows.slice(0, 40);
  const blocks: Block[] = [{ type: 'section', text: mrkdwn(`*Open incidents (${rows.length})*`) }];
  for (const r of shown) {
    blocks.push({
      type: 'section',
      text: mrkdwn(
        `${SEVERITY_EMOJI[r.severity]} *${r.key}* ${userText(r.title, 150)} · ${STATUS_LABELS[r.status]}${r.channelId ? ` · ${channelLink(r.channelId)}` : ''}`,
      ),
    });
  }
  if (rows.length > shown.length)
    blocks.push({ type: 'context', elements: [mrkdwn(`…and ${rows.length - shown.length} more`)] });
  return { text: fallbackText(`Open incidents: ${rows.map((r) => r.key).join(', ')}`.slice(0, 3000)), blocks };
}

export function actionAdded(a: ActionItem): Message {
  return note(
    `:ballot_box_with_check: Follow-up action for *${a.incidentKey}*: ${userText(a.text, 500)} · owner ${mention(a.ownerId)} · due ${slackDate(new Date(a.dueAt), '{date_short}')}`,
    `Follow-up action added: ${userText(a.text, 200)}`,
  );
}

export function actionReminder(a: ActionItem, kind: 'before' | 'due'): Message {
  const lead =
    kind === 'due'
      ? ':alarm_clock: Your follow-up action is *due now*'
      : ':spiral_calendar_pad: Your follow-up action is due soon';
  return {
    text: fallbackText(`${kind === 'due' ? 'Due now' : 'Due soon'}: ${userText(a.text, 200)} (${a.incidentKey})`),
    blocks: [
      {
        type: 'section',
        text: mrkdwn(
          `${lead} (${slackDate(new Date(a.dueAt))}):\n*${userText(a.text, 500)}*\nFrom *${a.incidentKey}* ${userText(a.incidentTitle, 150)}`,
        ),
      },
      {
        type: 'actions',
        block_id: `incident.action.${a.id}`,
        elements: [button('Mark done', ACTIONS.actionDone, String(a.id), 'primary')],
      },
    ],
  };
}

/** To the owner of an overdue follow-up action, at each chase until it is closed. */
export function actionChase(a: ActionItem, opts: { n: number; overdue: string }): Message {
  return {
    text: fallbackText(`Overdue by ${opts.overdue}: ${userText(a.text, 200)} (${a.incidentKey})`),
    blocks: [
      {
        type: 'section',
        text: mrkdwn(
          `:bell: Reminder ${opts.n}: your follow-up action is *overdue by ${opts.overdue}* (was due ${slackDate(new Date(a.dueAt))}):\n*${userText(a.text, 500)}*\nFrom *${a.incidentKey}* ${userText(a.incidentTitle, 150)}. Mark it done when it is.`,
        ),
      },
      {
        type: 'actions',
        block_id: `incident.action.${a.id}`,
        elements: [button('Mark done', ACTIONS.actionDone, String(a.id), 'primary')],
      },
    ],
  };
}

/** In the incident channel: an action still open past its due time. */
export function actionChaseNote(a: ActionItem, overdue: string): Message {
  return note(
    `:bell: Follow-up action of ${mention(a.ownerId)} is overdue by ${overdue}: ${userText(a.text, 500)}`,
    `Follow-up action overdue: ${userText(a.text, 200)}`,
  );
}

/**
 * Channel topic (plain text, ≤ 250): severity, status, commander, next update. Topics show text as
 * typed (no mentions), so the commander's display name is filled in at send time; the sender keeps the
 * whole topic within 250 characters once it is.
 */
export function topicText(i: IncidentSnapshot, timeZone: string): ComposedText {
  const head = [`${i.key} ${i.severity}`, STATUS_LABELS[i.status]].join(' | ');
  const tail: string[] = [];
  if (isOpen(i.status) && i.nextUpdateDueAt !== null)
    tail.push(`Next update ${formatTime(i.nextUpdateDueAt, timeZone).slice(11)} ${shortZone(timeZone)}`);
  if (i.bridgeUrl) tail.push(`Bridge ${i.bridgeUrl}`);
  const rest = tail.length ? truncate(` | ${tail.join(' | ')}`, 200) : '';
  return i.commanderId
    ? composed(`${head} | IC: `, nameOf(i.commanderId), rest)
    : composed(`${head} | IC: unassigned${rest}`);
}

function shortZone(timeZone: string): string {
  return timeZone === 'UTC' ? 'UTC' : (timeZone.split('/').at(-1) ?? timeZone).replace(/_/g, ' ');
}
