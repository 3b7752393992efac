import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import pino from 'pino';
import { ConfigError } from '../src/bootstrap.js';
import { COMMANDS } from '../views/ids.js';
import { runDemo } from './demo.js';
import { paint } from './render.js';
import type { SandboxIo } from './session.js';
import { commandAvailable, DEFAULT_CONFIG, startSandbox, type Sandbox } from './start.js';

/**
 * `npm run sandbox`: the real Switchboard (same start-up as `npm start`) against an in-process Slack
 * stand-in, with an embedded SQLite file, driven from the terminal. Flags:
 *   --fresh          start from an empty database
 *   --db PATH        where the database lives (default ./data/sandbox.db)
 *   --config PATH    settings file (default sandbox/config.yml)
 *   --demo           play the demo day right after start-up
 *   --no-color       plain output
 */
interface Flags {
  fresh: boolean;
  db: string;
  config: string;
  demo: boolean;
  color: boolean;
}

function parseFlags(argv: string[]): Flags {
  const flags: Flags = {
    fresh: false,
    db: 'data/sandbox.db',
    config: DEFAULT_CONFIG,
    demo: false,
    color: Boolean(process.stdout.isTTY) && !process.env.NO_COLOR,
  };
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
        output.write(`${prompting ? '\n' : ''}${text}\n`);
      }
    },
    ask(prompt) {
      rl.setPrompt(color ? paint(prompt, 'bold', true) : prompt);
      // From a pipe nothing is echoed: the transcript shows the prompt, then the answer on the same line.
      if (!terminal) output.write(prompt);
      const echo = (line: string | undefined) => {
        if (!terminal) output.write(`${line ?? ''}\n`);
        return line;
      };
      if (queued.length > 0) return Promise.resolve(echo(queued.shift()));
      if (ended) return Promise.resolve(echo(undefined));
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
  const logger = pino(
    { level: process.env.LOG_LEVEL ?? 'info', base: { app: 'switchboard' } },
    pino.destination({ dest: logPath, sync: true }),
  );

  const terminal = terminalIo(flags.color);
  let sandbox: Sandbox;
  try {
    sandbox = await startSandbox({ dbPath, configPath: flags.config, io: terminal.io, logger, color: flags.color });
  } catch (error) {
    terminal.close();
    if (error instanceof ConfigError) {
      process.stderr.write(`The sandbox cannot start:\n${error.problems.map((p) => `  - ${p}`).join('\n')}\n`);
      process.exit(1);
    }
    throw error;
  }
  const { session } = sandbox;

  let stopping = false;
  const shutdown = async (code = 0) => {
    if (stopping) return;
    stopping = true;
    terminal.close();
    await sandbox.stop();
    process.stdout.write('Bye. Your data stays in ' + flags.db + ' (start with --fresh to begin again).\n');
    process.exit(code);
  };
  terminal.onInterrupt(() => void shutdown());
  process.once('SIGTERM', () => void shutdown());

  const b = (s: string) => paint(s, 'bold', flags.color);
  terminal.io.print(
    [
      b('Switchboard sandbox') +
        ` — the real app against a pretend Slack, database ${flags.db}${existed ? ' (kept from last time)' : ' (new)'}, logs in ${logPath.replace(`${process.cwd()}/`, '')}.`,
      `Commands: ${Object.values(COMMANDS).filter(commandAvailable).join(' ')}${
        Object.values(COMMANDS).some((c) => !commandAvailable(c))
          ? ` (not in this build: ${Object.values(COMMANDS)
              .filter((c) => !commandAvailable(c))
              .join(' ')})`
          : ''
      }`,
      existed
        ? 'Tickets and records from last time are still there; their old Slack messages are not shown again.'
        : '',
      `You are @rita (an employee) in #general. Try ${b('/it-help printer on 3rd floor jams')}, ${b('/demo')} for a guided day, or ${b('/help')}.`,
    ]
      .filter(Boolean)
      .join('\n'),
  );
  session.startWatching();
  if (flags.demo) await runDemo(session);

  for (;;) {
    const line = await terminal.io.ask(session.prompt());
    if (line === undefined) break;
    try {
      if ((await session.handle(line)) === 'quit') break;
    } catch (error) {
      terminal.io.print(
        paint(`Something went wrong: ${error instanceof Error ? error.message : String(error)}`, 'red', flags.color),
      );
    }
  }
  // Let background deliveries finish printing before leaving.
  await session.settle();
  session.collect();
  await shutdown();
}

await main();
