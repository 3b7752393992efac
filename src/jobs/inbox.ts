import type { Clock } from '../clock.js';
import type { Db } from '../../db/schema.js';
import type { Logger } from '../logger.js';
import {
  failInboxItem,
  findInboxItem,
  firstReceipt,
  pendingInbox,
  receive,
  retryInboxItem,
  type InboxRow,
  type NewInboxItem,
} from '../../db/queries/receipts.js';
import { sendDirectMessage } from '../services/outbox.js';
import type { Outcome } from '../services/context.js';

/** A stored request with its payload; `T` is what the kind's own listener stored before its ack. */
export type InboxItem<T = unknown> = InboxRow & { data: T };

/**
 * Processes one kind of stored request. `run` does the work after the ack; the use case it calls
 * marks `item.key` processed in the transaction of its effect (firstReceipt), so a request is acted
 * on once however often it is processed. A refusal is told to the person; a throw is retried.
 */
export interface InboxHandler<T = unknown> {
  run(item: InboxItem<T>, extra?: Record<string, unknown>): Promise<Outcome<unknown> | void>;
  /** What the person is told if the request finally fails (undefined: nobody is told). */
  failureText?(item: InboxItem<T>): string | undefined;
  /** How a refusal reads for the person (default: the refusal's own message). */
  refusalText?(item: InboxItem<T>, message: string): string | undefined;
}

export const MAX_INBOX_ATTEMPTS = 6;
const FIRST_RETRY_MS = 5_000;
const MAX_RETRY_MS = 5 * 60_000;
const BATCH = 100;
const SWEEP_CONCURRENCY = 8;

const DEFAULT_FAILURE_TEXT =
  ':warning: Sorry, Switchboard could not finish what you sent (Slack or Switchboard kept failing), so nothing was recorded. Please try again.';

/**
 * The inbox: what Slack asked for is stored (one insert) before the ack, processed right after it,
 * and again by the sweep (at start-up and on the due-sweep tick) until it is processed or has failed
 * for good. Back-off between attempts: 5 s, 10 s, 20 s … up to 5 minutes, MAX_INBOX_ATTEMPTS in all.
 */
export class Inbox {
  private readonly handlers = new Map<string, InboxHandler>();
  private readonly inFlight = new Map<string, Promise<void>>();
  private running: Promise<number> | undefined;
  private stopped = false;

  constructor(private readonly deps: { db: Db; clock: Clock; logger: Logger; afterCommit(): void }) {}

  /**
   * The handler of one kind. `T` is the payload that kind's listener stores with `receive`: rows of a
   * kind are written only by that listener, before its ack, so the payload read back has its shape.
   */
  handle<T>(kind: string, handler: InboxHandler<T>): void {
    if (this.handlers.has(kind)) throw new Error(`inbox kind ${kind} has two handlers`);
    this.handlers.set(kind, handler as InboxHandler);
  }

  /** The one small insert before an ack; false if this delivery was stored before. */
  receive(item: NewInboxItem): Promise<boolean> {
    return receive(this.deps.db, item, this.deps.clock.now());
  }

  /** Whether this delivery was stored (or processed) before. */
  async seen(key: string): Promise<boolean> {
    return (await findInboxItem(this.deps.db, key)) !== undefined;
  }

  /** Processes one stored request now, unless it is already being processed here or is done. */
  process(key: string, extra?: Record<string, unknown>): Promise<void> {
    const current = this.inFlight.get(key);
    if (current) return current;
    const run = this.processOnce(key, extra).finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, run);
    return run;
  }

  /** Everything pending and due, oldest first; overlapping calls share the sweep in progress. */
  sweep(): Promise<number> {
    if (this.stopped) return Promise.resolve(0);
    this.running ??= this.sweepOnce().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  /** Waits for work in progress; no new sweep starts afterwards. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.running?.catch(() => undefined);
    await Promise.allSettled([...this.inFlight.values()]);
  }

  private async sweepOnce(): Promise<number> {
    let processed = 0;
    const seen = new Set<string>();
    for (;;) {
      const rows = (await pendingInbox(this.deps.db, this.deps.clock.now(), BATCH)).filter((r) => !seen.has(r.key));
      if (rows.length === 0 || this.stopped) break;
      for (const row of rows) seen.add(row.key);
      // A few at a time: each may wait on Slack, none waits on another.
      let next = 0;
      const worker = async () => {
        while (next < rows.length && !this.stopped) {
          await this.process(rows[next++]!.key);
          processed += 1;
        }
      };
      await Promise.all(Array.from({ length: Math.min(SWEEP_CONCURRENCY, rows.length) }, worker));
    }
    return processed;
  }

  private async processOnce(key: string, extra?: Record<string, unknown>): Promise<void> {
    const { db, clock, logger } = this.deps;
    const row = await findInboxItem(db, key);
    if (!row || row.processed_at !== null || row.failed_at !== null) return;
    const handler = this.handlers.get(row.kind);
    if (!handler) {
      logger.error({ key, kind: row.kind }, 'no handler for a stored request');
      await failInboxItem(db, key, row.attempts, clock.now(), `no handler for ${row.kind}`);
      return;
    }
    const item: InboxItem = { ...row, data: row.payload === null ? null : JSON.parse(row.payload) };
    let outcome: Outcome<unknown> | void;
    try {
      outcome = await handler.run(item, extra);
    } catch (error) {
      await this.failedAttempt(item, handler, error);
      return;
    }
    // Done (the use case marked it), refused, or nothing to do: mark it, and tell a refusal once.
    await db.transaction().execute(async (trx) => {
      const now = clock.now();
      if (!(await firstReceipt(trx, key, now))) return;
      if (outcome && !outcome.ok && item.user_id) {
        const text = handler.refusalText ? handler.refusalText(item, outcome.message) : outcome.message;
        if (text) await sendDirectMessage(trx, now, item.user_id, { text, dedupeKey: `inbox:${key}:refused` });
      }
    });
    this.deps.afterCommit();
  }

  private async failedAttempt(item: InboxItem, handler: InboxHandler, error: unknown): Promise<void> {
    const { db, clock, logger } = this.deps;
    const attempts = item.attempts + 1;
    const message = error instanceof Error ? error.message : String(error);
    const now = clock.now();
    if (attempts < MAX_INBOX_ATTEMPTS) {
      logger.warn({ err: error, key: item.key, attempts }, 'a stored request failed; it will be retried');
      const delay = Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** (attempts - 1));
      await retryInboxItem(db, item.key, attempts, now.getTime() + delay, message);
      return;
    }
    logger.error({ err: error, key: item.key, attempts }, 'a stored request failed for good');
    await db.transaction().execute(async (trx) => {
      if (!(await failInboxItem(trx, item.key, attempts, now, message))) return;
      const text = handler.failureText ? handler.failureText(item) : DEFAULT_FAILURE_TEXT;
      if (text && item.user_id)
        await sendDirectMessage(trx, now, item.user_id, { text, dedupeKey: `inbox:${item.key}:failed` });
    });
    this.deps.afterCommit();
  }
}
