import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { WebSocketServer, type WebSocket } from 'ws';
import { parse as parseYaml } from 'yaml';
import { checkMessageBlocks, checkView, type BlockProblem } from './block-kit.js';

/**
 * A stand-in for Slack's Web API and Socket Mode, over real HTTP on 127.0.0.1. It keeps just enough
 * state to answer like Slack (channels, members, messages, views, user groups), records every call, and
 * can be told to fail: HTTP 500, 429 with Retry-After, slow answers, or a Slack error for a method.
 *
 * It is as strict as Slack where Slack is strict (the README's Tests section lists what it enforces):
 * Block Kit on every surface (./block-kit.ts), message text stored and returned escaped, history and
 * replies paged like Slack's, trigger_ids valid for 3 s and once, response_urls 5 times in 30 minutes,
 * membership (not_in_channel, user_not_in_channel), msg_too_long, missing_scope against manifest.yml,
 * and, when asked, per-method rate-limit tiers.
 */
export interface RecordedCall {
  method: string;
  args: Record<string, any>;
  at: number;
  /** When the call reached the fake (before any slow answer). */
  arrivedAt: number;
  /** What the fake answered (HTTP status and body). */
  status: number;
  answer: Record<string, any>;
}

export interface FakeMessage {
  channel: string;
  ts: string;
  text: string;
  blocks?: any[];
  thread_ts?: string;
  reply_broadcast?: boolean;
  user: string;
  metadata?: unknown;
}

export interface FakeChannel {
  id: string;
  name: string;
  is_private: boolean;
  topic: string;
  members: Set<string>;
  bookmarks: { title: string; link: string }[];
  pins: string[];
  /** Who made it, and when (Unix seconds), as conversations.list and .info return them. */
  creator: string;
  created: number;
  is_archived: boolean;
}

export type Failure =
  | { status: 500 | 502 | 503 }
  /** The call takes effect, then its answer is lost: answered with this status, or the connection dropped. */
  | { applied: true; status: 500 | 502 | 503 }
  | { applied: true; hangUp: true }
  | { status: 429; retryAfter: number }
  | { error: string }
  | { delayMs: number };

export interface FakeUser {
  id: string;
  name: string;
  tz?: string;
}

const JSON_FIELDS = new Set(['blocks', 'attachments', 'view', 'metadata', 'files', 'users_list']);
export const BOT_USER_ID = 'UBOTSWITCH';

/** How long a trigger_id may be exchanged for a view, and a response_url used (Slack: 3 s; 5 uses in 30 min). */
export const TRIGGER_TTL_MS = 3000;
const RESPONSE_URL_TTL_MS = 30 * 60_000;
const RESPONSE_URL_USES = 5;
/** Slack truncates message text above 40,000 characters; a longer text is refused here as msg_too_long. */
const MAX_MESSAGE_TEXT = 40_000;

export type Tier = 1 | 2 | 3 | 4;
/** Calls per minute per method for each tier (Slack: "1+", "20+", "50+", "100+"). */
const TIER_PER_MINUTE: Record<Tier, number> = { 1: 1, 2: 20, 3: 50, 4: 100 };
/** Each method's tier as Slack documents it; chat.postMessage is "special": about 1 per second per channel. */
const METHOD_TIERS: Record<string, Tier | 'post'> = {
  'apps.connections.open': 1,
  'auth.test': 4,
  'bookmarks.add': 2,
  'chat.delete': 3,
  'chat.getPermalink': 4,
  'chat.postEphemeral': 4,
  'chat.postMessage': 'post',
  'chat.update': 3,
  'conversations.create': 2,
  'conversations.list': 2,
  'conversations.history': 3,
  'conversations.info': 3,
  'conversations.invite': 3,
  'conversations.join': 3,
  'conversations.open': 3,
  'conversations.replies': 3,
  'conversations.setTopic': 2,
  'files.completeUploadExternal': 4,
  'files.getUploadURLExternal': 4,
  'pins.add': 2,
  'reactions.add': 3,
  'usergroups.users.list': 2,
  'users.info': 4,
  'views.open': 4,
  'views.publish': 4,
  'views.push': 4,
  'views.update': 4,
};

export interface RateTierOptions {
  /** Override calls per minute per tier (e.g. a small number so a test reaches the limit quickly). */
  perMinute?: Partial<Record<Tier, number>>;
  /** chat.postMessage per second per channel (default 1). */
  postsPerSecondPerChannel?: number;
}

/**
 * The bot scope each method needs, by the kind of conversation it touches (C… public, G… private,
 * D… direct message). A method missing here needs no scope (auth.test, views.*, chat.getPermalink).
 */
const SCOPES: Record<string, string[] | ((kind: 'public' | 'private' | 'im') => string[])> = {
  'chat.postMessage': ['chat:write'],
  'chat.update': ['chat:write'],
  'chat.delete': ['chat:write'],
  'chat.postEphemeral': ['chat:write'],
  'conversations.create': (kind) => (kind === 'private' ? ['groups:write'] : ['channels:manage']),
  'conversations.invite': (kind) => (kind === 'private' ? ['groups:write'] : ['channels:manage']),
  'conversations.setTopic': (kind) => (kind === 'private' ? ['groups:write'] : ['channels:manage']),
  'conversations.info': (kind) => [kind === 'private' ? 'groups:read' : kind === 'im' ? 'im:read' : 'channels:read'],
  'conversations.history': (kind) => [
    kind === 'private' ? 'groups:history' : kind === 'im' ? 'im:history' : 'channels:history',
  ],
  'conversations.replies': (kind) => [
    kind === 'private' ? 'groups:history' : kind === 'im' ? 'im:history' : 'channels:history',
  ],
  'conversations.open': ['im:write'],
  'conversations.list': ['channels:read', 'groups:read'],
  'conversations.join': ['channels:join'],
  'pins.add': ['pins:write'],
  'bookmarks.add': ['bookmarks:write'],
  'reactions.add': ['reactions:write'],
  'users.info': ['users:read'],
  'usergroups.users.list': ['usergroups:read'],
  'files.getUploadURLExternal': ['files:write'],
  'files.completeUploadExternal': ['files:write'],
};

let manifestScopes: Set<string> | undefined;
/** The bot scopes manifest.yml asks for. */
function grantedScopes(): Set<string> {
  if (!manifestScopes) {
    const manifest = parseYaml(readFileSync(new URL('../../manifest.yml', import.meta.url), 'utf8')) as {
      oauth_config?: { scopes?: { bot?: string[] } };
    };
    manifestScopes = new Set(manifest.oauth_config?.scopes?.bot ?? []);
  }
  return manifestScopes;
}

/** Text as Slack stores and returns it: &, < and > escaped, except the markup a client makes of a mention or link. */
export function slackEscape(typed: string): string {
  const MARKUP = /<(?:[@#!][^<>\s]*?|https?:\/\/[^<>\s]+|mailto:[^<>\s]+)(?:\|[^<>]*)?>/g;
  let out = '';
  let last = 0;
  const esc = (t: string) => t.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  for (const match of typed.matchAll(MARKUP)) {
    out += esc(typed.slice(last, match.index)) + match[0];
    last = match.index! + match[0].length;
  }
  return out + esc(typed.slice(last));
}

/** What a person sees of a message's text in Slack: mentions and links rendered, entities decoded once. */
export function rendered(text: string): string {
  return text
    .replace(/<@([UW][A-Z0-9]+)(?:\|([^>]*))?>/g, (_m, id: string, name?: string) => `@${name ?? id}`)
    .replace(/<#(C[A-Z0-9]+)(?:\|([^>]*))?>/g, (_m, id: string, name?: string) => `#${name ?? id}`)
    .replace(/<!subteam\^([A-Z0-9]+)(?:\|([^>]*))?>/g, (_m, id: string, name?: string) => name ?? `@${id}`)
    .replace(/<!date\^[^|>]*\|([^>]*)>/g, (_m, fallback: string) => fallback)
    .replace(/<!([a-z]+)(?:\|[^>]*)?>/g, (_m, word: string) => `@${word}`)
    .replace(/<((?:https?|mailto):[^|>]+)\|([^>]*)>/g, (_m, _url: string, label: string) => label)
    .replace(/<((?:https?|mailto):[^>]+)>/g, (_m, url: string) => url)
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

export class FakeSlack {
  readonly calls: RecordedCall[] = [];
  readonly channels = new Map<string, FakeChannel>();
  readonly messages: FakeMessage[] = [];
  readonly users = new Map<string, FakeUser>();
  readonly usergroups = new Map<string, string[]>();
  readonly responses: { url: string; body: any }[] = [];
  readonly uploads: { file_id: string; filename: string; content: Buffer; channel?: string; title?: string }[] = [];
  readonly views: { id: string; method: string; view: any; user?: string; trigger_id?: string; hash: string }[] = [];
  /** response_url posts Slack refused (an invalid body, a used-up or expired URL). */
  readonly refusedResponses: { url: string; body: any; error: string; reason?: string }[] = [];
  private readonly failures: { method: string; failure: Failure; times: number }[] = [];
  private channelRate: number | undefined;
  private slowness: { minMs: number; maxMs: number; seed: number } | undefined;
  private readonly inFlight = new Map<string, number>();
  private readonly lastPostAt = new Map<string, number>();
  private rateTiers: RateTierOptions | undefined;
  private readonly tierCalls = new Map<string, number[]>();
  private readonly exchangedTriggers = new Set<string>();
  private readonly responseUses = new Map<string, number>();
  /** Trigger ids the fake issued, with when (for triggers not in the `<n>.<ms>.<…>` form). */
  private readonly issuedTriggers = new Map<string, number>();
  /** Scopes the app has; manifest.yml's by default. */
  scopes: Set<string> = new Set(grantedScopes());
  private seq = 0;
  private server: Server | undefined;
  private wss: WebSocketServer | undefined;
  private readonly sockets = new Set<WebSocket>();
  private readonly pendingAcks = new Map<string, (payload: any) => void>();
  private pingTimer: NodeJS.Timeout | undefined;
  baseUrl = '';
  /** The fake's notion of the time (ms), for what it stamps (a channel's `created`); a test may set its clock. */
  now: () => number = () => Date.now();

  /** Base for SLACK_API_URL. */
  get apiUrl(): string {
    return `${this.baseUrl}/api/`;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    this.wss = new WebSocketServer({ noServer: true });
    this.server.on('upgrade', (req, socket, head) => {
      if (!req.url?.startsWith('/socket')) return socket.destroy();
      this.wss!.handleUpgrade(req, socket, head, (ws) => this.onSocket(ws));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.baseUrl = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    clearInterval(this.pingTimer);
    for (const ws of this.sockets) ws.terminate();
    this.wss?.close();
    this.server?.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve));
  }

  // ---- set-up -------------------------------------------------------------------------------------

  addUser(id: string, name = id.toLowerCase(), tz = 'Europe/London'): this {
    this.users.set(id, { id, name, tz });
    return this;
  }

  addChannel(
    id: string,
    name: string,
    members: string[] = [],
    options: { isPrivate?: boolean; creator?: string; created?: number; archived?: boolean } = {},
  ): this {
    this.channels.set(id, {
      id,
      name,
      is_private: options.isPrivate ?? false,
      topic: '',
      members: new Set(members),
      bookmarks: [],
      pins: [],
      creator: options.creator ?? 'UADMIN001',
      created: options.created ?? Math.floor(this.now() / 1000),
      is_archived: options.archived ?? false,
    });
    return this;
  }

  /**
   * A message a person posted (not the bot), e.g. to react to or run a shortcut on. `typed` is what they
   * typed; Slack stores it escaped (&amp; &lt; &gt;), keeping mentions and links as markup.
   */
  addMessage(channel: string, user: string, typed: string, threadTs?: string): FakeMessage {
    const message: FakeMessage = {
      channel: this.resolveChannel(channel),
      ts: this.nextTs(),
      text: slackEscape(typed),
      user,
      ...(threadTs ? { thread_ts: threadTs } : {}),
    };
    this.messages.push(message);
    return message;
  }

  /** A trigger_id as Slack hands one out with an interaction: valid for 3 s, once. */
  issueTrigger(): string {
    const id = `${++this.seq}.${Date.now()}.fake${Math.random().toString(16).slice(2, 10)}`;
    this.issuedTriggers.set(id, Date.now());
    return id;
  }

  /** Opt in to Slack's per-method rate-limit tiers (off by default so timing never decides a test). */
  enforceRateTiers(options: RateTierOptions | null = {}): this {
    this.rateTiers = options ?? undefined;
    this.tierCalls.clear();
    return this;
  }

  setUsergroup(id: string, members: string[]): this {
    this.usergroups.set(id, members);
    return this;
  }

  /** The next `times` calls to `method` (or '*') fail this way. */
  failNext(method: string, failure: Failure, times = 1): this {
    this.failures.push({ method, failure, times });
    return this;
  }

  /**
   * Every Web API call is answered after a delay between `minMs` and `maxMs` (spread by a fixed seed, so
   * runs repeat); the call takes effect when it is answered, whether or not the caller is still there.
   * `undefined` answers at once again.
   */
  answerSlowly(minMs?: number, maxMs = minMs): this {
    this.slowness = minMs === undefined ? undefined : { minMs, maxMs: maxMs ?? minMs, seed: 42 };
    return this;
  }

  /** Resolves once every Web API call that reached the fake is answered (slow answers included). */
  async idle(timeoutMs = 10_000): Promise<void> {
    const busy = () => [...this.inFlight.values()].some((n) => n > 0);
    for (const start = Date.now(); busy() && Date.now() - start < timeoutMs;)
      await new Promise((r) => setTimeout(r, 5));
  }

  /** Calls to `method` received and not answered yet. */
  callsInFlight(method: string): number {
    return this.inFlight.get(method) ?? 0;
  }

  /** Enforce roughly `perSecond` chat.postMessage per channel, answering 429 + Retry-After beyond it. */
  enforceChannelRate(perSecond: number | undefined): this {
    this.channelRate = perSecond;
    return this;
  }

  // ---- reading what happened ----------------------------------------------------------------------

  callsTo(method: string): RecordedCall[] {
    return this.calls.filter((c) => c.method === method && c.answer.ok);
  }

  /** Messages currently in a channel (or a user's DM), top-level and replies. */
  messagesIn(channelOrUser: string): FakeMessage[] {
    const id =
      this.users.has(channelOrUser) || /^[UW]/.test(channelOrUser) ? this.dmChannelOf(channelOrUser) : channelOrUser;
    return this.messages.filter((m) => m.channel === id);
  }

  message(channel: string, ts: string): FakeMessage | undefined {
    return this.messages.find((m) => m.channel === channel && m.ts === ts);
  }

  dmChannelOf(userId: string): string {
    return `D${userId}`;
  }

  channelByName(name: string): FakeChannel | undefined {
    return [...this.channels.values()].find((c) => c.name === name);
  }

  /** The newest view the app opened or pushed for a trigger/user. */
  lastView(): { id: string; view: any; hash: string } {
    const view = this.views.filter((v) => v.method !== 'views.publish').at(-1);
    if (!view) throw new Error('no view was opened');
    return view;
  }

  // ---- Socket Mode --------------------------------------------------------------------------------

  /** Slack's ack deadline for an envelope: past it the delivery failed (events are then retried). */
  ackDeadlineMs = 3000;
  /** Envelopes sent, each with how it ended. */
  readonly envelopes: {
    envelope_id: string;
    type: string;
    retry_attempt: number;
    outcome: 'acked' | 'timed_out' | 'pending';
  }[] = [];

  get socketConnections(): number {
    return this.sockets.size;
  }

  /** Server pings every `ms` on every connection (as Slack does), or none. */
  pingEvery(ms: number | undefined): this {
    clearInterval(this.pingTimer);
    this.pingTimer =
      ms === undefined
        ? undefined
        : setInterval(() => {
            for (const ws of this.sockets) ws.ping(Buffer.from('fake-slack'));
          }, ms);
    this.pingTimer?.unref();
    return this;
  }

  /** Slack asks the app to reconnect (routinely refresh_requested; warning; link_disabled). */
  sendDisconnect(reason: 'refresh_requested' | 'warning' | 'link_disabled'): void {
    for (const ws of this.sockets)
      ws.send(JSON.stringify({ type: 'disconnect', reason, debug_info: { host: 'fake-slack' } }));
  }

  /** The connection drops with no goodbye (a network reset). */
  dropConnections(): void {
    for (const ws of this.sockets) ws.terminate();
  }

  /** Resolves once a connection is open and has had its hello. */
  async waitForConnection(timeoutMs = 5000): Promise<void> {
    const start = Date.now();
    while (this.sockets.size === 0) {
      if (Date.now() - start > timeoutMs) throw new Error(`no Socket Mode connection within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  /**
   * Sends an envelope to the connected app and resolves with its ack payload. Unacked within
   * `ackDeadlineMs`, the delivery failed: an event is sent again (retry_attempt 1–3, retry_reason
   * timeout), a command or interaction is not (the person saw an error) and this rejects.
   */
  async deliver(type: 'events_api' | 'slash_commands' | 'interactive', payload: any, timeoutMs = 5000): Promise<any> {
    await this.waitForConnection(timeoutMs);
    const retries = type === 'events_api' ? 3 : 0;
    return new Promise((resolve, reject) => {
      let settled = false;
      const overall = setTimeout(
        () => finish(new Error(`no ack within ${timeoutMs}ms`)),
        Math.max(timeoutMs, this.ackDeadlineMs * (retries + 1) + 1000),
      );
      const finish = (error: Error | undefined, ack?: any) => {
        if (settled) return;
        settled = true;
        clearTimeout(overall);
        if (error) reject(error);
        else resolve(ack);
      };
      const attempt = (retry: number) => {
        const socket = [...this.sockets][0];
        const envelope_id = `env-${++this.seq}`;
        const record = {
          envelope_id,
          type,
          retry_attempt: retry,
          outcome: 'pending' as 'acked' | 'timed_out' | 'pending',
        };
        this.envelopes.push(record);
        const deadline = setTimeout(() => {
          this.pendingAcks.delete(envelope_id);
          record.outcome = 'timed_out';
          if (retry < retries) attempt(retry + 1);
          else finish(new Error(`${envelope_id} not acked within ${this.ackDeadlineMs} ms`));
        }, this.ackDeadlineMs);
        this.pendingAcks.set(envelope_id, (ack) => {
          clearTimeout(deadline);
          record.outcome = 'acked';
          finish(undefined, ack);
        });
        if (!socket) return; // the attempt times out and, for an event, is tried again
        socket.send(
          JSON.stringify({
            envelope_id,
            type,
            payload,
            accepts_response_payload: type !== 'events_api',
            retry_attempt: retry,
            retry_reason: retry ? 'timeout' : '',
          }),
        );
      };
      attempt(0);
    });
  }

  private onSocket(ws: WebSocket): void {
    this.sockets.add(ws);
    ws.on('close', () => this.sockets.delete(ws));
    ws.on('message', (data) => {
      const message = JSON.parse(String(data)) as { envelope_id?: string; payload?: unknown };
      if (message.envelope_id) this.pendingAcks.get(message.envelope_id)?.(message.payload ?? {});
    });
    ws.send(
      JSON.stringify({
        type: 'hello',
        num_connections: this.sockets.size,
        debug_info: { host: 'fake-slack' },
        connection_info: { app_id: 'AFAKE' },
      }),
    );
  }

  // ---- HTTP ---------------------------------------------------------------------------------------

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks);
    const url = new URL(req.url ?? '/', this.baseUrl);
    if (url.pathname.startsWith('/response/')) {
      const body = safeJson(raw.toString() || '{}') as any;
      const refusal = this.refuseResponse(url.pathname, body);
      if (refusal) {
        this.refusedResponses.push({ url: url.pathname, body, ...refusal });
        return send(res, refusal.status, {
          ok: false,
          error: refusal.error,
          ...(refusal.reason ? { response_metadata: { messages: [refusal.reason] } } : {}),
        });
      }
      this.responses.push({ url: url.pathname, body });
      return send(res, 200, { ok: true });
    }
    if (url.pathname.startsWith('/upload/')) {
      const upload = this.uploads.find((u) => u.file_id === url.pathname.slice('/upload/'.length));
      if (upload) upload.content = await uploadedBytes(raw, req.headers['content-type'] ?? '');
      return send(res, 200, { ok: true });
    }
    if (!url.pathname.startsWith('/api/')) return send(res, 404, { ok: false, error: 'not_found' });
    const method = url.pathname.slice('/api/'.length);
    const args = parseArgs(raw.toString(), req.headers['content-type'] ?? '');
    const auth = req.headers.authorization ?? '';
    if (auth) args.token = auth.replace(/^Bearer /, '');

    this.inFlight.set(method, (this.inFlight.get(method) ?? 0) + 1);
    try {
      await this.respond(method, args, res);
    } finally {
      this.inFlight.set(method, this.inFlight.get(method)! - 1);
    }
  }

  private async respond(method: string, args: Record<string, any>, res: ServerResponse): Promise<void> {
    const arrivedAt = Date.now();
    if (this.slowness) {
      const { minMs, maxMs } = this.slowness;
      // A small linear congruential generator: the same spread of delays on every run.
      this.slowness.seed = (this.slowness.seed * 1103515245 + 12345) % 2 ** 31;
      await new Promise((r) => setTimeout(r, minMs + ((maxMs - minMs) * this.slowness!.seed) / 2 ** 31));
    }
    const failure = this.takeFailure(method);
    let status = 200;
    let answer: Record<string, any>;
    let headers: Record<string, string> = {};
    if (failure && 'delayMs' in failure) await new Promise((r) => setTimeout(r, failure.delayMs));
    if (failure && 'status' in failure && !('applied' in failure)) {
      status = failure.status;
      answer = { ok: false, error: status === 429 ? 'ratelimited' : 'internal_error' };
      if (failure.status === 429) headers = { 'retry-after': String(failure.retryAfter) };
    } else if (failure && 'error' in failure) {
      answer = { ok: false, error: failure.error };
    } else if (!args.token) {
      answer = { ok: false, error: 'not_authed' };
    } else {
      const retryAfter = this.rateLimited(method, args);
      const scope = retryAfter === undefined ? this.missingScope(method, args) : undefined;
      if (retryAfter !== undefined) {
        status = 429;
        answer = { ok: false, error: 'ratelimited' };
        headers = { 'retry-after': String(retryAfter) };
      } else if (scope) {
        answer = { ok: false, error: 'missing_scope', needed: scope, provided: [...this.scopes].join(',') };
      } else {
        answer = this.answer(method, args, arrivedAt);
      }
    }
    if (failure && 'applied' in failure) {
      // Done as asked; the answer never reaches the caller.
      this.calls.push({
        method,
        args,
        at: Date.now(),
        arrivedAt,
        status: 'status' in failure ? failure.status : 0,
        answer,
      });
      if ('hangUp' in failure) {
        res.socket?.destroy();
        return;
      }
      return send(res, failure.status, { ok: false, error: 'internal_error' });
    }
    this.calls.push({ method, args, at: Date.now(), arrivedAt, status, answer });
    send(res, status, answer, headers);
  }

  private takeFailure(method: string): Failure | undefined {
    const entry = this.failures.find((f) => f.method === method || f.method === '*');
    if (!entry) return undefined;
    entry.times -= 1;
    if (entry.times <= 0) this.failures.splice(this.failures.indexOf(entry), 1);
    return entry.failure;
  }

  /** Seconds to wait if this call is over its rate limit, else undefined (and the call is counted). */
  private rateLimited(method: string, args: Record<string, any>): number | undefined {
    const now = Date.now();
    const tier = METHOD_TIERS[method];
    const perSecond =
      tier === 'post'
        ? (this.channelRate ?? (this.rateTiers ? (this.rateTiers.postsPerSecondPerChannel ?? 1) : undefined))
        : undefined;
    if (perSecond) {
      const channel = this.resolveChannel(String(args.channel));
      const last = this.lastPostAt.get(channel) ?? 0;
      const gap = 1000 / perSecond;
      if (now - last < gap) return Math.max(1, Math.ceil((gap - (now - last)) / 1000));
      this.lastPostAt.set(channel, now);
      return undefined;
    }
    if (!this.rateTiers || tier === undefined || tier === 'post') return undefined;
    const limit = this.rateTiers.perMinute?.[tier] ?? TIER_PER_MINUTE[tier];
    const recent = (this.tierCalls.get(method) ?? []).filter((at) => now - at < 60_000);
    if (recent.length >= limit) {
      this.tierCalls.set(method, recent);
      return Math.max(1, Math.ceil((60_000 - (now - recent[0]!)) / 1000));
    }
    recent.push(now);
    this.tierCalls.set(method, recent);
    return undefined;
  }

  /** The scope a call needs that manifest.yml does not grant, if any. */
  private missingScope(method: string, args: Record<string, any>): string | undefined {
    const rule = SCOPES[method];
    if (!rule) return undefined;
    let needed: string[];
    if (typeof rule === 'function') {
      const id =
        method === 'conversations.create' ? '' : this.resolveChannel(String(args.channel ?? args.channel_id ?? ''));
      const isPrivate =
        method === 'conversations.create'
          ? args.is_private === true || args.is_private === 'true'
          : (this.channels.get(id)?.is_private ?? id.startsWith('G'));
      needed = rule(id.startsWith('D') ? 'im' : isPrivate ? 'private' : 'public');
    } else needed = rule;
    return needed.some((scope) => this.scopes.has(scope)) ? undefined : needed.join(',');
  }

  /** Why Slack would refuse a response_url post: an invalid body, too many uses, or too late. */
  private refuseResponse(path: string, body: any): { status: number; error: string; reason?: string } | undefined {
    // /response/<n>[/<issued ms>]: the harness encodes when Slack handed the URL out.
    const issued = Number(path.split('/')[3]);
    if (Number.isFinite(issued) && issued > 0 && Date.now() - issued > RESPONSE_URL_TTL_MS)
      return { status: 404, error: 'expired_url' };
    const uses = this.responseUses.get(path) ?? 0;
    if (uses >= RESPONSE_URL_USES) return { status: 404, error: 'used_url' };
    if (!body || typeof body !== 'object' || Array.isArray(body)) return { status: 400, error: 'invalid_payload' };
    const known = new Set([
      'text',
      'blocks',
      'attachments',
      'response_type',
      'replace_original',
      'delete_original',
      'thread_ts',
      'mrkdwn',
      'unfurl_links',
      'unfurl_media',
      'metadata',
    ]);
    const unknown = Object.keys(body).filter((k) => !known.has(k));
    if (unknown.length > 0)
      return { status: 400, error: 'invalid_payload', reason: `unknown fields ${unknown.join(', ')}` };
    if (body.response_type !== undefined && body.response_type !== 'ephemeral' && body.response_type !== 'in_channel')
      return { status: 400, error: 'invalid_payload', reason: 'response_type must be ephemeral or in_channel' };
    for (const flag of ['replace_original', 'delete_original'] as const) {
      if (body[flag] !== undefined && typeof body[flag] !== 'boolean')
        return { status: 400, error: 'invalid_payload', reason: `${flag} must be a boolean` };
    }
    if (body.delete_original !== true) {
      if (
        (typeof body.text !== 'string' || body.text.length === 0) &&
        !(Array.isArray(body.blocks) && body.blocks.length > 0)
      )
        return { status: 400, error: 'no_text' };
      if (typeof body.text === 'string' && body.text.length > MAX_MESSAGE_TEXT)
        return { status: 400, error: 'msg_too_long' };
      const problem = checkMessageBlocks(body.blocks);
      if (problem) return { status: 400, error: problem.error, reason: problem.reason };
    }
    this.responseUses.set(path, uses + 1);
    return undefined;
  }

  /** Why a trigger_id cannot be exchanged now (3 s, once), if it cannot. */
  private triggerProblem(triggerId: unknown, at = Date.now()): string | undefined {
    if (typeof triggerId !== 'string' || triggerId === '') return 'invalid_trigger_id';
    const issued = this.issuedTriggers.get(triggerId) ?? Number(/^\d+\.(\d{13})\./.exec(triggerId)?.[1]);
    if (!Number.isFinite(issued)) return 'invalid_trigger_id';
    if (this.exchangedTriggers.has(triggerId)) return 'exchanged_trigger_id';
    if (at - issued > TRIGGER_TTL_MS) return 'expired_trigger_id';
    this.exchangedTriggers.add(triggerId);
    return undefined;
  }

  /** A channel the bot may post to: public (chat:write.public) or one it is a member of. */
  private postRefusal(channel: string): string | undefined {
    if (channel.startsWith('D')) return undefined;
    const known = this.channels.get(channel);
    if (!known) return 'channel_not_found';
    if (known.members.has(BOT_USER_ID)) return undefined;
    if (known.is_private) return 'not_in_channel';
    return this.scopes.has('chat:write.public') ? undefined : 'not_in_channel';
  }

  private nextTs(): string {
    this.seq += 1;
    return `${Math.floor(Date.now() / 1000)}.${String(this.seq).padStart(6, '0')}`;
  }

  /** A message as the Web API returns it (text as stored: escaped; thread fields as Slack sets them). */
  private asReturned(m: FakeMessage, args: Record<string, any> = {}): Record<string, unknown> {
    const withMetadata = args.include_all_metadata === true || args.include_all_metadata === 'true';
    const replies = this.messages.filter((r) => r.channel === m.channel && r.thread_ts === m.ts && r.ts !== m.ts);
    return {
      type: 'message',
      ts: m.ts,
      text: m.text,
      user: m.user,
      ...(m.user === BOT_USER_ID ? { bot_id: 'BFAKE' } : {}),
      ...(m.blocks ? { blocks: m.blocks } : {}),
      ...(m.thread_ts ? { thread_ts: m.thread_ts } : replies.length > 0 ? { thread_ts: m.ts } : {}),
      ...(replies.length > 0 && (!m.thread_ts || m.thread_ts === m.ts) ? { reply_count: replies.length } : {}),
      ...(m.thread_ts && m.thread_ts !== m.ts ? { parent_user_id: this.message(m.channel, m.thread_ts)?.user } : {}),
      // Message metadata only when asked for.
      ...(withMetadata && m.metadata ? { metadata: m.metadata } : {}),
    };
  }

  private resolveChannel(channel: string): string {
    // Posting to a user ID lands in the bot's DM with that user.
    return /^[UW]/.test(channel) ? this.dmChannelOf(channel) : channel;
  }

  private answer(method: string, args: Record<string, any>, arrivedAt = Date.now()): Record<string, any> {
    switch (method) {
      case 'auth.test':
        return {
          ok: true,
          url: 'https://fake.slack.com/',
          team: 'Fake',
          user: 'switchboard',
          team_id: 'TFAKE',
          user_id: BOT_USER_ID,
          bot_id: 'BFAKE',
        };
      case 'apps.connections.open':
        if (!String(args.token).startsWith('xapp-')) return { ok: false, error: 'not_allowed_token_type' };
        return { ok: true, url: `${this.baseUrl.replace('http', 'ws')}/socket` };
      case 'chat.postMessage': {
        if (!args.channel) return { ok: false, error: 'channel_not_found' };
        if (!args.text && !args.blocks) return { ok: false, error: 'no_text' };
        const channel = this.resolveChannel(String(args.channel));
        const refusal = this.postRefusal(channel);
        if (refusal) return { ok: false, error: refusal };
        const invalid = messageProblem(args);
        if (invalid) return invalid;
        if (args.thread_ts && !this.message(channel, String(args.thread_ts)))
          return { ok: false, error: 'thread_not_found' };
        const broadcast = args.reply_broadcast === true || args.reply_broadcast === 'true';
        const message: FakeMessage = {
          channel,
          ts: this.nextTs(),
          text: args.text ?? '',
          blocks: args.blocks,
          thread_ts: args.thread_ts,
          user: BOT_USER_ID,
          metadata: args.metadata,
          ...(broadcast ? { reply_broadcast: true } : {}),
        };
        this.messages.push(message);
        return {
          ok: true,
          channel,
          ts: message.ts,
          message: { text: message.text, ts: message.ts, user: BOT_USER_ID },
        };
      }
      case 'chat.update': {
        const message = this.message(String(args.channel), String(args.ts));
        if (!message) return { ok: false, error: 'message_not_found' };
        if (message.user !== BOT_USER_ID) return { ok: false, error: 'cant_update_message' };
        const invalid = messageProblem(args);
        if (invalid) return invalid;
        if (args.text !== undefined) message.text = args.text;
        if (args.blocks !== undefined) message.blocks = args.blocks;
        return { ok: true, channel: message.channel, ts: message.ts, text: message.text };
      }
      case 'chat.delete': {
        const index = this.messages.findIndex((m) => m.channel === args.channel && m.ts === args.ts);
        if (index < 0) return { ok: false, error: 'message_not_found' };
        this.messages.splice(index, 1);
        return { ok: true, channel: args.channel, ts: args.ts };
      }
      case 'chat.postEphemeral': {
        if (!args.text && !args.blocks) return { ok: false, error: 'no_text' };
        const channel = this.resolveChannel(String(args.channel ?? ''));
        const refusal = this.postRefusal(channel);
        if (refusal) return { ok: false, error: refusal };
        const user = String(args.user ?? '');
        const inChannel = channel.startsWith('D')
          ? channel === this.dmChannelOf(user)
          : this.channels.get(channel)!.members.has(user);
        if (!user || !inChannel) return { ok: false, error: 'user_not_in_channel' };
        const invalid = messageProblem(args);
        if (invalid) return invalid;
        return { ok: true, message_ts: this.nextTs() };
      }
      case 'chat.getPermalink': {
        // Slack's own link: the workspace's address, and for a reply the thread it belongs to.
        const channel = this.resolveChannel(String(args.channel ?? ''));
        if (!/^[CGD][A-Z0-9]+$/.test(channel) || (channel.startsWith('C') && !this.channels.has(channel)))
          return { ok: false, error: 'channel_not_found' };
        const message = this.message(channel, String(args.message_ts));
        if (!message) return { ok: false, error: 'message_not_found' };
        const root =
          message.thread_ts && message.thread_ts !== message.ts ? `?thread_ts=${message.thread_ts}&cid=${channel}` : '';
        return {
          ok: true,
          channel,
          permalink: `https://fake.slack.com/archives/${channel}/p${message.ts.replace('.', '')}${root}`,
        };
      }
      case 'conversations.create': {
        const name = String(args.name ?? '');
        if (!/^[a-z0-9_-]{1,80}$/.test(name)) return { ok: false, error: 'invalid_name_specials' };
        if (this.channelByName(name)) return { ok: false, error: 'name_taken' };
        const id = `C${String(++this.seq).padStart(8, '0')}`;
        this.addChannel(id, name, [BOT_USER_ID], { creator: BOT_USER_ID });
        const made = this.channels.get(id)!;
        made.is_private = args.is_private === 'true' || args.is_private === true;
        return {
          ok: true,
          channel: {
            id,
            name,
            is_channel: true,
            is_private: made.is_private,
            created: made.created,
            creator: made.creator,
          },
        };
      }
      case 'conversations.list': {
        // Slack's default is public channels only; private ones are listed only to their members.
        const types = String(args.types || 'public_channel').split(',');
        if (types.some((t) => !['public_channel', 'private_channel', 'mpim', 'im'].includes(t)))
          return { ok: false, error: 'invalid_types' };
        if (types.includes('public_channel') && !this.scopes.has('channels:read'))
          return { ok: false, error: 'missing_scope', needed: 'channels:read' };
        if (types.includes('private_channel') && !this.scopes.has('groups:read'))
          return { ok: false, error: 'missing_scope', needed: 'groups:read' };
        const excludeArchived = args.exclude_archived === true || args.exclude_archived === 'true';
        const listed = [...this.channels.values()].filter(
          (c) =>
            (c.is_private
              ? types.includes('private_channel') && c.members.has(BOT_USER_ID)
              : types.includes('public_channel')) && !(excludeArchived && c.is_archived),
        );
        const page = paginate(listed, args);
        if ('error' in page) return { ok: false, error: page.error };
        return {
          ok: true,
          channels: page.items.map((c) => ({
            id: c.id,
            name: c.name,
            is_channel: true,
            is_private: c.is_private,
            is_archived: c.is_archived,
            created: c.created,
            creator: c.creator,
          })),
          response_metadata: { next_cursor: page.next ?? '' },
        };
      }
      case 'conversations.invite': {
        const channel = this.channels.get(String(args.channel));
        if (!channel) return { ok: false, error: 'channel_not_found' };
        const ids = String(args.users ?? '')
          .split(',')
          .filter(Boolean);
        const unknown = ids.filter((id) => !this.users.has(id));
        if (unknown.length > 0)
          return {
            ok: false,
            error: 'user_not_found',
            errors: unknown.map((user) => ({ user, ok: false, error: 'user_not_found' })),
          };
        const fresh = ids.filter((id) => !channel.members.has(id));
        if (fresh.length === 0) return { ok: false, error: 'already_in_channel' };
        for (const id of fresh) channel.members.add(id);
        return { ok: true, channel: { id: channel.id, name: channel.name } };
      }
      case 'conversations.setTopic': {
        const channel = this.channels.get(String(args.channel));
        if (!channel) return { ok: false, error: 'channel_not_found' };
        if (String(args.topic).length > 250) return { ok: false, error: 'too_long' };
        channel.topic = String(args.topic);
        return { ok: true, channel: { id: channel.id, topic: { value: channel.topic } } };
      }
      case 'conversations.info': {
        const channel = this.channels.get(String(args.channel));
        if (!channel) return { ok: false, error: 'channel_not_found' };
        return {
          ok: true,
          channel: {
            id: channel.id,
            name: channel.name,
            is_private: channel.is_private,
            created: channel.created,
            creator: channel.creator,
            topic: { value: channel.topic },
          },
        };
      }
      case 'conversations.open': {
        const users = String(args.users ?? '').split(',');
        return { ok: true, channel: { id: this.dmChannelOf(users[0]!) } };
      }
      case 'conversations.join': {
        const channel = this.channels.get(String(args.channel));
        if (!channel) return { ok: false, error: 'channel_not_found' };
        channel.members.add(BOT_USER_ID);
        return { ok: true, channel: { id: channel.id } };
      }
      case 'pins.add': {
        const channel = this.channels.get(String(args.channel));
        if (!channel) return { ok: false, error: 'channel_not_found' };
        if (channel.is_private && !channel.members.has(BOT_USER_ID)) return { ok: false, error: 'not_in_channel' };
        if (!this.message(channel.id, String(args.timestamp))) return { ok: false, error: 'message_not_found' };
        if (channel.pins.includes(String(args.timestamp))) return { ok: false, error: 'already_pinned' };
        channel.pins.push(String(args.timestamp));
        return { ok: true };
      }
      case 'bookmarks.add': {
        const channel = this.channels.get(String(args.channel_id));
        if (!channel) return { ok: false, error: 'channel_not_found' };
        channel.bookmarks.push({ title: String(args.title), link: String(args.link) });
        return { ok: true, bookmark: { id: `Bk${++this.seq}`, title: args.title, link: args.link } };
      }
      case 'reactions.add':
        return { ok: true };
      case 'conversations.history': {
        const channel = this.resolveChannel(String(args.channel));
        const known = this.channels.get(channel);
        if (channel.startsWith('C') && !known) return { ok: false, error: 'channel_not_found' };
        if (known?.is_private && !known.members.has(BOT_USER_ID)) return { ok: false, error: 'not_in_channel' };
        // Top-level messages (and replies also sent to the channel), newest first.
        const top = this.messages
          .filter((m) => m.channel === channel && (!m.thread_ts || m.thread_ts === m.ts || m.reply_broadcast))
          .filter(inWindow(args))
          .sort((a, b) => compareTs(b.ts, a.ts));
        const page = paginate(top, args);
        if ('error' in page) return { ok: false, error: page.error };
        return {
          ok: true,
          messages: page.items.map((m) => this.asReturned(m, args)),
          has_more: page.hasMore,
          ...(page.next ? { response_metadata: { next_cursor: page.next } } : {}),
        };
      }
      case 'conversations.replies': {
        const channel = this.resolveChannel(String(args.channel));
        const known = this.channels.get(channel);
        if (channel.startsWith('C') && !known) return { ok: false, error: 'channel_not_found' };
        if (known?.is_private && !known.members.has(BOT_USER_ID)) return { ok: false, error: 'not_in_channel' };
        const asked = this.message(channel, String(args.ts));
        if (!asked) return { ok: false, error: 'thread_not_found' };
        const root = asked.thread_ts ?? asked.ts;
        const parent = this.message(channel, root);
        // The parent always comes first; the window (oldest/latest/inclusive) picks among the replies.
        const replies = this.messages
          .filter((m) => m.channel === channel && m.thread_ts === root && m.ts !== root)
          .filter(inWindow(args))
          .sort((a, b) => compareTs(a.ts, b.ts));
        const page = paginate(parent ? [parent, ...replies] : replies, args);
        if ('error' in page) return { ok: false, error: page.error };
        return {
          ok: true,
          messages: page.items.map((m) => this.asReturned(m, args)),
          has_more: page.hasMore,
          ...(page.next ? { response_metadata: { next_cursor: page.next } } : {}),
        };
      }
      case 'users.info': {
        const user = this.users.get(String(args.user));
        if (!user) return { ok: false, error: 'user_not_found' };
        return {
          ok: true,
          user: {
            id: user.id,
            name: user.name,
            real_name: user.name,
            tz: user.tz ?? 'Europe/London',
            profile: { display_name: user.name, real_name: user.name },
          },
        };
      }
      case 'usergroups.users.list': {
        const members = this.usergroups.get(String(args.usergroup));
        if (!members) return { ok: false, error: 'no_such_subteam' };
        return { ok: true, users: members };
      }
      case 'views.open':
      case 'views.push':
      case 'views.update':
      case 'views.publish': {
        const view = args.view;
        if (method === 'views.publish' && view?.type !== 'home')
          return {
            ok: false,
            error: 'invalid_arguments',
            response_metadata: { messages: ['views.publish takes a home view'] },
          };
        if (method !== 'views.publish' && view?.type !== 'modal')
          return {
            ok: false,
            error: 'invalid_arguments',
            response_metadata: { messages: [`${method} takes a modal view`] },
          };
        const problem = checkView(view);
        if (problem) return blockAnswer(problem);
        if (method === 'views.update') {
          const existing = this.views.find(
            (v) => v.id === args.view_id || (args.external_id && v.view?.external_id === args.external_id),
          );
          if (!existing) return { ok: false, error: 'not_found' };
          if (args.hash !== undefined && this.views.filter((v) => v.id === existing.id).at(-1)!.hash !== args.hash)
            return { ok: false, error: 'hash_conflict' };
        }
        if (method === 'views.open' || method === 'views.push') {
          const triggerProblem = this.triggerProblem(args.trigger_id, arrivedAt);
          if (triggerProblem) return { ok: false, error: triggerProblem };
        }
        const id =
          method === 'views.update' && args.view_id ? String(args.view_id) : `V${String(++this.seq).padStart(8, '0')}`;
        const hash = `hash-${this.seq}`;
        this.views.push({ id, method, view, user: args.user_id, trigger_id: args.trigger_id, hash });
        return { ok: true, view: { ...view, id, hash } };
      }
      case 'files.getUploadURLExternal': {
        const file_id = `F${String(++this.seq).padStart(8, '0')}`;
        this.uploads.push({ file_id, filename: String(args.filename), content: Buffer.alloc(0) });
        return { ok: true, upload_url: `${this.baseUrl}/upload/${file_id}`, file_id };
      }
      case 'files.completeUploadExternal': {
        const files = (typeof args.files === 'string' ? JSON.parse(args.files) : args.files) as {
          id: string;
          title?: string;
        }[];
        for (const file of files) {
          const upload = this.uploads.find((u) => u.file_id === file.id);
          if (!upload) return { ok: false, error: 'file_not_found' };
          upload.channel = args.channel_id;
          upload.title = file.title;
        }
        if (args.channel_id) {
          const channel = this.resolveChannel(String(args.channel_id));
          this.messages.push({
            channel,
            ts: this.nextTs(),
            text: String(args.initial_comment ?? ''),
            user: BOT_USER_ID,
          });
        }
        return { ok: true, files: files.map((f) => ({ id: f.id, title: f.title })) };
      }
      default:
        return { ok: false, error: 'unknown_method' };
    }
  }
}

/** The file's bytes: the raw body, or the file part of a multipart form (how the WebClient sends it). */
async function uploadedBytes(raw: Buffer, contentType: string): Promise<Buffer> {
  if (!contentType.startsWith('multipart/form-data')) return raw;
  const form = await new Response(new Uint8Array(raw), { headers: { 'content-type': contentType } }).formData();
  for (const value of form.values()) {
    if (typeof value !== 'string') return Buffer.from(await value.arrayBuffer());
  }
  return raw;
}

function parseArgs(body: string, contentType: string): Record<string, any> {
  if (contentType.includes('application/json')) return body ? JSON.parse(body) : {};
  const args: Record<string, any> = {};
  for (const [key, value] of new URLSearchParams(body)) {
    args[key] = JSON_FIELDS.has(key) ? safeJson(value) : value;
  }
  return args;
}

function safeJson(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  res.end(JSON.stringify(body));
}

/** Slack's answer to a Block Kit problem, with the offending field named the way Slack names it. */
function blockAnswer(problem: BlockProblem): Record<string, any> {
  return {
    ok: false,
    error: problem.error,
    errors: [problem.reason],
    response_metadata: { messages: [`[ERROR] ${problem.reason}`] },
  };
}

/** Text and blocks of a message, as chat.postMessage / chat.update / chat.postEphemeral check them. */
function messageProblem(args: Record<string, any>): Record<string, any> | undefined {
  if (typeof args.text === 'string' && args.text.length > MAX_MESSAGE_TEXT) return { ok: false, error: 'msg_too_long' };
  const problem = checkMessageBlocks(args.blocks);
  return problem ? blockAnswer(problem) : undefined;
}

/** Kept for tests that check a builder's output directly: the error Slack would give, if any. */
export function checkBlocks(blocks: unknown, maxBlocks: number): string | undefined {
  if (maxBlocks > 50) return checkView({ type: 'home', blocks })?.error;
  return checkMessageBlocks(blocks)?.error;
}

const compareTs = (a: string, b: string): number => {
  const [as, af = ''] = a.split('.');
  const [bs, bf = ''] = b.split('.');
  return Number(as) - Number(bs) || Number(af.padEnd(6, '0')) - Number(bf.padEnd(6, '0'));
};

/** oldest / latest / inclusive as Slack applies them (both ends exclusive unless inclusive). */
function inWindow(args: Record<string, any>): (m: FakeMessage) => boolean {
  const inclusive = args.inclusive === true || args.inclusive === 'true' || args.inclusive === '1';
  const oldest = args.oldest !== undefined && args.oldest !== '' ? String(args.oldest) : undefined;
  const latest = args.latest !== undefined && args.latest !== '' ? String(args.latest) : undefined;
  return (m) => {
    if (oldest !== undefined) {
      const c = compareTs(m.ts, oldest);
      if (c < 0 || (c === 0 && !inclusive)) return false;
    }
    if (latest !== undefined) {
      const c = compareTs(m.ts, latest);
      if (c > 0 || (c === 0 && !inclusive)) return false;
    }
    return true;
  };
}

/** limit (default 100, at most 999) and an opaque cursor. */
function paginate<T>(
  items: T[],
  args: Record<string, any>,
): { items: T[]; hasMore: boolean; next?: string } | { error: string } {
  const limit = args.limit === undefined || args.limit === '' ? 100 : Number(args.limit);
  if (!Number.isInteger(limit) || limit < 1) return { error: 'invalid_limit' };
  let offset = 0;
  if (args.cursor) {
    const decoded = /^offset:(\d+)$/.exec(Buffer.from(String(args.cursor), 'base64').toString());
    if (!decoded) return { error: 'invalid_cursor' };
    offset = Number(decoded[1]);
  }
  const size = Math.min(limit, 999);
  const page = items.slice(offset, offset + size);
  const hasMore = offset + size < items.length;
  return {
    items: page,
    hasMore,
    ...(hasMore ? { next: Buffer.from(`offset:${offset + size}`).toString('base64') } : {}),
  };
}
