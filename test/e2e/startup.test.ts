import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import SQLite from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FakeSlack } from '../../devkit/fake-slack/server.js';
import { SlackRequests } from '../../devkit/slack-requests.js';
import { ConfigError, startSwitchboard } from '../../src/bootstrap.js';
import { silentLogger } from '../../src/logger.js';
import { parseSettings } from '../../src/config/load.js';

function testSettings(input: unknown) {
  const parsed = parseSettings(input);
  if (!parsed.ok) throw new Error(parsed.problems.join('\n'));
  return parsed.value;
}

/** The real entry point (src/index.ts, which `npm start` runs once built) as a separate process, from the TypeScript sources. */
const ROOT = resolve(import.meta.dirname, '../..');
const SECRET = 'startup-signing-secret';

interface Run {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function run(env: Record<string, string>): Run {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/index.ts'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (chunk) => (out += String(chunk)));
  child.stderr!.on('data', (chunk) => (err += String(chunk)));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
    child.on('exit', (code, signal) => done({ code, signal })),
  );
  return { child, stdout: () => out, stderr: () => err, exited };
}

function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([
    promise,
    new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms).unref(),
    ),
  ]);
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as { port: number };
  await new Promise((done) => server.close(done));
  return port;
}

const STACK_LINE = /^\s{4}at /m;

describe('starting the real entry point', () => {
  let dir: string;
  let fake: FakeSlack;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'switchboard-startup-'));
    fake = await new FakeSlack().start();
  });
  afterEach(() => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  afterAll(async () => {
    await fake.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('with an empty environment exits 1 at once, naming both secrets and where to get them, without a stack trace', async () => {
    const r = run({});
    children.push(r.child);
    const { code } = await within(r.exited, 15_000, 'exit');
    expect(code).toBe(1);
    const err = r.stderr();
    expect(err).toContain('Switchboard cannot start:');
    expect(err).toContain(
      '  - SLACK_BOT_TOKEN is not set: copy the Bot User OAuth Token (xoxb-…) from your app\'s "OAuth & Permissions" page at https://api.slack.com/apps',
    );
    expect(err).toContain(
      '  - SLACK_SIGNING_SECRET is not set: copy the Signing Secret from your app\'s "Basic Information" page at https://api.slack.com/apps',
    );
    expect(err).not.toMatch(STACK_LINE);
  });

  it('with an ITOPS_CONFIG path that does not exist exits 1 naming the path', async () => {
    const missing = join(dir, 'no-such-settings.yml');
    const r = run({
      SLACK_BOT_TOKEN: 'xoxb-test',
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_API_URL: fake.apiUrl,
      ITOPS_CONFIG: missing,
      DATABASE_URL: `file:${join(dir, 'unused.db')}`,
    });
    children.push(r.child);
    const { code } = await within(r.exited, 15_000, 'exit');
    expect(code).toBe(1);
    expect(r.stderr()).toContain(`ITOPS_CONFIG: cannot read ${missing} (ENOENT)`);
    expect(r.stderr()).not.toMatch(STACK_LINE);
    // Nothing was started: no Slack call, no database.
    expect(existsSync(join(dir, 'unused.db'))).toBe(false);
  });

  it('a misspelt settings key (chanels:) stops it at once, naming the key and the nearest valid one', async () => {
    const settings = join(dir, 'misspelt.yml');
    writeFileSync(settings, 'chanels:\n  triage: C0TRIAGE01\nroles:\n  agents: [S0DESK]\n');
    const dbPath = join(dir, 'misspelt.db');
    const authTestsBefore = fake.calls.filter((c) => c.method === 'auth.test').length;
    const r = run({
      SLACK_BOT_TOKEN: 'xoxb-test',
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_API_URL: fake.apiUrl,
      ITOPS_CONFIG: settings,
      DATABASE_URL: `file:${dbPath}`,
      PORT: '0',
    });
    children.push(r.child);
    const { code } = await within(r.exited, 15_000, 'exit');
    expect(code).toBe(1);
    expect(r.stderr()).toBe(
      `Switchboard cannot start:\n  - ${settings}: unknown setting chanels — did you mean channels?\n`,
    );
    // Refused before anything started: no database, no call to Slack.
    expect(existsSync(dbPath)).toBe(false);
    expect(fake.calls.filter((c) => c.method === 'auth.test')).toHaveLength(authTestsBefore);
  });

  it('with a made-up token and no network, says Slack cannot be reached instead of blaming the token', async () => {
    const closed = await freePort();
    const r = run({
      SLACK_BOT_TOKEN: 'xoxb-made-up',
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_API_URL: `http://127.0.0.1:${closed}/api/`,
      DATABASE_URL: ':memory:',
      PORT: '0',
    });
    children.push(r.child);
    const { code } = await within(r.exited, 15_000, 'exit');
    expect(code).toBe(1);
    expect(r.stderr()).toBe(
      `Switchboard cannot start:\n  - Cannot reach Slack at http://127.0.0.1:${closed}/api/ (auth.test: ECONNREFUSED); the token was not checked: check the network, DNS, proxy and SLACK_API_URL\n`,
    );
  });

  it('runs against Slack: /healthz answers, a signed command is accepted, SIGTERM exits 0 and leaves the database intact', async () => {
    const port = await freePort();
    const dbPath = join(dir, 'switchboard.db');
    const r = run({
      SLACK_BOT_TOKEN: 'xoxb-test',
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_API_URL: fake.apiUrl,
      PORT: String(port),
      DATABASE_URL: `file:${dbPath}`,
      LOG_LEVEL: 'warn',
    });
    children.push(r.child);
    const base = `http://127.0.0.1:${port}`;
    const authTestsBefore = fake.calls.filter((c) => c.method === 'auth.test').length;

    // Wait for /healthz (or an early exit, which fails with the child's stderr).
    let health: Response | undefined;
    for (let i = 0; i < 200 && !health; i++) {
      if (r.child.exitCode !== null) throw new Error(`exited early (${r.child.exitCode}):\n${r.stderr()}`);
      health = await fetch(`${base}/healthz`).catch(() => undefined);
      if (!health) await new Promise((done) => setTimeout(done, 50));
    }
    expect(health?.status).toBe(200);
    expect(await health!.json()).toEqual({ ok: true, database: 'ok' });
    expect(fake.calls.filter((c) => c.method === 'auth.test')).toHaveLength(authTestsBefore + 1);

    // A correctly signed slash command gets past signature checks and does not crash the app.
    const slack = new SlackRequests(base, SECRET, fake.baseUrl);
    const command = await slack.command('/it-help', 'printer on 3rd floor is jammed', { id: 'UREQ0001', name: 'rita' });
    expect([200, 404]).toContain(command.status);
    // A forged one is refused.
    const forged = await slack.command('/it-help', 'x', { id: 'UREQ0001' }, 'CGENERAL', {
      signature: 'v0=' + '0'.repeat(64),
    });
    expect(forged.status).toBe(401);

    r.child.kill('SIGTERM');
    const { code, signal } = await within(r.exited, 15_000, 'shutdown');
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    expect(r.stderr()).toContain('SIGTERM received, shutting down');
    expect(r.stderr()).not.toMatch(STACK_LINE);

    // Closed cleanly: the write-ahead log was checkpointed away and the file reads back whole.
    expect(existsSync(`${dbPath}-wal`)).toBe(false);
    const sqlite = new SQLite(dbPath, { readonly: true, fileMustExist: true });
    try {
      expect(sqlite.pragma('integrity_check', { simple: true })).toBe('ok');
      const migrations = sqlite.prepare('SELECT name FROM kysely_migration ORDER BY name').all() as { name: string }[];
      expect(migrations.map((m) => m.name)).toEqual(
        expect.arrayContaining(['2026-11-23-001-foundation', '2026-11-23-002-records']),
      );
    } finally {
      sqlite.close();
    }
  });
});

/** The same start-up, in-process: failures that are settings to fix come back as one line each. */
describe('start-up problems that are settings to fix', () => {
  let dir: string;
  let fake: FakeSlack;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'switchboard-startup-'));
    fake = await new FakeSlack().start();
  });
  afterAll(async () => {
    await fake.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  const env = (extra: Record<string, string>) => ({
    SLACK_BOT_TOKEN: 'xoxb-test',
    SLACK_SIGNING_SECRET: SECRET,
    SLACK_API_URL: fake.apiUrl,
    PORT: '0',
    ...extra,
  });

  async function problemsOf(start: Promise<unknown>): Promise<string[]> {
    const error = await start.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }

  it('a database path that cannot be opened names DATABASE_URL, the path and the reason', async () => {
    const problems = await problemsOf(
      startSwitchboard({ env: env({ DATABASE_URL: 'file:/etc/passwd/switchboard.db' }), logger: silentLogger }),
    );
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^DATABASE_URL: cannot open the database at \/etc\/passwd\/switchboard\.db \(.+\)$/);
  });

  it('a database migrated by a newer release (a rollback without restoring the backup) is refused with what to do', async () => {
    const dbPath = join(dir, 'newer.db');
    const sb = await startSwitchboard({ env: env({ DATABASE_URL: `file:${dbPath}` }), logger: silentLogger });
    await sb.stop();
    const sqlite = new SQLite(dbPath);
    sqlite
      .prepare('INSERT INTO kysely_migration (name, timestamp) VALUES (?, ?)')
      .run('2099-01-01-001-from-the-future', new Date().toISOString());
    sqlite.close();
    const problems = await problemsOf(
      startSwitchboard({ env: env({ DATABASE_URL: `file:${dbPath}` }), logger: silentLogger }),
    );
    expect(problems).toEqual([
      `DATABASE_URL: the database at ${dbPath} was migrated by a newer Switchboard (migration 2099-01-01-001-from-the-future is not in this release): run the newer release, or restore the backup taken before the upgrade`,
    ]);
  });

  it('a PORT already in use says so', async () => {
    const taken = createServer();
    await new Promise<void>((done) => taken.listen(0, done));
    const { port } = taken.address() as { port: number };
    try {
      const problems = await problemsOf(
        startSwitchboard({
          env: env({ PORT: String(port), DATABASE_URL: `file:${join(dir, 'port.db')}` }),
          logger: silentLogger,
        }),
      );
      expect(problems).toEqual([`PORT ${port} is already in use: stop the other process or set PORT to a free port`]);
    } finally {
      await new Promise((done) => taken.close(done));
    }
  });

  it('no network (nothing listening at SLACK_API_URL) blames the network, not the token', async () => {
    const closed = await freePort();
    const problems = await problemsOf(
      startSwitchboard({
        env: env({ DATABASE_URL: ':memory:', SLACK_API_URL: `http://127.0.0.1:${closed}/api/` }),
        logger: silentLogger,
      }),
    );
    expect(problems).toEqual([
      `Cannot reach Slack at http://127.0.0.1:${closed}/api/ (auth.test: ECONNREFUSED); the token was not checked: check the network, DNS, proxy and SLACK_API_URL`,
    ]);
  });

  it('a Slack that does not answer in time is a network problem too', async () => {
    fake.failNext('auth.test', { delayMs: 3000 });
    const settings = testSettings({ slack: { request_timeout: '300ms' } });
    const problems = await problemsOf(
      startSwitchboard({ env: env({ DATABASE_URL: ':memory:' }), settings, logger: silentLogger }),
    );
    expect(problems).toEqual([
      `Cannot reach Slack at ${fake.apiUrl} (auth.test: timed out); the token was not checked: check the network, DNS, proxy and SLACK_API_URL`,
    ]);
  });

  it('a Slack answering 503 is not blamed on the token', async () => {
    fake.failNext('auth.test', { status: 503 });
    const problems = await problemsOf(
      startSwitchboard({ env: env({ DATABASE_URL: ':memory:' }), logger: silentLogger }),
    );
    expect(problems).toEqual([
      `Slack at ${fake.apiUrl} answered auth.test with HTTP 503; the token was not checked: try again shortly, or check SLACK_API_URL`,
    ]);
  });

  it('a Slack that refuses the token is reported as such', async () => {
    fake.failNext('auth.test', { error: 'invalid_auth' });
    const problems = await problemsOf(
      startSwitchboard({ env: env({ DATABASE_URL: ':memory:' }), logger: silentLogger }),
    );
    expect(problems).toEqual([
      'Slack did not accept SLACK_BOT_TOKEN (auth.test: invalid_auth); check the token and SLACK_API_URL',
    ]);
  });
});

/** `npm start` runs what `npm run build` produced and never compiles; without a build it says so in one line. */
describe('npm start', () => {
  let dir: string;
  beforeAll(() => {
    // A copy of the package's scripts without its sources or node_modules: nothing could be compiled here.
    dir = mkdtempSync(join(tmpdir(), 'switchboard-npm-start-'));
    mkdirSync(join(dir, 'scripts'));
    copyFileSync(join(ROOT, 'package.json'), join(dir, 'package.json'));
    copyFileSync(join(ROOT, 'scripts/start.mjs'), join(dir, 'scripts/start.mjs'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function npm(script: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
    const child = spawn('npm', [...script, '--silent'], {
      cwd: dir,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += String(chunk)));
    child.stderr.on('data', (chunk) => (stderr += String(chunk)));
    return within(
      new Promise((done) => child.on('exit', (code) => done({ code, stdout, stderr }))),
      15_000,
      `npm ${script.join(' ')}`,
    );
  }

  it('does not build: with no dist/ it exits 1 with one line saying to run npm run build, and builds nothing', async () => {
    rmSync(join(dir, 'dist'), { recursive: true, force: true });
    const { code, stderr } = await npm(['start']);
    expect(code).toBe(1);
    expect(stderr).toBe(
      'Switchboard is not built: dist/src/index.js is missing; run `npm run build` once (after `npm ci` and after each upgrade), then `npm start` again.\n',
    );
    expect(existsSync(join(dir, 'dist'))).toBe(false);
    const migrate = await npm(['run', 'migrate']);
    expect(migrate.code).toBe(1);
    expect(migrate.stderr).toContain('dist/db/migrate.js is missing');
  });

  it('runs dist/src/index.js as it is', async () => {
    mkdirSync(join(dir, 'dist/src'), { recursive: true });
    writeFileSync(join(dir, 'dist/src/index.js'), "process.stdout.write('the built app ran\\n');\n");
    const { code, stdout, stderr } = await npm(['start']);
    expect({ code, stdout, stderr }).toEqual({ code: 0, stdout: 'the built app ran\n', stderr: '' });
  });
});
