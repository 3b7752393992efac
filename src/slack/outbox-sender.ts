import { ErrorCode, type WebAPICallResult, type WebClient } from '@slack/web-api';
import type { Clock } from '../clock.js';
import type { Db } from '../../db/schema.js';
import type { Logger } from '../logger.js';
import {
  markOutboxAttemptStarted,
  markOutboxFailed,
  markOutboxRetry,
  markOutboxSent,
  outboxStatusOfRef,
  pendingOutbox,
  setOutboxNameSuffix,
  type OutboxFill,
  type OutboxRow,
} from '../../db/queries/outbox.js';
import { getSlackRef, putSlackRef } from '../../db/queries/slack-refs.js';
import { isDatabaseBusy } from '../../db/client.js';
import { isOwedMethod, owe, type OwedFallback } from '../services/outbox.js';
import { refPermalink } from './permalinks.js';
import { composeText, isComposed, truncate, type SendTimeValue } from '../../views/text.js';

/**
 * Delivers what the outbox owes, oldest first within each lane (a channel, usually), lanes in parallel.
 * This layer owns retries: the WebClient is built with retries off and rate-limited calls rejected, so
 * nothing is retried twice over.
 * - 429: what Slack limited waits Retry-After, then tries again (not counted as a failed attempt):
 *   posting is limited per channel, so only that lane waits; every other method is limited per
 *   method across the workspace (its tier), so every row calling that method waits.
 * - 5xx, timeouts, network errors and Slack's transient errors: exponential back-off, up to MAX_ATTEMPTS.
 * - Other `ok:false` answers are final, except the ones with a known repair (see `repair`).
 * Posts are never sent twice: each chat.postMessage carries the row's id in its message `metadata`, and
 * the start of every call is recorded before it goes. A row whose call started but whose answer was
 * never recorded (a crash, a timeout, a 5xx) is looked up in Slack first (conversations.history or
 * .replies around that instant) and marked sent if Slack has it. Channels likewise: a create whose answer
 * was lost and whose retry is answered `name_taken` adopts the channel of that name if the bot made it
 * around that attempt, and takes the next suffix only if someone else did. A "sent" that cannot be recorded (a
 * busy database) is kept in memory and written again until it is, never sent again.
 */
export interface Pacing {
  /** Messages per second per channel. */
  rate: number;
  /** Messages a quiet channel may take at once. */
  burst: number;
}

const MAX_ATTEMPTS = 12;
const MAX_BACKOFF_MS = 5 * 60_000;
const PARALLEL_LANES = 8;
const SCAN_LIMIT = 500;
/** A waiting row is re-checked at least this often, in case its ref arrived some other way. */
const WAITING_RECHECK_MS = 2000;
const TRANSIENT_ERRORS = new Set([
  'ratelimited',
  'internal_error',
  'fatal_error',
  'service_unavailable',
  'request_timeout',
  'team_added_to_org',
]);
/** Answers that mean "already done": the call's purpose holds. */
const ALREADY_DONE = new Set([
  'already_in_channel',
  'already_pinned',
  'already_reacted',
  'cant_invite_self',
  'already_archived',
]);
const PACED_METHODS = new Set(['chat.postMessage', 'chat.update', 'chat.postEphemeral']);
/** Message metadata `event_type` on every post, with `event_payload.outbox_id`. */
const OUTBOX_EVENT_TYPE = 'switchboard_outbox';
/** A post whose answer was lost is looked for from this long before its attempt started (clock skew)… */
const LOOK_BEFORE_S = 120;
/** …to this long after (a slow answer, a client timeout). */
const LOOK_AFTER_S = 900;
const LOOKUP_PAGE = 200;
const MAX_LOOKUP_PAGES = 25;
/**
 * A channel whose create answer was lost is adopted when the bot made it from this long before the
 * row's latest attempt started (earlier attempts may have failed in between, each with its back-off)…
 */
const CHANNEL_LOOK_BEFORE_S = 15 * 60;
const CHANNEL_LIST_PAGE = 200;
const MAX_CHANNEL_LIST_PAGES = 50;
/** A "sent" that could not be recorded is written again this often until it is. */
const RECORD_RETRY_MS = 250;
/**
 * What a 429 on this row pauses. Slack limits chat.postMessage at about one per second per channel
 * and every other method by its tier, per method and workspace: a chat.update refused in one channel
 * would be refused in the next one too.
 */
function rateLimitKey(row: Pick<OutboxRow, 'method' | 'lane'>): string {
  return row.method === 'chat.postMessage' ? `lane:${row.lane}` : `method:${row.method}`;
}

/** While the database refuses writes, the sender tries again this often (one probe, not one per lane). */
const BUSY_PAUSE_MS = 500;

type Attempt =
  | { kind: 'sent'; result: Record<string, unknown> }
  | { kind: 'retry'; at: number; error: string; counts: boolean; pause?: boolean; outcomeKnown?: boolean }
  | { kind: 'failed'; error: string }
  | { kind: 'deferred'; ref: string }
  | { kind: 'rewritten' };

export class OutboxSender {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private readonly pausedUntil = new Map<string, number>();
  /**
   * Rows waiting for a message or channel that is not delivered yet, by the ref they wait for. They are
   * not looked at again until that ref is stored (or a safety re-check), so a burst of DMs waiting for
   * their triage posts costs nothing per round.
   */
  private readonly waiting = new Map<number, { ref: string; until: number }>();
  private readonly names = new Map<string, { name: string; until: number }>();
  /** Calls Slack accepted whose "sent" could not be written yet (a busy database): retried, never resent. */
  private readonly unrecorded = new Map<number, { row: OutboxRow; result: Record<string, unknown> }>();
  /** Real time (not the clock: a pause for the database, not a due time) before which no round runs. */
  private busyPauseUntil = 0;
  /** The bot's own user id (auth.test), asked once, when a channel's creator must be known. */
  private botUserId: string | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private timer: NodeJS.Timeout | undefined;
  private wakeTimer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly deps: { db: Db; client: WebClient; clock: Clock; logger: Logger; pacing: Pacing; pollMs?: number },
  ) {}

  start(): void {
    this.stopped = false;
    this.timer = setInterval(() => this.wake(), this.deps.pollMs ?? 1000);
    this.timer.unref();
    this.wake();
  }

  /** Stops polling and waits for sends in flight; pending rows stay for the next start. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    clearTimeout(this.wakeTimer);
    await this.running;
  }

  /** Asks for a delivery round soon; rounds never overlap. */
  wake(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.drain().finally(() => {
      this.running = undefined;
      if (this.again) {
        this.again = false;
        this.wake();
      }
    });
  }

  /** Delivers everything deliverable now; resolves when nothing more can go out this instant. */
  async flush(): Promise<void> {
    while (this.running) await this.running;
    this.running = this.drain();
    await this.running;
    this.running = undefined;
  }

  private async drain(): Promise<void> {
    try {
      // Keep going while rounds make progress: a sent row may unblock the next one in its lane.
      while (!this.stopped && (await this.round()));
    } catch (error) {
      this.deps.logger.error({ err: error }, 'outbox round failed');
    }
  }

  /** One pass: pick the head row of every lane that is ready, send those in parallel. */
  private async round(): Promise<boolean> {
    let nextWake = Number.POSITIVE_INFINITY;
    if (Date.now() < this.busyPauseUntil) return false; // the next wake after the pause tries again
    let progressed = await this.recordUnrecorded();
    if (this.unrecorded.size > 0) {
      this.busyPauseUntil = Date.now() + BUSY_PAUSE_MS;
      // The database refuses writes (another process holds its lock): nothing can go out until it
      // takes them again, since no call goes without its attempt recorded first.
      this.scheduleWake(BUSY_PAUSE_MS);
      return progressed;
    }
    const now = this.deps.clock.now().getTime();
    const rows = await pendingOutbox(this.deps.db, SCAN_LIMIT);
    const heads: OutboxRow[] = [];
    const seenLanes = new Set<string>();
    for (const row of rows) {
      if (seenLanes.has(row.lane)) continue;
      seenLanes.add(row.lane);
      // Sent, its record not written yet: the lane waits for that record, in order.
      if (this.unrecorded.has(row.id)) continue;
      const blocked = this.waiting.get(row.id);
      const readyAt = Math.max(row.next_attempt_at, this.pausedUntil.get(rateLimitKey(row)) ?? 0, blocked?.until ?? 0);
      if (readyAt > now) {
        nextWake = Math.min(nextWake, readyAt);
        continue;
      }
      heads.push(row);
    }
    for (let i = 0; i < heads.length; i += PARALLEL_LANES) {
      const batch = heads.slice(i, i + PARALLEL_LANES);
      // One lane's trouble (its record could not be written) never loses another lane's outcome.
      const settled = await Promise.allSettled(batch.map((row) => this.attempt(row)));
      let busy = false;
      const outcomes = settled.map((s): Attempt => {
        if (s.status === 'fulfilled') return s.value;
        busy ||= isDatabaseBusy(s.reason);
        this.deps.logger.warn({ err: s.reason }, 'outbox attempt not recorded; it is tried again');
        return {
          kind: 'retry',
          at: this.deps.clock.now().getTime() + RECORD_RETRY_MS,
          error: String(s.reason),
          counts: false,
        };
      });
      if (busy || this.unrecorded.size > 0) {
        this.busyPauseUntil = Date.now() + BUSY_PAUSE_MS;
        this.scheduleWake(BUSY_PAUSE_MS);
        return progressed;
      }
      for (const outcome of outcomes) {
        if (outcome.kind === 'sent' || outcome.kind === 'failed' || outcome.kind === 'rewritten') progressed = true;
        if (outcome.kind === 'retry') nextWake = Math.min(nextWake, outcome.at);
        if (outcome.kind === 'deferred') nextWake = Math.min(nextWake, now + WAITING_RECHECK_MS);
      }
    }
    if (Number.isFinite(nextWake) && !this.stopped) {
      clearTimeout(this.wakeTimer);
      this.wakeTimer = setTimeout(() => this.wake(), Math.max(10, nextWake - this.deps.clock.now().getTime()));
      this.wakeTimer.unref();
    }
    return progressed;
  }

  private async attempt(row: OutboxRow): Promise<Attempt> {
    const { db, clock, logger } = this.deps;
    // Only the methods whose arguments `owe` type-checks are sent: anything else fails for good.
    const resolved = isOwedMethod(row.method)
      ? await this.resolveFills(row)
      : ({ kind: 'failed', error: `${row.method} is not a method the outbox sends` } as const);
    if (resolved.kind === 'deferred') {
      this.waiting.set(row.id, { ref: resolved.ref, until: clock.now().getTime() + WAITING_RECHECK_MS });
      return resolved;
    }
    this.waiting.delete(row.id);
    if (resolved.kind === 'retry') return this.recordRetry(row, resolved, true);
    if (resolved.kind === 'failed') {
      await markOutboxFailed(db, row.id, resolved.error);
      if (row.ref_key) this.release(row.ref_key);
      await this.oweFallback(row, clock.now());
      return resolved;
    }
    const args = resolved.args;
    if (row.method === 'conversations.create' && row.name_suffix && typeof args.name === 'string') {
      const tail = `-${row.name_suffix}`;
      args.name = args.name.slice(0, 80 - tail.length) + tail;
    }
    if (row.method === 'chat.postMessage') args.metadata = outboxMetadata(row.id);
    const channel = typeof args.channel === 'string' ? args.channel : row.lane;

    let outcome: Attempt | undefined;
    // An earlier call's answer was never recorded: Slack may have the post already.
    if (row.attempt_started_at !== null && row.method === 'chat.postMessage') {
      const found = await this.lookUp(row, args);
      if (found.kind === 'found') {
        logger.info(
          { outbox: row.id, channel: found.result.channel, ts: found.result.ts },
          'post found in Slack after an unrecorded attempt; not sent again',
        );
        outcome = { kind: 'sent', result: found.result };
      } else if (found.kind === 'retry') {
        return this.recordRetry(row, found, false);
      }
    }
    if (!outcome) {
      if (PACED_METHODS.has(row.method)) {
        const waitMs = this.takeToken(channel);
        if (waitMs > 0) return { kind: 'retry', at: clock.now().getTime() + waitMs, error: '', counts: false };
      }
      // Recorded before the call goes: without this record, the call does not go.
      await markOutboxAttemptStarted(db, row.id, clock.now());
      try {
        const answer = await this.deps.client.apiCall(row.method, args);
        outcome = { kind: 'sent', result: summarise(row.method, answer, args) };
      } catch (error) {
        outcome = await this.classify(row, args, error);
      }
    }
    const now = clock.now();
    switch (outcome.kind) {
      case 'sent':
        await this.recordSent(row, outcome.result);
        break;
      case 'retry':
        return this.recordRetry(row, outcome, outcome.outcomeKnown ?? true);
      case 'failed':
        logger.warn({ outbox: row.id, method: row.method, error: outcome.error }, 'outbox message failed');
        await markOutboxFailed(db, row.id, outcome.error);
        if (row.ref_key) this.release(row.ref_key);
        await this.oweFallback(row, now);
        break;
    }
    return outcome;
  }

  private async recordRetry(
    row: OutboxRow,
    outcome: Extract<Attempt, { kind: 'retry' }>,
    outcomeKnown: boolean,
  ): Promise<Attempt> {
    const { db, logger, clock } = this.deps;
    if (outcome.pause) this.pausedUntil.set(rateLimitKey(row), outcome.at);
    if (outcome.counts && row.attempts + 1 >= MAX_ATTEMPTS) {
      logger.error(
        { outbox: row.id, method: row.method, error: outcome.error },
        'outbox message given up after retries',
      );
      await markOutboxFailed(db, row.id, `gave up after ${MAX_ATTEMPTS} attempts: ${outcome.error}`);
      if (row.ref_key) this.release(row.ref_key);
      await this.oweFallback(row, clock.now());
      return { kind: 'failed', error: outcome.error };
    }
    await markOutboxRetry(db, row.id, outcome.at, outcome.error, outcome.counts, outcomeKnown);
    return outcome;
  }

  /** Slack has done it: record so, and should the database refuse now, keep it and write it again. */
  private async recordSent(row: OutboxRow, result: Record<string, unknown>): Promise<void> {
    try {
      await this.writeSent(row, result);
    } catch (error) {
      this.deps.logger.warn(
        { err: error, outbox: row.id },
        'Slack accepted an outbox call but recording it failed; recording again, not resending',
      );
      this.unrecorded.set(row.id, { row, result });
      this.scheduleWake(RECORD_RETRY_MS);
    }
  }

  private async writeSent(row: OutboxRow, result: Record<string, unknown>): Promise<void> {
    const now = this.deps.clock.now();
    await this.deps.db.transaction().execute(async (trx) => {
      await markOutboxSent(trx, row.id, now, result);
      if (row.ref_key && typeof result.channel === 'string') {
        await putSlackRef(
          trx,
          row.ref_key,
          { channel: result.channel, ts: (result.ts as string | undefined) ?? null },
          now,
        );
      }
    });
    if (row.ref_key) this.release(row.ref_key);
  }

  /** Writes the "sent" records the database refused before; true when one was written. */
  private async recordUnrecorded(): Promise<boolean> {
    let wrote = false;
    for (const [id, { row, result }] of this.unrecorded) {
      try {
        await this.writeSent(row, result);
        this.unrecorded.delete(id);
        wrote = true;
      } catch {
        return wrote; // still busy: the next round tries again
      }
    }
    return wrote;
  }

  private scheduleWake(ms: number): void {
    if (this.stopped) return;
    clearTimeout(this.wakeTimer);
    this.wakeTimer = setTimeout(() => this.wake(), ms);
    this.wakeTimer.unref();
  }

  /**
   * Looks for the post this row may already have made, by its metadata, in the channel (the DM for a
   * user) or the thread it went to, between shortly before its attempt started and well after.
   */
  private async lookUp(
    row: OutboxRow,
    args: Record<string, unknown>,
  ): Promise<
    { kind: 'found'; result: Record<string, unknown> } | { kind: 'absent' } | Extract<Attempt, { kind: 'retry' }>
  > {
    const client = this.deps.client;
    try {
      let channel = String(args.channel);
      if (/^[UW]/.test(channel)) {
        const opened = (await client.apiCall('conversations.open', { users: channel })) as {
          channel?: { id?: string };
        };
        channel = opened.channel?.id ?? channel;
      }
      const started = row.attempt_started_at! / 1000;
      const threadTs = typeof args.thread_ts === 'string' ? args.thread_ts : undefined;
      const base: Record<string, unknown> = {
        channel,
        oldest: (started - LOOK_BEFORE_S).toFixed(6),
        latest: (started + LOOK_AFTER_S).toFixed(6),
        inclusive: true,
        include_all_metadata: true,
        limit: LOOKUP_PAGE,
        ...(threadTs ? { ts: threadTs } : {}),
      };
      let cursor: string | undefined;
      for (let page = 0; page < MAX_LOOKUP_PAGES; page++) {
        const answer = (await client.apiCall(
          threadTs ? 'conversations.replies' : 'conversations.history',
          cursor ? { ...base, cursor } : base,
        )) as {
          messages?: { ts?: string; metadata?: { event_type?: string; event_payload?: { outbox_id?: unknown } } }[];
          has_more?: boolean;
          response_metadata?: { next_cursor?: string };
        };
        const mine = answer.messages?.find(
          (m) => m.metadata?.event_type === OUTBOX_EVENT_TYPE && Number(m.metadata.event_payload?.outbox_id) === row.id,
        );
        if (mine?.ts) return { kind: 'found', result: { channel, ts: mine.ts } };
        cursor = answer.response_metadata?.next_cursor;
        if (!answer.has_more || !cursor) break;
      }
      return { kind: 'absent' };
    } catch (error) {
      const err = error as { code?: string; data?: { error?: string } };
      // Slack answered that the channel or thread is not there: the post cannot be either.
      if (err.code === ErrorCode.PlatformError && !TRANSIENT_ERRORS.has(err.data?.error ?? ''))
        return { kind: 'absent' };
      const retry = await this.classify(row, args, error);
      return retry.kind === 'retry'
        ? { ...retry, outcomeKnown: false }
        : { kind: 'retry', at: this.deps.clock.now().getTime() + 1000, error: 'lookup failed', counts: true };
    }
  }

  /**
   * Looks for the channel an earlier `conversations.create` of this row may have made before its answer
   * was lost: the channel of exactly `name` (public or private, not archived), created by the bot itself,
   * from shortly before the row's latest attempt started to well after. Anyone else's channel, or the
   * bot's from long before, is not it.
   */
  private async lookUpChannel(
    row: OutboxRow,
    name: string,
  ): Promise<
    { kind: 'found'; result: Record<string, unknown> } | { kind: 'absent' } | Extract<Attempt, { kind: 'retry' }>
  > {
    const client = this.deps.client;
    try {
      if (!this.botUserId) {
        const me = (await client.apiCall('auth.test', {})) as { user_id?: string };
        if (!me.user_id) return { kind: 'absent' };
        this.botUserId = me.user_id;
      }
      const started = row.attempt_started_at! / 1000;
      let cursor: string | undefined;
      for (let page = 0; page < MAX_CHANNEL_LIST_PAGES; page++) {
        const answer = (await client.apiCall('conversations.list', {
          types: 'public_channel,private_channel',
          exclude_archived: true,
          limit: CHANNEL_LIST_PAGE,
          ...(cursor ? { cursor } : {}),
        })) as {
          channels?: { id?: string; name?: string; creator?: string; created?: number }[];
          response_metadata?: { next_cursor?: string };
        };
        const named = answer.channels?.find((c) => c.name === name);
        if (named) {
          const created = Number(named.created);
          const mine =
            named.creator === this.botUserId &&
            created >= started - CHANNEL_LOOK_BEFORE_S &&
            created <= started + LOOK_AFTER_S;
          return mine && named.id
            ? { kind: 'found', result: { channel: named.id, name: named.name } }
            : { kind: 'absent' };
        }
        cursor = answer.response_metadata?.next_cursor;
        if (!cursor) break;
      }
      return { kind: 'absent' };
    } catch (error) {
      const err = error as { code?: string; data?: { error?: string } };
      // Slack refused the look-up for good (a missing scope, say): the name is treated as someone else's.
      if (err.code === ErrorCode.PlatformError && !TRANSIENT_ERRORS.has(err.data?.error ?? ''))
        return { kind: 'absent' };
      const now = this.deps.clock.now().getTime();
      const backoff = Math.min(MAX_BACKOFF_MS, 1000 * 2 ** row.attempts);
      if (err.code === ErrorCode.RateLimitedError)
        return { kind: 'retry', at: now + 1000, error: 'ratelimited', counts: false, outcomeKnown: false };
      return { kind: 'retry', at: now + backoff, error: 'channel look-up failed', counts: true, outcomeKnown: false };
    }
  }

  private async classify(row: OutboxRow, args: Record<string, unknown>, error: unknown): Promise<Attempt> {
    const now = this.deps.clock.now().getTime();
    const err = error as {
      code?: string;
      retryAfter?: number;
      statusCode?: number;
      data?: { error?: string };
      message?: string;
    };
    const backoff = Math.min(MAX_BACKOFF_MS, 1000 * 2 ** row.attempts);
    if (err.code === ErrorCode.RateLimitedError) {
      return {
        kind: 'retry',
        at: now + Math.max(1, err.retryAfter ?? 1) * 1000,
        error: 'ratelimited',
        counts: false,
        pause: true,
      };
    }
    if (err.code === ErrorCode.HTTPError || err.code === ErrorCode.RequestError) {
      // Slack may have done it before failing to answer: the next attempt of a post looks first.
      return {
        kind: 'retry',
        at: now + backoff,
        error: err.statusCode ? `HTTP ${err.statusCode}` : (err.message ?? 'request error'),
        counts: true,
        outcomeKnown: false,
      };
    }
    const slackError =
      err.data?.error ?? (err.code === ErrorCode.PlatformError ? 'unknown_error' : (err.message ?? String(error)));
    if (err.code !== ErrorCode.PlatformError) {
      // Not a Slack answer at all (a timeout inside the client, a socket reset): transient, outcome unknown.
      return { kind: 'retry', at: now + backoff, error: slackError, counts: true, outcomeKnown: false };
    }
    if (ALREADY_DONE.has(slackError))
      return { kind: 'sent', result: { ok: true, note: slackError, channel: args.channel } };
    if (TRANSIENT_ERRORS.has(slackError)) return { kind: 'retry', at: now + backoff, error: slackError, counts: true };
    const repaired = await this.repair(row, args, slackError);
    return repaired ?? { kind: 'failed', error: slackError };
  }

  /**
   * Known repairs, owned here rather than by each feature:
   * - a channel name that is taken, after an attempt whose answer was never recorded, is looked up: a
   *   channel of that exact name the bot itself created around that attempt is the one it made, and is
   *   adopted as the result (see `lookUpChannel`);
   * - otherwise a channel name that is taken gets the next numeric suffix;
   * - a canonical message someone deleted is posted again and its ref moved to the new message.
   */
  private async repair(
    row: OutboxRow,
    args: Record<string, unknown>,
    slackError: string,
  ): Promise<Attempt | undefined> {
    if (row.method === 'conversations.create' && slackError === 'name_taken') {
      if (row.attempt_started_at !== null && typeof args.name === 'string') {
        const found = await this.lookUpChannel(row, args.name);
        if (found.kind === 'found') {
          this.deps.logger.info(
            { outbox: row.id, channel: found.result.channel, name: args.name },
            'channel found in Slack after an unrecorded attempt; adopted, not created again',
          );
          return { kind: 'sent', result: found.result };
        }
        if (found.kind === 'retry') return found;
      }
      await setOutboxNameSuffix(this.deps.db, row.id, (row.name_suffix ?? 1) + 1);
      return { kind: 'rewritten' };
    }
    if (
      row.method === 'chat.update' &&
      (slackError === 'message_not_found' || slackError === 'cant_update_message') &&
      row.ref_key
    ) {
      const { ts: _ts, ...rest } = args;
      const post = { ...rest, unfurl_links: false, metadata: outboxMetadata(row.id) };
      // An earlier attempt may have re-posted it already, its answer lost.
      if (row.attempt_started_at !== null) {
        const found = await this.lookUp(row, post);
        if (found.kind === 'found') return { kind: 'sent', result: found.result };
        if (found.kind === 'retry') return found;
      }
      try {
        const answer = await this.deps.client.apiCall('chat.postMessage', post);
        return { kind: 'sent', result: summarise('chat.postMessage', answer, rest) };
      } catch (error) {
        return { kind: 'failed', error: `${slackError}; re-post failed: ${(error as Error).message}` };
      }
    }
    return undefined;
  }

  /**
   * The arguments as sent: the stored payload, as it is, with each fill set at its path. Fills are
   * structured values (a ref, composed text, a display name); no string is ever read for markup.
   */
  private async resolveFills(
    row: OutboxRow,
  ): Promise<
    | { kind: 'ready'; args: Record<string, unknown> }
    | { kind: 'deferred'; ref: string }
    | { kind: 'failed'; error: string }
    | Extract<Attempt, { kind: 'retry' }>
  > {
    const args = JSON.parse(row.payload) as Record<string, unknown>;
    const fills = row.fills ? (JSON.parse(row.fills) as OutboxFill[]) : [];
    let missing: string | undefined;
    let gone: string | undefined;
    const valueOf = async (value: SendTimeValue): Promise<string> => {
      if ('$name' in value) return this.displayName(value.$name);
      if (value.field === 'permalink') {
        // Slack's own link (workspace and thread included), asked for once per message and kept.
        const link = await refPermalink(this.deps.db, this.deps.client, value.$ref);
        if (link.kind === 'no_ref') missing ??= value.$ref;
        if (link.kind === 'gone') gone ??= value.$ref;
        return link.kind === 'found' ? link.permalink : '';
      }
      const found = (await getSlackRef(this.deps.db, value.$ref))?.[value.field] ?? undefined;
      if (found === undefined) missing ??= value.$ref;
      return found ?? '';
    };
    try {
      await this.fill(args, fills, valueOf);
    } catch (error) {
      // Slack could not say the link just now (429, 5xx, a timeout): the row waits and tries again.
      const retry = await this.classify(row, args, error);
      return retry.kind === 'retry'
        ? retry
        : {
            kind: 'retry',
            at: this.deps.clock.now().getTime() + 1000,
            error: 'permalink look-up failed',
            counts: true,
          };
    }
    if (gone !== undefined) return { kind: 'failed', error: `links to ${gone}, a message Slack no longer has` };
    if (missing === undefined) return { kind: 'ready', args };
    const producer = await outboxStatusOfRef(this.deps.db, missing, row.id);
    if (producer === 'pending') return { kind: 'deferred', ref: missing };
    return { kind: 'failed', error: `depends on ${missing}, which was never delivered` };
  }

  /** Sets each fill's value at its path in `args`. */
  private async fill(
    args: Record<string, unknown>,
    fills: OutboxFill[],
    valueOf: (value: SendTimeValue) => Promise<string>,
  ): Promise<void> {
    for (const fill of fills) {
      let value: string;
      if (isComposed(fill.value)) {
        const values = new Map<SendTimeValue, string>();
        for (const part of fill.value.$compose) if (typeof part !== 'string') values.set(part, await valueOf(part));
        value = composeText(fill.value, (part) => values.get(part) ?? '');
      } else {
        value = await valueOf(fill.value as SendTimeValue);
      }
      setAt(args, fill.path, value);
    }
    // A topic longer than Slack's 250 characters (after names were filled in) is cut, not refused.
    if (typeof args.topic === 'string') args.topic = truncate(args.topic, 250);
  }

  /** A person's display name for plain text, cached for an hour; the ID if Slack cannot say. */
  private async displayName(userId: string): Promise<string> {
    const now = this.deps.clock.now().getTime();
    const cached = this.names.get(userId);
    if (cached && cached.until > now) return cached.name;
    try {
      const answer = (await this.deps.client.users.info({ user: userId })) as {
        user?: { name?: string; real_name?: string; profile?: { display_name?: string; real_name?: string } };
      };
      const u = answer.user;
      // Angle brackets could read as markup wherever the text ends up; names never need them.
      const name = (u?.profile?.display_name || u?.real_name || u?.profile?.real_name || u?.name || userId).replace(
        /[<>]/g,
        '',
      );
      this.names.set(userId, { name, until: now + 3_600_000 });
      return name;
    } catch {
      return userId;
    }
  }

  /** Rows waiting for `ref` may go now (it was stored, or its producer failed for good). */
  private release(ref: string): void {
    for (const [id, entry] of this.waiting) if (entry.ref === ref) this.waiting.delete(id);
  }

  private async oweFallback(row: OutboxRow, now: Date): Promise<void> {
    // Written by `owe` from a type-checked call (OweOptions.onFailure).
    const fallback = row.on_failure ? (JSON.parse(row.on_failure) as OwedFallback) : undefined;
    if (fallback) {
      await owe(this.deps.db, now, fallback.method, fallback.args, { refKey: fallback.refKey });
      this.again = true;
    }
  }

  /** Token bucket per channel: returns 0 when a message may go now, else how long to wait. */
  private takeToken(channel: string): number {
    const { rate, burst } = this.deps.pacing;
    const now = this.deps.clock.now().getTime();
    const bucket = this.buckets.get(channel) ?? { tokens: burst, at: now };
    bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.at) / 1000) * rate);
    bucket.at = now;
    this.buckets.set(channel, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - bucket.tokens) / rate) * 1000);
  }
}

function outboxMetadata(id: number): { event_type: string; event_payload: { outbox_id: number } } {
  return { event_type: OUTBOX_EVENT_TYPE, event_payload: { outbox_id: id } };
}

function setAt(target: Record<string, unknown>, path: (string | number)[], value: unknown): void {
  type Node = Record<string | number, unknown>;
  let at = target as Node;
  for (const key of path.slice(0, -1)) at = at[key] as Node;
  at[path.at(-1)!] = value;
}

/** Keeps what later calls need from Slack's answer: channel and ts. */
function summarise(method: string, answer: WebAPICallResult, args: Record<string, unknown>): Record<string, unknown> {
  const a = answer as unknown as Record<string, unknown> & {
    channel?: unknown;
    ts?: string;
    message?: { ts?: string };
  };
  if (method === 'conversations.create' || method === 'conversations.open') {
    const channel = a.channel as { id?: string; name?: string } | undefined;
    return { channel: channel?.id, name: channel?.name };
  }
  const channel =
    typeof a.channel === 'string' ? a.channel : typeof args.channel === 'string' ? args.channel : undefined;
  return { channel, ts: a.ts ?? a.message?.ts ?? (args.ts as string | undefined) };
}
