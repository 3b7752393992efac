import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { App } from '@slack/bolt';
import { systemClock, type Clock } from './clock.js';
import { databaseLocation, parseEnv, shownLocation, type Env } from './config/env.js';
import { loadSettings } from './config/load.js';
import type { Settings } from './config/settings.js';
import { createLogger, type Logger } from './logger.js';
import { openDatabase } from '../db/client.js';
import { migrateToLatest } from '../db/migrate.js';
import type { Db } from '../db/schema.js';
import { EventFailureTexts } from './slack/event-failures.js';
import { buildApp, healthAnswer, registerListeners, storeEventsBeforeAck, type Health } from './app.js';
import type { SupervisedSocket } from './slack/socket.js';
import type { ServiceContext } from './services/context.js';
import { OutboxSender } from './slack/outbox-sender.js';
import { Directory } from './slack/directory.js';
import { DueRunner } from './jobs/due-runner.js';
import { Scheduler } from './jobs/scheduler.js';
import { calendarJobs, dueHandlers } from './jobs/index.js';
import { pruneReceipts } from '../db/queries/receipts.js';
import { Inbox } from './jobs/inbox.js';

/** Configuration that cannot run: each problem is one line a person can act on. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
  }
}

export interface StartOptions {
  env: Record<string, string | undefined>;
  clock?: Clock;
  logger?: Logger;
  /** Settings given directly (tests); otherwise read from ITOPS_CONFIG. */
  settings?: Settings;
  /** Outbox poll interval; tests shorten it. */
  outboxPollMs?: number;
}

export interface Switchboard {
  app: App;
  /** The HTTP port: Slack's requests in HTTP mode, /healthz in both modes. */
  port: number;
  db: Db;
  ctx: ServiceContext;
  settings: Settings;
  sender: OutboxSender;
  runner: DueRunner;
  /** Requests stored before their ack, processed after it and by the sweep. */
  inbox: Inbox;
  directory: Directory;
  logger: Logger;
  stop(): Promise<void>;
}

/** Starts everything `npm start` starts; tests call this too, against the fake Slack. */
export async function startSwitchboard(options: StartOptions): Promise<Switchboard> {
  const envResult = parseEnv(options.env);
  const settingsResult = options.settings
    ? { ok: true as const, value: options.settings }
    : loadSettings(envResult.ok ? envResult.value.ITOPS_CONFIG : options.env.ITOPS_CONFIG);
  const problems = [...(envResult.ok ? [] : envResult.problems), ...(settingsResult.ok ? [] : settingsResult.problems)];
  if (!envResult.ok || !settingsResult.ok) throw new ConfigError(problems);
  const env: Env = envResult.value;
  const settings = settingsResult.value;
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? createLogger(env.LOG_LEVEL);

  const location = databaseLocation(env);
  const opened = openDatabaseOrExplain(location);
  const db = opened.db;
  await migrateToLatest(db).catch(async (error: unknown) => {
    await db.destroy();
    throw migrationProblem(error, shownLocation(location));
  });
  let socket: SupervisedSocket | undefined;
  const health = async (): Promise<Health> => {
    const database = await opened.state();
    const socketState = socket ? (socket.connected() ? 'connected' : 'down') : undefined;
    return {
      ok: database === 'ok' && socketState !== 'down',
      database,
      ...(socketState ? { socket: socketState } : {}),
    };
  };

  const built = buildApp(env, { logger, settings, health });
  const app = built.app;
  socket = built.socket;
  let sender: OutboxSender | undefined;
  const ctx: ServiceContext = { db, clock, settings, logger, wakeOutbox: () => sender?.wake() };
  const directory = new Directory({ client: app.client, settings, clock, logger });
  sender = new OutboxSender({
    db,
    client: app.client,
    clock,
    logger,
    pacing: { rate: settings.slack.per_channel_rate, burst: settings.slack.per_channel_burst },
    pollMs: options.outboxPollMs,
  });
  const runner = new DueRunner({
    db,
    clock,
    logger,
    handlers: dueHandlers(ctx, directory),
    afterCommit: () => sender?.wake(),
  });
  const inbox = new Inbox({ db, clock, logger, afterCommit: () => sender?.wake() });
  const scheduler = new Scheduler({ logger, timezone: settings.timezone });

  try {
    await app.init();
  } catch (error) {
    await db.destroy();
    throw new ConfigError([authProblem(error, env.SLACK_API_URL ?? 'https://slack.com/api/')]);
  }
  const eventFailures = new EventFailureTexts();
  registerListeners(app, { ctx, directory, settings, logger, inbox, eventFailures });
  storeEventsBeforeAck(app, inbox, logger, eventFailures);

  let port: number;
  let healthServer: Server | undefined;
  if (env.SLACK_APP_TOKEN) {
    await app.start();
    // Socket Mode has no HTTP listener of its own; container health checks still need /healthz.
    healthServer = createServer((req, res) => {
      if (req.url === '/healthz') return void health().then((h) => healthAnswer(res, h));
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ ok: false }));
    });
    await new Promise<void>((resolve, reject) =>
      healthServer!.once('error', (error) => reject(portProblem(error, env.PORT))).listen(env.PORT, resolve),
    );
    port = (healthServer.address() as AddressInfo).port;
  } else {
    const server = (await app.start(env.PORT).catch(async (error: unknown) => {
      await db.destroy();
      throw portProblem(error, env.PORT);
    })) as Server;
    port = (server.address() as AddressInfo).port;
  }

  sender.start();
  scheduler.start([
    { name: 'due-sweep', cron: settings.jobs.sweep_cron, run: () => runner.sweep() },
    // Stored requests not processed yet (a crash after the ack, a failure waiting for its retry).
    { name: 'inbox-sweep', cron: settings.jobs.sweep_cron, run: () => inbox.sweep() },
    { name: 'receipts-prune', cron: '17 * * * *', run: () => pruneReceipts(db, clock.now()) },
    ...calendarJobs(ctx, directory, app.client),
  ]);
  // Catch up at once on whatever fell due while the app was down, and on requests acknowledged
  // before a crash but not processed.
  void runner.sweep();
  void inbox.sweep().catch((error: unknown) => logger.error({ err: error }, 'inbox sweep failed'));
  logger.info({ port, mode: env.SLACK_APP_TOKEN ? 'socket' : 'http' }, 'Switchboard started');

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      // Stop taking requests (in-flight ones finish), then timers, then deliveries, then the database.
      await app
        .stop()
        .catch((error: unknown) => logger.warn({ err: error }, 'error while stopping the Slack receiver'));
      if (healthServer) await new Promise((resolve) => healthServer!.close(resolve));
      await scheduler.stop();
      await inbox.stop();
      await sender!.stop();
      await db.destroy();
      logger.info('Switchboard stopped');
    })());

  return { app, port, db, ctx, settings, sender, runner, inbox, directory, logger, stop };
}

/**
 * Why auth.test failed, in words that point at the right fix: Slack refusing the token is a token
 * problem; not reaching Slack at all (no network, DNS, proxy, timeout) or Slack failing is not.
 */
function authProblem(error: unknown, apiUrl: string): string {
  const e = error as {
    code?: string;
    data?: { error?: string };
    statusCode?: number;
    original?: { name?: string; message?: string; cause?: { code?: string; message?: string } };
  };
  if (e.code === 'slack_webapi_request_error') {
    const cause = e.original?.cause;
    const reason =
      cause?.code ??
      (e.original?.name === 'AbortError' || e.original?.name === 'TimeoutError'
        ? 'timed out'
        : (cause?.message ?? e.original?.message ?? 'no answer'));
    return `Cannot reach Slack at ${apiUrl} (auth.test: ${reason}); the token was not checked: check the network, DNS, proxy and SLACK_API_URL`;
  }
  if (e.code === 'slack_webapi_http_error') {
    return `Slack at ${apiUrl} answered auth.test with HTTP ${e.statusCode ?? '?'}; the token was not checked: try again shortly, or check SLACK_API_URL`;
  }
  const code = e.data?.error ?? (error as Error).message;
  return `Slack did not accept SLACK_BOT_TOKEN (auth.test: ${code}); check the token and SLACK_API_URL`;
}

/** A database that cannot be opened is a setting to fix, not a crash. */
function openDatabaseOrExplain(location: string): ReturnType<typeof openDatabase> {
  try {
    return openDatabase(location);
  } catch (error) {
    throw new ConfigError([
      `DATABASE_URL: cannot open the database at ${shownLocation(location)} (${(error as Error).message})`,
    ]);
  }
}

/** Connection failures (pg's network errors and PostgreSQL's refusals) that mean "fix the URL or start it". */
const UNREACHABLE_DATABASE = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  '28P01',
  '28000',
  '3D000',
]);

/**
 * A database migrated by a newer release (a rollback without restoring the backup) cannot be run by this
 * one: say so, and how to get back, instead of Kysely's "corrupted migrations" stack trace.
 */
function migrationProblem(error: unknown, path: string): unknown {
  const code = (error as { code?: unknown })?.code;
  if (typeof code === 'string' && UNREACHABLE_DATABASE.has(code))
    return new ConfigError([
      `DATABASE_URL: cannot reach PostgreSQL at ${path} (${code}: ${(error as Error).message}); check that it is running and the URL's host, port, user and database`,
    ]);
  const missing = /previously executed migration (\S+) is missing/.exec((error as Error)?.message ?? '');
  if (!missing) return error;
  return new ConfigError([
    `DATABASE_URL: the database at ${path} was migrated by a newer Switchboard (migration ${missing[1]} is not in this release): run the newer release, or restore the backup taken before the upgrade`,
  ]);
}

/** A port that cannot be listened on is a setting to fix; anything else is a real failure. */
function portProblem(error: unknown, port: number): unknown {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'EADDRINUSE')
    return new ConfigError([`PORT ${port} is already in use: stop the other process or set PORT to a free port`]);
  if (code === 'EACCES')
    return new ConfigError([`PORT ${port} needs privileges this process does not have: use a port above 1023`]);
  return error;
}
