import cron, { type ScheduledTask } from 'node-cron';
import type { Logger } from '../logger.js';

/** A named cron job: when it runs and which use case it calls; no logic of its own. */
export interface JobDefinition {
  name: string;
  cron: string;
  run(): Promise<unknown>;
}

export class Scheduler {
  private tasks: ScheduledTask[] = [];
  private inFlight = new Set<Promise<unknown>>();

  constructor(private readonly deps: { logger: Logger; timezone: string }) {}

  start(jobs: JobDefinition[]): void {
    for (const job of jobs) {
      const task = cron.schedule(
        job.cron,
        async () => {
          const run = job
            .run()
            .catch((error: unknown) => this.deps.logger.error({ err: error, job: job.name }, 'job failed'));
          this.inFlight.add(run);
          await run;
          this.inFlight.delete(run);
        },
        // noOverlap: a tick that starts while the previous one still runs is skipped, not stacked.
        { name: job.name, timezone: this.deps.timezone, noOverlap: true },
      );
      this.tasks.push(task);
    }
  }

  /** Stops ticking and waits for runs in progress. */
  async stop(): Promise<void> {
    for (const task of this.tasks) await task.destroy();
    this.tasks = [];
    await Promise.all(this.inFlight);
  }
}
