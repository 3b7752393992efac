import type { ActionsBlock, KnownBlock } from '@slack/types';
import type { ChangeOutcome, ChangeStatus, ChangeType, Risk } from '../../src/domain/changes/types.js';
import { OUTCOME_LABEL, RISK_LABEL, STATUS_LABEL, TYPE_LABEL } from '../../src/domain/changes/types.js';
import { mention, mrkdwn, plain, slackDate, truncate, userText, fallbackText } from '../text.js';
import { CHANGE_ACTIONS } from './ids.js';

/** A change message: the channel post, DMs, `/change show`. */
export interface ChangeMessage {
  text: string;
  blocks: KnownBlock[];
}

/** Everything the canonical change post shows; built by the services from the rows. */
export interface ChangeCard {
  id: number;
  key: string;
  title: string;
  description: string;
  type: ChangeType;
  risk: Risk;
  riskComputed: boolean;
  status: ChangeStatus;
  outcome: ChangeOutcome | null;
  requesterId: string;
  implementerId: string | null;
  services: string[];
  plannedStart: number;
  plannedEnd: number;
  implementationPlan: string;
  rollbackPlan: string;
  linkedRecord: string | null;
  templateTitle: string | null;
  freezeOverride: boolean;
  freezeOverrideReason: string | null;
  reviewRequired: boolean;
  reviewedBy: string | null;
  reviewedAt: number | null;
  version: number;
  /** Decisions on the current version. */
  decisions: { approverId: string; decision: 'approved' | 'rejected'; reason: string | null; at: number }[];
  required: number;
  missingServiceGroups: string[];
  conflicts: { key: string; services: string[] }[];
  incidents: string[];
  closeoutNotes: string | null;
}

const STATUS_EMOJI: Record<ChangeStatus, string> = {
  draft: ':memo:',
  pending_approval: ':hourglass_flowing_sand:',
  approved: ':white_check_mark:',
  scheduled: ':white_check_mark:',
  rejected: ':no_entry:',
  in_progress: ':construction:',
  completed: ':checkered_flag:',
  cancelled: ':heavy_multiplication_x:',
};

function statusText(card: Pick<ChangeCard, 'status' | 'outcome'>): string {
  const base = `${STATUS_EMOJI[card.status]} ${STATUS_LABEL[card.status]}`;
  return card.status === 'completed' && card.outcome ? `${base} · ${OUTCOME_LABEL[card.outcome]}` : base;
}

export function windowText(start: number, end: number): string {
  return `${slackDate(new Date(start))} → ${slackDate(new Date(end))}`;
}

function approvalsText(
  card: Pick<ChangeCard, 'type' | 'required' | 'decisions' | 'missingServiceGroups' | 'templateTitle'>,
): string {
  if (card.type === 'standard')
    return `Pre-approved${card.templateTitle ? ` (${userText(card.templateTitle, 80)})` : ''}`;
  const approved = card.decisions.filter((d) => d.decision === 'approved').length;
  let text = `${approved} of ${card.required}${card.type === 'emergency' ? ' (ECAB)' : ''}`;
  if (card.missingServiceGroups.length > 0)
    text += `\nStill needs: ${userText(card.missingServiceGroups.join(', '), 300)} approver group`;
  return text;
}

/** One-line summary for notifications and lists. */
export function cardLine(card: Pick<ChangeCard, 'key' | 'title'>): string {
  return `${card.key} · ${userText(card.title, 150)}`;
}

function changeSummaryText(card: Pick<ChangeCard, 'key' | 'title' | 'status' | 'outcome'>): string {
  return truncate(`${card.key}: ${card.title} — ${STATUS_LABEL[card.status]}`, 300).replace(
    /[<>&]/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;' })[c]!,
  );
}

/** The fields and text of a change, shared by the channel post, DMs and `/change show`. */
export function cardBlocks(card: ChangeCard): KnownBlock[] {
  const blocks: KnownBlock[] = [
    { type: 'header', text: plain(`${card.key} · ${card.title}`, 150) },
    {
      type: 'section',
      fields: [
        mrkdwn(`*Status*\n${statusText(card)}`, 2000),
        mrkdwn(
          `*Type · Risk*\n${TYPE_LABEL[card.type]} · ${RISK_LABEL[card.risk]}${card.riskComputed ? ' (questionnaire)' : ''}`,
          2000,
        ),
        mrkdwn(`*Window*\n${windowText(card.plannedStart, card.plannedEnd)}`, 2000),
        mrkdwn(`*Services*\n${card.services.length ? userText(card.services.join(', '), 500) : '—'}`, 2000),
        mrkdwn(`*Requester*\n${mention(card.requesterId)}`, 2000),
        mrkdwn(`*Implementer*\n${card.implementerId ? mention(card.implementerId) : '—'}`, 2000),
        mrkdwn(`*Approvals*\n${approvalsText(card)}`, 2000),
        mrkdwn(
          `*Linked*\n${[card.linkedRecord ? userText(card.linkedRecord, 100) : '', ...card.incidents.map((k) => `caused ${userText(k, 20)}`)].filter(Boolean).join(', ') || '—'}`,
          2000,
        ),
      ],
    },
  ];
  if (card.description.trim())
    blocks.push({ type: 'section', text: mrkdwn(`*Description*\n${userText(card.description, 1400)}`) });
  blocks.push({
    type: 'section',
    text: mrkdwn(
      `*Implementation plan*\n${userText(card.implementationPlan || '—', 1200)}\n*Rollback plan*\n${userText(card.rollbackPlan || '—', 1200)}`,
    ),
  });
  const flags: string[] = [];
  if (card.type === 'emergency')
    flags.push(
      card.reviewedAt
        ? `:mag: CAB review recorded by ${card.reviewedBy ? mention(card.reviewedBy) : 'CAB'}`
        : ':mag: Emergency change: CAB retrospective review required',
    );
  if (card.freezeOverride) flags.push(`:snowflake: Freeze override: ${userText(card.freezeOverrideReason ?? '', 300)}`);
  if (card.version > 1)
    flags.push(`Version ${card.version} (edited after a decision; earlier approvals no longer count)`);
  if (card.closeoutNotes) flags.push(`Close-out notes: ${userText(card.closeoutNotes, 500)}`);
  if (flags.length) blocks.push({ type: 'context', elements: flags.slice(0, 10).map((f) => mrkdwn(f, 2000)) });
  if (card.conflicts.length > 0) {
    const list = card.conflicts
      .slice(0, 10)
      .map((c) => `${userText(c.key, 20)} (${userText(c.services.join(', '), 120)})`)
      .join(', ');
    const more = card.conflicts.length > 10 ? ` and ${card.conflicts.length - 10} more` : '';
    blocks.push({
      type: 'section',
      text: mrkdwn(`:warning: *Conflict:* overlaps in time on the same service with ${list}${more}.`),
    });
  }
  if (card.decisions.length > 0) {
    const lines = card.decisions
      .slice(-8)
      .map((d) =>
        d.decision === 'approved'
          ? `:white_check_mark: ${mention(d.approverId)} approved`
          : `:x: ${mention(d.approverId)} rejected: ${userText(d.reason ?? '', 200)}`,
      );
    blocks.push({ type: 'context', elements: [mrkdwn(lines.join('\n'), 3000)] });
  }
  return blocks;
}

function decisionButtons(changeId: number): ActionsBlock {
  return {
    type: 'actions',
    block_id: `change_decide_${changeId}`,
    elements: [
      {
        type: 'button',
        action_id: CHANGE_ACTIONS.approve,
        text: plain('Approve', 75),
        style: 'primary',
        value: String(changeId),
      },
      {
        type: 'button',
        action_id: CHANGE_ACTIONS.reject,
        text: plain('Reject', 75),
        style: 'danger',
        value: String(changeId),
      },
      { type: 'button', action_id: CHANGE_ACTIONS.ask, text: plain('Ask a question', 75), value: String(changeId) },
    ],
  };
}

/** The canonical post in the change channel, edited in place on every transition. */
export function changePost(card: ChangeCard): ChangeMessage {
  const blocks = cardBlocks(card);
  if (card.status === 'pending_approval') blocks.push(decisionButtons(card.id));
  else if (card.status === 'scheduled' || card.status === 'approved' || card.status === 'in_progress') {
    blocks.push({
      type: 'actions',
      block_id: `change_open_${card.id}`,
      elements: [
        { type: 'button', action_id: CHANGE_ACTIONS.ask, text: plain('Ask a question', 75), value: String(card.id) },
      ],
    });
  }
  return { text: fallbackText(changeSummaryText(card)), blocks };
}

/** The DM asking an approver to decide. */
export function approvalRequestDm(card: ChangeCard, intro: string): ChangeMessage {
  return {
    text: fallbackText(truncate(`${intro} ${card.key}`, 300)),
    blocks: [{ type: 'section', text: mrkdwn(intro) }, ...cardBlocks(card), decisionButtons(card.id)],
  };
}

/** The implementer's reminder at window start. */
export function windowStartDm(card: ChangeCard): ChangeMessage {
  return {
    text: fallbackText(`${card.key} is due to start now`),
    blocks: [
      {
        type: 'section',
        text: mrkdwn(
          `:alarm_clock: The window of *${cardLine(card)}* starts now (${windowText(card.plannedStart, card.plannedEnd)}). Start it, or postpone to a new window.`,
        ),
      },
      {
        type: 'actions',
        block_id: `change_window_${card.id}`,
        elements: [
          {
            type: 'button',
            action_id: CHANGE_ACTIONS.start,
            text: plain('Start', 75),
            style: 'primary',
            value: String(card.id),
          },
          { type: 'button', action_id: CHANGE_ACTIONS.postpone, text: plain('Postpone', 75), value: String(card.id) },
        ],
      },
    ],
  };
}

/** The close-out request at window end plus grace, and each chase after it. */
export function closeoutDm(card: ChangeCard, chase: number): ChangeMessage {
  const lead =
    chase === 0
      ? `:clipboard: The window of *${cardLine(card)}* has ended. Please close it out: successful, successful with issues, failed or rolled back.`
      : `:bell: Reminder ${chase}: *${cardLine(card)}* is still not closed out (window ended ${slackDate(new Date(card.plannedEnd))}).`;
  return {
    text: fallbackText(`${card.key} needs a close-out`),
    blocks: [
      { type: 'section', text: mrkdwn(lead) },
      {
        type: 'actions',
        block_id: `change_closeout_${card.id}`,
        elements: [
          {
            type: 'button',
            action_id: CHANGE_ACTIONS.closeout,
            text: plain('Close out', 75),
            style: 'primary',
            value: String(card.id),
          },
        ],
      },
    ],
  };
}
