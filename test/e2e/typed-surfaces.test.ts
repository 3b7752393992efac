import { afterEach, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/harness.js';
import { channels, people } from '../../devkit/workspace.js';
import { FIELDS } from '../../views/incidents/ids.js';
import { allText, declare, waitFor } from './incidents-helpers.js';

/**
 * Placeholder-looking text (`{{name:U…}}`, `{{ref:…}}`) typed by a person, or set as their display
 * name, stays as typed on the surfaces that are re-sent as an incident moves on: the channel topic
 * each time it is set again, the pinned summary each time it is refreshed, and the resolution.
 */
const NAME = '{{name:UAGENT01}}';
const REF = '{{ref:incident/1/channel:channel}}';

describe('template syntax on re-sent incident surfaces', () => {
  let t: TestApp;
  afterEach(() => t.stop());

  it('topic, refreshed summary and resolution keep typed placeholders; display names are shown as Slack gives them', async () => {
    t = await startTestApp();
    t.fake.addUser(people.commander.id, NAME); // a display name that looks like a name placeholder
    const title = `Mail ${NAME} ${REF}`;
    const { channelId } = await declare(t, people.commander, {
      title,
      severity: 'P3',
      impact: `Nobody ${REF}`,
      services: ['Email'],
    });
    const channel = t.fake.channels.get(channelId)!;
    const agentName = t.fake.users.get(people.agent.id)!.name;
    expect(channel.topic).toContain(`IC: ${NAME}`);
    expect(channel.topic).not.toContain(agentName);

    await t.slack.command('/incident', 'severity P2', people.commander, channelId);
    await t.settle();
    expect(channel.topic).toContain('P2');
    expect(channel.topic).toContain(`IC: ${NAME}`);
    expect(channel.topic).not.toContain(agentName);
    const summary = t.fake.message(channelId, channel.pins[0]!)!;
    expect(allText([summary])).toContain('P2');
    expect(allText([summary])).toContain(title);
    expect(allText([summary])).toContain(`Nobody ${REF}`);
    expect(allText([summary])).not.toContain(channelId);

    await t.slack.command('/incident', 'resolve', people.commander, channelId);
    await waitFor(() => t.fake.views.some((v) => v.view.callback_id === 'incident.resolve'));
    const view = t.fake.lastView();
    await t.slack.submitView(
      people.commander,
      { id: view.id, ...view.view },
      { [FIELDS.resolution]: `Restarted ${NAME} per ${REF}` },
    );
    await t.settle();
    const everywhere = allText([...t.fake.messagesIn(channelId), ...t.fake.messagesIn(channels.incidents)]);
    expect(everywhere).toContain(`Restarted ${NAME} per ${REF}`);
    expect(allText([t.fake.message(channelId, channel.pins[0]!)!])).toContain(title);
    const rows = await t.sb.db.selectFrom('outbox').select(['status']).execute();
    expect(rows.filter((r) => r.status !== 'sent')).toEqual([]);
  });
});
