import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * Runs a piece of the benchmark in its own Node process, so its latency is not shared with the load
 * generator's event loop and its peak RSS is its own. Messages: {id, cmd, args} → {id, ok, value | error}.
 */
const CHILD_MAIN = fileURLToPath(new URL('../child.ts', import.meta.url));

export class BenchChild {
  private seq = 0;
  private readonly waiting = new Map<number, { resolve(v: any): void; reject(e: Error): void }>();
  private exited: Promise<number | null>;

  private constructor(readonly proc: ChildProcess) {
    this.exited = new Promise((resolve) => proc.once('exit', (code) => resolve(code)));
    proc.on('message', (message: { id: number; ok: boolean; value?: unknown; error?: string }) => {
      const waiter = this.waiting.get(message.id);
      if (!waiter) return;
      this.waiting.delete(message.id);
      if (message.ok) waiter.resolve(message.value);
      else waiter.reject(new Error(message.error));
    });
    proc.once('exit', (code) => {
      for (const waiter of this.waiting.values()) waiter.reject(new Error(`bench child exited (${code})`));
      this.waiting.clear();
    });
  }

  /** `profileDir`: write a V8 CPU profile (.cpuprofile) of the child there when it exits. */
  static async start(options: { profileDir?: string } = {}): Promise<BenchChild> {
    const execArgv = [
      '--import',
      'tsx',
      ...(options.profileDir ? ['--cpu-prof', '--cpu-prof-dir', options.profileDir] : []),
    ];
    const proc = fork(CHILD_MAIN, [], {
      execArgv,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      serialization: 'advanced',
    });
    const child = new BenchChild(proc);
    await child.call('ping');
    return child;
  }

  get pid(): number {
    return this.proc.pid!;
  }

  call<T = any>(cmd: string, args?: unknown): Promise<T> {
    const id = ++this.seq;
    return new Promise<T>((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.proc.send({ id, cmd, args });
    });
  }

  /** Asks the child to stop what it runs and exit (a CPU profile is written on a clean exit). */
  async stop(): Promise<void> {
    if (this.proc.exitCode !== null) return;
    await this.call('exit').catch(() => undefined);
    const timer = setTimeout(() => this.proc.kill('SIGKILL'), 15_000);
    await this.exited;
    clearTimeout(timer);
  }
}
