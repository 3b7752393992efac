import { BenchChild } from './child.js';
import { memoryOf } from './stats.js';
import { startAppTarget, startBareTarget, type Target, type TargetOptions } from './targets.js';

/** A running target, in a child process (default) or in this process (smoke tests). */
export interface Launched {
  port: number;
  kind: 'app' | 'bare';
  memory(): Promise<{ rssMb: number; peakMb: number }>;
  /** Event-loop delay of the target's process since the last call (child processes only). */
  loopDelay(): Promise<LoopDelay | undefined>;
  flush(): Promise<void>;
  stop(): Promise<void>;
  /** In-process only: the target itself. */
  inline?: Target;
}

export interface LoopDelay {
  p50: number;
  p99: number;
  max: number;
}

export interface LaunchOptions {
  inline?: boolean;
  profileDir?: string;
}

export async function launch(kind: 'app' | 'bare', options: TargetOptions, how: LaunchOptions = {}): Promise<Launched> {
  if (how.inline) {
    const target = kind === 'app' ? await startAppTarget(options) : await startBareTarget(options);
    return {
      port: target.port,
      kind,
      inline: target,
      memory: async () => memoryOf('self'),
      loopDelay: async () => undefined,
      flush: async () => target.sb?.sender.flush(),
      stop: () => target.stop(),
    };
  }
  const child = await BenchChild.start({ profileDir: how.profileDir });
  const { port } = await child.call<{ port: number }>(kind === 'app' ? 'startApp' : 'startBare', options);
  return {
    port,
    kind,
    memory: () => child.call('memory'),
    loopDelay: () => child.call('loopDelay'),
    flush: () => child.call('flush'),
    stop: () => child.stop(),
  };
}
