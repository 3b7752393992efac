import { App, HTTPReceiver } from '@slack/bolt';
import type { ServerResponse } from 'node:http';
import type { Env } from './config/env.js';
import type { Settings } from './config/settings.js';
import type { Logger } from './logger.js';
import type { ServiceContext } from './services/context.js';
import type { Directory } from './slack/directory.js';
import { boltLogger } from './slack/bolt-logger.js';
import { supervisedSocket, type SupervisedSocket } from './slack/socket.js';
import { guardSlackRequests } from './slack/http-guard.js';
import { firstReceipt } from '../db/queries/receipts.js';
import { isDatabaseBusy } from '../db/client.js';
import { areas } from '../commands/index.js';
import { cleanTypedText, decodeCommandText } from '../commands/typed-text.js';

/** What listeners get: the use-case context and the Slack-side directory of people and roles. */
export interface AppDeps {
  ctx: ServiceContext;
  directory: Directory;
  settings: Settings;
  logger: Logger;
}

export interface BuiltApp {
  app: App;
  /** Socket Mode only: whether the socket is connected now. */
  socket?: SupervisedSocket;
}

/** What /healthz reports: 200 when everything needed to serve is there, 503 otherwise. */
export interface Health {
  ok: boolean;
  database: 'ok' | 'busy' | 'unavailable';
  socket?: 'connected' | 'down';
}

export function healthAnswer(res: ServerResponse, health: Health): void {
  res.writeHead(health.ok ? 200 : 503, { 'content-type': 'application/json' });
  res.end(JSON.stringify(health));
}

/**
 * The composition root for Slack: one Bolt App (HTTP or Socket Mode), the shared middleware, and each
 * area's listeners from commands/<area>. The bot's WebClient never retries by itself: the outbox owns
 * retries. Socket Mode's connection has its own client and its own supervision (src/slack/socket.ts).
 */
export function buildApp(env: Env, options: { logger: Logger; settings: Settings; health(): Health }): BuiltApp {
  const clientOptions = {
    slackApiUrl: env.SLACK_API_URL,
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    timeout: options.settings.slack.request_timeout,
  };
  const common = {
    token: env.SLACK_BOT_TOKEN,
    logger: boltLogger(options.logger),
    clientOptions,
    deferInitialization: true,
  };
  if (env.SLACK_APP_TOKEN) {
    // The socket's own client options: Slack's default retries for apps.connections.open.
    const socket = supervisedSocket({ appToken: env.SLACK_APP_TOKEN, slackApiUrl: env.SLACK_API_URL, logger: options.logger, boltLogger: common.logger });
    return { app: new App({ ...common, receiver: socket.receiver }), socket };
  }
  const endpoints = ['/slack/events'];
  const receiver = new HTTPReceiver({
    signingSecret: env.SLACK_SIGNING_SECRET!,
    endpoints,
    logger: common.logger,
    customRoutes: [{ path: '/healthz', method: ['GET'], handler: (_req, res) => healthAnswer(res, options.health()) }],
  });
  // Requests not shaped like Slack's are answered 400 before Bolt parses them (src/slack/http-guard.ts).
  receiver.requestListener = guardSlackRequests({ listener: receiver.requestListener, signingSecret: env.SLACK_SIGNING_SECRET!, endpoints, logger: options.logger });
  return { app: new App({ ...common, receiver }) };
}

/** Middleware every request passes, then every area's listeners. */
export function registerListeners(app: App, deps: AppDeps): void {
  // Events API retries (X-Slack-Retry-Num) and Socket Mode redeliveries carry the same event_id:
  // handle each event once.
  app.use(async ({ body, next }) => {
    const eventId = (body as { event_id?: string }).event_id;
    if (eventId && !(await firstReceipt(deps.ctx.db, `event:${eventId}`, deps.ctx.clock.now()))) {
      deps.logger.debug({ eventId }, 'duplicate event delivery ignored');
      return;
    }
    await next();
  });
  // What people typed is cleaned once, here, before any parser sees it.
  app.use(cleanTypedText);
  app.use(decodeCommandText);
  // The safety net: a listener that fails still answers the person (and acks, so Slack shows no
  // timeout); what was already recorded stays recorded, since every use case is one transaction.
  app.use(async (args) => {
    try {
      await args.next();
    } catch (error) {
      deps.logger.error({ err: error, type: (args.body as { type?: string }).type }, 'a Slack listener failed');
      await tellAboutFailure(args as unknown as FailureArgs, deps, error);
    }
  });
  for (const area of areas) area.register(app, deps);
  app.error(async (error) => {
    deps.logger.error({ err: error }, 'unhandled error in a Slack listener');
  });
}

interface FailureArgs {
  body: { type?: string; user_id?: string; user?: { id?: string }; response_url?: string; event?: unknown; view?: { blocks?: { type?: string; block_id?: string }[] } };
  ack?: (response?: unknown) => Promise<void>;
  respond?: (message: { response_type: 'ephemeral'; replace_original: false; text: string }) => Promise<unknown>;
  client: App['client'];
}

const FAILURE_TEXT = 'Sorry, something went wrong on our side and that did not go through. Nothing already recorded was lost; please try again in a moment.';

/** Said when another process holds the database's write lock: nothing was saved, and trying again will work. */
export const BUSY_TEXT = "Switchboard's database is busy right now, so that was not saved. Please try again in a minute.";

async function tellAboutFailure(args: FailureArgs, deps: AppDeps, error: unknown): Promise<void> {
  if (args.body.event) return; // events have no person waiting on an answer
  const busy = isDatabaseBusy(error);
  const text = busy ? BUSY_TEXT : FAILURE_TEXT;
  // A form stays open with the reason on its first field, so the person can submit it again as it is.
  const firstInput = args.body.type === 'view_submission' ? args.body.view?.blocks?.find((b) => b.type === 'input' && b.block_id)?.block_id : undefined;
  try {
    await (busy && firstInput ? args.ack?.({ response_action: 'errors', errors: { [firstInput]: text } }) : args.ack?.());
    if (busy && firstInput) return;
  } catch {
    // already acknowledged by the listener
  }
  const userId = args.body.user_id ?? args.body.user?.id;
  try {
    if (args.respond && args.body.response_url) await args.respond({ response_type: 'ephemeral', replace_original: false, text });
    else if (userId) await args.client.chat.postMessage({ channel: userId, text });
  } catch (error) {
    deps.logger.warn({ err: error }, 'could not tell a person about a failure');
  }
}
