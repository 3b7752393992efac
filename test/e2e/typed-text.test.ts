import { afterEach, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/harness.js';
import { channels, people } from '../../devkit/workspace.js';
import { ACTIONS, FIELDS } from '../../views/incidents/ids.js';
import { allText, declare, waitFor } from './incidents-helpers.js';

/**
 * Whatever a person types is shown as typed and never steers delivery: the outbox's own references are
 * structured fields of its rows, so text that looks like them is only text.
 */
const REF = '{{ref:nope:ts}}';
const NAME = '{{name:UAGENT01}}';
const REAL_REF = '{{ref:ticket/1/triage:permalink}}';
const OBJECT = '{"$ref":"ticket/1/triage","field":"channel"}';

const openedModal = (t: TestApp) => {
  const { id, view } = t.fake.lastView();
  return { id, ...view };
};

async function owedAllDelivered(t: TestApp) {
  const rows = await t.sb.db.selectFrom('outbox').select(['id', 'method', 'status', 'last_error']).execute();
  expect(
    rows.filter((r) => r.status !== 'sent'),
    'every owed call delivered',
  ).toEqual([]);
}

describe('template syntax in typed text', () => {
  let t: TestApp;
  afterEach(() => t.stop());

  it('in a ticket and a comment: triage post and DM confirmation delivered, text as typed', async () => {
    t = await startTestApp();
    await t.slack.command('/it-help', `Printer ${REF}`, people.requester);
    await t.settle();
    await t.slack.submitView(people.requester, openedModal(t), {
      category: 'hardware',
      details: `${NAME} ${REAL_REF} ${OBJECT}`,
    });
    await t.settle();

    const post = t.fake.messagesIn(channels.triage).find((m) => m.text.startsWith('IT-1'))!;
    expect(post, 'triage post').toBeDefined();
    expect(allText([post])).toContain(`Printer ${REF}`);
    expect(allText([post])).toContain(NAME);
    expect(allText([post])).toContain(REAL_REF);
    expect(allText([post])).toContain(JSON.stringify(OBJECT).slice(1, -1));
    expect(allText([post])).not.toContain('alice'); // no name was filled into typed text
    const dm = t.fake.messagesIn(people.requester.id).at(-1)!;
    expect(dm.text).toContain(`Printer ${REF}`);
    // The confirmation's own link to the triage post is filled in (a structured field of its row).
    expect(JSON.stringify(dm.blocks)).toContain(
      `https://fake.slack.com/archives/${channels.triage}/p${post.ts.replace('.', '')}`,
    );

    const claim = post
      .blocks!.flatMap((b: any) =>
        b.type === 'actions' ? b.elements.map((e: any) => ({ ...e, block_id: b.block_id })) : [],
      )
      .find((e: any) => e.action_id === 'ticket.comment' || e.action_id === 'ticket.claim');
    await t.slack.blockAction(people.agent, claim, { channel: channels.triage, ts: post.ts });
    await t.settle();
    const comment = dm
      .blocks!.flatMap((b: any) =>
        b.type === 'actions' ? b.elements.map((e: any) => ({ ...e, block_id: b.block_id })) : [],
      )
      .find((e: any) => e.action_id === 'ticket.comment');
    await t.slack.blockAction(people.requester, comment, { channel: dm.channel, ts: dm.ts });
    await t.settle();
    await t.slack.submitView(people.requester, openedModal(t), { comment: `Still broken ${REF} ${NAME}` });
    await t.settle();
    const thread = t.fake.messagesIn(channels.triage).filter((m) => m.thread_ts === post.ts);
    expect(allText(thread)).toContain(`Still broken ${REF} ${NAME}`);
    await owedAllDelivered(t);
  });

  it("in an incident title, impact, update and note, and the commander's own display name: summary pinned, announced, executives told", async () => {
    t = await startTestApp();
    t.fake.addUser(people.commander.id, REF); // a display name that looks like a reference
    const title = `Mail ${REF} ${NAME}`;
    const { channelId, incidentId } = await declare(t, people.commander, {
      title,
      severity: 'P1',
      impact: `Nobody ${REAL_REF}`,
      services: ['Email'],
    });
    expect(channelId).not.toBe('');
    const channel = t.fake.channels.get(channelId)!;
    expect(channel.pins, 'pinned summary').toHaveLength(1);
    const summary = t.fake.message(channelId, channel.pins[0]!)!;
    expect(allText([summary])).toContain(title);
    expect(allText([summary])).toContain(`Nobody ${REAL_REF}`);
    expect(allText(t.fake.messagesIn(channels.incidents)), 'announcement').toContain(title);
    expect(allText(t.fake.messagesIn(channels.executives)), 'executives notice').toContain(title);
    // The topic's display name is filled in, and shown as Slack gave it.
    expect(channel.topic).toContain(`IC: ${REF}`);

    await t.slack.command('/incident', `note Tried ${REF} ${NAME}`, people.commander, channelId);
    await t.settle();
    await t.slack.blockAction(
      people.commander,
      { action_id: ACTIONS.postUpdate, value: String(incidentId) },
      { channel: channelId, ts: summary.ts },
    );
    await waitFor(() => t.fake.views.some((v) => v.view.callback_id === 'incident.update'));
    const view = t.fake.lastView();
    await t.slack.submitView(
      people.commander,
      { id: view.id, ...view.view },
      { [FIELDS.status]: 'identified', [FIELDS.actions]: `Rolling back ${REF}`, [FIELDS.workaround]: NAME },
    );
    await t.settle();
    const update = t.fake.messagesIn(channelId).filter((m) => m.text.startsWith('Update on'));
    expect(update).toHaveLength(1);
    expect(allText(update)).toContain(`Rolling back ${REF}`);
    expect(allText(update)).toContain(NAME);
    expect(allText(t.fake.messagesIn(channels.executives).filter((m) => m.thread_ts))).toContain(`Rolling back ${REF}`);
    await owedAllDelivered(t);
  });

  it('in a change title and plans: the change is posted as typed', async () => {
    t = await startTestApp();
    await t.slack.command('/change', '', people.requester);
    await t.settle();
    const opened = openedModal(t);
    const now = t.clock.now().getTime();
    await t.slack.submitView(people.requester, opened, {
      change_title: `Relay ${REF}`,
      change_description: NAME,
      change_type: 'normal',
      change_services: ['Email'],
      change_risk: 'low',
      window_start: Math.floor((now + 7_200_000) / 1000),
      window_end: Math.floor((now + 10_800_000) / 1000),
      change_implementer: people.requester.id,
      implementation_plan: `Drain ${REAL_REF}`,
      rollback_plan: `Restore ${NAME}`,
      freeze_override: [],
      freeze_override_reason: null,
    });
    await t.settle();
    const post = t.fake.messagesIn(channels.changes).find((m) => !m.thread_ts)!;
    expect(post, 'change post').toBeDefined();
    expect(allText([post])).toContain(`Relay ${REF}`);
    await owedAllDelivered(t);
  });
});
