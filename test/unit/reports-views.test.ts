import { describe, expect, it } from 'vitest';
import { checkBlocks } from '../../devkit/fake-slack/server.js';
import { scorecardBlocks } from '../../views/reports/scorecard.js';
import { homeView, type QueuedTicketRow } from '../../views/reports/home.js';
import { csvCell, csvLine, exportColumns, writeCsv } from '../../views/reports/csv.js';
import { parseItops } from '../../views/reports/command.js';
import { renderTrendPng, renderTrendSvg } from '../../views/reports/charts.js';
import type { Scorecard } from '../../src/domain/reports/scorecard.js';

const HOSTILE = '<!channel> *bold* <https://evil|bank> & '.repeat(40);
const stats = (v: number | null) => ({ n: v === null ? 0 : 3, mean: v, median: v, p90: v });
const sev = <T>(f: () => T) => ({ P1: f(), P2: f(), P3: f(), P4: f() });

function card(scale: number, names = 60): Scorecard {
  const tally = { met: 90 * scale, breached: 10, pending: 3 };
  return {
    incidents: {
      total: 12 * scale,
      bySeverity: sev(() => 3 * scale),
      mtta: stats(600_000 * scale),
      mttaBySeverity: sev(() => stats(300_000)),
      selfAcknowledged: 2,
      mttr: stats(7_200_000),
      mttrBySeverity: sev(() => stats(3_600_000 * scale)),
      mttrStarted: stats(null),
      updatePunctuality: { num: 9, den: 10 },
      actions: { onTime: 8, overdue: 2, pending: 1 },
      byService: Array.from({ length: names }, (_, i) => ({
        service: `${HOSTILE}${i}`,
        count: i,
        mttrMedian: i ? i * 60_000 : null,
      })),
    },
    tickets: {
      opened: 100 * scale,
      resolved: 90,
      firstResponse: tally,
      resolution: tally,
      backlog: { total: 40, over7: 20, over14: 5, over30: 1 },
      firstContact: { num: 6, den: 10 },
      reopened: { num: 0, den: 0 },
      csat: { rated: 10, sum: 45, positive: 9, asked: 20, answered: 10 },
      kbDeflections: 7,
      byPriority: (['P1', 'P2', 'P3', 'P4'] as const).map((priority) => ({
        priority,
        opened: 1,
        resolved: 1,
        firstResponse: tally,
        resolution: tally,
      })),
      byCategory: Array.from({ length: names }, (_, i) => ({ category: `${HOSTILE}${i}`, opened: i, resolved: i })),
      byService: Array.from({ length: names }, (_, i) => ({ service: `${HOSTILE}${i}`, opened: i, resolved: i })),
    },
    changes: {
      submitted: 20,
      byType: { standard: 10, normal: 8, emergency: 2 },
      leadTime: stats(86_400_000),
      leadTimeByType: { standard: stats(0), normal: stats(2 * 86_400_000), emergency: stats(null) },
      completed: 15,
      failed: 1,
      emergency: { num: 2, den: 20 },
      freezeOverrides: 1,
      byService: Array.from({ length: names }, (_, i) => ({
        service: `${HOSTILE}${i}`,
        submitted: i,
        completed: i,
        failed: 0,
      })),
    },
  };
}

describe('scorecard blocks', () => {
  it('stay within Slack limits with many, long, hostile names, and escape them', () => {
    const blocks = scorecardBlocks({
      title: 'Weekly IT operations report',
      periodLabel: '16 Nov – 22 Nov 2026',
      previousLabel: '9 Nov – 15 Nov 2026',
      timezone: 'Europe/London',
      current: card(2),
      previous: card(1),
    });
    expect(checkBlocks(blocks, 50)).toBeUndefined();
    const text = JSON.stringify(blocks);
    expect(text).not.toContain('<!channel>');
    expect(text).toContain('&lt;!channel&gt;');
    for (const b of blocks as any[]) if (b.fields) expect(b.fields.length).toBeLessThanOrEqual(10);
  });

  it('puts the previous period, the arrow and the verdict beside each figure', () => {
    const text = JSON.stringify(
      scorecardBlocks({
        title: 'T',
        periodLabel: 'a',
        previousLabel: 'b',
        timezone: 'UTC',
        current: card(2, 1),
        previous: card(1, 1),
      }),
    );
    expect(text).toContain('*Incidents declared*\\n24\\n_prev 12 ↑ worse_');
    expect(text).toContain('*Tickets opened*\\n200\\n_prev 100 ↑_');
    expect(text).toContain('*Reopen rate*\\n—\\n_prev —_');
  });
});

describe('App Home view', () => {
  const t = (i: number, over: Partial<QueuedTicketRow> = {}): QueuedTicketRow => ({
    id: i,
    key: `IT-${i}`,
    summary: HOSTILE,
    priority: 'P2',
    assignee_id: null,
    status: 'new',
    sla: { target: 'first_response', state: 'ok', dueAt: 1000 },
    ...over,
  });
  it('stays within limits for the busiest person (every role, long lists)', () => {
    const many = Array.from({ length: 10 }, (_, i) => t(i));
    const inc = Array.from({ length: 10 }, (_, i) => ({
      key: `INC-${i}`,
      title: HOSTILE,
      severity: 'P1',
      status: 'investigating',
      commander_id: 'UCOMMAN1',
      channel_id: 'C1',
      next_update_due_at: 10,
    }));
    const changes = Array.from({ length: 10 }, (_, i) => ({
      id: i,
      key: `CHG-${i}`,
      title: HOSTILE,
      type: 'normal',
      risk: 'high',
      requester_id: 'UREQ0001',
      planned_start: 0,
    }));
    const view = homeView({
      now: 2000,
      myTickets: { rows: many, total: 30 },
      following: inc,
      triage: { rows: [...many, ...many.slice(0, 5)], total: 400 },
      activeIncidents: inc,
      awaiting: changes,
      latestReport: { label: 'Weekly', url: 'https://slack.com/archives/C1/p1' },
    });
    expect(checkBlocks(view.blocks, 100)).toBeUndefined();
    const text = JSON.stringify(view.blocks);
    expect(text).not.toContain('<!channel>');
    expect(text).toContain('…and 20 more');
    expect(text).toContain('Triage queue (400 open)');
  });

  it('lists a long triage queue one ticket per row with its button, and the "more" count', () => {
    const long = Array.from({ length: 15 }, (_, i) =>
      t(i + 1, { summary: 'x'.repeat(300), ...(i % 2 ? { assignee_id: 'UAGENT01' } : {}) }),
    );
    const view = homeView({
      now: 2000,
      myTickets: { rows: [], total: 0 },
      following: [],
      triage: { rows: long, total: 400 },
    });
    expect(checkBlocks(view.blocks, 100)).toBeUndefined();
    const rows = (view.blocks as any[]).filter((b) => String(b.block_id ?? '').startsWith('home.ticket.'));
    expect(rows).toHaveLength(10);
    expect(rows[0].accessory).toMatchObject({ action_id: 'ticket.claim', value: '1' });
    // Every date token is whole (a cut one shows raw markup).
    for (const row of rows) expect(row.text.text.match(/<!date\^[^>]+ UTC>/g)).toHaveLength(1);
    expect(JSON.stringify(view.blocks)).toContain(`_…and ${400 - 10} more_`);
  });

  it('shows the SLA standing of each queued ticket', () => {
    const line = (sla: QueuedTicketRow['sla']) =>
      JSON.stringify(
        homeView({
          now: 2000,
          myTickets: { rows: [], total: 0 },
          following: [],
          triage: { rows: [t(1, { sla })], total: 1 },
        }).blocks,
      );
    expect(line({ target: 'first_response', state: 'ok', dueAt: 1000 })).toContain(':large_green_circle: *IT-1*');
    expect(line({ target: 'first_response', state: 'warning', dueAt: 1000 })).toContain(':large_yellow_circle: *IT-1*');
    expect(line({ target: 'resolution', state: 'breached', dueAt: 1000 })).toMatch(
      /:red_circle: \*IT-1\*[^"]*resolution overdue since/,
    );
    expect(line({ target: 'resolution', state: 'paused', dueAt: 1000 })).toContain(':double_vertical_bar: *IT-1*');
  });
});

describe('CSV', () => {
  it('quotes per RFC 4180 and defuses formulas', () => {
    expect(csvCell('plain')).toBe('plain');
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('two\r\nlines')).toBe('"two\r\nlines"');
    expect(csvCell('=SUM(A1)')).toBe("'=SUM(A1)");
    expect(csvCell('+1')).toBe("'+1");
    expect(csvCell('-cmd')).toBe("'-cmd");
    expect(csvCell('@x')).toBe("'@x");
    expect(csvCell('=a,"b"')).toBe(`"'=a,""b"""`);
    expect(csvCell(-5)).toBe('-5');
    expect(csvCell(null)).toBe('');
    expect(csvLine(['a', 1, null])).toBe('a,1,\r\n');
  });

  it('writes a header and one line per row, with ISO times and SLA outcomes', async () => {
    async function* rows() {
      yield {
        key: 'IT-1',
        created_at: Date.parse('2026-11-20T10:00:00Z'),
        first_response_at: null,
        first_response_due_at: 0,
        first_response_breached: 0,
        resolved_at: null,
        resolution_due_at: 8e15,
        resolution_breached: 0,
        status: 'new',
        summary: 'x',
        first_response_outcome: 'breached',
        resolution_outcome: 'pending',
      };
    }
    const { csv, rows: n } = await writeCsv(exportColumns('tickets'), rows());
    expect(n).toBe(1);
    const [header, line] = csv.split('\r\n');
    expect(header!.split(',')).toContain('first_response_sla');
    expect(line).toContain('IT-1,2026-11-20T10:00:00.000Z');
    expect(line).toContain(',breached,');
    expect(line).toContain(',pending,');
  });
});

describe('/itops parsing', () => {
  it('reads periods, channels and options', () => {
    expect(parseItops('report')).toEqual({
      kind: 'report',
      period: undefined,
      target: { type: 'ephemeral' },
      chart: false,
    });
    expect(parseItops('report 30d <#C0123ABCD|ops> chart')).toEqual({
      kind: 'report',
      period: '30d',
      target: { type: 'channel', id: 'C0123ABCD' },
      chart: true,
    });
    expect(parseItops('report 2026-10-01 .. 2026-10-31 here')).toMatchObject({
      period: '2026-10-01..2026-10-31',
      target: { type: 'here' },
    });
    expect(parseItops('report #ops')).toMatchObject({ kind: 'invalid' });
    expect(parseItops('export audit quarter')).toEqual({ kind: 'export', what: 'audit', period: 'quarter' });
    expect(parseItops('export secrets 7d')).toMatchObject({ kind: 'invalid' });
    expect(parseItops('')).toEqual({ kind: 'help' });
  });
});

describe('trend chart', () => {
  it('renders 12 weeks to SVG and PNG on the server, gaps included', async () => {
    const points = Array.from({ length: 12 }, (_, i) => ({
      week: `${i + 1} Sep`,
      mttrMedian: i === 3 ? null : (i + 1) * 1_800_000,
      firstResponseSla: 0.9 + i / 200,
      resolutionSla: i === 0 ? null : 0.8,
    }));
    const svg = await renderTrendSvg(points, 'Last 12 weeks');
    expect(svg).toContain('<svg');
    expect(svg).toContain('SLA attainment');
    const png = await renderTrendPng(points, 'Last 12 weeks');
    expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    const empty = await renderTrendPng(
      points.map((p) => ({ ...p, mttrMedian: null, firstResponseSla: null, resolutionSla: null })),
      'No data',
    );
    expect(empty.length).toBeGreaterThan(100);
  });
});
