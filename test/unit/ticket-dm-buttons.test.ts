import { describe, expect, it } from 'vitest';
import { dmButtonStaleness, staleDmButtons, type DmButtonFacts } from '../../src/domain/tickets/dm-buttons.js';
import {
  dmButtonClickOf,
  dmButtonSetOfBlock,
  dmButtonSetsIn,
  withButtonsRetired,
} from '../../views/tickets/dm-buttons.js';
import { staleButtonRefusal, ticketNowIs } from '../../views/tickets/notices.js';

const AGENT = 'UAGENT01';
const OTHER = 'UAGENT02';
const REQUESTER = 'UREQ0001';
const ticket = (over: Partial<DmButtonFacts> = {}): DmButtonFacts => ({
  status: 'in_progress',
  assigneeId: AGENT,
  resolvedBy: null,
  csatScore: null,
  ...over,
});

describe('which DM buttons still apply to a ticket', () => {
  it("keeps the requester's Add a comment / Cancel while the ticket is open, whatever its open state", () => {
    for (const status of ['new', 'in_progress', 'waiting_on_requester'] as const)
      expect(dmButtonStaleness('requester', ticket({ status }), REQUESTER)).toBeNull();
  });

  it("drops the requester's buttons once the ticket is resolved, cancelled or closed, saying which", () => {
    expect(dmButtonStaleness('requester', ticket({ status: 'resolved', resolvedBy: AGENT }), REQUESTER)).toEqual({
      kind: 'resolved',
      by: AGENT,
    });
    expect(dmButtonStaleness('requester', ticket({ status: 'cancelled' }), REQUESTER)).toEqual({ kind: 'cancelled' });
    expect(dmButtonStaleness('requester', ticket({ status: 'closed' }), REQUESTER)).toEqual({ kind: 'closed' });
  });

  it("keeps the agent's buttons for the assignee the DM went to, and drops them when the ticket is handed on or settled", () => {
    expect(dmButtonStaleness('agent', ticket(), AGENT)).toBeNull();
    expect(dmButtonStaleness('agent', ticket({ assigneeId: OTHER }), AGENT)).toEqual({ kind: 'reassigned', to: OTHER });
    expect(dmButtonStaleness('agent', ticket({ status: 'resolved', resolvedBy: OTHER }), AGENT)).toEqual({
      kind: 'resolved',
      by: OTHER,
    });
    expect(dmButtonStaleness('agent', ticket({ status: 'cancelled' }), AGENT)).toEqual({ kind: 'cancelled' });
  });

  it('keeps the rating buttons while resolved or closed and unrated; drops them once rated or reopened', () => {
    expect(dmButtonStaleness('csat', ticket({ status: 'resolved' }), REQUESTER)).toBeNull();
    expect(dmButtonStaleness('csat', ticket({ status: 'closed' }), REQUESTER)).toBeNull();
    expect(dmButtonStaleness('csat', ticket({ status: 'resolved', csatScore: 4 }), REQUESTER)).toEqual({
      kind: 'rated',
      score: 4,
    });
    expect(dmButtonStaleness('csat', ticket({ status: 'in_progress' }), REQUESTER)).toEqual({ kind: 'reopened' });
  });

  it('keeps Reopen only while the ticket is resolved', () => {
    expect(dmButtonStaleness('reopen', ticket({ status: 'resolved', csatScore: 5 }), REQUESTER)).toBeNull();
    expect(dmButtonStaleness('reopen', ticket({ status: 'in_progress' }), REQUESTER)).toEqual({ kind: 'reopened' });
    expect(dmButtonStaleness('reopen', ticket({ status: 'closed' }), REQUESTER)).toEqual({ kind: 'closed' });
  });

  it('lists only the sets that no longer apply, in the order given', () => {
    const closedAndRated = ticket({ status: 'closed', csatScore: 3 });
    expect(staleDmButtons(['csat', 'reopen'], closedAndRated, REQUESTER)).toEqual([
      { set: 'csat', why: { kind: 'rated', score: 3 } },
      { set: 'reopen', why: { kind: 'closed' } },
    ]);
    expect(staleDmButtons(['csat', 'reopen'], ticket({ status: 'resolved' }), REQUESTER)).toEqual([]);
  });
});

describe('DM button rows and what replaces them', () => {
  const message = {
    text: '*IT-1* · VPN drops',
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: '*IT-1* · VPN drops' } },
      { type: 'actions', block_id: 'ticket.csat.1', elements: [] },
      { type: 'actions', block_id: 'ticket.reopen.1', elements: [] },
      { type: 'context', elements: [{ type: 'mrkdwn', text: 'You can reopen it within 3 days.' }] },
    ],
  };

  it('recognises the rows by block id and ignores every other row', () => {
    expect(dmButtonSetsIn(message.blocks)).toEqual(['csat', 'reopen']);
    expect(dmButtonSetOfBlock('ticket.requester.12')).toBe('requester');
    expect(dmButtonSetOfBlock('ticket.actions.12')).toBeUndefined();
    expect(dmButtonSetOfBlock(undefined)).toBeUndefined();
  });

  it('keeps the text, puts one line per reason where the retired rows were, and leaves the rest', () => {
    const line = ticketNowIs('IT-1', { kind: 'reopened' });
    const edited = withButtonsRetired(message, [
      { set: 'csat', line },
      { set: 'reopen', line },
    ]);
    expect(edited.text).toBe(message.text);
    expect(edited.blocks).toEqual([
      message.blocks[0],
      { type: 'context', elements: [{ type: 'mrkdwn', text: 'IT-1 was reopened.' }] },
      message.blocks[3],
    ]);
    expect(
      dmButtonSetsIn(withButtonsRetired(message, [{ set: 'csat', line: 'IT-1 is already rated ★★★★★.' }]).blocks),
    ).toEqual(['reopen']);
  });

  it('says what the ticket is now, mentioning a person but never the desk itself', () => {
    expect(staleButtonRefusal('IT-1', { kind: 'resolved', by: AGENT })).toBe(
      `That button is out of date: IT-1 is resolved by <@${AGENT}>. Nothing was changed.`,
    );
    expect(ticketNowIs('IT-1', { kind: 'resolved', by: 'switchboard' })).toBe('IT-1 is resolved.');
    expect(ticketNowIs('IT-1', { kind: 'reassigned', to: OTHER })).toBe(`IT-1 is now assigned to <@${OTHER}>.`);
  });

  it('takes a click as a DM button only from a message row of a known set', () => {
    const container = { type: 'message', channel_id: 'DUREQ0001', message_ts: '1.000002', is_ephemeral: false };
    expect(dmButtonClickOf(container, 'ticket.requester.1')).toEqual({
      channel: 'DUREQ0001',
      ts: '1.000002',
      set: 'requester',
    });
    expect(dmButtonClickOf({ ...container, is_ephemeral: true }, 'ticket.requester.1')).toBeUndefined();
    expect(dmButtonClickOf({ type: 'view', view_id: 'V1' }, 'ticket.requester.1')).toBeUndefined();
    expect(dmButtonClickOf(container, 'ticket.actions.1')).toBeUndefined();
  });
});
