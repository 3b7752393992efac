import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { App } from '@slack/bolt';
import { startSwitchboard, type Switchboard } from '../../src/bootstrap.js';
import { silentLogger } from '../../src/logger.js';
import type { Settings } from '../../src/config/settings.js';
import { testSettings, SIGNING_SECRET } from '../../devkit/workspace.js';

/**
 * What the load is pointed at: the real Switchboard (same bootstrap as `npm start`, HTTP mode, real
 * clock) or a bare Bolt App whose listeners only ack: the floor any Bolt app pays.
 */
export interface Target {
  port: number;
  sb?: Switchboard;
  stop(): Promise<void>;
}

export interface TargetOptions {
  fakeApiUrl: string;
  /** Database file (the app only). */
  dbPath: string;
  /** YAML-shaped overrides on top of the bench settings. */
  settings?: Record<string, any>;
}

/** Production defaults for pacing and the sweep, plus the test workspace's channels and roles. */
export function benchSettings(overrides: Record<string, any> = {}): Settings {
  return testSettings(
    deepMerge(
      { slack: { per_channel_rate: 1, per_channel_burst: 4 }, jobs: { sweep_cron: '*/5 * * * * *' } },
      overrides,
    ),
  );
}

function deepMerge(a: Record<string, any>, b: Record<string, any>): Record<string, any> {
  const out: Record<string, any> = { ...a };
  for (const [k, v] of Object.entries(b)) {
    out[k] =
      v && typeof v === 'object' && !Array.isArray(v) && a[k] && typeof a[k] === 'object' ? deepMerge(a[k], v) : v;
  }
  return out;
}

export function appEnv(fakeApiUrl: string, dbPath: string): Record<string, string> {
  return {
    SLACK_BOT_TOKEN: 'xoxb-bench-token',
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: fakeApiUrl,
    DATABASE_URL: `file:${dbPath}`,
    PORT: '0',
    LOG_LEVEL: 'silent',
  };
}

export async function startAppTarget(options: TargetOptions): Promise<Target> {
  const sb = await startSwitchboard({
    env: appEnv(options.fakeApiUrl, options.dbPath),
    settings: benchSettings(options.settings),
    logger: silentLogger,
  });
  return { port: sb.port, sb, stop: () => sb.stop() };
}

/** The floor: Bolt's HTTP receiver, signature check and routing, and an immediate ack. */
export async function startBareTarget(options: Pick<TargetOptions, 'fakeApiUrl'>): Promise<Target> {
  const app = new App({
    token: 'xoxb-bench-token',
    signingSecret: SIGNING_SECRET,
    clientOptions: { slackApiUrl: options.fakeApiUrl, retryConfig: { retries: 0 } },
    deferInitialization: true,
    logger: {
      debug() {},
      info() {},
      warn() {},
      error() {},
      setLevel() {},
      getLevel: () => 'error' as never,
      setName() {},
    },
  });
  await app.init();
  app.command('/it-help', async ({ ack }) => void (await ack()));
  app.view('ticket.file', async ({ ack }) => void (await ack()));
  app.view('ticket.confirm', async ({ ack }) => void (await ack()));
  const server = (await app.start(0)) as Server;
  return { port: (server.address() as AddressInfo).port, stop: () => app.stop() as Promise<void> };
}
