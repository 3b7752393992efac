import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FakeSlack } from '../devkit/fake-slack/server.js';
import { memoryOf, median, target, type TargetResult } from './lib/stats.js';
import { appEnv } from './lib/targets.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

export interface StartupOptions {
  runs: number;
  /** Also build (npm run build) and time `node dist/src/index.js`, the production start. */
  build: boolean;
  /** Idle time before reading RSS. */
  idleMs?: number;
}

export interface StartupMode {
  mode: 'tsx' | 'dist';
  command: string;
  /** ms from spawn until /healthz answered 200; the first run on a new database (migrations run). */
  runsMs: number[];
  idleRssMb: number[];
  buildMs?: number;
}

export interface StartupResult {
  modes: StartupMode[];
  targets: TargetResult[];
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}

async function healthy(port: number): Promise<boolean> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/healthz`);
    return res.status === 200;
  } catch {
    return false;
  }
}

/** Start-up time (spawn → /healthz 200) and idle RSS of `npm start`'s process against the fake Slack. */
export async function benchStartup(options: StartupOptions): Promise<StartupResult> {
  const fake = await new FakeSlack().start();
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-bench-start-'));
  const modes: StartupMode[] = [];
  try {
    const plans: { mode: StartupMode['mode']; args: string[]; buildMs?: number }[] = [
      { mode: 'tsx', args: ['--import', 'tsx', 'src/index.ts'] },
    ];
    if (options.build) {
      const started = performance.now();
      execFileSync('npm', ['run', '--silent', 'build'], { cwd: ROOT, stdio: 'inherit' });
      const buildMs = performance.now() - started;
      if (existsSync(join(ROOT, 'dist/src/index.js')))
        plans.push({ mode: 'dist', args: ['dist/src/index.js'], buildMs });
    }
    for (const plan of plans) {
      const dbPath = join(dir, `${plan.mode}.db`);
      const runsMs: number[] = [];
      const idleRssMb: number[] = [];
      for (let run = 0; run < options.runs; run++) {
        const port = await freePort();
        const env = { ...process.env, ...appEnv(fake.apiUrl, dbPath), PORT: String(port), LOG_LEVEL: 'warn' };
        const started = performance.now();
        const proc = spawn(process.execPath, plan.args, { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'inherit'] });
        const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
        let up = false;
        while (!up && proc.exitCode === null && performance.now() - started < 60_000) {
          up = await healthy(port);
          if (!up) await new Promise((r) => setTimeout(r, 10));
        }
        if (!up) throw new Error(`${plan.mode}: /healthz did not answer within 60 s (exit ${proc.exitCode})`);
        runsMs.push(performance.now() - started);
        await new Promise((r) => setTimeout(r, options.idleMs ?? 2000));
        idleRssMb.push(memoryOf(proc.pid!).rssMb);
        proc.kill('SIGTERM');
        await exited;
      }
      modes.push({ mode: plan.mode, command: `node ${plan.args.join(' ')}`, runsMs, idleRssMb, buildMs: plan.buildMs });
    }
  } finally {
    await fake.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  const targets = modes.map((m) => target(`idle RSS (${m.command}) < 300 MB`, median(m.idleRssMb), 300, 'MB'));
  return { modes, targets };
}
