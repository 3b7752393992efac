import { App, HTTPReceiver } from '@slack/bolt';
import type { ServerResponse } from 'node:http';
import type { Env } from './config/env.js';
import type { Settings } from './config/settings.js';
import type { Logger } from './logger.js';
import { boltLogger } from './slack/bolt-logger.js';
import { supervisedSocket, type SupervisedSocket } from './slack/socket.js';
import { guardSlackRequests } from './slack/http-guard.js';
import { isDatabaseBusy } from '../db/client.js';
import { areas } from '../commands/index.js';
import { registerAreas, type AppDeps } from '../commands/kit.js';
import type { EventFailureTexts } from './slack/event-failures.js';
import { cleanTypedText, decodeCommandText } from '../commands/typed-text.js';
import type { Inbox } from './jobs/inbox.js';

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
export function buildApp(
  env: Env,
  options: { logger: Logger; settings: Settings; health(): Promise<Health> },
): BuiltApp {
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
    const socket = supervisedSocket({
      appToken: env.SLACK_APP_TOKEN,
      slackApiUrl: env.SLACK_API_URL,
      logger: options.logger,
      boltLogger: common.logger,
    });
    return { app: new App({ ...common, receiver: socket.receiver }), socket };
  }
  const endpoints = ['/slack/events'];
  const receiver = new HTTPReceiver({
    signingSecret: env.SLACK_SIGNING_SECRET!,
    endpoints,
    logger: common.logger,
    customRoutes: [
      {
        path: '/healthz',
        method: ['GET'],
        handler: (_req, res) => void options.health().then((h) => healthAnswer(res, h)),
      },
    ],
  });
  // Requests not shaped like Slack's are answered 400 before Bolt parses them (src/slack/http-guard.ts).
  receiver.requestListener = guardSlackRequests({
    listener: receiver.requestListener,
    signingSecret: env.SLACK_SIGNING_SECRET!,
    endpoints,
    logger: options.logger,
  });
  return { app: new App({ ...common, receiver }) };
}

/** Middleware every request passes, then every area's listeners. */
export function registerListeners(app: App, deps: AppDeps): void {
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
  // An event replayed from the inbox learns whether its listeners failed, so it is retried.
  app.use(async ({ context, next }) => {
    const run = (context as { inboxRun?: EventRun }).inboxRun;
    if (!run) return next();
    try {
      await next();
    } catch (error) {
      run.error = error;
      throw error;
    }
  });
  registerAreas(app, deps, areas);
  app.error(async (error) => {
    deps.logger.error({ err: error }, 'unhandled error in a Slack listener');
  });
}

interface FailureArgs {
  body: {
    type?: string;
    user_id?: string;
    user?: { id?: string };
    response_url?: string;
    event?: unknown;
    view?: { blocks?: { type?: string; block_id?: string }[] };
  };
  ack?: (response?: unknown) => Promise<void>;
  respond?: (message: { response_type: 'ephemeral'; replace_original: false; text: string }) => Promise<unknown>;
  client: App['client'];
}

const FAILURE_TEXT =
  'Sorry, something went wrong on our side and that did not go through. Nothing already recorded was lost; please try again in a moment.';

/** Said when another process holds the database's write lock: nothing was saved, and trying again will work. */
export const BUSY_TEXT =
  "Switchboard's database is busy right now, so that was not saved. Please try again in a minute.";

async function tellAboutFailure(args: FailureArgs, deps: AppDeps, error: unknown): Promise<void> {
  if (args.body.event) return; // events have no person waiting on an answer
  const busy = isDatabaseBusy(error);
  const text = busy ? BUSY_TEXT : FAILURE_TEXT;
  // A form stays open with the reason on its first field, so the person can submit it again as it is.
  const firstInput =
    args.body.type === 'view_submission'
      ? args.body.view?.blocks?.find((b) => b.type === 'input' && b.block_id)?.block_id
      : undefined;
  try {
    await (busy && firstInput
      ? args.ack?.({ response_action: 'errors', errors: { [firstInput]: text } })
      : args.ack?.());
    if (busy && firstInput) return;
  } catch {
    // already acknowledged by the listener
  }
  const userId = args.body.user_id ?? args.body.user?.id;
  try {
    if (args.respond && args.body.response_url)
      await args.respond({ response_type: 'ephemeral', replace_original: false, text });
    else if (userId) await args.client.chat.postMessage({ channel: userId, text });
  } catch (error) {
    deps.logger.warn({ err: error }, 'could not tell a person about a failure');
  }
}

interface EventRun {
  error?: unknown;
}

/**
 * Events are stored before they are acknowledged, keyed by Slack's event_id, and handed to the
 * listeners from the inbox: a retried or redelivered event is acted on once, an event whose handling
 * failed (Slack answered 500 while reading the message) is retried with back-off instead of being
 * remembered as handled, and one received just before a crash is handled after the restart.
 */
export function storeEventsBeforeAck(app: App, inbox: Inbox, logger: Logger, failureTexts: EventFailureTexts): void {
  const dispatch = app.processEvent.bind(app);
  inbox.handle<{ event?: unknown }>('event', {
    async run(item, extra) {
      const run: EventRun = {};
      await dispatch({
        body: item.data,
        ack: async () => undefined,
        ...(extra ?? {}),
        customProperties: { inboxRun: run },
      } as never);
      if (run.error) throw run.error;
    },
    failureText: (item) => failureTexts.textFor(item.data?.event),
  });
  app.processEvent = async (event) => {
    const body = event.body as { type?: string; event_id?: unknown; event?: { user?: unknown } };
    if (body?.type !== 'event_callback' || typeof body.event_id !== 'string') return dispatch(event);
    const key = `event:${body.event_id}`;
    // Not stored, not acknowledged: Slack delivers it again.
    await inbox.receive({
      key,
      kind: 'event',
      userId: typeof body.event?.user === 'string' ? body.event.user : null,
      payload: body,
    });
    await event.ack();
    await inbox
      .process(key, { retryNum: event.retryNum, retryReason: event.retryReason })
      .catch((error: unknown) => logger.error({ err: error, key }, 'a stored event could not be processed'));
  };
}
