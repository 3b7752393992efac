import type { KnownBlock } from '@slack/types';
import { TZDate } from '@date-fns/tz';
import { format } from 'date-fns';
import { STATUS_LABEL, type ChangeStatus } from '../../src/domain/changes/types.js';
import { mention, mrkdwn, plain, slackDate, userText, fallbackText } from '../text.js';
import { cardBlocks, type ChangeCard, type ChangeMessage } from './card.js';

/** `/change show CHG-17`: the full record, ephemeral. At most 50 blocks, each text within limits. */
export function changeRecordMessage(record: {
  card: ChangeCard;
  approvals: { version: number; approver_id: string; decision: string; reason: string | null; at: number }[];
  history: {
    at: number;
    actor_id: string;
    actor_name: string | null;
    action: string;
    detail: string | null;
    source: string;
  }[];
  reviewNote: string | null;
  createdAt: number;
  approvedAt: number | null;
  completedAt: number | null;
}): ChangeMessage {
  const blocks = cardBlocks(record.card);
  const times = [
    `Requested ${slackDate(new Date(record.createdAt))}`,
    record.approvedAt ? `approved ${slackDate(new Date(record.approvedAt))}` : '',
    record.completedAt ? `completed ${slackDate(new Date(record.completedAt))}` : '',
  ]
    .filter(Boolean)
    .join(' · ');
  blocks.push({ type: 'context', elements: [mrkdwn(times)] });
  // Slack refuses a message over about 12,000 characters of block text: share what the card leaves.
  let budget = 11_000 - textLength(blocks);
  if (record.reviewNote) {
    const review = `*CAB review*\n${userText(record.reviewNote, Math.max(100, Math.min(800, budget / 4)))}`;
    budget -= review.length;
    blocks.push({ type: 'section', text: mrkdwn(review) });
  }
  const decisionsMax = Math.max(200, Math.min(2900, Math.floor(budget * 0.4)));
  const historyMax = Math.max(300, Math.min(2900, budget - decisionsMax - 100));
  if (record.approvals.length > 0) {
    const lines = record.approvals
      .slice(-20)
      .map(
        (a) =>
          `v${a.version} · ${a.decision === 'approved' ? ':white_check_mark:' : ':x:'} ${mention(a.approver_id)} ${a.decision} ${slackDate(new Date(a.at))}${a.reason ? `: ${userText(a.reason, 150)}` : ''}`,
      );
    blocks.push({ type: 'section', text: mrkdwn(`*Decisions*\n${joinWithin(lines, decisionsMax)}`) });
  }
  const history = record.history
    .slice(-30)
    .map(
      (h) =>
        `${slackDate(new Date(h.at))} · ${h.actor_id === 'switchboard' ? 'Switchboard' : mention(h.actor_id)} · ${h.action.replace(/^change\./, '').replace(/_/g, ' ')}${h.detail ? ` — ${historyDetail(h)}` : ''}`,
    );
  blocks.push({
    type: 'section',
    text: mrkdwn(
      `*History* (audit log${record.history.length > 30 ? `, last 30 of ${record.history.length}` : ''})\n${joinWithin(history, historyMax)}`,
    ),
  });
  return { text: fallbackText(`${record.card.key}: ${userText(record.card.title, 200)}`), blocks: blocks.slice(0, 50) };
}

/**
 * The detail of a history entry. Details the bot wrote itself (jobs: "to U0123ABCD") name people by ID
 * for the audit log; the record shows them as mentions. Text a person typed is only escaped.
 */
function historyDetail(h: { detail: string | null; source: string }): string {
  const text = userText(h.detail ?? '', 120);
  return h.source === 'job' ? text.replace(/\b([UW][A-Z0-9]{7,})\b/g, (_m, id: string) => mention(id)) : text;
}

function textLength(blocks: KnownBlock[]): number {
  let total = 0;
  for (const b of blocks as {
    text?: { text?: string };
    fields?: { text: string }[];
    elements?: { text?: string }[];
  }[]) {
    total += b.text?.text?.length ?? 0;
    for (const f of b.fields ?? []) total += f.text.length;
    for (const e of b.elements ?? []) total += typeof e.text === 'string' ? e.text.length : 0;
  }
  return total;
}

/** Joins lines, newest last, dropping the oldest ones so the text fits. */
function joinWithin(lines: string[], max: number): string {
  const kept: string[] = [];
  let length = 0;
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i]!;
    if (length + line.length + 1 > max) break;
    kept.unshift(line);
    length += line.length + 1;
  }
  return kept.join('\n') || '—';
}

export interface CalendarEntry {
  key: string;
  title: string;
  status: ChangeStatus;
  type: string;
  start: number;
  end: number;
  services: string[];
}

/**
 * `/change calendar [days]`: upcoming approved and pending changes and freeze windows, grouped by day
 * in the viewer's time zone. A multi-day entry shows on each day it covers.
 */
export function calendarMessage(input: {
  from: number;
  days: number;
  timeZone: string;
  changes: CalendarEntry[];
  freezes: { name: string; start: number; end: number; services: string[] }[];
}): ChangeMessage {
  const { timeZone } = input;
  const startLocal = new TZDate(input.from, timeZone);
  const blocks: KnownBlock[] = [
    { type: 'header', text: plain(`Change calendar · next ${input.days} day${input.days === 1 ? '' : 's'}`, 150) },
    {
      type: 'context',
      elements: [
        mrkdwn(
          `Times in ${userText(timeZone, 60)}. :hourglass_flowing_sand: awaiting approval · :white_check_mark: approved · :construction: in progress · :snowflake: freeze`,
        ),
      ],
    },
  ];
  let shownDays = 0;
  let hiddenDays = 0;
  // Slack refuses messages whose blocks hold more than about 12,000 characters of text in total.
  let budget = 10_500;
  const hm = (ms: number) => format(new TZDate(ms, timeZone), 'HH:mm');
  for (let i = 0; i < input.days; i++) {
    const dayStart = new TZDate(
      startLocal.getFullYear(),
      startLocal.getMonth(),
      startLocal.getDate() + i,
      0,
      0,
      0,
      timeZone,
    ).getTime();
    const dayEnd = new TZDate(
      startLocal.getFullYear(),
      startLocal.getMonth(),
      startLocal.getDate() + i + 1,
      0,
      0,
      0,
      timeZone,
    ).getTime();
    const lines: string[] = [];
    for (const f of input.freezes) {
      if (f.start < dayEnd && f.end > dayStart) {
        const scope = f.services.length ? userText(f.services.join(', '), 200) : 'all services';
        lines.push(
          `:snowflake: *Freeze* ${userText(f.name, 150)} (${scope})${f.start >= dayStart ? ` from ${hm(f.start)}` : ''}${f.end <= dayEnd ? ` until ${hm(f.end)}` : ''}`,
        );
      }
    }
    for (const c of input.changes) {
      if (c.start < dayEnd && c.end > dayStart && c.end > input.from) {
        const emoji =
          c.status === 'pending_approval'
            ? ':hourglass_flowing_sand:'
            : c.status === 'in_progress'
              ? ':construction:'
              : ':white_check_mark:';
        const from = c.start >= dayStart ? hm(c.start) : '…';
        const to = c.end <= dayEnd ? hm(c.end) : '…';
        lines.push(
          `${emoji} ${from}–${to} *${userText(c.key, 20)}* ${userText(c.title, 120)} · ${userText(c.services.join(', '), 120)} · ${STATUS_LABEL[c.status]}${c.type === 'emergency' ? ' · emergency' : ''}`,
        );
      }
    }
    if (lines.length === 0) continue;
    if (blocks.length >= 47 || budget < 200) {
      hiddenDays += 1;
      continue;
    }
    shownDays += 1;
    const day = format(new TZDate(dayStart, timeZone), 'EEE d MMM');
    const limit = Math.min(2800, budget - 60);
    let body = '';
    let dropped = 0;
    for (const line of lines) {
      if (dropped || body.length + line.length + 1 > limit) dropped += 1;
      else body += `\n${line}`;
    }
    if (dropped) body += `\n…and ${dropped} more`;
    const textOfDay = `*${day}*${body}`;
    budget -= textOfDay.length;
    blocks.push({ type: 'section', text: mrkdwn(textOfDay) });
  }
  if (shownDays === 0) blocks.push({ type: 'section', text: mrkdwn('No changes or freezes in this period.') });
  if (hiddenDays)
    blocks.push({
      type: 'context',
      elements: [mrkdwn(`…and ${hiddenDays} more day(s); ask for fewer days to see them.`)],
    });
  return {
    text: fallbackText(`Change calendar: ${input.changes.length} change(s), ${input.freezes.length} freeze window(s)`),
    blocks,
  };
}
