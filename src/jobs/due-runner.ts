import type { Clock } from '../clock.js';
import type { Db } from '../../db/schema.js';
import type { Logger } from '../logger.js';
import { claimDue, dueNow, postponeDue, setDueOutcome } from '../../db/queries/due-items.js';
import type { DueHandler } from '../services/context.js';

const BATCH = 200;
const RETRY_BROKEN_AFTER_MS = 60_000;

export class DueRunner {
  private running: Promise<number> | undefined;

  constructor(
    private readonly deps: {
      db: Db;
      clock: Clock;
      logger: Logger;
      handlers: Record<string, DueHandler>;
      afterCommit(): void;
    },
  ) {}

  /**
   * One sweep: everything due by now, oldest first. Overlapping calls share the sweep in progress
   * rather than starting a second one. After downtime, an overdue item fires once, late; handlers that
   * repeat (update reminders) schedule their next point from `now`, so a long outage gives one catch-up,
   * not a burst.
   */
  sweep(): Promise<number> {
    if (!this.running) {
      this.running = this.sweepOnce().finally(() => {
        this.running = undefined;
      });
    }
    return this.running;
  }

  private async sweepOnce(): Promise<number> {
    const { db, clock, logger, handlers } = this.deps;
    let fired = 0;
    for (;;) {
      const now = clock.now();
      const items = await dueNow(db, now, BATCH);
      for (const item of items) {
        const handler = handlers[item.kind];
        try {
          await db.transaction().execute(async (trx) => {
            if (!(await claimDue(trx, item.id, now))) return;
            const outcome = handler
              ? await handler(trx, { ...item, data: JSON.parse(item.payload) }, now)
              : `no handler for ${item.kind}`;
            if (outcome) await setDueOutcome(trx, item.id, outcome);
            fired += 1;
          });
        } catch (error) {
          // The claim rolled back with the failure; try again later instead of spinning on it.
          logger.error({ err: error, due: item.id, kind: item.kind }, 'due item handler failed');
          await postponeDue(
            db,
            item.id,
            now.getTime() + RETRY_BROKEN_AFTER_MS,
            `error: ${(error as Error).message}`.slice(0, 500),
          );
        }
      }
      if (items.length < BATCH) break;
    }
    if (fired > 0) this.deps.afterCommit();
    return fired;
  }
}
