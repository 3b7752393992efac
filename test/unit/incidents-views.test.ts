import { describe, expect, it } from 'vitest';
import { checkBlocks } from '../../devkit/fake-slack/server.js';
import type { IncidentSnapshot } from '../../src/domain/incidents/types.js';
import {
  announcementMessage,
  openIncidentsList,
  reviewMessage,
  summaryMessage,
  topicText,
  updatePost,
  safeCut,
} from '../../views/incidents/messages.js';
import { declareModal, parseDeclare, updateModal } from '../../views/incidents/modals.js';
import { FIELDS } from '../../views/incidents/ids.js';
import { testSettings } from '../../devkit/workspace.js';
import { composeText } from '../../views/text.js';
import { parseIncidentCommand } from '../../commands/incidents/parse.js';

const huge = '<!channel> ' + 'x'.repeat(10_000);
const snapshot: IncidentSnapshot = {
  id: 1,
  key: 'INC-99999',
  title: huge.slice(0, 150),
  severity: 'P1',
  severityLabel: huge,
  status: 'investigating',
  impact: huge,
  services: Array.from({ length: 100 }, (_, i) => `Service ${i} ${'y'.repeat(60)}`),
  declaredBy: 'U1',
  commanderId: 'U2',
  roles: Array.from({ length: 20 }, (_, i) => ({ role: `custom_role_${i}`, userId: `U${i}XX` })),
  declaredAt: 0,
  acknowledgedAt: null,
  resolvedAt: null,
  nextUpdateDueAt: 60_000,
  lastUpdateAt: null,
  bridgeUrl: 'https://meet.example.com/x',
  channelId: 'C1',
  resolutionSummary: huge,
};

describe('incident views stay within Slack limits for extreme input', () => {
  it('summary, announcement, update and review', () => {
    for (const m of [
      summaryMessage(snapshot),
      announcementMessage(snapshot, { page: ['<!subteam^S1>'] }),
      updatePost(snapshot, {
        status: 'identified',
        impact: huge,
        actions: huge,
        workaround: huge,
        nextUpdateAt: 1,
        postedBy: 'U1',
        at: 0,
      }),
      reviewMessage(snapshot, huge + '\n' + huge),
    ]) {
      expect(checkBlocks(m.blocks, 50)).toBeUndefined();
      expect(m.text.length).toBeLessThanOrEqual(4000);
      expect(m.text).not.toContain('<!channel>');
    }
    expect(composeText(topicText(snapshot, 'Europe/London'), () => 'carla').length).toBeLessThanOrEqual(250);
    const list = openIncidentsList(
      Array.from({ length: 200 }, (_, i) => ({
        key: `INC-${i}`,
        title: huge,
        severity: 'P2' as const,
        status: 'identified' as const,
        channelId: null,
      })),
    );
    expect(checkBlocks(list.blocks, 50)).toBeUndefined();
  });

  it('declare and update modals fit, and the declare parser reads them', () => {
    const settings = testSettings();
    const modal = declareModal({
      prefill: { title: huge, impact: huge, services: ['Unknown service'], linkedTicketId: 12 },
      severities: settings.incidents.severities,
      serviceCatalog: settings.service_catalog,
      openIncidents: Array.from({ length: 30 }, (_, i) => ({ key: `INC-${i}`, title: huge, severity: 'P1' as const })),
    }) as any;
    expect(checkBlocks(modal.blocks, 100)).toBeUndefined();
    expect(JSON.parse(modal.private_metadata).linkedTicketId).toBe(12);
    const services = modal.blocks.find((b: any) => b.block_id === FIELDS.services);
    // Only catalog services are offered: a name from elsewhere is neither an option nor pre-selected.
    expect(services.element.options.map((o: any) => o.value)).toEqual(settings.service_catalog);
    expect(services.element.initial_options).toBeUndefined();
    const parsed = parseDeclare(
      {
        [FIELDS.title]: { [FIELDS.title]: { value: ' Email down ' } },
        [FIELDS.severity]: { [FIELDS.severity]: { selected_option: { value: 'P1' } } },
        [FIELDS.services]: { [FIELDS.services]: { selected_options: [{ value: 'Email' }] } },
      },
      new Date('2026-03-10T10:00:00Z'),
    );
    expect(parsed).toEqual({
      ok: true,
      value: {
        title: 'Email down',
        severity: 'P1',
        services: ['Email'],
        impact: '',
        commanderId: null,
        startedAt: null,
      },
    });
    const earlier = parseDeclare(
      {
        [FIELDS.title]: { [FIELDS.title]: { value: 'VPN down' } },
        [FIELDS.severity]: { [FIELDS.severity]: { selected_option: { value: 'P2' } } },
        [FIELDS.started]: { [FIELDS.started]: { selected_date_time: Date.parse('2026-03-10T09:30:00Z') / 1000 } },
      },
      new Date('2026-03-10T10:00:00Z'),
    );
    expect(earlier.ok && earlier.value.startedAt).toBe(Date.parse('2026-03-10T09:30:00Z'));
    const future = parseDeclare(
      {
        [FIELDS.title]: { [FIELDS.title]: { value: 'VPN down' } },
        [FIELDS.severity]: { [FIELDS.severity]: { selected_option: { value: 'P2' } } },
        [FIELDS.started]: { [FIELDS.started]: { selected_date_time: Date.parse('2026-03-10T11:00:00Z') / 1000 } },
      },
      new Date('2026-03-10T10:00:00Z'),
    );
    expect(future).toEqual({ ok: false, errors: { [FIELDS.started]: expect.stringMatching(/future/) } });
    const update = updateModal(snapshot, {
      status: 'identified',
      impact: huge,
      actions: huge,
      workaround: huge,
      cadence: 2000,
      audience: 'all',
    }) as any;
    expect(checkBlocks(update.blocks, 100)).toBeUndefined();
  });
});

describe('/incident command text', () => {
  const ctx = {
    now: Date.parse('2026-03-10T10:00:00Z'),
    timeZone: 'Europe/London',
    actionDueTime: '17:00',
    customRoles: [],
  };
  it('reads roles, actions with due dates and statuses', () => {
    expect(parseIncidentCommand('role <@U123ABC|bob> comms', ctx)).toEqual({
      kind: 'role',
      userId: 'U123ABC',
      role: 'comms_lead',
    });
    expect(parseIncidentCommand('action Fix the alerting <@U123ABC|bob> 2026-03-20', ctx)).toEqual({
      kind: 'action',
      text: 'Fix the alerting',
      ownerId: 'U123ABC',
      dueAt: Date.parse('2026-03-20T17:00:00Z'),
    });
    expect(parseIncidentCommand('action Fix it <@U123ABC> tomorrow', ctx)).toMatchObject({
      kind: 'action',
      dueAt: Date.parse('2026-03-11T17:00:00Z'),
    });
    expect(parseIncidentCommand('status monitoring', ctx)).toEqual({ kind: 'status', status: 'monitoring' });
    expect(parseIncidentCommand('status resolved', ctx)).toEqual({ kind: 'resolve' });
    expect(parseIncidentCommand('', ctx)).toEqual({ kind: 'card' });
  });
  it('explains bad input', () => {
    expect(parseIncidentCommand('action Fix it 2026-03-20', ctx).kind).toBe('error');
    expect(parseIncidentCommand('action Fix it <@U123ABC> 2020-01-01', ctx)).toMatchObject({
      kind: 'error',
      message: expect.stringContaining('past'),
    });
    expect(parseIncidentCommand('role <@U123ABC> janitor', ctx).kind).toBe('error');
    expect(parseIncidentCommand('severity P9', ctx).kind).toBe('error');
  });
});

describe('review draft sections', () => {
  it('never cut through an escaped entity, a Slack token or an emoji', () => {
    for (let offset = 0; offset < 12; offset++) {
      const text = 'x'.repeat(2890 + offset) + '&amp;<@UCOMMAN1>😀' + 'y'.repeat(4000);
      const cut = safeCut(text, 2900);
      const head = text.slice(0, cut);
      expect(head.endsWith('&am') || head.endsWith('&a') || head.endsWith('&')).toBe(false);
      expect((head.match(/</g) ?? []).length).toBe((head.match(/>/g) ?? []).length);
      expect(/[\uD800-\uDBFF]$/.test(head)).toBe(false);
    }
  });
});
