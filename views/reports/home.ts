import type { SlaStanding } from '../../src/domain/tickets/sla.js';
import { channelLink, mention, mrkdwn, plain, slackDate, userText } from '../text.js';
import { CHANGE_DECISION_ACTIONS, HOME_CALLBACK_ID, REPORT_ACTIONS } from './ids.js';
import { TICKET_ACTIONS } from '../tickets/ids.js';

/**
 * The App Home tab: what concerns the person who opens it. Everyone sees their open tickets and the
 * incidents they follow; agents the triage queue with SLA status; incident commanders and managers the
 * active incidents with their next-update times; approvers the changes awaiting their decision with
 * Approve / Reject in place. Lists are capped so the view stays under 100 blocks and each section under
 * 3000 characters.
 */
export interface HomeTicketRow {
  id: number;
  key: string;
  summary: string;
  status: string;
  priority: string;
  assignee_id: string | null;
}

/** A ticket in the triage queue: where it stands against its SLA, and the link to its triage post once it exists. */
export interface QueuedTicketRow extends HomeTicketRow {
  sla: SlaStanding;
  triageUrl?: string;
}

export interface HomeIncidentRow {
  key: string;
  title: string;
  severity: string;
  status: string;
  commander_id: string | null;
  channel_id: string | null;
  next_update_due_at: number | null;
}

export interface HomeChangeRow {
  id: number;
  key: string;
  title: string;
  type: string;
  risk: string;
  requester_id: string;
  planned_start: number;
}

export interface HomeInput {
  now: number;
  myTickets: { rows: HomeTicketRow[]; total: number };
  following: HomeIncidentRow[];
  triage?: { rows: QueuedTicketRow[]; total: number };
  activeIncidents?: HomeIncidentRow[];
  awaiting?: HomeChangeRow[];
  latestReport?: { label: string; url?: string };
}

export const HOME_LIST_LIMIT = 10;
const STATUS = { new: 'new', in_progress: 'in progress', waiting_on_requester: 'waiting on you' } as Record<
  string,
  string
>;
const SLA_ICON = {
  breached: ':red_circle:',
  warning: ':large_yellow_circle:',
  ok: ':large_green_circle:',
  paused: ':double_vertical_bar:',
} as const;

/** Room for a section's list under its title: section text is at most 3000 characters. */
const LIST_BUDGET = 2800;

/**
 * One line per item, as many whole lines as fit (a line cut in half would break its date or link
 * markup), then how many more there are.
 */
function lines(items: string[], empty: string, total = items.length): string {
  if (items.length === 0) return `_${empty}_`;
  const kept: string[] = [];
  let length = 0;
  for (const item of items) {
    const moreLine = `\n_…and ${total - kept.length - 1} more_`.length;
    if (length + item.length + 1 + moreLine > LIST_BUDGET) break;
    kept.push(item);
    length += item.length + 1;
  }
  const more = total > kept.length ? `\n_…and ${total - kept.length} more_` : '';
  return kept.join('\n') + more;
}

function slaLine(t: QueuedTicketRow): string {
  const s = t.sla;
  const what = s.target === 'first_response' ? 'first response' : 'resolution';
  const when =
    s.state === 'paused'
      ? 'paused, waiting on the requester'
      : s.state === 'breached'
        ? `${what} overdue since ${slackDate(new Date(s.dueAt))}`
        : `${what} due ${slackDate(new Date(s.dueAt))}`;
  const who = t.assignee_id ? mention(t.assignee_id) : 'unassigned';
  return `${SLA_ICON[s.state]} *${t.key}* ${t.priority} ${userText(t.summary, 80)} · ${who} · ${when}`;
}

function incidentLine(i: HomeIncidentRow, now: number): string {
  const where = i.channel_id ? ` ${channelLink(i.channel_id)}` : '';
  const next =
    i.next_update_due_at === null
      ? 'no timed updates'
      : `next update ${slackDate(new Date(i.next_update_due_at))}${i.next_update_due_at < now ? ' :warning: overdue' : ''}`;
  const ic = i.commander_id ? ` · IC ${mention(i.commander_id)}` : '';
  return `*${i.severity}* *${i.key}* ${userText(i.title, 80)}${where} · ${i.status}${ic} · ${next}`;
}

export function homeView(input: HomeInput): { type: 'home'; callback_id: string; blocks: unknown[] } {
  const blocks: unknown[] = [{ type: 'header', text: plain('Switchboard', 150) }];
  const section = (title: string, body: string) =>
    blocks.push({ type: 'section', text: mrkdwn(`*${title}*\n${body}`) });

  section(
    'Your open tickets',
    lines(
      input.myTickets.rows.map(
        (t) =>
          `*${t.key}* ${userText(t.summary, 100)} · ${STATUS[t.status] ?? t.status}${t.assignee_id ? ` · with ${mention(t.assignee_id)}` : ''}`,
      ),
      'No open tickets. Ask for help with /it-help.',
      input.myTickets.total,
    ),
  );
  section(
    'Incidents you follow',
    lines(
      input.following.map((i) => incidentLine(i, input.now)),
      'You follow no active incident.',
    ),
  );

  if (input.triage) {
    blocks.push({ type: 'divider' });
    // One row per ticket with its button: Claim when nobody has it, else Open (the triage post).
    const shown = input.triage.rows.slice(0, HOME_LIST_LIMIT);
    section(
      `Triage queue (${input.triage.total} open)`,
      shown.length ? '_Nearest SLA target first._' : '_The queue is empty._',
    );
    for (const t of shown) {
      const accessory = !t.assignee_id
        ? {
            type: 'button',
            action_id: TICKET_ACTIONS.claim,
            text: plain('Claim', 75),
            style: 'primary',
            value: String(t.id),
          }
        : t.triageUrl
          ? {
              type: 'button',
              action_id: TICKET_ACTIONS.openLink,
              text: plain('Open', 75),
              url: t.triageUrl,
              value: String(t.id),
            }
          : undefined;
      blocks.push({
        type: 'section',
        block_id: `home.ticket.${t.id}`,
        text: mrkdwn(slaLine(t)),
        ...(accessory ? { accessory } : {}),
      });
    }
    if (input.triage.total > shown.length)
      blocks.push({ type: 'context', elements: [mrkdwn(`_…and ${input.triage.total - shown.length} more_`)] });
  }
  if (input.activeIncidents) {
    blocks.push({ type: 'divider' });
    section(
      'Active incidents',
      lines(
        input.activeIncidents.map((i) => incidentLine(i, input.now)),
        'No active incidents.',
      ),
    );
  }
  if (input.awaiting) {
    blocks.push({ type: 'divider' });
    section(
      'Changes awaiting your decision',
      input.awaiting.length
        ? `${input.awaiting.length} change${input.awaiting.length === 1 ? '' : 's'}`
        : '_Nothing awaits your decision._',
    );
    for (const c of input.awaiting.slice(0, HOME_LIST_LIMIT)) {
      blocks.push({
        type: 'section',
        block_id: `home.change.${c.id}`,
        text: mrkdwn(
          `*${c.key}* ${userText(c.title, 150)}\n${c.type} · ${c.risk} risk · requested by ${mention(c.requester_id)} · planned ${slackDate(new Date(c.planned_start))}`,
        ),
      });
      blocks.push({
        type: 'actions',
        block_id: `home.change.${c.id}.decide`,
        elements: [
          {
            type: 'button',
            action_id: CHANGE_DECISION_ACTIONS.approve,
            text: plain('Approve', 75),
            style: 'primary',
            value: String(c.id),
          },
          {
            type: 'button',
            action_id: CHANGE_DECISION_ACTIONS.reject,
            text: plain('Reject', 75),
            style: 'danger',
            value: String(c.id),
          },
        ],
      });
    }
  }

  blocks.push({ type: 'divider' });
  const latest = input.latestReport
    ? input.latestReport.url
      ? `<${input.latestReport.url}|${input.latestReport.label}>`
      : input.latestReport.label
    : '_No scheduled report has been posted yet._';
  blocks.push({
    type: 'section',
    text: mrkdwn(`*Latest report*\n${latest}`),
    accessory: {
      type: 'button',
      action_id: REPORT_ACTIONS.homeScorecard,
      text: plain('Send me the last 7 days', 75),
      value: '7d',
    },
  });
  return { type: 'home', callback_id: HOME_CALLBACK_ID, blocks };
}
