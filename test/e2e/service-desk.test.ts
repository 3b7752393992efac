import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeClock } from '../../src/clock.js';
import { startTestApp, type TestApp } from '../support/harness.js';
import { people, channels, groups } from '../../devkit/workspace.js';
import { FORM_DID_NOT_OPEN } from '../../commands/reply.js';

const S = 1000;

/** The newest modal the app opened, ready to submit. */
function openedModal(t: TestApp) {
  const { id, view } = t.fake.lastView();
  return { id, ...view };
}

async function fileTicket(
  t: TestApp,
  who: { id: string; name: string },
  summary: string,
  values: Record<string, unknown> = {},
) {
  await t.slack.command('/it-help', summary, who);
  await t.settle();
  const modal = openedModal(t);
  const res = await t.slack.submitView(who, modal, { category: 'hardware', ...values });
  await t.settle();
  return res;
}

const tickets = (t: TestApp) => t.sb.db.selectFrom('tickets').selectAll().orderBy('id').execute();
const triagePost = (t: TestApp, key: string) =>
  t.fake.messagesIn(channels.triage).find((m) => !m.thread_ts && m.text.startsWith(key))!;
const threadOf = (t: TestApp, ts: string) => t.fake.messagesIn(channels.triage).filter((m) => m.thread_ts === ts);
const button = (message: { blocks?: any[] }, actionId: string) =>
  message
    .blocks!.flatMap((b: any) =>
      b.type === 'actions'
        ? b.elements.map((e: any) => ({ ...e, block_id: b.block_id }))
        : b.accessory
          ? [{ ...b.accessory, block_id: b.block_id }]
          : [],
    )
    .find((e: any) => e.action_id === actionId);

/** An agent presses Waiting on requester on the triage post and says what they need. */
async function waitOnRequester(t: TestApp, post: { ts: string; blocks?: any[] }, question: string) {
  await t.slack.blockAction(people.agent, button(post, 'ticket.wait'), { channel: channels.triage, ts: post.ts });
  await t.settle();
  await t.slack.submitView(people.agent, openedModal(t), { question });
  await t.settle();
}

describe('service desk: /it-help to resolution', () => {
  let t: TestApp;
  let clock: FakeClock;
  beforeEach(async () => {
    clock = new FakeClock(new Date());
    t = await startTestApp({
      clock,
      settings: {
        sla: {
          policies: {
            P3: { first_response: '4s', resolution: '20s', calendar: '24x7' },
            P4: { first_response: '4s', resolution: '20s', calendar: '24x7' },
          },
        },
      },
    });
  });
  afterEach(() => t.stop());

  it('files a ticket from the command, posts it to triage with hostile text inert, and confirms by DM', async () => {
    const res = await fileTicket(t, people.requester, 'Printer <!channel> jams <@UAGENT01>', {
      details: 'Tried <https://evil.example|the bank>',
    });
    expect(res.status).toBe(200);
    const [ticket] = await tickets(t);
    expect(ticket).toMatchObject({
      key: 'IT-1',
      status: 'new',
      priority: 'P4',
      category: 'hardware',
      requester_id: people.requester.id,
    });

    const post = triagePost(t, 'IT-1');
    // Slack parses mentions in mrkdwn text and in the notification text; plain_text shows them as typed.
    const mrkdwnTexts = JSON.stringify(
      post
        .blocks!.flatMap((b: any) => [b.text, ...(b.fields ?? []), ...(b.elements ?? [])])
        .filter((x: any) => x?.type === 'mrkdwn'),
    );
    const rendered = JSON.stringify(post.blocks);
    expect(post.text).toContain('&lt;!channel&gt;');
    expect(mrkdwnTexts).not.toContain('<!channel>');
    expect(mrkdwnTexts).not.toContain('<@UAGENT01>');
    expect(rendered).toContain('&lt;https://evil.example|the bank&gt;');
    expect(post.text).not.toContain('<!channel>');
    expect(button(post, 'ticket.claim')).toBeDefined();

    const dm = t.fake.messagesIn(people.requester.id).at(-1)!;
    expect(dm.text).toContain('IT-1');
    expect(JSON.stringify(dm.blocks)).toContain(
      `https://fake.slack.com/archives/${channels.triage}/p${post.ts.replace('.', '')}`,
    );

    const audit = await t.sb.db.selectFrom('audit_log').selectAll().where('action', '=', 'ticket.filed').execute();
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actor_id: people.requester.id, record_key: 'IT-1', source: 'modal' });
  });

  it('files once when the same submission arrives twice', async () => {
    await t.slack.command('/it-help', 'Keyboard missing keys', people.requester);
    await t.settle();
    const modal = openedModal(t);
    // Two deliveries at once (the second may arrive before the first is filed) and one later.
    await Promise.all([
      t.slack.submitView(people.requester, modal, { category: 'hardware' }),
      t.slack.submitView(people.requester, modal, { category: 'hardware' }),
    ]);
    await t.settle();
    const later = await t.slack.submitView(people.requester, modal, { category: 'hardware' });
    expect(later.body.errors.summary).toMatch(/already submitted/);
    await t.settle();
    expect(await tickets(t)).toHaveLength(1);
    expect(t.fake.messagesIn(channels.triage).filter((m) => !m.thread_ts)).toHaveLength(1);
  });

  it('refuses bad input inline and files nothing', async () => {
    await t.slack.command('/it-help', '', people.requester);
    await t.settle();
    const res = await t.slack.submitView(people.requester, openedModal(t), {
      summary: '   ',
      category: 'hardware',
      attachment: 'javascript:alert(1)',
    });
    expect(res.body).toEqual({
      response_action: 'errors',
      errors: { summary: expect.any(String), attachment: expect.any(String) },
    });
    expect(await tickets(t)).toHaveLength(0);
  });

  it('lets agents claim, refuses outsiders, resolves with a note, asks for CSAT, and allows reopen', async () => {
    await fileTicket(t, people.requester, 'VPN drops every hour');
    const post = triagePost(t, 'IT-1');
    const claim = button(post, 'ticket.claim');

    const refused = t.fake.responses.length;
    await t.slack.blockAction(people.outsider, claim, { channel: channels.triage, ts: post.ts });
    await t.settle();
    expect(
      t.fake.responses
        .slice(refused)
        .map((r) => r.body.text)
        .join(),
    ).toMatch(/Only service-desk agents/);
    expect((await tickets(t))[0]!.assignee_id).toBeNull();

    await t.slack.blockAction(people.agent, claim, { channel: channels.triage, ts: post.ts });
    await t.settle();
    let [ticket] = await tickets(t);
    expect(ticket).toMatchObject({
      status: 'in_progress',
      assignee_id: people.agent.id,
      first_assignee_id: people.agent.id,
    });
    expect(ticket!.first_response_at).not.toBeNull();
    expect(triagePost(t, 'IT-1').blocks!.some((b: any) => JSON.stringify(b).includes('ticket.claim'))).toBe(false);
    expect(
      threadOf(t, post.ts)
        .map((m) => m.text)
        .join(),
    ).toContain('claimed');
    expect(t.fake.messagesIn(people.requester.id).at(-1)!.text).toContain('working on your request');

    // A second claim by the same agent changes nothing and says why.
    await t.slack.blockAction(people.agent, claim, { channel: channels.triage, ts: post.ts });
    await t.settle();
    expect(t.fake.responses.at(-1)!.body.text).toMatch(/already have/);

    await t.slack.blockAction(people.agent, button(triagePost(t, 'IT-1'), 'ticket.resolve'), {
      channel: channels.triage,
      ts: post.ts,
    });
    await t.settle();
    const resolveModal = openedModal(t);
    expect(resolveModal.callback_id).toBe('ticket.resolve_modal');
    await t.slack.submitView(people.agent, resolveModal, {
      resolution_note: 'Updated the VPN client to 5.2',
      resolution_code: 'fixed',
    });
    await t.settle();
    [ticket] = await tickets(t);
    expect(ticket).toMatchObject({ status: 'resolved', resolved_by: people.agent.id, resolution_code: 'fixed' });

    const resolvedDm = t.fake.messagesIn(people.requester.id).at(-1)!;
    expect(resolvedDm.text).toContain('resolved');
    const five = button(resolvedDm, 'ticket.rate.5');
    await t.slack.blockAction(people.requester, five, { channel: resolvedDm.channel, ts: resolvedDm.ts });
    await t.slack.blockAction(people.requester, five, { channel: resolvedDm.channel, ts: resolvedDm.ts });
    await t.settle();
    [ticket] = await tickets(t);
    expect(ticket!.csat_score).toBe(5);
    expect(t.fake.responses.at(-1)!.body.text).toMatch(/already rated/);

    await t.slack.blockAction(people.requester, button(resolvedDm, 'ticket.reopen'), {
      channel: resolvedDm.channel,
      ts: resolvedDm.ts,
    });
    await t.settle();
    [ticket] = await tickets(t);
    expect(ticket).toMatchObject({ status: 'in_progress', reopen_count: 1, resolved_at: null });
  });

  it('escalates a ticket into an incident pre-filled from it, links the two and subscribes the requester', async () => {
    await fileTicket(t, people.requester, 'Whole floor lost Wi-Fi', {
      service: 'Wi-Fi',
      impact: 'high',
      urgency: 'high',
    });
    const post = triagePost(t, 'IT-1');
    const escalate = button(post, 'ticket.escalate');

    await t.slack.blockAction(people.requester, escalate, { channel: channels.triage, ts: post.ts });
    await t.settle();
    expect(t.fake.responses.at(-1)!.body.text).toMatch(/Only service-desk agents/);

    await t.slack.blockAction(people.agent, escalate, { channel: channels.triage, ts: post.ts });
    await t.settle();
    const modal = openedModal(t);
    expect(modal.callback_id).toBe('incident.declare');
    const title = modal.blocks.find((b: any) => b.block_id === 'incident.f.title');
    expect(title.element.initial_value).toBe('Whole floor lost Wi-Fi');
    expect(JSON.parse(modal.private_metadata).linkedTicketId).toBe(1);

    await t.slack.submitView(people.agent, modal, {});
    await t.settle();
    const incident = await t.sb.db.selectFrom('incidents').selectAll().executeTakeFirstOrThrow();
    expect(incident).toMatchObject({ key: 'INC-1', severity: 'P1', title: 'Whole floor lost Wi-Fi' });
    const ticket = (await tickets(t))[0]!;
    expect(ticket.incident_id).toBe(incident.id);
    expect(ticket.escalated_at).not.toBeNull();
    expect(JSON.stringify(triagePost(t, 'IT-1').blocks)).toContain('Linked to incident *INC-1*');
    expect(
      threadOf(t, post.ts)
        .map((m) => m.text)
        .join(),
    ).toContain('escalated the ticket to incident *INC-1*');
    expect(t.fake.messagesIn(people.requester.id).at(-1)!.text).toContain('INC-1');
    const subs = await t.sb.db.selectFrom('incident_subscriptions').selectAll().execute();
    expect(subs).toEqual([expect.objectContaining({ incident_id: incident.id, user_id: people.requester.id })]);
  });

  it('assigns with the user picker and refuses to assign to a non-agent', async () => {
    await fileTicket(t, people.requester, 'Need Figma licence');
    const post = triagePost(t, 'IT-1');
    const picker = button(post, 'ticket.assign');
    await t.slack.blockAction(
      people.agent,
      { ...picker, type: 'users_select', selected_user: people.outsider.id },
      { channel: channels.triage, ts: post.ts },
    );
    await t.settle();
    expect(t.fake.responses.at(-1)!.body.text).toMatch(/not a service-desk agent/);
    await t.slack.blockAction(
      people.agent,
      { ...picker, type: 'users_select', selected_user: people.agent2.id },
      { channel: channels.triage, ts: post.ts },
    );
    await t.settle();
    expect((await tickets(t))[0]).toMatchObject({ assignee_id: people.agent2.id, status: 'in_progress' });
    expect(t.fake.messagesIn(people.agent2.id).at(-1)!.text).toContain('IT-1');
  });

  it('fires the SLA warning and breach once each, escalates at breach, and repeats nothing after a restart', async () => {
    await fileTicket(t, people.requester, 'Laptop will not boot');
    const post = triagePost(t, 'IT-1');
    const reminders = () => threadOf(t, post.ts).filter((m) => /SLA (is due|breached)/.test(m.text));

    clock.advance(3.1 * S); // 75% of the 4 s first-response target
    await t.sb.runner.sweep();
    await t.settle();
    expect(reminders().map((m) => m.text)).toEqual([expect.stringMatching(/first response SLA is due/)]);
    await t.sb.runner.sweep();
    await t.settle();
    expect(reminders()).toHaveLength(1);

    clock.advance(1 * S);
    await t.sb.runner.sweep();
    await t.settle();
    expect(reminders()).toHaveLength(2);
    expect(reminders()[1]!.text).toMatch(/breached/);
    expect(reminders()[1]!.text).toContain(`<!subteam^${groups.escalation}>`);
    expect((await tickets(t))[0]!.first_response_breached).toBe(1);

    await t.restart();
    await t.sb.runner.sweep();
    await t.settle();
    expect(reminders()).toHaveLength(2);

    // Resolution warning at 15 s and breach at 20 s; an answer stops them.
    await waitOnRequester(t, post, 'Does it boot from the USB stick?');
    clock.advance(30 * S);
    await t.sb.runner.sweep();
    await t.settle();
    expect(reminders()).toHaveLength(2); // paused while waiting on the requester
  });

  it('pauses the clock while waiting on the requester and moves the due time by the pause', async () => {
    await fileTicket(t, people.requester, 'Email signature wrong');
    const post = triagePost(t, 'IT-1');
    const filed = (await tickets(t))[0]!;
    await waitOnRequester(t, post, 'Which title should it show?');
    clock.advance(10 * S);
    const dm = t.fake.messagesIn(people.requester.id).at(-1)!;
    await t.slack.blockAction(people.requester, button(dm, 'ticket.comment'), { channel: dm.channel, ts: dm.ts });
    await t.settle();
    await t.slack.submitView(people.requester, openedModal(t), { comment: 'It should say <!here> Team Lead' });
    await t.settle();
    const ticket = (await tickets(t))[0]!;
    expect(ticket.status).toBe('in_progress');
    expect(ticket.paused_ms).toBe(10 * S);
    expect(ticket.resolution_due_at).toBe(filed.resolution_due_at + 10 * S);
    expect(
      threadOf(t, post.ts)
        .map((m) => m.text)
        .join(),
    ).toContain('&lt;!here&gt;');
  });
});

describe('service desk: other ways in', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await startTestApp();
  });
  afterEach(() => t.stop());

  it('turns a message into a ticket with the shortcut, once', async () => {
    const message = t.fake.addMessage(
      channels.general,
      people.requester.id,
      'Wi-Fi in room 4 keeps dropping\nsince this morning',
    );
    await t.slack.messageShortcut(people.requester, 'ticket.from_message', {
      channel: channels.general,
      ts: message.ts,
      text: message.text,
      user: people.requester.id,
    });
    await t.settle();
    const modal = openedModal(t);
    const summary = modal.blocks.find((b: any) => b.block_id === 'summary');
    expect(summary.element.initial_value).toBe('Wi-Fi in room 4 keeps dropping');
    await t.slack.submitView(people.requester, modal, { category: 'network' });
    await t.settle();
    const [ticket] = await tickets(t);
    expect(ticket).toMatchObject({ source: 'shortcut', source_channel: channels.general, source_ts: message.ts });
    // The link to the message is kept with the ticket and shown once, on the triage post (not copied into Details).
    const permalink = `https://fake.slack.com/archives/${channels.general}/p${message.ts.replace('.', '')}`;
    expect(ticket!.source_permalink).toBe(permalink);
    expect(ticket!.details).not.toContain(permalink);
    expect(JSON.stringify(triagePost(t, 'IT-1').blocks).split(permalink).length - 1).toBe(1);

    const again = await t.slack.submitView(people.requester, modal, { category: 'network' });
    expect(again.body.errors.summary).toMatch(/already ticket IT-1/);
    expect(await tickets(t)).toHaveLength(1);
  });

  it('files a ticket when someone reacts with :ticket:, once even when Slack retries the event', async () => {
    const message = t.fake.addMessage(channels.general, people.requester2.id, 'Cannot log in to the HR system');
    const event = {
      type: 'reaction_added',
      user: people.agent.id,
      reaction: 'ticket',
      item_user: people.requester2.id,
      item: { type: 'message', channel: channels.general, ts: message.ts },
    };
    await t.slack.event(event, { eventId: 'EvTicket1' });
    await t.slack.event(event, { eventId: 'EvTicket1', retryNum: 1 });
    await t.slack.event({ ...event, reaction: 'thumbsup' }, { eventId: 'EvThumbs' });
    await t.settle();
    const all = await tickets(t);
    expect(all).toHaveLength(1);
    expect(all[0]).toMatchObject({
      source: 'reaction',
      requester_id: people.requester2.id,
      summary: 'Cannot log in to the HR system',
    });
    expect(triagePost(t, 'IT-1')).toBeDefined();
  });

  it('offers the known incident first and subscribes the requester instead of filing', async () => {
    const now = Date.now();
    const incident = await t.sb.db
      .insertInto('incidents')
      .values({
        key: 'INC-7',
        title: 'Email is down',
        severity: 'P1',
        status: 'investigating',
        impact: 'Nobody can send mail',
        declared_by: people.commander.id,
        declared_at: now,
        updated_at: now,
        channel_id: 'CINC00007',
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await t.sb.db.insertInto('incident_services').values({ incident_id: incident.id, service: 'Email' }).execute();

    await t.slack.command('/it-help', 'Outlook cannot send', people.requester);
    await t.settle();
    const form = openedModal(t);
    const res = await t.slack.submitView(people.requester, form, { category: 'software', service: 'Email' });
    expect(res.body.response_action).toBe('update');
    const prompt = JSON.stringify(res.body.view.blocks);
    expect(prompt).toContain('Known incident INC-7: Email is down');
    expect(prompt).toContain('<#CINC00007>');

    const subscribe = res.body.view.blocks.find(
      (b: any) => b.accessory?.action_id === 'ticket.subscribe_incident',
    ).accessory;
    await t.slack.interactive(
      t.slack.blockActionPayload(people.requester, subscribe, { view: { id: form.id, ...res.body.view } }),
    );
    await t.settle();
    expect(await tickets(t)).toHaveLength(0);
    const subs = await t.sb.db.selectFrom('incident_subscriptions').selectAll().execute();
    expect(subs).toEqual([expect.objectContaining({ incident_id: incident.id, user_id: people.requester.id })]);
    expect(t.fake.callsTo('views.update').at(-1)!.args.view.blocks[0].text.text).toContain('INC-7');

    // "File ticket" on the same, used draft files nothing more.
    const filed = await t.slack.submitView(people.requester, { id: form.id, ...res.body.view }, {});
    expect(filed.body.response_action).toBe('update');
    expect(await tickets(t)).toHaveLength(0);
  });

  it('a declared incident is offered with its channel, the most severe first, and a ticket filed anyway follows that one', async () => {
    const { declareIncident } = await import('../../src/services/incidents/declare.js');
    const declare = (title: string, severity: 'P1' | 'P3') =>
      declareIncident(t.sb.ctx, { title, severity, services: ['Email'], actor: { id: people.commander.id } });
    const outage = await declare('Email is down', 'P1');
    (t.clock as FakeClock).advance(60_000);
    const slow = await declare('Email is slow', 'P3');
    await t.settle();
    if (!outage.ok || !slow.ok) throw new Error('declare failed');
    // The incident channel is created through the outbox: its id is known from the Slack reply, not the incident row.
    const channelOf = (key: string) =>
      t.fake.callsTo('conversations.create').find((c) => String(c.args.name).includes(key.toLowerCase()))!.answer
        .channel.id;

    await t.slack.command('/it-help', 'Outlook cannot send', people.requester);
    await t.settle();
    const form = openedModal(t);
    const res = await t.slack.submitView(people.requester, form, { category: 'software', service: 'Email' });
    const known = res.body.view.blocks
      .filter((b: any) => b.accessory?.action_id === 'ticket.subscribe_incident')
      .map((b: any) => b.text.text);
    expect(known).toEqual([
      expect.stringContaining(`Known incident INC-1: Email is down*, follow <#${channelOf('INC-1')}>`),
      expect.stringContaining(`Known incident INC-2: Email is slow*, follow <#${channelOf('INC-2')}>`),
    ]);

    await t.slack.submitView(people.requester, { id: form.id, ...res.body.view }, {});
    await t.settle();
    const [ticket] = await tickets(t);
    expect(ticket!.incident_id).toBe(outage.value.id);
  });

  it('suggests knowledge-base answers, counts a deflection, or files anyway', async () => {
    await t.slack.command('/it-help', 'kb add', people.agent);
    await t.settle();
    await t.slack.submitView(people.agent, openedModal(t), {
      kb_title: 'Reset your VPN password',
      kb_body: 'Go to https://id.example.com and choose Reset.',
      kb_url: 'https://wiki.example.com/vpn',
    });
    await t.settle();

    await t.slack.command('/it-help', 'kb add', people.outsider);
    await t.settle();
    expect(t.fake.responses.at(-1)!.body.text).toMatch(/Only service-desk agents/);

    await t.slack.command('/it-help', 'forgot my vpn password', people.requester);
    await t.settle();
    const res = await t.slack.submitView(people.requester, openedModal(t), { category: 'accounts' });
    expect(JSON.stringify(res.body.view.blocks)).toContain('Reset your VPN password');
    const helped = res.body.view.blocks.find((b: any) => b.accessory?.action_id === 'ticket.kb_helped').accessory;
    await t.slack.interactive(
      t.slack.blockActionPayload(people.requester, helped, { view: { id: 'VMODAL2', ...res.body.view } }),
    );
    await t.settle();
    expect(await tickets(t)).toHaveLength(0);
    expect(await t.sb.db.selectFrom('kb_deflections').selectAll().execute()).toEqual([
      expect.objectContaining({ user_id: people.requester.id, query: 'forgot my vpn password' }),
    ]);

    await t.slack.command('/it-help', 'vpn password expired again', people.requester2);
    await t.settle();
    const second = await t.slack.submitView(people.requester2, openedModal(t), { category: 'accounts' });
    const fileAnyway = await t.slack.submitView(people.requester2, { id: 'VMODAL3', ...second.body.view }, {});
    expect(fileAnyway.status).toBe(200);
    await t.settle();
    expect((await tickets(t)).map((x) => x.summary)).toEqual(['vpn password expired again']);
  });

  it('acknowledges /it-help kb before looking up roles in Slack, and answers by response_url', async () => {
    // A slow user-group lookup must not hold the acknowledgement (Slack gives up after 3 s).
    t.fake.failNext('usergroups.users.list', { delayMs: 400 });
    const before = t.fake.responses.length;
    const res = await t.slack.command('/it-help', 'kb list', people.outsider);
    expect(res.status).toBe(200);
    expect(res.body?.text ?? '').toBe('');
    await vi.waitFor(() => expect(t.fake.responses.length).toBeGreaterThan(before), { timeout: 3000, interval: 20 });
    const answer = t.fake.responses.at(-1)!.body;
    expect(answer).toMatchObject({ response_type: 'ephemeral' });
    expect(answer.text).toMatch(/knowledge base is empty/);
    expect(t.fake.callsTo('usergroups.users.list').length).toBeGreaterThan(0);
  });

  it('pages /it-help kb list: a count, at most one page of articles, and Previous / Next page buttons', async () => {
    const now = Date.now();
    await t.sb.db
      .insertInto('kb_articles')
      .values(
        Array.from({ length: 45 }, (_, i) => ({
          title: `Article ${i + 1} ${'t'.repeat(130)}`,
          body: `How to fix it ${'b'.repeat(300)}`,
          url: null,
          created_by: people.agent.id,
          created_at: now,
          removed_at: null,
        })),
      )
      .execute();
    const shown: string[] = [];
    const page = async (answer: any) => {
      expect(answer.blocks.length).toBeLessThanOrEqual(50);
      expect(JSON.stringify(answer.blocks).length).toBeLessThan(12_000);
      shown.push(
        ...answer.blocks.flatMap((b: any) => (b.type === 'section' ? [/KB-(\d+)/.exec(b.text.text)![1]!] : [])),
      );
      return answer.blocks.find((b: any) => b.type === 'actions')?.elements ?? [];
    };
    const before = t.fake.responses.length;
    await t.slack.command('/it-help', 'kb list', people.requester);
    await vi.waitFor(() => expect(t.fake.responses.length).toBeGreaterThan(before), { timeout: 3000, interval: 20 });
    const first = t.fake.responses.at(-1)!.body;
    expect(JSON.stringify(first.blocks)).toContain('Articles 1–20 of 45');
    let buttons = await page(first);
    expect(buttons.map((b: any) => b.text.text)).toEqual(['Next page']);
    for (const range of ['Articles 21–40 of 45', 'Articles 41–45 of 45']) {
      const next = buttons.find((b: any) => b.text.text === 'Next page');
      const count = t.fake.responses.length;
      await t.slack.blockAction(
        people.requester,
        { action_id: next.action_id, block_id: 'ticket.kb_pages', value: next.value },
        { channel: channels.general, ts: '1700000000.000001' },
      );
      await vi.waitFor(() => expect(t.fake.responses.length).toBeGreaterThan(count), { timeout: 3000, interval: 20 });
      const answer = t.fake.responses.at(-1)!.body;
      expect(answer.replace_original).toBe(true);
      expect(JSON.stringify(answer.blocks)).toContain(range);
      buttons = await page(answer);
    }
    expect(buttons.map((b: any) => b.text.text)).toEqual(['Previous page']);
    expect(new Set(shown).size).toBe(45);
  });

  it('tells the agent when Slack would not open the resolve form', async () => {
    await fileTicket(t, people.requester, 'Projector in room 4 is dim');
    const post = triagePost(t, 'IT-1');
    t.fake.failNext('views.open', { error: 'expired_trigger_id' });
    const before = t.fake.responses.length;
    await t.slack.blockAction(people.agent, button(post, 'ticket.resolve'), { channel: channels.triage, ts: post.ts });
    await t.settle();
    expect(t.fake.responses.slice(before).map((r) => r.body.text)).toEqual([FORM_DID_NOT_OPEN]);
    expect((await tickets(t))[0]!.status).toBe('new');
  });

  it("lists the requester's open tickets", async () => {
    await fileTicket(t, people.requester, 'Monitor flickers');
    // The command is acked at once; the list follows by response_url.
    const before = t.fake.responses.length;
    await t.slack.command('/it-help', 'list', people.requester);
    await t.settle();
    expect(JSON.stringify(t.fake.responses.slice(before).map((r) => r.body.blocks))).toContain('IT-1');
    await t.slack.command('/it-help', 'list', people.requester2);
    await t.settle();
    expect(t.fake.responses.at(-1)!.body.text).toMatch(/no open IT tickets/);
  });
});
