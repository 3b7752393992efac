import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/harness.js';
import { channels, people } from '../../devkit/workspace.js';
import { ACTIONS, FIELDS } from '../../views/incidents/ids.js';
import { allText, declare, messageWithAction, mrkdwnText, waitFor } from './incidents-helpers.js';

const SEC = 1000;

async function tick(t: TestApp, ms: number) {
  (t.clock as any).advance(ms);
  await t.sb.runner.sweep();
  await t.sb.runner.sweep();
  await t.settle();
}

describe('timeline, resolution, review and follow-up actions', () => {
  let t: TestApp;
  let channelId: string;
  let incidentId: number;
  beforeEach(async () => {
    t = await startTestApp({ settings: { incidents: { action_reminder_before: '10s' } } });
    ({ channelId, incidentId } = await declare(t, people.commander, {
      title: 'Printers offline',
      severity: 'P2',
      services: ['Printing'],
      impact: 'No printing in London',
    }));
  });
  afterEach(async () => {
    await t.stop();
  });

  const timeline = () =>
    t.sb.db.selectFrom('incident_timeline').selectAll().where('incident_id', '=', incidentId).orderBy('id').execute();

  it('adds notes with /incident note, and messages with the timeline reaction (once), ignoring other reactions', async () => {
    await t.slack.command('/incident', 'note Print server <!channel> rebooted', people.agent, channelId);
    await t.settle();
    expect((await timeline()).some((e) => e.kind === 'note' && e.text.includes('&lt;!channel&gt;'))).toBe(true);
    expect(mrkdwnText(t.fake.messagesIn(channelId))).toContain('Print server &lt;!channel&gt; rebooted');

    const message = t.fake.addMessage(channelId, people.agent2.id, 'Spooler service crashed at 09:12');
    await t.slack.event({
      type: 'reaction_added',
      user: people.agent.id,
      reaction: 'pushpin',
      item_user: people.agent2.id,
      item: { type: 'message', channel: channelId, ts: message.ts },
    });
    await t.slack.event({
      type: 'reaction_added',
      user: people.agent2.id,
      reaction: 'pushpin',
      item_user: people.agent2.id,
      item: { type: 'message', channel: channelId, ts: message.ts },
    });
    await t.slack.event({
      type: 'reaction_added',
      user: people.agent.id,
      reaction: 'thumbsup',
      item_user: people.agent2.id,
      item: { type: 'message', channel: channelId, ts: message.ts },
    });
    const elsewhere = t.fake.addMessage(channels.general, people.agent2.id, 'Unrelated chatter');
    await t.slack.event({
      type: 'reaction_added',
      user: people.agent.id,
      reaction: 'pushpin',
      item_user: people.agent2.id,
      item: { type: 'message', channel: channels.general, ts: elsewhere.ts },
    });
    await t.settle();
    const entries = (await timeline()).filter((e) => e.kind === 'message');
    expect(entries).toHaveLength(1);
    expect(entries[0]!.text).toContain('Spooler service crashed at 09:12');
    expect(entries[0]!.text).toContain(people.agent2.id);
    expect(entries[0]!.source_ts).toBe(message.ts);
  });

  it('keeps typed update text inert on the timeline and in the review draft', async () => {
    await t.slack.command('/incident', 'update', people.commander, channelId);
    await waitFor(() => t.fake.views.some((v) => v.view.callback_id === 'incident.update'));
    const update = t.fake.lastView();
    await t.slack.submitView(
      people.commander,
      { id: update.id, ...update.view },
      {
        [FIELDS.impact]: `Ask <@${people.outsider.id}> about R&amp;D <!channel>`,
        [FIELDS.actions]: 'Replacing the fuser',
      },
    );
    await t.settle();
    const entry = (await timeline()).find((e) => e.kind === 'update')!;
    expect(entry.text).toContain(`&lt;@${people.outsider.id}&gt; about R&amp;amp;D &lt;!channel&gt;`);
    await t.slack.command('/incident', 'resolve', people.commander, channelId);
    await waitFor(() => t.fake.views.some((v) => v.view.callback_id === 'incident.resolve'));
    const resolve = t.fake.lastView();
    await t.slack.submitView(
      people.commander,
      { id: resolve.id, ...resolve.view },
      { [FIELDS.resolution]: 'Fuser replaced' },
    );
    await t.settle();
    const review = messageWithAction(t, channelId, ACTIONS.exportReview);
    const text = mrkdwnText([review]);
    expect(text).toContain('R&amp;amp;D &lt;!channel&gt;');
    expect(text).not.toContain(`<@${people.outsider.id}>`);
  });

  it('refuses commands outside an incident channel', async () => {
    await t.slack.command('/incident', 'note hello', people.agent, channels.general);
    await t.settle();
    expect(t.fake.responses.at(-1)!.body.text).toContain('inside the incident');
  });

  it('the exported review names everyone on the record: role holders, people on the timeline, action owners', async () => {
    await t.slack.command(
      '/incident',
      `role <@${people.agent2.id}|${people.agent2.name}> scribe`,
      people.commander,
      channelId,
    );
    await t.slack.command('/incident', 'note Spooler restarted', people.agent, channelId);
    await t.slack.command(
      '/incident',
      `action Replace the fuser <@${people.requester.id}|${people.requester.name}> 3d`,
      people.commander,
      channelId,
    );
    await t.settle();
    await t.slack.command('/incident', 'review', people.commander, channelId);
    await waitFor(() => t.fake.uploads.some((u) => u.content.length > 0 && u.channel === channelId));
    const md = t.fake.uploads.find((u) => u.channel === channelId)!.content.toString();
    expect(md).toContain(`Scribe: @${people.agent2.name}`);
    expect(md).toContain(`(@${people.agent.name})`);
    expect(md).toContain(`owner @${people.requester.name}`);
    for (const person of [people.agent, people.agent2, people.requester]) expect(md).not.toContain(`@${person.id}`);
  });

  it('resolves with a summary: announced, next steps told, review draft posted and exportable as Markdown', async () => {
    await t.slack.command('/incident', 'status identified', people.commander, channelId);
    await t.slack.command('/incident', 'resolve', people.outsider, channelId);
    await t.settle();
    // The form opens at once (nothing slow before views.open); once the look-up shows an outsider,
    // it turns into the refusal.
    const refused = t.fake.views.at(-1)!;
    expect(refused.method).toBe('views.update');
    expect(JSON.stringify(refused.view.blocks)).toContain('Only the commander');
    expect(refused.view.submit).toBeUndefined();
    const opened = t.fake.views.length;
    await t.slack.command('/incident', 'resolve', people.commander, channelId);
    await waitFor(() => t.fake.views.slice(opened).some((v) => v.view.callback_id === 'incident.resolve'));
    const view = t.fake.lastView();
    const empty = await t.slack.submitView(
      people.commander,
      { id: view.id, ...view.view },
      { [FIELDS.resolution]: '' },
    );
    expect(empty.body.response_action).toBe('errors');
    await t.slack.submitView(
      people.commander,
      { id: view.id, ...view.view },
      { [FIELDS.resolution]: 'Restarted the spooler and patched the driver' },
    );
    await t.settle();
    const row = await t.sb.db
      .selectFrom('incidents')
      .selectAll()
      .where('id', '=', incidentId)
      .executeTakeFirstOrThrow();
    expect(row.status).toBe('resolved');
    expect(row.resolution_summary).toBe('Restarted the spooler and patched the driver');
    const inChannel = allText(t.fake.messagesIn(channelId));
    expect(inChannel).toContain('What happens next');
    expect(inChannel).toContain('Review draft: INC-1');
    expect(inChannel).toContain('Timeline');
    expect(inChannel).toContain('Restarted the spooler');
    expect(allText(t.fake.messagesIn(channels.incidents))).toContain('INC-1 resolved');
    const topic = t.fake.channels.get(channelId)!.topic;
    expect(topic).toContain('Resolved');

    // Export as Markdown: uploaded to the channel with names, not IDs.
    const review = messageWithAction(t, channelId, ACTIONS.exportReview);
    await t.slack.blockAction(
      people.commander,
      { action_id: ACTIONS.exportReview, value: String(incidentId) },
      { channel: channelId, ts: review.ts },
    );
    await waitFor(() => t.fake.uploads.some((u) => u.content.length > 0 && u.channel === channelId));
    const file = t.fake.uploads.find((u) => u.channel === channelId)!;
    expect(file.filename).toBe('inc-1-review.md');
    const md = file.content.toString();
    expect(md).toContain('# Post-incident review: INC-1 Printers offline');
    expect(md).toContain('@carla');
    expect(md).toContain('## Follow-up actions');
    expect(md).toContain('time to resolve');

    // Closing after the review.
    await t.slack.blockAction(
      people.commander,
      { action_id: ACTIONS.close, value: String(incidentId) },
      { channel: channelId, ts: review.ts },
    );
    await t.settle();
    const closed = await t.sb.db
      .selectFrom('incidents')
      .selectAll()
      .where('id', '=', incidentId)
      .executeTakeFirstOrThrow();
    expect(closed.status).toBe('closed');
    expect(closed.closed_at).not.toBeNull();
  });

  it('tracks follow-up actions: owner reminded before and at the due time, once each; closed with a button', async () => {
    await t.slack.command(
      '/incident',
      `action Add spooler monitoring <@${people.agent2.id}|arnold> 30s`,
      people.commander,
      channelId,
    );
    await t.settle();
    const action = await t.sb.db.selectFrom('incident_actions').selectAll().executeTakeFirstOrThrow();
    expect(action.owner_id).toBe(people.agent2.id);
    expect(action.text).toBe('Add spooler monitoring');
    expect(allText(t.fake.messagesIn(channelId))).toContain('Follow-up action for *INC-1*');
    const dms = () => t.fake.messagesIn(people.agent2.id).filter((m) => m.text.startsWith('Due'));
    await tick(t, 19 * SEC);
    expect(dms()).toHaveLength(0);
    await tick(t, 1 * SEC);
    expect(dms().map((m) => m.text)).toEqual([expect.stringContaining('Due soon')]);
    await tick(t, 10 * SEC);
    await tick(t, 10 * SEC);
    expect(dms().map((m) => m.text)).toEqual([expect.stringContaining('Due soon'), expect.stringContaining('Due now')]);

    const reminder = dms().at(-1)!;
    await t.slack.blockAction(
      people.outsider,
      { action_id: ACTIONS.actionDone, value: String(action.id) },
      { channel: reminder.channel, ts: reminder.ts },
    );
    await t.settle();
    expect(t.fake.responses.at(-1)!.body.text).toContain('Only the action');
    await t.slack.blockAction(
      people.agent2,
      { action_id: ACTIONS.actionDone, value: String(action.id) },
      { channel: reminder.channel, ts: reminder.ts },
    );
    await t.slack.blockAction(
      people.agent2,
      { action_id: ACTIONS.actionDone, value: String(action.id) },
      { channel: reminder.channel, ts: reminder.ts },
    );
    await t.settle();
    const done = await t.sb.db.selectFrom('incident_actions').selectAll().executeTakeFirstOrThrow();
    expect(done.status).toBe('done');
    expect(t.fake.responses.at(-1)!.body.text).toContain('already closed');
    // The scorecard's "Review actions closed by due date": closed after its due time, it counts as late.
    const { incidentFigures } = await import('../../db/queries/reports.js');
    const now = t.clock.now().getTime();
    const figures = await incidentFigures(t.sb.db, { start: 0, end: now + 86_400_000, asOf: now });
    expect(figures.actions).toEqual({ onTime: 0, overdue: 1, pending: 0 });
  });

  it('chases an overdue follow-up action at the chase cadence until it is closed', async () => {
    await t.slack.command(
      '/incident',
      `action Patch the print server <@${people.agent2.id}|arnold> 30s`,
      people.commander,
      channelId,
    );
    await t.settle();
    const action = await t.sb.db.selectFrom('incident_actions').selectAll().executeTakeFirstOrThrow();
    const chases = () => t.fake.messagesIn(people.agent2.id).filter((m) => m.text.startsWith('Overdue by'));
    await tick(t, 30 * SEC);
    expect(chases()).toHaveLength(0);
    await tick(t, 86_400 * SEC - 1 * SEC);
    expect(chases()).toHaveLength(0);
    await tick(t, 1 * SEC);
    expect(chases()).toHaveLength(1);
    expect(chases()[0]!.text).toContain('Overdue by 1d');
    expect(allText(chases())).toContain(ACTIONS.actionDone);
    expect(allText(t.fake.messagesIn(channelId))).toContain('is overdue by 1d');
    await tick(t, 86_400 * SEC);
    expect(chases()).toHaveLength(2);
    const last = chases().at(-1)!;
    await t.slack.blockAction(
      people.agent2,
      { action_id: ACTIONS.actionDone, value: String(action.id) },
      { channel: last.channel, ts: last.ts },
    );
    await t.settle();
    await tick(t, 86_400 * SEC);
    await tick(t, 86_400 * SEC);
    expect(chases()).toHaveLength(2);
    const audit = await t.sb.db
      .selectFrom('audit_log')
      .select('action')
      .where('action', '=', 'incident.action_chased')
      .execute();
    expect(audit).toHaveLength(2);
  });

  it('adds an action with the button and modal, due on a date', async () => {
    const summary = t.fake.message(channelId, t.fake.channels.get(channelId)!.pins[0]!)!;
    await t.slack.blockAction(
      people.agent,
      { action_id: ACTIONS.addAction, value: String(incidentId) },
      { channel: channelId, ts: summary.ts },
    );
    await waitFor(() => t.fake.views.some((v) => v.view.callback_id === 'incident.action'));
    const view = t.fake.lastView();
    await t.slack.submitView(
      people.agent,
      { id: view.id, ...view.view },
      { [FIELDS.actionText]: 'Document the driver rollback', [FIELDS.owner]: people.agent.id },
    );
    await t.settle();
    const action = await t.sb.db.selectFrom('incident_actions').selectAll().executeTakeFirstOrThrow();
    expect(action.text).toBe('Document the driver rollback');
    expect(action.due_at).toBeGreaterThan(t.clock.now().getTime() + 6 * 86_400_000);
    const pending = await t.sb.db
      .selectFrom('due_items')
      .select('kind')
      .where('record_type', '=', 'incident_action')
      .where('status', '=', 'pending')
      .execute();
    expect(pending.map((p) => p.kind).sort()).toEqual(['incident.action_before', 'incident.action_due']);
  });
});
