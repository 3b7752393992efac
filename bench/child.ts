import { monitorEventLoopDelay } from 'node:perf_hooks';
import { memoryOf, resetPeak } from './lib/stats.js';
import { startAppTarget, startBareTarget, type Target, type TargetOptions } from './lib/targets.js';
import { runSweepTicks, type SweepTickOptions } from './sweep.js';
import { runReports, type ReportRunOptions } from './reports.js';

/** Entry of a bench child process (see lib/child.ts). */
let target: Target | undefined;
const loop = monitorEventLoopDelay({ resolution: 5 });
loop.enable();

const commands: Record<string, (args: any) => Promise<unknown> | unknown> = {
  ping: () => 'pong',
  memory: () => memoryOf('self'),
  resetPeak: () => resetPeak(),
  /** Event-loop delay since the last call (ms): how long ready work waited for the loop. */
  loopDelay: () => {
    const out = { p50: loop.percentile(50) / 1e6, p99: loop.percentile(99) / 1e6, max: loop.max / 1e6 };
    loop.reset();
    return out;
  },
  startApp: async (args: TargetOptions) => {
    target = await startAppTarget(args);
    return { port: target.port, pid: process.pid };
  },
  startBare: async (args: TargetOptions) => {
    target = await startBareTarget(args);
    return { port: target.port, pid: process.pid };
  },
  /** Delivers whatever the app's outbox can deliver now (used between phases). */
  flush: async () => target?.sb?.sender.flush(),
  stopTarget: async () => {
    await target?.stop();
    target = undefined;
  },
  sweep: (args: SweepTickOptions) => runSweepTicks(args),
  reports: (args: ReportRunOptions) => runReports(args),
  exit: async () => {
    await target?.stop();
    target = undefined;
    setImmediate(() => process.exit(0));
  },
};

process.on('message', async (message: { id: number; cmd: string; args: unknown }) => {
  try {
    const run = commands[message.cmd];
    if (!run) throw new Error(`unknown bench command ${message.cmd}`);
    const value = await run(message.args);
    process.send!({ id: message.id, ok: true, value });
  } catch (error) {
    process.send!({ id: message.id, ok: false, error: (error as Error).stack ?? String(error) });
  }
});
process.on('disconnect', () => process.exit(0));
