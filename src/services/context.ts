import type { Transaction } from 'kysely';
import type { Clock } from '../clock.js';
import type { Settings } from '../config/settings.js';
import type { Database, Db } from '../../db/schema.js';
import type { Logger } from '../logger.js';
import type { DueItemRow } from '../../db/queries/due-items.js';

export type Trx = Transaction<Database>;

/**
 * A handler acts on one due item inside the transaction that marks it done, so its outbox rows and
 * follow-up due rows commit with the claim: fired once, never twice, never lost. It returns a short
 * outcome for the record ("reminded", "skipped: resolved"). Use cases provide them; src/jobs runs them.
 */
export type DueHandler = (
  trx: Trx,
  item: DueItemRow & { data: Record<string, unknown> },
  now: Date,
) => Promise<string | void>;

/** What every use case needs; built once in the composition root. */
export interface ServiceContext {
  db: Db;
  clock: Clock;
  settings: Settings;
  logger: Logger;
  /** Tells the outbox sender new rows are waiting (it also polls, so this is only about latency). */
  wakeOutbox(): void;
}

/** Who did something, with the name shown at the time (audit evidence keeps both). */
export interface Actor {
  id: string;
  name?: string | null;
}

/**
 * Runs a use case in one transaction: its state change, audit rows, due rows and outbox rows commit
 * together or not at all. `now` is read once so every timestamp of the change agrees.
 */
export async function transact<T>(ctx: ServiceContext, work: (trx: Trx, now: Date) => Promise<T>): Promise<T> {
  const now = ctx.clock.now();
  const result = await ctx.db.transaction().execute((trx) => work(trx, now));
  ctx.wakeOutbox();
  return result;
}

/** A refusal or failure a person is told about; the shell renders `message` ephemerally or inline. */
export type Outcome<T> = { ok: true; value: T } | { ok: false; message: string; field?: string };
export const ok = <T>(value: T): Outcome<T> => ({ ok: true, value });
export const refuse = (message: string, field?: string): Outcome<never> => ({ ok: false, message, field });
