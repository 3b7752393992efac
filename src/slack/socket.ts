import { SocketModeReceiver, type Logger as BoltLogger } from '@slack/bolt';
import type { Logger } from '../logger.js';

/**
 * Socket Mode that survives Slack's routine reconnects. The receiver gets its own Web API options (the
 * Slack client's default retries for apps.connections.open, not the bot client's "never retry"), and
 * reconnecting is supervised here rather than by the socket client: whatever closes the connection (a
 * `disconnect` message with reason refresh_requested, warning or link_disabled, a dropped socket, a
 * missed ping) and whatever fails on the way back (apps.connections.open answering 5xx or an error, the
 * WebSocket not opening) leads to another attempt after a back-off, never to an unhandled rejection.
 */
export interface SupervisedSocket {
  receiver: SocketModeReceiver;
  /** True from Slack's `hello` until the connection closes. */
  connected(): boolean;
}

const FIRST_RETRY_MS = 200;
const MAX_RETRY_MS = 30_000;

export function supervisedSocket(options: {
  appToken: string;
  slackApiUrl?: string;
  logger: Logger;
  boltLogger: BoltLogger;
}): SupervisedSocket {
  const { logger } = options;
  const receiver = new SocketModeReceiver({
    appToken: options.appToken,
    logger: options.boltLogger,
    autoReconnectEnabled: false,
    installerOptions: { clientOptions: options.slackApiUrl ? { slackApiUrl: options.slackApiUrl } : {} },
  });
  const client = receiver.client;
  let up = false;
  let stopping = false;
  let failures = 0;
  let timer: NodeJS.Timeout | undefined;

  const reconnectSoon = (why: string, error?: unknown) => {
    if (stopping || timer) return;
    const delay = Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** failures);
    failures += 1;
    logger.warn({ err: error, why, retryInMs: delay, attempt: failures }, 'Socket Mode connection lost; reconnecting');
    timer = setTimeout(() => {
      timer = undefined;
      if (stopping) return;
      client.start().catch((err: unknown) => reconnectSoon('reconnect failed', err));
    }, delay);
  };

  client.on('connected', () => {
    up = true;
    if (failures > 0) logger.info({ attempts: failures }, 'Socket Mode reconnected');
    failures = 0;
  });
  client.on('disconnecting', () => {
    up = false;
  });
  client.on('disconnected', () => {
    up = false;
    reconnectSoon('connection closed');
  });
  // Logged, never thrown: a socket error is followed by a close, and the close by a reconnect.
  client.on('error', (error: unknown) => logger.warn({ err: error }, 'Socket Mode error'));

  const start = receiver.start.bind(receiver);
  const stop = receiver.stop.bind(receiver);
  receiver.start = () => {
    stopping = false;
    return start();
  };
  receiver.stop = () => {
    stopping = true;
    clearTimeout(timer);
    timer = undefined;
    return stop();
  };
  return { receiver, connected: () => up };
}
