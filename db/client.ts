import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import {
  CompiledQuery,
  Kysely,
  PostgresDialect,
  SqliteDialect,
  type DatabaseConnection,
  type Driver,
  type QueryResult,
  type SqliteDialectConfig,
} from 'kysely';
import type { Database } from './schema.js';
import type { DialectName } from './dialect.js';

/** What /healthz says of the database. */
export type DatabaseState = 'ok' | 'busy' | 'unavailable';

export interface OpenedDatabase {
  db: Kysely<Database>;
  dialect: DialectName;
  /** Answers a trivial read: 'busy' while SQLite's write lock is held elsewhere, 'unavailable' when it fails. */
  state(): Promise<DatabaseState>;
}

export interface OpenedSqlite extends OpenedDatabase {
  dialect: 'sqlite';
  /** The raw handle, for the benchmark's seeding and SQLite-only checks. */
  sqlite: SQLite.Database;
  /** True while database work is waiting for another process's write lock (or did so in the last 2 s). */
  busy(): boolean;
}

/** `postgres://` or `postgresql://` URLs open PostgreSQL; anything else is an SQLite path (or ':memory:'). */
const isPostgresUrl = (location: string): boolean => /^postgres(ql)?:\/\//.test(location);

/**
 * Opens the database at `location`: an SQLite file (created with its folder), ':memory:', or a
 * PostgreSQL URL. Nothing is migrated here (see migrate.ts).
 */
export function openDatabase(location: string): OpenedDatabase {
  return isPostgresUrl(location) ? openPostgres(location) : openSqlite(location);
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
export function openSqlite(path: string): OpenedSqlite {
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
  const state = async (): Promise<DatabaseState> => {
    try {
      // A read: in WAL mode it answers at once even while another process holds the write lock.
      if (!sqlite.open || sqlite.prepare('SELECT 1 AS ok').get() === undefined) return 'unavailable';
      return busy() ? 'busy' : 'ok';
    } catch {
      return 'unavailable';
    }
  };
  return { db, dialect: 'sqlite', sqlite, busy, state };
}

/** Connections per replica unless DATABASE_POOL_MAX says otherwise; PostgreSQL allows 100 in all by default. */
const DEFAULT_POOL_MAX = 10;
const INT8 = 20;
const NUMERIC = 1700;

/**
 * A PostgreSQL pool behind Kysely's own dialect. Times are epoch milliseconds in `bigint` columns and
 * counts are `bigint` too: pg returns both as strings unless told otherwise, so int8 is read as a
 * number (exact up to 2^53, which epoch milliseconds stay far below) and numeric (AVG, ratios) as a float.
 * A `schema` query parameter (`postgres://host/db?schema=switchboard`) puts every table in that schema,
 * which is how tests give each app its own tables in one database.
 * A connection lost while idle (a failover, a restart) is dropped from the pool and logged by the next
 * query's error, never thrown at the process: pg's pool emits 'error' for it and an unhandled one kills Node.
 */
function openPostgres(location: string): OpenedDatabase {
  const url = new URL(location);
  const schema = url.searchParams.get('schema');
  url.searchParams.delete('schema');
  if (schema !== null && !/^[a-z_][a-z0-9_]*$/.test(schema))
    throw new Error(`schema "${schema}" must be lower-case letters, digits and underscores`);
  const types = {
    getTypeParser: (oid: number, format?: 'text' | 'binary') => {
      if (oid === INT8) return (value: string) => Number(value);
      if (oid === NUMERIC) return (value: string) => Number.parseFloat(value);
      return pg.types.getTypeParser(oid, format as 'text');
    },
  };
  const pool = new pg.Pool({
    connectionString: url.toString(),
    max: Number(process.env.DATABASE_POOL_MAX) || DEFAULT_POOL_MAX,
    connectionTimeoutMillis: 5000,
    idleTimeoutMillis: 30_000,
    types: types as pg.CustomTypesConfig,
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
  });
  pool.on('error', () => {
    // An idle connection died (the server restarted or failed over); the pool replaces it on demand.
  });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  const state = async (): Promise<DatabaseState> => {
    try {
      await pool.query('SELECT 1');
      return 'ok';
    } catch {
      return 'unavailable';
    }
  };
  return { db, dialect: 'postgres', state };
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
