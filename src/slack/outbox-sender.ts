import { ErrorCode, type WebAPICallResult, type WebClient } from '@slack/web-api';
import type { Clock } from '../clock.js';
import type { Db } from '../../db/schema.js';
import type { Logger } from '../logger.js';
import {
  markOutboxFailed,
  markOutboxRetry,
  markOutboxSent,
  outboxStatusOfRef,
  pendingOutbox,
  updateOutboxPayload,
  type OutboxRow,
} from '../../db/queries/outbox.js';
import { getSlackRef, putSlackRef } from '../../db/queries/slack-refs.js';
import { isRef, owe, REF_PLACEHOLDER, type RefValue } from '../services/outbox.js';
import { NAME_PLACEHOLDER } from '../../views/text.js';

/**
 * Delivers what the outbox owes, oldest first within each lane (a channel, usually), lanes in parallel.
 * This layer owns retries: the WebClient is built with retries off and rate-limited calls rejected, so
 * nothing is retried twice over.
 * - 429: the lane waits Retry-After, then tries again (not counted as a failed attempt).
 * - 5xx, timeouts, network errors and Slack's transient errors: exponential back-off, up to MAX_ATTEMPTS.
 * - Other `ok:false` answers are final, except the ones with a known repair (see `repair`).
 * A row is marked sent in the same instant its answer arrives; a crash in between is the one window
 * in which a message could be sent again after a restart.
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
const TRANSIENT_ERRORS = new Set(['ratelimited', 'internal_error', 'fatal_error', 'service_unavailable', 'request_timeout', 'team_added_to_org']);
/** Answers that mean "already done": the call's purpose holds. */
const ALREADY_DONE = new Set(['already_in_channel', 'already_pinned', 'already_reacted', 'cant_invite_self', 'already_archived']);
const PACED_METHODS = new Set(['chat.postMessage', 'chat.update', 'chat.postEphemeral']);

type Attempt =
  | { kind: 'sent'; result: Record<string, unknown> }
  | { kind: 'retry'; at: number; error: string; counts: boolean; pauseLane?: boolean }
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
    const now = this.deps.clock.now().getTime();
    const rows = await pendingOutbox(this.deps.db, SCAN_LIMIT);
    const heads: OutboxRow[] = [];
    const seenLanes = new Set<string>();
    let nextWake = Number.POSITIVE_INFINITY;
    for (const row of rows) {
      if (seenLanes.has(row.lane)) continue;
      seenLanes.add(row.lane);
      const blocked = this.waiting.get(row.id);
      const readyAt = Math.max(row.next_attempt_at, this.pausedUntil.get(row.lane) ?? 0, blocked?.until ?? 0);
      if (readyAt > now) {
        nextWake = Math.min(nextWake, readyAt);
        continue;
      }
      heads.push(row);
    }
    let progressed = false;
    for (let i = 0; i < heads.length; i += PARALLEL_LANES) {
      const batch = heads.slice(i, i + PARALLEL_LANES);
      const outcomes = await Promise.all(batch.map((row) => this.attempt(row)));
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
    const payload = JSON.parse(row.payload) as Record<string, unknown>;
    const resolved = await this.resolveRefs(payload, row.id);
    if (resolved.kind === 'deferred') {
      this.waiting.set(row.id, { ref: resolved.ref, until: clock.now().getTime() + WAITING_RECHECK_MS });
      return resolved;
    }
    this.waiting.delete(row.id);
    if (resolved.kind === 'failed') {
      await markOutboxFailed(db, row.id, resolved.error);
      if (row.ref_key) this.release(row.ref_key);
      await this.oweFallback(payload, clock.now());
      return resolved;
    }
    const { __on_failure: _ignored, ...args } = resolved.args;
    const channel = typeof args.channel === 'string' ? args.channel : row.lane;
    if (PACED_METHODS.has(row.method)) {
      const waitMs = this.takeToken(channel);
      if (waitMs > 0) return { kind: 'retry', at: clock.now().getTime() + waitMs, error: '', counts: false };
    }
    let outcome: Attempt;
    try {
      const answer = await this.deps.client.apiCall(row.method, args);
      outcome = { kind: 'sent', result: summarise(row.method, answer, args) };
    } catch (error) {
      outcome = await this.classify(row, payload, args, error);
    }
    const now = clock.now();
    switch (outcome.kind) {
      case 'sent':
        await db.transaction().execute(async (trx) => {
          await markOutboxSent(trx, row.id, now, outcome.result);
          if (row.ref_key && typeof outcome.result.channel === 'string') {
            await putSlackRef(trx, row.ref_key, { channel: outcome.result.channel, ts: (outcome.result.ts as string | undefined) ?? null }, now);
            this.release(row.ref_key);
          }
        });
        break;
      case 'retry':
        if (outcome.pauseLane) this.pausedUntil.set(row.lane, outcome.at);
        if (outcome.counts && row.attempts + 1 >= MAX_ATTEMPTS) {
          logger.error({ outbox: row.id, method: row.method, error: outcome.error }, 'outbox message given up after retries');
          await markOutboxFailed(db, row.id, `gave up after ${MAX_ATTEMPTS} attempts: ${outcome.error}`);
          if (row.ref_key) this.release(row.ref_key);
          await this.oweFallback(payload, now);
          return { kind: 'failed', error: outcome.error };
        }
        await markOutboxRetry(db, row.id, outcome.at, outcome.error, outcome.counts);
        break;
      case 'failed':
        logger.warn({ outbox: row.id, method: row.method, error: outcome.error }, 'outbox message failed');
        await markOutboxFailed(db, row.id, outcome.error);
        if (row.ref_key) this.release(row.ref_key);
        await this.oweFallback(payload, now);
        break;
    }
    return outcome;
  }

  private async classify(row: OutboxRow, payload: Record<string, unknown>, args: Record<string, unknown>, error: unknown): Promise<Attempt> {
    const now = this.deps.clock.now().getTime();
    const err = error as { code?: string; retryAfter?: number; statusCode?: number; data?: { error?: string }; message?: string };
    const backoff = Math.min(MAX_BACKOFF_MS, 1000 * 2 ** row.attempts);
    if (err.code === ErrorCode.RateLimitedError) {
      return { kind: 'retry', at: now + Math.max(1, err.retryAfter ?? 1) * 1000, error: 'ratelimited', counts: false, pauseLane: true };
    }
    if (err.code === ErrorCode.HTTPError || err.code === ErrorCode.RequestError) {
      return { kind: 'retry', at: now + backoff, error: err.statusCode ? `HTTP ${err.statusCode}` : (err.message ?? 'request error'), counts: true };
    }
    const slackError = err.data?.error ?? (err.code === ErrorCode.PlatformError ? 'unknown_error' : (err.message ?? String(error)));
    if (err.code !== ErrorCode.PlatformError) {
      // Not a Slack answer at all (a timeout inside the client, a socket reset): transient.
      return { kind: 'retry', at: now + backoff, error: slackError, counts: true };
    }
    if (ALREADY_DONE.has(slackError)) return { kind: 'sent', result: { ok: true, note: slackError, channel: args.channel } };
    if (TRANSIENT_ERRORS.has(slackError)) return { kind: 'retry', at: now + backoff, error: slackError, counts: true };
    const repaired = await this.repair(row, payload, args, slackError);
    return repaired ?? { kind: 'failed', error: slackError };
  }

  /**
   * Known repairs, owned here rather than by each feature:
   * - a channel name that is taken gets the next numeric suffix;
   * - a canonical message someone deleted is posted again and its ref moved to the new message.
   */
  private async repair(row: OutboxRow, payload: Record<string, unknown>, args: Record<string, unknown>, slackError: string): Promise<Attempt | undefined> {
    if (row.method === 'conversations.create' && slackError === 'name_taken' && typeof payload.name === 'string') {
      const base = (payload.__base_name as string | undefined) ?? payload.name;
      const suffix = ((payload.__suffix as number | undefined) ?? 1) + 1;
      const tail = `-${suffix}`;
      await updateOutboxPayload(this.deps.db, row.id, { ...payload, __base_name: base, __suffix: suffix, name: base.slice(0, 80 - tail.length) + tail });
      return { kind: 'rewritten' };
    }
    if (row.method === 'chat.update' && (slackError === 'message_not_found' || slackError === 'cant_update_message') && row.ref_key) {
      try {
        const { ts: _ts, ...rest } = args;
        const answer = await this.deps.client.apiCall('chat.postMessage', { ...rest, unfurl_links: false });
        return { kind: 'sent', result: summarise('chat.postMessage', answer, rest) };
      } catch (error) {
        return { kind: 'failed', error: `${slackError}; re-post failed: ${(error as Error).message}` };
      }
    }
    return undefined;
  }

  /**
   * Replaces every reference in the arguments, at any depth: {"$ref": key, "field": …} values and
   * {{ref:key:field}} placeholders inside strings (a permalink inside a message's text, say).
   */
  private async resolveRefs(
    payload: Record<string, unknown>,
    rowId: number,
  ): Promise<{ kind: 'ready'; args: Record<string, unknown> } | { kind: 'deferred'; ref: string } | { kind: 'failed'; error: string }> {
    const { __base_name: _b, __suffix: _s, ...rest } = payload;
    let missing: string | undefined;
    const lookup = async (key: string, field: RefValue['field']): Promise<string | undefined> => {
      const ref = await getSlackRef(this.deps.db, key);
      const value = field === 'permalink' ? (ref?.ts ? permalink(ref.channel, ref.ts) : undefined) : (ref?.[field] ?? undefined);
      if (value === undefined) missing ??= key;
      return value;
    };
    const walk = async (value: unknown): Promise<unknown> => {
      if (isRef(value)) return lookup(value.$ref, value.field);
      if (typeof value === 'string') {
        if (!value.includes('{{')) return value;
        let out = '';
        let last = 0;
        for (const match of value.matchAll(REF_PLACEHOLDER)) {
          out += value.slice(last, match.index) + ((await lookup(match[1]!, match[2] as RefValue['field'])) ?? '');
          last = match.index! + match[0].length;
        }
        out += value.slice(last);
        if (!out.includes('{{name:')) return out;
        let named = '';
        last = 0;
        for (const match of out.matchAll(NAME_PLACEHOLDER)) {
          named += out.slice(last, match.index) + (await this.displayName(match[1]!));
          last = match.index! + match[0].length;
        }
        return named + out.slice(last);
      }
      if (Array.isArray(value)) return Promise.all(value.map(walk));
      if (value && typeof value === 'object') {
        const out: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(value)) out[k] = await walk(v);
        return out;
      }
      return value;
    };
    const args = (await walk(rest)) as Record<string, unknown>;
    // A topic longer than Slack's 250 characters (after names were filled in) is cut, not refused.
    if (typeof args.topic === 'string' && [...args.topic].length > 250) args.topic = [...args.topic].slice(0, 249).join('') + '…';
    if (missing === undefined) return { kind: 'ready', args };
    const producer = await outboxStatusOfRef(this.deps.db, missing, rowId);
    if (producer === 'pending') return { kind: 'deferred', ref: missing };
    return { kind: 'failed', error: `depends on ${missing}, which was never delivered` };
  }

  /** A person's display name for plain text, cached for an hour; the ID if Slack cannot say. */
  private async displayName(userId: string): Promise<string> {
    const now = this.deps.clock.now().getTime();
    const cached = this.names.get(userId);
    if (cached && cached.until > now) return cached.name;
    try {
      const answer = (await this.deps.client.users.info({ user: userId })) as { user?: { name?: string; real_name?: string; profile?: { display_name?: string; real_name?: string } } };
      const u = answer.user;
      // Angle brackets could read as markup wherever the text ends up; names never need them.
      const name = (u?.profile?.display_name || u?.real_name || u?.profile?.real_name || u?.name || userId).replace(/[<>]/g, '');
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

  private async oweFallback(payload: Record<string, unknown>, now: Date): Promise<void> {
    const fallback = payload.__on_failure as { method: string; args: Record<string, unknown> } | undefined;
    if (fallback) {
      await owe(this.deps.db, now, fallback);
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

function permalink(channel: string, ts: string): string {
  return `https://slack.com/archives/${channel}/p${ts.replace('.', '')}`;
}

/** Keeps what later calls need from Slack's answer: channel and ts. */
function summarise(method: string, answer: WebAPICallResult, args: Record<string, unknown>): Record<string, unknown> {
  const a = answer as unknown as Record<string, unknown> & { channel?: unknown; ts?: string; message?: { ts?: string } };
  if (method === 'conversations.create' || method === 'conversations.open') {
    const channel = a.channel as { id?: string; name?: string } | undefined;
    return { channel: channel?.id, name: channel?.name };
  }
  const channel = typeof a.channel === 'string' ? a.channel : typeof args.channel === 'string' ? args.channel : undefined;
  return { channel, ts: a.ts ?? a.message?.ts ?? (args.ts as string | undefined) };
}
