import { describe, expect, it } from 'vitest';
import { triageMessage } from '../../views/tickets/messages.js';
import { fileTicketModal } from '../../views/tickets/modals.js';
import { mrkdwnToText, renderBlocks, renderMessage, renderView, type RenderOptions } from '../../sandbox/render.js';
import { matchOption, parseWhen } from '../../sandbox/session.js';

const names = {
  user: (id: string) => ({ UALICE001: 'alice', URITA0001: 'rita' })[id] ?? id,
  channel: (id: string) => ({ CITTRIAGE1: 'it-triage' })[id] ?? id,
  group: (id: string) => ({ SESCALATE1: 'it-escalation' })[id] ?? id,
};

function options(): RenderOptions & { numbered: { element: any; blockId?: string }[] } {
  const numbered: { element: any; blockId?: string }[] = [];
  return {
    names,
    numbered,
    timeZone: 'UTC',
    now: new Date('2026-03-02T10:00:00Z'),
    number: (element, blockId) => numbered.push({ element, blockId }),
  };
}

describe('sandbox renderer', () => {
  it('reads mrkdwn the way Slack shows it: mentions, links, dates, entities, emoji', () => {
    const text = mrkdwnToText(
      '*IT-1* for <@URITA0001> in <#CITTRIAGE1> · <!subteam^SESCALATE1> <!here> due <!date^1772445600^{time}|10:00> <https://x.example/a|Runbook> :rotating_light: &lt;!channel&gt; &amp;',
      { names, timeZone: 'UTC', now: new Date('2026-03-02T09:00:00Z') },
    );
    expect(text).toBe(
      'IT-1 for @rita in #it-triage · @it-escalation @here due 10:00:00 Runbook (https://x.example/a) 🚨 <!channel> &',
    );
  });

  it('renders a triage post with fields and numbered buttons and selects', () => {
    const now = Date.parse('2026-03-02T10:00:00Z');
    const message = triageMessage({
      id: 7,
      key: 'IT-7',
      summary: 'Printer <!channel> jams',
      details: null,
      requester_id: 'URITA0001',
      assignee_id: null,
      first_assignee_id: null,
      status: 'new',
      priority: 'P3',
      category: 'hardware',
      service: 'Printing',
      impact: 'medium',
      urgency: 'medium',
      first_response_due_at: now + 45_000,
      resolution_due_at: now + 300_000,
      first_response_at: null,
      first_response_breached: 0,
      resolution_breached: 0,
      paused_since: null,
      paused_ms: 0,
      resolved_at: null,
      resolved_by: null,
      resolution_note: null,
      resolution_code: null,
      csat_score: null,
      attachment_url: null,
      source: 'command',
      source_channel: null,
      source_ts: null,
      source_permalink: null,
      created_at: now,
      updated_at: now,
      reopen_count: 0,
    } as any);
    const o = options();
    const lines = renderMessage('💬 in #it-triage', message, o).join('\n');
    expect(lines).toContain('▌ IT-7 · Printer <!channel> jams');
    expect(lines).toMatch(/Requester: @rita\s+Priority: 🟡 P3/);
    expect(lines).toContain('First response: due 10:00:45');
    expect(lines).toContain(
      '[1] Claim  [2] Assign… ▾  [3] Priority ▾ (P3)  [4] Waiting on requester  [5] Message requester  [6] Resolve  [7] Escalate to incident',
    );
    expect(o.numbered.map((n) => n.element.action_id)).toEqual([
      'ticket.claim',
      'ticket.assign',
      'ticket.priority',
      'ticket.wait',
      'ticket.comment',
      'ticket.resolve',
      'ticket.escalate',
    ]);
    expect(o.numbered[0]!.blockId).toBe('ticket.actions.7');
  });

  it('renders a modal with its inputs, defaults and buttons', () => {
    const view = fileTicketModal({
      categories: ['hardware', 'other'],
      services: ['Printing'],
      summary: 'Printer jams',
    });
    const lines = renderView('🪟 form', view, options()).join('\n');
    expect(lines).toContain('┏━ Get IT help');
    expect(lines).toContain('▸ What do you need help with?: text = Printer jams');
    expect(lines).toContain('▸ Details (optional): text (multi-line)');
    expect(lines).toContain('[Submit] [Cancel]');
  });

  it('shows unknown blocks by type instead of failing', () => {
    expect(renderBlocks([{ type: 'video' }, { type: 'divider' }], options())).toEqual([
      '  [video block]',
      '  ────────────────────────────────',
    ]);
  });

  it('matches options by number, value, text and prefix; parses relative times', () => {
    const opts = [
      { text: { text: 'Low – just me' }, value: 'low' },
      { text: { text: 'High – many' }, value: 'high' },
    ];
    expect(matchOption(opts, '2')?.value).toBe('high');
    expect(matchOption(opts, 'LOW')?.value).toBe('low');
    expect(matchOption(opts, 'hi')?.value).toBe('high');
    expect(matchOption(opts, 'medium')).toBeUndefined();
    const now = new Date('2026-03-02T10:00:00Z');
    expect(parseWhen('+30m', now)).toBe(now.getTime() + 1_800_000);
    expect(parseWhen('in 2h', now)).toBe(now.getTime() + 7_200_000);
    expect(parseWhen('soon', now)).toBeUndefined();
  });
});
