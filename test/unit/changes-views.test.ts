import { describe, expect, it } from 'vitest';
import { checkBlocks } from '../../devkit/fake-slack/server.js';
import { approvalRequestDm, changePost, closeoutDm, windowStartDm, type ChangeCard } from '../../views/changes/card.js';
import { calendarMessage, changeRecordMessage } from '../../views/changes/record.js';
import {
  closeoutModal,
  parseCloseout,
  parseRequest,
  postponeModal,
  rejectModal,
  requestModal,
} from '../../views/changes/modals.js';

const hostile = '<!channel> <@U123> <https://evil.example|bank> & more ';
const card = (over: Partial<ChangeCard> = {}): ChangeCard => ({
  id: 7,
  key: 'CHG-7',
  title: 'Upgrade',
  description: 'd',
  type: 'normal',
  risk: 'high',
  riskComputed: true,
  status: 'pending_approval',
  outcome: null,
  requesterId: 'UREQ',
  implementerId: 'UIMP',
  services: ['Email'],
  plannedStart: Date.parse('2026-03-02T10:00:00Z'),
  plannedEnd: Date.parse('2026-03-02T11:00:00Z'),
  implementationPlan: 'p',
  rollbackPlan: 'r',
  linkedRecord: null,
  templateTitle: null,
  freezeOverride: false,
  freezeOverrideReason: null,
  reviewRequired: false,
  reviewedBy: null,
  reviewedAt: null,
  version: 1,
  decisions: [],
  required: 2,
  missingServiceGroups: [],
  conflicts: [],
  incidents: [],
  closeoutNotes: null,
  ...over,
});
const extreme = card({
  title: hostile.repeat(50),
  description: hostile.repeat(300),
  implementationPlan: hostile.repeat(300),
  rollbackPlan: hostile.repeat(300),
  services: Array.from({ length: 100 }, (_, i) => `Service ${i} ${hostile}`),
  freezeOverride: true,
  freezeOverrideReason: hostile.repeat(100),
  version: 3,
  decisions: Array.from({ length: 30 }, (_, i) => ({
    approverId: `U${i}`,
    decision: 'rejected' as const,
    reason: hostile.repeat(20),
    at: 0,
  })),
  missingServiceGroups: Array.from({ length: 50 }, (_, i) => `S${i}${hostile}`),
  conflicts: Array.from({ length: 40 }, (_, i) => ({ key: `CHG-${i}`, services: ['Email', hostile] })),
  incidents: Array.from({ length: 30 }, (_, i) => `INC-${i}`),
  closeoutNotes: hostile.repeat(100),
  linkedRecord: 'INC-4',
});

describe('change views stay within Slack limits and escape user text', () => {
  it('renders the post, DMs and record within limits for extreme input', () => {
    for (const message of [
      changePost(extreme),
      approvalRequestDm(extreme, 'Please decide'),
      windowStartDm(extreme),
      closeoutDm(extreme, 3),
    ]) {
      expect(checkBlocks(message.blocks, 50)).toBeUndefined();
      // Headers are plain_text, which Slack never parses for mentions; everything else must be escaped.
      const json = JSON.stringify((message.blocks as any[]).filter((b) => b.type !== 'header'));
      expect(json).not.toContain('<!channel>');
      expect(json).toContain('&lt;!channel&gt;');
    }
    const record = changeRecordMessage({
      card: extreme,
      approvals: Array.from({ length: 40 }, (_, i) => ({
        version: 1,
        approver_id: `U${i}`,
        decision: 'rejected',
        reason: hostile.repeat(10),
        at: 0,
      })),
      history: Array.from({ length: 200 }, (_, i) => ({
        at: i,
        actor_id: 'UX',
        actor_name: null,
        action: 'change.edited',
        detail: hostile.repeat(10),
        source: 'modal',
      })),
      reviewNote: hostile.repeat(100),
      createdAt: 0,
      approvedAt: 1,
      completedAt: 2,
    });
    expect(checkBlocks(record.blocks, 50)).toBeUndefined();
  });

  it('escapes the title in the notification text of every message, /change show included', () => {
    const hostileCard = card({ title: 'Patch <!channel> <@U999>' });
    const record = changeRecordMessage({
      card: hostileCard,
      approvals: [],
      history: [],
      reviewNote: null,
      createdAt: 0,
      approvedAt: null,
      completedAt: null,
    });
    for (const message of [
      record,
      changePost(hostileCard),
      approvalRequestDm(hostileCard, 'Please decide'),
      windowStartDm(hostileCard),
      closeoutDm(hostileCard, 0),
    ]) {
      expect(message.text).not.toContain('<!channel>');
      expect(message.text).not.toContain('<@U999>');
    }
    expect(record.text).toContain('&lt;!channel&gt;');
  });

  it('puts Approve / Reject / Ask buttons with the change id as value while awaiting approval only', () => {
    const pending = JSON.stringify(changePost(card()).blocks);
    expect(pending).toContain('"action_id":"change.approve"');
    expect(pending).toContain('"action_id":"change.reject"');
    expect(pending).toContain('"value":"7"');
    expect(JSON.stringify(changePost(card({ status: 'scheduled' })).blocks)).not.toContain('change.approve');
  });

  it("groups the calendar by day in the viewer's zone and stays within limits with many entries", () => {
    const from = Date.parse('2026-03-02T00:30:00Z');
    const changes = Array.from({ length: 400 }, (_, i) => ({
      key: `CHG-${i}`,
      title: hostile,
      status: 'scheduled' as const,
      type: 'normal',
      start: from + i * 3_600_000 * 3,
      end: from + i * 3_600_000 * 3 + 3_600_000,
      services: ['Email'],
    }));
    const message = calendarMessage({
      from,
      days: 60,
      timeZone: 'America/Los_Angeles',
      changes,
      freezes: [{ name: hostile, start: from, end: from + 86_400_000 * 3, services: [] }],
    });
    expect(checkBlocks(message.blocks, 50)).toBeUndefined();
    // 00:30 UTC on Monday is Sunday afternoon in Los Angeles.
    expect(JSON.stringify(message.blocks)).toContain('Sun 1 Mar');
    expect(JSON.stringify(message.blocks)).not.toContain('<!channel>');
  });

  it('builds modals within limits', () => {
    const modal = requestModal({
      metadata: { mode: 'new' },
      defaults: {},
      serviceCatalog: Array.from({ length: 150 }, (_, i) => `S${i}`),
      timeZone: 'Europe/London',
    });
    expect(checkBlocks(modal.blocks, 100)).toBeUndefined();
    expect(String((modal as any).private_metadata).length).toBeLessThan(3000);
    for (const m of [
      rejectModal({ id: 1, key: 'CHG-1', title: hostile.repeat(40) }),
      closeoutModal({ id: 1, key: 'CHG-1', title: 'x' }),
      postponeModal({ id: 1, key: 'CHG-1', plannedStart: 0, plannedEnd: 1 }, 'UTC', true),
    ]) {
      expect(checkBlocks((m as any).blocks, 100)).toBeUndefined();
      expect(String((m as any).title.text).length).toBeLessThanOrEqual(24);
    }
  });

  it('leaves the services field out with an empty catalog, and then needs no service', () => {
    const modal = requestModal({
      metadata: { mode: 'new' },
      defaults: {},
      serviceCatalog: [],
      timeZone: 'Europe/London',
    });
    expect(checkBlocks(modal.blocks, 100)).toBeUndefined();
    expect(JSON.stringify(modal.blocks)).not.toContain('change_services');
    const values = {
      change_title: { change_title: { value: 'T' } },
      change_type: { change_type: { selected_option: { value: 'normal' } } },
      change_risk: { change_risk: { selected_option: { value: 'low' } } },
      window_start: { window_start: { selected_date_time: 1000 } },
      window_end: { window_end: { selected_date_time: 2000 } },
      implementation_plan: { implementation_plan: { value: 'p' } },
      rollback_plan: { rollback_plan: { value: 'r' } },
    };
    expect(parseRequest(values, { mode: 'new' }, [])).toMatchObject({ ok: true, value: { services: [] } });
    expect(parseRequest(values, { mode: 'new' }, ['Email'])).toMatchObject({
      ok: false,
      errors: { change_services: 'Pick at least one affected service.' },
    });
  });

  it('parses the request: end after start, questionnaire answers when no risk is chosen, inline errors by block', () => {
    const base = {
      change_title: { change_title: { value: 'T' } },
      change_type: { change_type: { selected_option: { value: 'normal' } } },
      change_services: { change_services: { selected_options: [{ value: 'Email' }] } },
      change_risk: { change_risk: { selected_option: { value: 'questionnaire' } } },
      window_start: { window_start: { selected_date_time: 2000 } },
      window_end: { window_end: { selected_date_time: 1000 } },
      implementation_plan: { implementation_plan: { value: 'p' } },
      rollback_plan: { rollback_plan: { value: 'r' } },
    };
    const bad = parseRequest(base, { mode: 'new' }, ['Email']);
    expect(bad.ok).toBe(false);
    if (!bad.ok) {
      expect(bad.errors.window_end).toContain('after the start');
      expect(bad.errors.risk_impact).toBeDefined();
    }
    const good = parseRequest(
      {
        ...base,
        window_end: { window_end: { selected_date_time: 3000 } },
        risk_impact: { risk_impact: { selected_option: { value: 'high' } } },
        risk_blast_radius: { risk_blast_radius: { selected_option: { value: 'company' } } },
        risk_tested: { risk_tested: { selected_option: { value: 'yes' } } },
        risk_rollback_ready: { risk_rollback_ready: { selected_option: { value: 'yes' } } },
      },
      { mode: 'new' },
      ['Email'],
    );
    expect(good.ok && good.value).toMatchObject({
      start: 2_000_000,
      end: 3_000_000,
      answers: { impact: 'high', blast_radius: 'company', tested: true, rollback_ready: true },
    });
  });

  it('needs notes on a close-out that was not fully successful', () => {
    expect(parseCloseout({ closeout_outcome: { closeout_outcome: { selected_option: { value: 'failed' } } } }).ok).toBe(
      false,
    );
    expect(
      parseCloseout({ closeout_outcome: { closeout_outcome: { selected_option: { value: 'successful' } } } }),
    ).toEqual({ ok: true, value: { outcome: 'successful', notes: null } });
  });
});
