import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import {
  CompiledQuery,
  Kysely,
  SqliteDialect,
  type DatabaseConnection,
  type Driver,
  type QueryResult,
  type SqliteDialectConfig,
} from 'kysely';
import type { Database } from './schema.js';

export interface OpenedDatabase {
  db: Kysely<Database>;
  /** The raw handle, for health checks and closing. */
  sqlite: SQLite.Database;
  /** True while database work is waiting for another process's write lock (or did so in the last 2 s). */
  busy(): boolean;
}

/**
 * Another process held SQLite's write lock for longer than a request may wait. Nothing was written by
 * the statement or transaction that gave up; the caller tells the person, or tries again later.
 */
export class DatabaseBusyError extends Error {
  readonly code = 'SQLITE_BUSY';
  constructor(waitedMs: number) {
    super(`the database is locked by another process (waited ${waitedMs} ms)`);
    this.name = 'DatabaseBusyError';
  }
}

export const isDatabaseBusy = (error: unknown): boolean => {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_BUSY');
};

/** How long one query or transaction start waits for the write lock, from the moment it was asked for… */
export const BUSY_DEADLINE_MS = 1500;
/**
 * …or, once the database is known to be locked (busy in the last 2 s), only this long: the single
 * connection is then never held for long by writes that cannot go through, so reads (and the acks
 * that need only reads) keep flowing, and writes fail fast with a clear error.
 */
const BUSY_FAST_FAIL_MS = 50;

/** Opens (and creates) the SQLite database at `path` with the pragmas the app relies on. */
export function openDatabase(path: string): OpenedDatabase {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const sqlite = new SQLite(path);
  // WAL lets readers (reports) run while the job runner writes; NORMAL is durable across app crashes.
  if (path !== ':memory:') sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  // better-sqlite3 waits for a lock synchronously, blocking the event loop: only 2 ms of that. Longer
  // waits happen below, asynchronously, with back-off, while everything else keeps running.
  sqlite.pragma('busy_timeout = 2');
  // 32 MB of page cache (the default is 2 MB): the hot parts of a million-ticket database stay in memory.
  sqlite.pragma('cache_size = -32000');
  let busyUntil = 0;
  let waiting = 0;
  const onBusy = (state: 'waiting' | 'done') => {
    waiting += state === 'waiting' ? 1 : -1;
    busyUntil = Date.now() + 2000;
  };
  const busy = () => waiting > 0 || Date.now() < busyUntil;
  const db = new Kysely<Database>({
    dialect: new BusyAwareSqliteDialect({ database: withStatementCache(sqlite) }, onBusy, busy),
  });
  return { db, sqlite, busy };
}

/**
 * Kysely's SQLite dialect, with two changes for a database another process may lock:
 * - transactions begin IMMEDIATE, so the write lock is taken at the start (where waiting for it is
 *   safe to repeat) and never half-way through;
 * - a statement answered SQLITE_BUSY (which then did nothing) is tried again after an asynchronous
 *   back-off (5 ms, doubling, at most 100 ms) until BUSY_DEADLINE_MS after the query was asked for
 *   (queueing for the connection included), or BUSY_FAST_FAIL_MS while the lock is known to be held,
 *   then fails with DatabaseBusyError.
 */
class BusyAwareSqliteDialect extends SqliteDialect {
  constructor(
    config: SqliteDialectConfig,
    private readonly onBusy: (state: 'waiting' | 'done') => void,
    private readonly knownBusy: () => boolean,
  ) {
    super(config);
  }

  override createDriver(): Driver {
    const driver = super.createDriver();
    const onBusy = this.onBusy;
    const knownBusy = this.knownBusy;
    const wrapped = new WeakMap<DatabaseConnection, { deadline: number; connection: DatabaseConnection }>();
    const acquire = driver.acquireConnection.bind(driver);
    driver.acquireConnection = async () => {
      const askedAt = Date.now();
      const raw = await acquire();
      let entry = wrapped.get(raw);
      if (!entry) {
        const state = { deadline: 0, connection: undefined as unknown as DatabaseConnection };
        state.connection = {
          executeQuery: <R>(query: CompiledQuery): Promise<QueryResult<R>> =>
            retryWhileBusy(() => raw.executeQuery<R>(query), state.deadline, onBusy),
          streamQuery: raw.streamQuery.bind(raw),
        };
        entry = state;
        wrapped.set(raw, entry);
      }
      entry.deadline = knownBusy()
        ? Math.max(askedAt + BUSY_FAST_FAIL_MS, Date.now() + BUSY_FAST_FAIL_MS)
        : askedAt + BUSY_DEADLINE_MS;
      return entry.connection;
    };
    driver.beginTransaction = async (connection) => {
      await connection.executeQuery(CompiledQuery.raw('begin immediate'));
    };
    return driver;
  }
}

async function retryWhileBusy<T>(
  run: () => Promise<T>,
  deadline: number,
  onBusy: (state: 'waiting' | 'done') => void,
): Promise<T> {
  const started = Date.now();
  let delay = 5;
  let waitingReported = false;
  try {
    for (;;) {
      try {
        return await run();
      } catch (error) {
        if (!isDatabaseBusy(error)) throw error;
        if (!waitingReported) {
          waitingReported = true;
          onBusy('waiting');
        }
        if (Date.now() + delay > deadline) throw new DatabaseBusyError(Date.now() - started);
        await new Promise((resolve) => setTimeout(resolve, delay));
        delay = Math.min(100, delay * 2);
      }
    }
  } finally {
    if (waitingReported) onBusy('done');
  }
}

const STATEMENT_CACHE_LIMIT = 1000;

/**
 * Kysely prepares every statement anew; compiling SQL was a fifth of the cost of filing a ticket.
 * The same SQL text reuses one prepared statement (better-sqlite3 statements are reusable; nothing
 * here streams, which would hold a statement busy). The cache is dropped whole if ever it grows past
 * its limit (queries with varying IN-lists make new texts).
 */
function withStatementCache(sqlite: SQLite.Database): SQLite.Database {
  const cache = new Map<string, SQLite.Statement>();
  const prepare = (source: string): SQLite.Statement => {
    let statement = cache.get(source);
    if (!statement) {
      if (cache.size >= STATEMENT_CACHE_LIMIT) cache.clear();
      statement = sqlite.prepare(source);
      cache.set(source, statement);
    }
    return statement;
  };
  return new Proxy(sqlite, {
    get(target, property) {
      if (property === 'prepare') return prepare;
      const value = Reflect.get(target, property, target) as unknown;
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}
