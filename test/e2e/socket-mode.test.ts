import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/harness.js';
import { people, channels } from '../../devkit/workspace.js';

/** Most IT teams run internal bots over Socket Mode, with no public URL: the same flows must work there. */
describe('Socket Mode', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await startTestApp({ env: { SLACK_APP_TOKEN: 'xapp-1-test' } });
    for (let i = 0; i < 100 && t.fake.socketConnections === 0; i++) await new Promise((r) => setTimeout(r, 20));
  });
  afterEach(() => t.stop());

  it('connects with the app token and files a ticket from a command envelope', async () => {
    expect(t.fake.callsTo('apps.connections.open')).toHaveLength(1);
    expect(t.fake.socketConnections).toBe(1);

    const ack = await t.fake.deliver(
      'slash_commands',
      t.slack.commandBody('/it-help', 'Docking station not detected', people.requester),
    );
    expect(ack).toEqual({});
    await t.settle();
    const { id, view } = t.fake.lastView();
    expect(view.callback_id).toBe('ticket.file');

    const submitAck = await t.fake.deliver(
      'interactive',
      t.slack.viewSubmissionPayload(people.requester, { id, ...view }, { category: 'hardware' }),
    );
    expect(submitAck).toEqual({});
    await t.settle();
    const tickets = await t.sb.db.selectFrom('tickets').selectAll().execute();
    expect(tickets).toHaveLength(1);
    expect(t.fake.messagesIn(channels.triage).some((m) => m.text.startsWith('IT-1'))).toBe(true);
  });

  it('returns inline modal errors in the envelope ack', async () => {
    await t.fake.deliver('slash_commands', t.slack.commandBody('/it-help', '', people.requester));
    await t.settle();
    const { id, view } = t.fake.lastView();
    const ack = await t.fake.deliver(
      'interactive',
      t.slack.viewSubmissionPayload(people.requester, { id, ...view }, { category: 'hardware', summary: '' }),
    );
    expect(ack).toMatchObject({ response_action: 'errors', errors: { summary: expect.any(String) } });
  });

  it('serves /healthz on PORT for container health checks', async () => {
    const res = await fetch(`http://127.0.0.1:${t.sb.port}/healthz`);
    expect(res.status).toBe(200);
  });

  it('handles an event once even when it is redelivered', async () => {
    const message = t.fake.addMessage(channels.general, people.requester.id, 'Projector in room 2 is dead');
    const envelope = t.slack.eventEnvelope(
      {
        type: 'reaction_added',
        user: people.agent.id,
        reaction: 'ticket',
        item_user: people.requester.id,
        item: { type: 'message', channel: channels.general, ts: message.ts },
      },
      'EvSock1',
    );
    await t.fake.deliver('events_api', envelope);
    await t.fake.deliver('events_api', envelope);
    await t.settle();
    expect(await t.sb.db.selectFrom('tickets').selectAll().execute()).toHaveLength(1);
  });
});
