import { WebSocket } from 'ws';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeSlack } from '../../devkit/fake-slack/server.js';

/** The fake's Socket Mode server behaves like Slack's: hello, pings, disconnects and the ack deadline. */
describe('fake Slack: Socket Mode server', () => {
  let fake: FakeSlack;
  let ws: WebSocket;
  const received: any[] = [];
  let pings = 0;
  beforeEach(async () => {
    received.length = 0;
    pings = 0;
    fake = await new FakeSlack().start();
    fake.ackDeadlineMs = 150;
    const { url } = (await (
      await fetch(`${fake.apiUrl}apps.connections.open`, {
        method: 'POST',
        headers: { authorization: 'Bearer xapp-1' },
      })
    ).json()) as { url: string };
    ws = new WebSocket(url);
    ws.on('message', (data) => received.push(JSON.parse(String(data))));
    ws.on('ping', () => (pings += 1));
    await new Promise((resolve) => ws.once('open', resolve));
    await fake.waitForConnection();
  });
  afterEach(async () => {
    ws.terminate();
    await fake.stop();
  });
  const until = async (check: () => boolean) => {
    for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
    expect(check()).toBe(true);
  };

  it('says hello, pings, and asks to reconnect with a reason', async () => {
    await until(() => received.some((m) => m.type === 'hello'));
    fake.pingEvery(20);
    await until(() => pings >= 2);
    fake.sendDisconnect('refresh_requested');
    await until(() => received.some((m) => m.type === 'disconnect' && m.reason === 'refresh_requested'));
  });

  it('an event not acked in time is sent again with retry_attempt and retry_reason; the first ack settles it', async () => {
    const delivered = fake.deliver('events_api', { event_id: 'Ev1' });
    await until(() => received.some((m) => m.retry_attempt === 1));
    const retry = received.find((m) => m.retry_attempt === 1);
    expect(retry).toMatchObject({ type: 'events_api', retry_reason: 'timeout', payload: { event_id: 'Ev1' } });
    ws.send(JSON.stringify({ envelope_id: retry.envelope_id }));
    expect(await delivered).toEqual({});
    expect(fake.envelopes.map((e) => e.outcome)).toEqual(['timed_out', 'acked']);
  });

  it('a command not acked in time fails, and is not sent again', async () => {
    await expect(fake.deliver('slash_commands', { command: '/it-help' })).rejects.toThrow(/not acked within 150 ms/);
    expect(received.filter((m) => m.type === 'slash_commands')).toHaveLength(1);
  });

  it('a dropped connection is gone at once', async () => {
    const closed = new Promise((resolve) => ws.once('close', resolve));
    fake.dropConnections();
    await closed;
    await until(() => fake.socketConnections === 0);
  });
});
