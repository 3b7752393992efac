import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/clock.js';
import { startTestApp, type TestApp } from '../support/harness.js';
import { channels, people } from '../../devkit/workspace.js';
import { FIELDS } from '../../views/incidents/ids.js';
import { TICKET_FIELDS } from '../../views/tickets/ids.js';
import { SHORTCUTS } from '../../views/ids.js';
import { waitFor } from './incidents-helpers.js';

/**
 * Message shortcuts ("Declare incident", "Create IT ticket") on messages in private channels, group
 * DMs and DMs: the text is shown to the person only as a reference, never pre-filled into what is
 * published; and the source message is the one the shortcut was invoked on, whatever the form says.
 */
const PRIVATE = 'CPRIVATE1';
const auditAction = (t: TestApp, action: string) =>
  t.sb.db.selectFrom('audit_log').selectAll().where('action', '=', action).execute();
/** Everything the bot sent Slack except the forms it opened for the person. */
const published = (t: TestApp) =>
  JSON.stringify(t.fake.calls.filter((c) => !c.method.startsWith('views.')).map((c) => c.args));
const block = (view: any, id: string) => view.blocks.find((b: any) => b.block_id === id);

describe('message shortcuts in private conversations', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await startTestApp({ clock: new FakeClock(new Date()) });
    t.fake.addChannel(PRIVATE, 'hr-private', [people.requester.id, people.agent.id]);
    t.fake.channels.get(PRIVATE)!.is_private = true;
  });
  afterEach(() => t.stop());

  for (const [where, channel] of [
    ['a private channel', PRIVATE],
    ['a DM', 'DUREQ0002'],
    ['a group DM', 'GMPIM0001'],
  ] as const) {
    it(`"Declare incident" on a message in ${where}: text shown as a reference only, the timeline links it`, async () => {
      const secret = t.fake.addMessage(
        channel,
        people.requester.id,
        'Payroll export failed\nSalary file for Alice 92k is stuck',
      );
      await t.slack.messageShortcut(people.agent, SHORTCUTS.incidentFromMessage, {
        channel,
        ts: secret.ts,
        text: secret.text,
        user: people.requester.id,
      });
      await waitFor(() => t.fake.views.length > 0);
      const { id, view } = t.fake.lastView();
      expect(block(view, FIELDS.title).element.initial_value).toBeUndefined();
      expect(block(view, FIELDS.impact).element.initial_value).toBeUndefined();
      expect(JSON.stringify(view.blocks)).toContain('Alice 92k');
      expect(JSON.stringify(view.blocks)).toContain('not published');
      await t.slack.submitView(
        people.agent,
        { id, ...view },
        { [FIELDS.title]: 'Payroll export failing', [FIELDS.severity]: 'P3', [FIELDS.impact]: 'Payroll cannot export' },
      );
      await t.settle();
      const incident = await t.sb.db.selectFrom('incidents').selectAll().executeTakeFirstOrThrow();
      expect(incident.impact).toBe('Payroll cannot export');
      const timeline = await t.sb.db
        .selectFrom('incident_timeline')
        .selectAll()
        .where('incident_id', '=', incident.id)
        .execute();
      const source = timeline.filter((e) => e.kind === 'source');
      expect(source).toHaveLength(1);
      expect(source[0]!.text).toContain(`/archives/${channel}/`);
      expect(JSON.stringify(timeline)).not.toMatch(/Salary|Alice/);
      expect(t.fake.messagesIn(channels.incidents)).toHaveLength(1);
      expect(published(t)).not.toMatch(/Salary|Alice/);
    });
  }

  it('"Declare incident" in a public channel still pre-fills title and impact', async () => {
    const open = t.fake.addMessage(channels.general, people.requester.id, 'Wi-Fi down on floor 2\nNobody can connect');
    await t.slack.messageShortcut(people.agent, SHORTCUTS.incidentFromMessage, {
      channel: channels.general,
      ts: open.ts,
      text: open.text,
      user: people.requester.id,
    });
    await waitFor(() => t.fake.views.length > 0);
    const { view } = t.fake.lastView();
    expect(block(view, FIELDS.title).element.initial_value).toBe('Wi-Fi down on floor 2');
    expect(block(view, FIELDS.impact).element.initial_value).toContain('Nobody can connect');
  });

  it('"Create IT ticket" on a private message: triage gets the link, not the text', async () => {
    const secret = t.fake.addMessage(
      PRIVATE,
      people.requester.id,
      'Salary review laptop: Alice 92k sheet will not open',
    );
    await t.slack.messageShortcut(people.requester, SHORTCUTS.ticketFromMessage, {
      channel: PRIVATE,
      ts: secret.ts,
      text: secret.text,
      user: people.requester.id,
    });
    // The form opens at once; Slack's link to the message is added to it a moment later.
    await waitFor(() => t.fake.views.some((v) => v.method === 'views.update'));
    const { id, view } = t.fake.lastView();
    expect(block(view, TICKET_FIELDS.summary).element.initial_value).toBeUndefined();
    expect(block(view, TICKET_FIELDS.details).element.initial_value).toBe(
      `From: https://fake.slack.com/archives/${PRIVATE}/p${secret.ts.replace('.', '')}`,
    );
    expect(JSON.stringify(view.blocks)).toContain('Alice 92k');
    await t.slack.submitView(
      people.requester,
      { id, ...view },
      { [TICKET_FIELDS.summary]: 'Spreadsheet will not open', [TICKET_FIELDS.category]: 'software' },
    );
    await t.settle();
    const [ticket] = await t.sb.db.selectFrom('tickets').selectAll().execute();
    expect(ticket).toMatchObject({
      summary: 'Spreadsheet will not open',
      source: 'shortcut',
      source_channel: PRIVATE,
      source_ts: secret.ts,
    });
    expect(ticket!.details).not.toMatch(/Salary|Alice/);
    await waitFor(() => t.fake.messagesIn(channels.triage).length > 0);
    expect(JSON.stringify(t.fake.messagesIn(channels.triage))).toContain(`/archives/${PRIVATE}/p`);
    expect(published(t)).not.toMatch(/Salary|Alice/);
  });
});

describe('the declare form names its source message', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await startTestApp({ clock: new FakeClock(new Date()) });
    t.fake.addChannel(PRIVATE, 'hr-private', [people.requester.id]);
    t.fake.channels.get(PRIVATE)!.is_private = true;
  });
  afterEach(() => t.stop());

  it('a forged source in the metadata of a declare form is ignored and audited', async () => {
    const hidden = t.fake.addMessage(PRIVATE, people.requester.id, 'Board only: merger on Friday');
    await t.slack.command('/incident', 'declare Email is slow', people.outsider);
    await waitFor(() => t.fake.views.length > 0);
    const { id, view } = t.fake.lastView();
    const forged = {
      ...view,
      private_metadata: JSON.stringify({ source: 'shortcut', sourceChannel: PRIVATE, sourceTs: hidden.ts }),
    };
    await t.slack.submitView(people.outsider, { id, ...forged }, { [FIELDS.severity]: 'P3' });
    await t.settle();
    await t.sb.db.selectFrom('incidents').selectAll().executeTakeFirstOrThrow();
    const timeline = await t.sb.db.selectFrom('incident_timeline').selectAll().execute();
    expect(timeline.filter((e) => e.kind === 'source')).toEqual([]);
    expect(JSON.stringify(timeline)).not.toContain(PRIVATE);
    expect(t.fake.callsTo('chat.getPermalink')).toHaveLength(0);
    const refused = await auditAction(t, 'incident.source_refused');
    expect(refused).toHaveLength(1);
    expect(refused[0]).toMatchObject({ actor_id: people.outsider.id, record_type: 'incident' });
    expect(refused[0]!.detail).toContain(PRIVATE);
  });

  it('a shortcut form rewritten to name another message links the message it was opened on; audited', async () => {
    const seen = t.fake.addMessage(channels.general, people.requester.id, 'Printers offline');
    const hidden = t.fake.addMessage(PRIVATE, people.requester.id, 'Board only: merger on Friday');
    await t.slack.messageShortcut(people.outsider, SHORTCUTS.incidentFromMessage, {
      channel: channels.general,
      ts: seen.ts,
      text: seen.text,
      user: people.requester.id,
    });
    await waitFor(() => t.fake.views.length > 0);
    const { id, view } = t.fake.lastView();
    const forged = {
      ...view,
      private_metadata: JSON.stringify({ source: 'shortcut', sourceChannel: PRIVATE, sourceTs: hidden.ts }),
    };
    await t.slack.submitView(people.outsider, { id, ...forged }, { [FIELDS.severity]: 'P3' });
    await t.settle();
    const [source] = await t.sb.db.selectFrom('incident_timeline').selectAll().where('kind', '=', 'source').execute();
    expect(source!.text).toContain(`/archives/${channels.general}/`);
    expect(t.fake.callsTo('chat.getPermalink').map((c) => c.args.channel)).toEqual([channels.general]);
    expect(await auditAction(t, 'incident.source_refused')).toHaveLength(1);
  });

  it("someone else submitting a shortcut's form gets no source; audited", async () => {
    const seen = t.fake.addMessage(channels.general, people.requester.id, 'Printers offline');
    await t.slack.messageShortcut(people.agent, SHORTCUTS.incidentFromMessage, {
      channel: channels.general,
      ts: seen.ts,
      text: seen.text,
      user: people.requester.id,
    });
    await waitFor(() => t.fake.views.length > 0);
    const { id, view } = t.fake.lastView();
    await t.slack.submitView(people.outsider, { id, ...view }, { [FIELDS.severity]: 'P3' });
    await t.settle();
    expect(await t.sb.db.selectFrom('incident_timeline').selectAll().where('kind', '=', 'source').execute()).toEqual(
      [],
    );
    expect(await auditAction(t, 'incident.source_refused')).toHaveLength(1);
  });

  it('a "Create IT ticket" form rewritten to name another message files the message it was opened on; audited', async () => {
    const seen = t.fake.addMessage(channels.general, people.requester.id, 'Printers offline');
    const hidden = t.fake.addMessage(PRIVATE, people.requester.id, 'Board only: merger on Friday');
    await t.slack.messageShortcut(people.outsider, SHORTCUTS.ticketFromMessage, {
      channel: channels.general,
      ts: seen.ts,
      text: seen.text,
      user: people.requester.id,
    });
    await waitFor(() => t.fake.views.length > 0);
    const { id, view } = t.fake.lastView();
    const forged = { ...view, private_metadata: JSON.stringify({ kind: 'shortcut', channel: PRIVATE, ts: hidden.ts }) };
    await t.slack.submitView(people.outsider, { id, ...forged }, { [TICKET_FIELDS.category]: 'hardware' });
    await t.settle();
    const [ticket] = await t.sb.db.selectFrom('tickets').selectAll().execute();
    expect(ticket).toMatchObject({ source: 'shortcut', source_channel: channels.general, source_ts: seen.ts });
    expect(JSON.stringify(t.fake.messagesIn(channels.triage))).not.toContain(PRIVATE);
    expect((await auditAction(t, 'ticket.source_refused')).map((a) => a.actor_id)).toEqual([people.outsider.id]);
  });
});
