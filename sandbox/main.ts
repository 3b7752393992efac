import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { ConfigError, startSwitchboard, type Switchboard } from '../src/bootstrap.js';
import { areas } from '../commands/index.js';
import { COMMANDS } from '../views/ids.js';
import { FakeSlack } from '../test/fake-slack/server.js';
import { SlackRequests } from '../test/support/slack-requests.js';
import { runDemo } from './demo.js';
import { paint } from './render.js';
import { SandboxSession, type SandboxIo } from './session.js';
import { CHANNELS, defaultWorld, PEOPLE } from './world.js';

/**
 * `npm run sandbox`: the real Switchboard (same start-up as `npm start`) against an in-process Slack
 * stand-in, with an embedded SQLite file, driven from the terminal. Flags:
 *   --fresh          start from an empty database
 *   --db PATH        where the database lives (default ./data/sandbox.db)
 *   --config PATH    settings file (default sandbox/config.yml)
 *   --demo           play the demo day right after start-up
 *   --no-color       plain output
 */
const here = dirname(fileURLToPath(import.meta.url));

interface Flags {
  fresh: boolean;
  db: string;
  config: string;
  demo: boolean;
  color: boolean;
}

function parseFlags(argv: string[]): Flags {
  const flags: Flags = { fresh: false, db: 'data/sandbox.db', config: resolve(here, 'config.yml'), demo: false, color: Boolean(process.stdout.isTTY) && !process.env.NO_COLOR };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--fresh') flags.fresh = true;
    else if (arg === '--demo') flags.demo = true;
    else if (arg === '--no-color') flags.color = false;
    else if (arg === '--db' && argv[i + 1]) flags.db = argv[++i]!;
    else if (arg === '--config' && argv[i + 1]) flags.config = argv[++i]!;
    else {
      process.stderr.write(`Unknown option ${arg}. Options: --fresh, --db PATH, --config PATH, --demo, --no-color\n`);
      process.exit(2);
    }
  }
  return flags;
}

/** Which area answers each slash command; a command whose area is not built in is "not available". */
const AREA_OF_COMMAND: Record<string, string> = {
  [COMMANDS.itHelp]: 'tickets',
  [COMMANDS.incident]: 'incidents',
  [COMMANDS.change]: 'changes',
  [COMMANDS.itops]: 'reports',
};

function commandAvailable(command: string): boolean {
  const area = AREA_OF_COMMAND[command];
  return !area || areas.some((a) => a.name === area);
}

/** Lines from stdin, one at a time, whether it is a terminal or a pipe. */
function terminalIo(color: boolean): { io: SandboxIo; close(): void; onInterrupt(handler: () => void): void } {
  const input = process.stdin;
  const output = process.stdout;
  const terminal = Boolean(input.isTTY && output.isTTY);
  const rl = createInterface({ input, output, terminal });
  const queued: string[] = [];
  const waiting: ((line: string | undefined) => void)[] = [];
  let ended = false;
  let prompting = false;
  rl.on('line', (line) => {
    const next = waiting.shift();
    if (next) next(line);
    else queued.push(line);
  });
  rl.on('close', () => {
    ended = true;
    for (const next of waiting.splice(0)) next(undefined);
  });
  const io: SandboxIo = {
    print(text) {
      if (prompting && terminal) {
        output.write('\r\x1b[K');
        output.write(`${text}\n`);
        rl.prompt(true);
      } else {
        output.write(`${text}\n`);
      }
    },
    ask(prompt) {
      rl.setPrompt(color ? paint(prompt, 'bold', true) : prompt);
      // From a pipe nothing is echoed: write the prompt and the answer as one transcript line.
      const echo = (line: string | undefined) => {
        if (!terminal) output.write(`${prompt}${line ?? ''}\n`);
        return line;
      };
      if (queued.length > 0) return Promise.resolve(echo(queued.shift()));
      if (ended) return Promise.resolve(undefined);
      prompting = true;
      if (terminal) rl.prompt();
      return new Promise((resolveLine) =>
        waiting.push((line) => {
          prompting = false;
          resolveLine(echo(line));
        }),
      );
    },
  };
  return { io, close: () => rl.close(), onInterrupt: (handler) => rl.on('SIGINT', handler) };
}

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2));
  const dbPath = resolve(flags.db);
  if (flags.fresh) for (const suffix of ['', '-wal', '-shm']) rmSync(`${dbPath}${suffix}`, { force: true });
  const existed = existsSync(dbPath);
  mkdirSync(dirname(dbPath), { recursive: true });
  const logPath = dbPath.replace(/\.db$/, '') + '.log';
  const logger = pino({ level: process.env.LOG_LEVEL ?? 'info', base: { app: 'switchboard' } }, pino.destination({ dest: logPath, sync: true }));

  const fake = await new FakeSlack().start();
  const signingSecret = randomBytes(24).toString('hex');
  let sb: Switchboard;
  try {
    sb = await startSwitchboard({
      env: {
        SLACK_BOT_TOKEN: 'xoxb-sandbox-token',
        SLACK_SIGNING_SECRET: signingSecret,
        SLACK_API_URL: fake.apiUrl,
        DATABASE_URL: `file:${dbPath}`,
        ITOPS_CONFIG: resolve(flags.config),
        PORT: '0',
        LOG_LEVEL: process.env.LOG_LEVEL ?? 'info',
      },
      logger,
      outboxPollMs: 100,
    });
  } catch (error) {
    await fake.stop();
    if (error instanceof ConfigError) {
      process.stderr.write(`The sandbox cannot start:\n${error.problems.map((p) => `  - ${p}`).join('\n')}\n`);
      process.exit(1);
    }
    throw error;
  }

  const terminal = terminalIo(flags.color);
  const slack = new SlackRequests(`http://127.0.0.1:${sb.port}`, signingSecret, fake.baseUrl, 'TSANDBOX');
  const session = new SandboxSession({
    fake,
    slack,
    world: defaultWorld(),
    io: terminal.io,
    color: flags.color,
    timeZone: sb.settings.timezone,
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

  let stopping = false;
  const shutdown = async (code = 0) => {
    if (stopping) return;
    stopping = true;
    session.stopWatching();
    terminal.close();
    await sb.stop().catch(() => undefined);
    await fake.stop().catch(() => undefined);
    process.stdout.write('Bye. Your data stays in ' + flags.db + ' (start with --fresh to begin again).\n');
    process.exit(code);
  };
  terminal.onInterrupt(() => void shutdown());
  process.once('SIGTERM', () => void shutdown());

  const b = (s: string) => paint(s, 'bold', flags.color);
  terminal.io.print(
    [
      b('Switchboard sandbox') + ` — the real app against a pretend Slack, database ${flags.db}${existed ? ' (kept from last time)' : ' (new)'}, logs in ${logPath.replace(`${process.cwd()}/`, '')}.`,
      `Commands: ${Object.values(COMMANDS).filter(commandAvailable).join(' ')}${Object.values(COMMANDS).some((c) => !commandAvailable(c)) ? ` (not in this build: ${Object.values(COMMANDS).filter((c) => !commandAvailable(c)).join(' ')})` : ''}`,
      `You are @rita (an employee) in #general. Try ${b('/it-help printer on 3rd floor jams')}, ${b('/demo')} for a guided day, or ${b('/help')}.`,
      'READY',
    ].join('\n'),
  );
  session.startWatching();
  if (flags.demo) await runDemo(session);

  for (;;) {
    const line = await terminal.io.ask(session.prompt());
    if (line === undefined) break;
    try {
      if ((await session.handle(line)) === 'quit') break;
    } catch (error) {
      terminal.io.print(paint(`Something went wrong: ${error instanceof Error ? error.message : String(error)}`, 'red', flags.color));
    }
  }
  // Let background deliveries finish printing before leaving.
  await session.settle();
  session.collect();
  await shutdown();
}

await main();
