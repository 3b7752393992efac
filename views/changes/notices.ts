import type { ActionsBlock } from '@slack/types';
import { TZDate } from '@date-fns/tz';
import { format } from 'date-fns';
import type { FreezeWindow } from '../../src/domain/changes/schedule.js';
import { mention, mrkdwn, plain, fallbackText } from '../text.js';
import { cardLine, windowText, type ChangeCard, type ChangeMessage } from './card.js';
import { CHANGE_ACTIONS } from './ids.js';

/** Sentences of change management people read in DMs, threads and refusals. */

/** "a normal change", "an emergency change". */
function withArticle(word: string): string {
  return `${/^[aeiou]/i.test(word) ? 'an' : 'a'} ${word}`;
}

/**
 * A freeze named in a refusal, in the time zone the person's form showed the window in (a London
 * requester reading a freeze in UTC would misjudge it by an hour half the year).
 */
export function freezeLabel(f: FreezeWindow, timeZone: string): string {
  const scope = f.services.length ? ` (${f.services.join(', ')})` : ' (all services)';
  const at = (ms: number) => format(new TZDate(ms, timeZone), 'EEE d MMM HH:mm');
  return `“${f.name}”${scope} ${at(f.start)} – ${at(f.end)} (${timeZone})`;
}

export function approvalRequestIntro(requesterId: string, type: ChangeCard['type']): string {
  return `:inbox_tray: ${mention(requesterId)} asks for your approval of ${withArticle(type)} change:`;
}

/** Approving a change whose window is over: refused, with the way out. */
export function windowPassedRefusal(card: Pick<ChangeCard, 'key' | 'plannedStart' | 'plannedEnd'>): string {
  return `The window of ${card.key} (${windowText(card.plannedStart, card.plannedEnd)}) has passed, so it cannot be approved as planned; nothing was approved. The requester is asked for a new window; approve it once it is re-planned.`;
}

const replanButton = (card: Pick<ChangeCard, 'id'>): ActionsBlock => ({
  type: 'actions',
  block_id: `change_replan_${card.id}`,
  elements: [
    {
      type: 'button',
      action_id: CHANGE_ACTIONS.postpone,
      text: plain('Set a new window', 75),
      style: 'primary',
      value: String(card.id),
    },
  ],
});

/** To the requester and implementer: an approver tried to approve, but the window is over. */
export function newWindowNeededDm(card: ChangeCard, approverId: string): ChangeMessage {
  const text = `:calendar: ${mention(approverId)} tried to approve *${cardLine(card)}*, but its window (${windowText(card.plannedStart, card.plannedEnd)}) has passed. Set a new window (or \`/change edit ${card.key}\`) and it can be approved.`;
  return {
    text: fallbackText(`${card.key} needs a new window before it can be approved`),
    blocks: [{ type: 'section', text: mrkdwn(text) }, replanButton(card)],
  };
}

/** To the requester and implementer: the window opened while the change still waits for approval. */
export function unapprovedWindowRequesterDm(card: ChangeCard): ChangeMessage {
  const text = `:warning: The window of *${cardLine(card)}* has opened (${windowText(card.plannedStart, card.plannedEnd)}), but it is not approved yet (${card.decisions.filter((d) => d.decision === 'approved').length} of ${card.required}). Do not start it. Set a new window, or cancel it with \`/change cancel ${card.key}\`.`;
  return {
    text: fallbackText(`${card.key} is not approved and its window has opened`),
    blocks: [{ type: 'section', text: mrkdwn(text) }, replanButton(card)],
  };
}

/** To the approvers who have not decided: the window opened without their decision. */
export function unapprovedWindowApproverText(card: ChangeCard): string {
  return `:warning: The window of *${cardLine(card)}* has opened (${windowText(card.plannedStart, card.plannedEnd)}) and it still waits for your decision. Once the window has ended it can only be approved after the requester sets a new one.`;
}

export function unapprovedWindowThreadNote(card: ChangeCard): string {
  return `:warning: The window has opened but ${card.key} is not approved; ${mention(card.requesterId)} and the approvers who have not decided were told.`;
}
