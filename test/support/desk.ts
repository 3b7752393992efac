import { FakeClock } from '../../src/clock.js';
import { silentLogger } from '../../src/logger.js';
import { DueRunner } from '../../src/jobs/due-runner.js';
import { openTestDatabase } from './database.js';
import { migrateToLatest } from '../../db/migrate.js';
import type { Db } from '../../db/schema.js';
import { parseSettings } from '../../src/config/load.js';
import type { Settings } from '../../src/config/settings.js';
import type { ServiceContext } from '../../src/services/context.js';
import { ticketDueHandlers } from '../../src/services/tickets/jobs.js';
import { incidentDueHandlers } from '../../src/services/incidents/index.js';
import { changeDueHandlers } from '../../src/services/changes/reminders.js';
import type { TicketInput } from '../../views/tickets/parse.js';
import type { Priority } from '../../src/domain/tickets/priority.js';

/**
 * The real use cases on an in-memory database with a fake clock: what the SLA regression tests and
 * the replay oracle drive. `runUntil` moves the clock to each due item's instant in turn and sweeps,
 * so reminders and breaches fire exactly when they are due, as the one-second sweep would.
 */
export interface Desk {
  ctx: ServiceContext;
  db: Db;
  clock: FakeClock;
  settings: Settings;
  runUntil(at: number): Promise<void>;
  close(): Promise<void>;
}

export async function openDesk(settingsInput: Record<string, unknown>, start: string | number): Promise<Desk> {
  const parsed = parseSettings(settingsInput);
  if (!parsed.ok) throw new Error(parsed.problems.join('\n'));
  const settings = parsed.value;
  const opened = await openTestDatabase();
  const db = opened.db;
  await migrateToLatest(db);
  const clock = new FakeClock(new Date(start));
  const ctx: ServiceContext = { db, clock, settings, logger: silentLogger, wakeOutbox: () => {} };
  const runner = new DueRunner({
    db,
    clock,
    logger: silentLogger,
    handlers: { ...ticketDueHandlers(ctx), ...incidentDueHandlers(ctx), ...changeDueHandlers(ctx) },
    afterCommit: () => {},
  });
  async function runUntil(at: number): Promise<void> {
    for (let i = 0; i < 100_000; i++) {
      const next = await db
        .selectFrom('due_items')
        .select('due_at')
        .where('status', '=', 'pending')
        .where('due_at', '<=', at)
        .orderBy('due_at')
        .limit(1)
        .executeTakeFirst();
      if (!next) break;
      if (Number(next.due_at) > clock.now().getTime()) clock.set(new Date(Number(next.due_at)));
      await runner.sweep();
    }
    if (at > clock.now().getTime()) clock.set(new Date(at));
  }
  return { ctx, db, clock, settings, runUntil, close: () => opened.close() };
}

/** Impact and urgency that the ITIL matrix maps to each priority. */
const LEVELS_FOR: Record<Priority, Pick<TicketInput, 'impact' | 'urgency'>> = {
  P1: { impact: 'high', urgency: 'high' },
  P2: { impact: 'high', urgency: 'medium' },
  P3: { impact: 'high', urgency: 'low' },
  P4: { impact: 'medium', urgency: 'low' },
};

export function ticketInput(priority: Priority, over: Partial<TicketInput> = {}): TicketInput {
  return {
    summary: 'Printer jams',
    details: '',
    category: 'hardware',
    service: null,
    attachmentUrl: null,
    ...LEVELS_FOR[priority],
    ...over,
  };
}
