import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/clock.js';
import { calendarJobs } from '../../src/jobs/index.js';
import { checkBlocks } from '../../devkit/fake-slack/server.js';
import { startTestApp, type TestApp } from '../support/harness.js';
import { channels, people } from '../../devkit/workspace.js';
import { generateHistory, insertHistory, insertSeededTicketHistory } from '../support/report-history.js';
import type { Db } from '../../db/schema.js';

const NOW = '2026-11-23T09:00:00Z'; // a Monday, 09:00 in London
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

async function waitFor<T>(probe: () => T | undefined | false, what: string, ms = 5000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const allText = (blocks: any[]): string => JSON.stringify(blocks);

function ticket(id: number, over: Record<string, unknown>) {
  const created = Date.parse(NOW) - 2 * DAY;
  return {
    key: `IT-${id}`,
    requester_id: people.requester.id,
    requester_name: 'rita',
    summary: `Home ticket ${id}`,
    details: '',
    category: 'access',
    service: 'Email',
    impact: 'low',
    urgency: 'low',
    priority: 'P3',
    attachment_url: null,
    status: 'in_progress',
    assignee_id: people.agent.id,
    first_assignee_id: people.agent.id,
    source: 'command',
    source_channel: null,
    source_ts: null,
    source_permalink: null,
    created_at: created,
    updated_at: created,
    first_response_at: created + HOUR,
    first_response_due_at: created + 4 * HOUR,
    resolution_due_at: created + 3 * DAY,
    paused_since: null,
    resolved_at: null,
    resolved_by: null,
    resolution_note: null,
    resolution_code: null,
    closed_at: null,
    cancelled_at: null,
    reopen_count: 0,
    reassignment_count: 0,
    escalated_at: null,
    first_response_breached: 0,
    resolution_breached: 0,
    csat_score: null,
    csat_at: null,
    csat_requested_at: null,
    incident_id: null,
    ...over,
  } as const;
}

function change(id: number, over: Record<string, unknown>) {
  const at = Date.parse(NOW) - DAY;
  return {
    key: `CHG-${id}`,
    title: `Home change ${id}`,
    description: '',
    type: 'normal',
    risk: 'medium',
    status: 'pending_approval',
    outcome: null,
    requester_id: people.requester.id,
    implementer_id: null,
    template_id: null,
    planned_start: at + 3 * DAY,
    planned_end: at + 3 * DAY + HOUR,
    implementation_plan: '',
    rollback_plan: '',
    linked_ticket_key: null,
    required_approvals: 1,
    freeze_override: 0,
    freeze_override_reason: null,
    review_required: 0,
    reviewed_at: null,
    reviewed_by: null,
    review_note: null,
    version: 1,
    created_at: at,
    submitted_at: at,
    approved_at: null,
    rejected_at: null,
    started_at: null,
    completed_at: null,
    cancelled_at: null,
    closeout_notes: null,
    updated_at: at,
    ...over,
  } as const;
}

/** A few months of history plus the records the Home tab and the export checks look for. */
async function seed(db: Db): Promise<void> {
  const now = Date.parse(NOW);
  const history = generateHistory({
    seed: 7,
    from: now - 100 * DAY,
    to: now - 3 * DAY,
    now,
    tickets: 600,
    incidents: 60,
    changes: 80,
  });
  await insertHistory(db, history);
  await db
    .insertInto('tickets')
    .values([
      ticket(9001, { summary: '=HYPERLINK("http://evil")  <!channel>, "quoted"' }),
      ticket(9002, {
        requester_id: people.requester2.id,
        summary: 'Printer on fire',
        status: 'new',
        first_response_at: null,
        assignee_id: null,
        first_assignee_id: null,
        first_response_due_at: now - HOUR,
      }),
    ])
    .execute();
  await insertSeededTicketHistory(db);
  const inc = await db
    .insertInto('incidents')
    .values({
      key: 'INC-900',
      title: 'VPN down <!here>',
      severity: 'P1',
      status: 'investigating',
      impact: 'all remote staff',
      declared_by: people.commander.id,
      commander_id: people.commander.id,
      started_at: null,
      declared_at: now - HOUR,
      acknowledged_at: now - HOUR + 120_000,
      mitigated_at: null,
      resolved_at: null,
      closed_at: null,
      resolution_summary: null,
      channel_id: 'CINC00900',
      channel_name: 'inc-900-vpn',
      bridge_url: null,
      bridge_started_at: null,
      next_update_due_at: now + 20 * 60_000,
      last_update_at: now - 10 * 60_000,
      updated_at: now,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  await db
    .insertInto('incident_subscriptions')
    .values({ incident_id: inc.id, user_id: people.requester.id, at: now })
    .execute();
  const ids = await db
    .insertInto('changes')
    .values([
      change(9101, { title: 'Awaiting the CAB' }),
      change(9102, { title: 'Requested by the approver', requester_id: people.approver.id }),
      change(9103, { title: 'Already approved by bea', version: 2 }),
      change(9104, { title: 'Emergency firewall fix', type: 'emergency' }),
      change(9105, { title: 'Implemented by the approver', implementer_id: people.approver.id }),
    ])
    .returning(['id', 'key'])
    .execute();
  const byKey = Object.fromEntries(ids.map((r) => [r.key, r.id]));
  await db
    .insertInto('change_approvals')
    .values([
      // bea decided version 2 already; ben only decided version 1, so version 2 still waits for him.
      {
        change_id: byKey['CHG-9103']!,
        version: 2,
        approver_id: people.approver.id,
        decision: 'approved',
        reason: null,
        at: now,
      },
      {
        change_id: byKey['CHG-9103']!,
        version: 1,
        approver_id: people.approver2.id,
        decision: 'approved',
        reason: null,
        at: now - DAY,
      },
    ])
    .execute();
}

describe('reports end to end', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ clock: new FakeClock(NOW) });
    await seed(t.sb.db);
  });
  afterAll(async () => {
    await t.stop();
  });

  it('/itops report answers ephemerally with the scorecard and the previous period', async () => {
    await t.slack.command('/itops', 'report 30d', people.requester);
    const response = await waitFor(() => t.fake.responses.find((r) => r.body.blocks), 'the ephemeral scorecard');
    expect(response.body.response_type).toBe('ephemeral');
    expect(checkBlocks(response.body.blocks, 50)).toBeUndefined();
    const text = allText(response.body.blocks);
    expect(text).toContain('IT operations scorecard · 25 Oct – 23 Nov 2026');
    expect(text).toContain('Compared with 25 Sep – 24 Oct 2026');
    expect(text).toContain('MTTR (median)');
    expect(text).toContain('_prev ');
    expect(text).toMatch(/[↑↓→]/);
    expect(t.fake.messagesIn(channels.general)).toHaveLength(0);
  });

  it('refuses a period it cannot read', async () => {
    const before = t.fake.responses.length;
    await t.slack.command('/itops', 'report last-tuesday', people.requester);
    const response = await waitFor(() => t.fake.responses.slice(before).find((r) => r.body.text), 'the refusal');
    expect(response.body.response_type).toBe('ephemeral');
    expect(response.body.text).toContain('did not understand');
  });

  it('/itops report … here posts to the channel through the outbox, audited', async () => {
    await t.slack.command('/itops', 'report 7d here', people.itManager, channels.general);
    await waitFor(() => t.fake.messagesIn(channels.general).length > 0, 'the channel post');
    const [message] = t.fake.messagesIn(channels.general);
    expect(allText(message!.blocks!)).toContain('17 Nov – 23 Nov 2026');
    const audit = await t.sb.db.selectFrom('audit_log').selectAll().where('action', '=', 'report.post').execute();
    expect(audit.at(-1)).toMatchObject({ actor_id: people.itManager.id, record_key: '7d' });
  });

  it('/itops report to a named channel, with the trend chart', async () => {
    await t.slack.command('/itops', 'report quarter <#CEXECS001|executives> chart', people.itManager);
    await waitFor(() => t.fake.messagesIn(channels.executives).length > 0, 'the post to #executives');
    const upload = await waitFor(
      () => t.fake.uploads.find((u) => u.channel === channels.executives && u.content.length > 0),
      'the chart upload',
    );
    expect(upload.content.subarray(1, 4).toString()).toBe('PNG');
    expect(allText(t.fake.messagesIn(channels.executives)[0]!.blocks!)).toContain('1 Jul – 30 Sep 2026');
  });

  it('/itops report #channel says it is posting, and tells the person when Slack refuses the post', async () => {
    t.fake.addChannel('CBOARD001', 'board', [people.itManager.id], { isPrivate: true });
    const before = t.fake.responses.length;
    await t.slack.command('/itops', 'report 7d <#CBOARD001|board>', people.itManager);
    const response = await waitFor(() => t.fake.responses.slice(before).find((r) => r.body.text), 'the answer');
    expect(response.body.text).toContain('Posting the report for 17 Nov – 23 Nov 2026 to <#CBOARD001>…');
    expect(response.body.text).not.toMatch(/\bPosted\b/);
    // The bot is not in the private channel: Slack answers not_in_channel, and the person hears of it.
    const notice = await waitFor(
      () => t.fake.messagesIn(people.itManager.id).find((m) => m.text.includes('could not be posted')),
      'the failure notice',
    );
    expect(notice.text).toContain('<#CBOARD001>');
    expect(notice.text).toContain('17 Nov – 23 Nov 2026');
    expect(t.fake.messagesIn('CBOARD001')).toHaveLength(0);
  });

  it('posts the weekly report once per week, however often the job runs, with the chart in its thread', async () => {
    const jobs = calendarJobs(t.sb.ctx, t.sb.directory, t.sb.app.client);
    const weekly = jobs.find((j) => j.name === 'reports-weekly')!;
    expect(weekly.cron).toBe('0 9 * * 1');
    await Promise.all([weekly.run(), weekly.run()]);
    await weekly.run();
    await t.settle();
    const posts = t.fake.messagesIn(channels.reports).filter((m) => !m.thread_ts && m.blocks);
    expect(posts).toHaveLength(1);
    expect(allText(posts[0]!.blocks!)).toContain('Weekly IT operations report · 16 Nov – 22 Nov 2026');

    await t.restart();
    await calendarJobs(t.sb.ctx, t.sb.directory, t.sb.app.client)
      .find((j) => j.name === 'reports-weekly')!
      .run();
    await t.settle();
    expect(t.fake.messagesIn(channels.reports).filter((m) => m.blocks)).toHaveLength(1);

    const charts = calendarJobs(t.sb.ctx, t.sb.directory, t.sb.app.client).find((j) => j.name === 'reports-charts')!;
    await charts.run();
    await charts.run();
    const uploads = t.fake.uploads.filter((u) => u.channel === channels.reports);
    expect(uploads).toHaveLength(1);
    expect(uploads[0]!.content.subarray(1, 4).toString()).toBe('PNG');
    const complete = t.fake
      .callsTo('files.completeUploadExternal')
      .find((c) => c.args.channel_id === channels.reports)!;
    expect(complete.args.thread_ts).toBe(posts[0]!.ts);
  });

  it('App Home for an employee: their open tickets and followed incidents, nothing for staff', async () => {
    await t.slack.event({ type: 'app_home_opened', user: people.requester.id, channel: 'DUREQ0001', tab: 'home' });
    const published = await waitFor(
      () => t.fake.views.find((v) => v.method === 'views.publish' && v.user === people.requester.id),
      'views.publish',
    );
    const text = allText(published.view.blocks);
    expect(text).toContain('IT-9001');
    expect(text).toContain('&lt;!channel&gt;');
    expect(text).toContain('INC-900');
    expect(text).toContain('VPN down &lt;!here&gt;');
    expect(text).not.toContain('Triage queue');
    expect(text).not.toContain('Changes awaiting');
    expect(text).not.toContain('Active incidents');
    expect(text).toContain('Weekly report, 2026-11-16 to 2026-11-22');
    expect(text).toContain('https://fake.slack.com/archives/CREPORTS1/p');
  });

  it('App Home for an agent: the triage queue with SLA status', async () => {
    await t.slack.event({ type: 'app_home_opened', user: people.agent.id, channel: 'DUAGENT01', tab: 'home' });
    const published = await waitFor(
      () => t.fake.views.find((v) => v.method === 'views.publish' && v.user === people.agent.id),
      'views.publish',
    );
    const text = allText(published.view.blocks);
    expect(text).toMatch(/Triage queue \(\d+ open\)/);
    expect(text).toContain(':red_circle:');
    expect(text).toContain('first response overdue');
    expect(text).not.toContain('Changes awaiting');
  });

  it('App Home for approvers: changes awaiting their decision with Approve/Reject, segregation of duties kept', async () => {
    await t.slack.event({ type: 'app_home_opened', user: people.approver.id, channel: 'DUCAB0001', tab: 'home' });
    const bea = await waitFor(
      () => t.fake.views.find((v) => v.method === 'views.publish' && v.user === people.approver.id),
      'views.publish',
    );
    const text = allText(bea.view.blocks);
    expect(text).toContain('Changes awaiting your decision');
    expect(text).toContain('CHG-9101');
    expect(text).not.toContain('CHG-9102'); // she requested it
    expect(text).not.toContain('CHG-9103'); // she decided the current version
    expect(text).not.toContain('CHG-9104'); // emergency: for the ECAB
    expect(text).not.toContain('CHG-9105'); // she implements it
    const id = (
      await t.sb.db.selectFrom('changes').select('id').where('key', '=', 'CHG-9101').executeTakeFirstOrThrow()
    ).id;
    const buttons = bea.view.blocks.filter((b: any) => b.type === 'actions').flatMap((b: any) => b.elements);
    expect(buttons).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ action_id: 'change.approve', value: String(id), style: 'primary' }),
        expect.objectContaining({ action_id: 'change.reject', value: String(id), style: 'danger' }),
      ]),
    );

    await t.slack.event({ type: 'app_home_opened', user: people.approver2.id, channel: 'DUCAB0002', tab: 'home' });
    const ben = await waitFor(
      () => t.fake.views.find((v) => v.method === 'views.publish' && v.user === people.approver2.id),
      'views.publish',
    );
    expect(allText(ben.view.blocks)).toContain('CHG-9103'); // his approval was for version 1

    await t.slack.event({ type: 'app_home_opened', user: people.emergency.id, channel: 'DUECAB001', tab: 'home' });
    const eve = await waitFor(
      () => t.fake.views.find((v) => v.method === 'views.publish' && v.user === people.emergency.id),
      'views.publish',
    );
    expect(allText(eve.view.blocks)).toContain('CHG-9104');
    expect(allText(eve.view.blocks)).not.toContain('CHG-9101');
  });

  it('App Home for a commander: active incidents with their next update time', async () => {
    await t.slack.event({ type: 'app_home_opened', user: people.commander.id, channel: 'DUCOMMAN1', tab: 'home' });
    const view = await waitFor(
      () => t.fake.views.find((v) => v.method === 'views.publish' && v.user === people.commander.id),
      'views.publish',
    );
    const text = allText(view.view.blocks);
    expect(text).toContain('Active incidents');
    expect(text).toContain('INC-900');
    expect(text).toContain(`next update <!date^${Math.floor((Date.parse(NOW) + 20 * 60_000) / 1000)}`);
  });

  it('the Home button sends the last 7 days to the person by DM', async () => {
    await t.slack.interactive(
      t.slack.blockActionPayload(
        people.agent2,
        { action_id: 'reports.home_scorecard', value: '7d' },
        { view: { id: 'VHOME', type: 'home' } },
      ),
    );
    await waitFor(() => t.fake.messagesIn(people.agent2.id).some((m) => m.blocks), 'the DM');
    const audit = await t.sb.db
      .selectFrom('audit_log')
      .selectAll()
      .where('action', '=', 'report.post')
      .where('actor_id', '=', people.agent2.id)
      .execute();
    expect(audit.map((a) => a.source)).toEqual(['button']);
  });

  it('exports tickets as CSV to the requester by DM, safe for spreadsheets, and audits it', async () => {
    await t.slack.command('/itops', 'export tickets 7d', people.agent);
    const upload = await waitFor(
      () => t.fake.uploads.find((u) => u.channel === 'DUAGENT01' && u.content.length > 0),
      'the CSV upload',
    );
    expect(upload.filename).toBe('switchboard-tickets-2026-11-17-to-2026-11-23.csv');
    const csv = upload.content.toString('utf8');
    const lines = csv.split('\r\n');
    expect(lines[0]).toMatch(/^key,created_at,priority,category,service,status/);
    const hostile = lines.find((l) => l.startsWith('IT-9001,'))!;
    expect(hostile).toContain(`"'=HYPERLINK(""http://evil"")  <!channel>, ""quoted"""`);
    expect(lines.find((l) => l.startsWith('IT-9002,'))).toContain(',breached,');
    const audit = await t.sb.db.selectFrom('audit_log').selectAll().where('action', '=', 'report.export').execute();
    expect(audit.at(-1)).toMatchObject({ actor_id: people.agent.id, record_key: 'tickets' });
    const inPeriod = await t.sb.db
      .selectFrom('tickets')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('created_at', '>=', Date.parse('2026-11-17T00:00:00Z'))
      .where('created_at', '<', Date.parse('2026-11-24T00:00:00Z'))
      .executeTakeFirstOrThrow();
    expect(lines.filter((l) => /^IT-\d+,/.test(l))).toHaveLength(Number(inPeriod.n));
    expect(JSON.parse(audit.at(-1)!.after!)).toMatchObject({
      kind: 'tickets',
      period: '2026-11-17..2026-11-23',
      rows: Number(inPeriod.n),
      truncated: false,
    });
  });

  it('refuses the audit-log export to anyone but IT managers, and gives it to them', async () => {
    const before = t.fake.responses.length;
    const uploads = t.fake.uploads.length;
    await t.slack.command('/itops', 'export audit 30d', people.agent);
    // The previous test's "Sent …" answer may still arrive: look for this command's answer.
    const refusal = await waitFor(
      () => t.fake.responses.slice(before).find((r) => /audit log/.test(r.body.text ?? '')),
      'the refusal',
    );
    expect(refusal.body).toMatchObject({
      response_type: 'ephemeral',
      text: 'Only IT managers may export the audit log.',
    });
    expect(t.fake.uploads.length).toBe(uploads);

    await t.slack.command('/itops', 'export audit 30d', people.itManager);
    const upload = await waitFor(
      () => t.fake.uploads.find((u) => u.channel === 'DUMANAGE1' && u.content.length > 0),
      'the audit CSV',
    );
    const csv = upload.content.toString('utf8');
    expect(csv.split('\r\n')[0]).toBe(
      'id,at,actor_id,actor_name,action,record_type,record_id,record_key,source,before,after,detail',
    );
    expect(csv).toContain('report.export');
    await waitFor(
      () => t.fake.responses.find((r) => String(r.body.text).startsWith('Sent switchboard-audit')),
      'the confirmation',
    );
  });

  it('refuses exports to people without an IT role', async () => {
    const before = t.fake.responses.length;
    await t.slack.command('/itops', 'export incidents 30d', people.requester);
    const refusal = await waitFor(
      () => t.fake.responses.slice(before).find((r) => String(r.body.text).startsWith('Exports')),
      'the refusal',
    );
    expect(refusal.body.text).toContain('Exports are for IT staff');
  });
});

describe('weekly report on its real cron schedule', () => {
  it('posts once for the period even when the schedule fires every second', async () => {
    const t = await startTestApp({
      clock: new FakeClock(NOW),
      memory: true,
      settings: { reports: { weekly_cron: '* * * * * *', charts: false } },
    });
    try {
      await waitFor(() => t.fake.messagesIn(channels.reports).length > 0, 'the weekly post', 4000);
      await new Promise((r) => setTimeout(r, 1100));
      await t.settle();
      expect(t.fake.messagesIn(channels.reports)).toHaveLength(1);
      const rows = await t.sb.db.selectFrom('report_deliveries').selectAll().execute();
      expect(rows).toMatchObject([{ key: 'weekly:2026-11-16', chart_status: 'none' }]);
    } finally {
      await t.stop();
    }
  });
});
