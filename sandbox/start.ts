import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startSwitchboard, type Switchboard } from '../src/bootstrap.js';
import type { Logger } from '../src/logger.js';
import { areas } from '../commands/index.js';
import { COMMANDS } from '../views/ids.js';
import { FakeSlack } from '../devkit/fake-slack/server.js';
import { SlackRequests } from '../devkit/slack-requests.js';
import { runDemo } from './demo.js';
import { SandboxSession, type SandboxIo } from './session.js';
import { CHANNELS, defaultWorld, PEOPLE } from './world.js';

/** The sandbox's settings file: the pretend company's channels and roles, second-scale timers. */
export const DEFAULT_CONFIG = resolve(dirname(fileURLToPath(import.meta.url)), 'config.yml');

/** Which area answers each slash command; a command whose area is not built in is "not available". */
const AREA_OF_COMMAND: Record<string, string> = {
  [COMMANDS.itHelp]: 'tickets',
  [COMMANDS.incident]: 'incidents',
  [COMMANDS.change]: 'changes',
  [COMMANDS.itops]: 'reports',
};

export function commandAvailable(command: string): boolean {
  const area = AREA_OF_COMMAND[command];
  return !area || areas.some((a) => a.name === area);
}

export interface SandboxOptions {
  /** SQLite file (or ':memory:'). */
  dbPath: string;
  configPath?: string;
  io: SandboxIo;
  logger: Logger;
  color?: boolean;
  /** Where uploaded files are saved; default `sandbox-files/` beside the database (a temporary folder for ':memory:'). */
  filesDir?: string;
  /** Opens a saved file; default the desktop's viewer. */
  openFile?: (path: string) => void;
}

export interface Sandbox {
  session: SandboxSession;
  switchboard: Switchboard;
  fake: FakeSlack;
  stop(): Promise<void>;
}

/**
 * Starts the Slack stand-in and the real app wired to it (the app only learns SLACK_API_URL and a
 * signing secret), then a session as @rita in #general. Throws ConfigError like `npm start`.
 */
export async function startSandbox(options: SandboxOptions): Promise<Sandbox> {
  const fake = await new FakeSlack().start();
  const signingSecret = randomBytes(24).toString('hex');
  let sb: Switchboard;
  try {
    sb = await startSwitchboard({
      env: {
        SLACK_BOT_TOKEN: 'xoxb-sandbox-token',
        SLACK_SIGNING_SECRET: signingSecret,
        SLACK_API_URL: fake.apiUrl,
        DATABASE_URL: options.dbPath === ':memory:' ? ':memory:' : `file:${options.dbPath}`,
        ITOPS_CONFIG: resolve(options.configPath ?? DEFAULT_CONFIG),
        PORT: '0',
        LOG_LEVEL: options.logger.level,
      },
      logger: options.logger,
      outboxPollMs: 100,
    });
  } catch (error) {
    await fake.stop();
    throw error;
  }
  const slack = new SlackRequests(`http://127.0.0.1:${sb.port}`, signingSecret, fake.baseUrl, 'TSANDBOX');
  const session = new SandboxSession({
    fake,
    slack,
    world: defaultWorld(),
    io: options.io,
    color: options.color,
    timeZone: sb.settings.timezone,
    filesDir:
      options.filesDir ??
      (options.dbPath === ':memory:'
        ? join(tmpdir(), 'switchboard-sandbox-files')
        : join(dirname(options.dbPath), 'sandbox-files')),
    openFile: options.openFile,
    available: commandAvailable,
    user: PEOPLE.rita.id,
    channel: CHANNELS.general.id,
    pendingWork: async () => {
      const row = await sb.db
        .selectFrom('outbox')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('status', '=', 'pending')
        .where('next_attempt_at', '<=', Date.now())
        .executeTakeFirst();
      return Number(row?.n ?? 0);
    },
  });
  session.extraCommands.set('/demo', async () => {
    await runDemo(session);
  });
  let stopped: Promise<void> | undefined;
  return {
    session,
    switchboard: sb,
    fake,
    stop: () =>
      (stopped ??= (async () => {
        session.stopWatching();
        await sb.stop().catch(() => undefined);
        await fake.stop().catch(() => undefined);
      })()),
  };
}
