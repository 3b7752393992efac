import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

/**
 * A stand-in for Slack's Web API and Socket Mode, over real HTTP on 127.0.0.1. It keeps just enough
 * state to answer like Slack (channels, members, messages, views, user groups), records every call, and
 * can be told to fail: HTTP 500, 429 with Retry-After, slow answers, or a Slack error for a method.
 */
export interface RecordedCall {
  method: string;
  args: Record<string, any>;
  at: number;
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
}

export type Failure =
  | { status: 500 | 502 | 503 }
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

export class FakeSlack {
  readonly calls: RecordedCall[] = [];
  readonly channels = new Map<string, FakeChannel>();
  readonly messages: FakeMessage[] = [];
  readonly users = new Map<string, FakeUser>();
  readonly usergroups = new Map<string, string[]>();
  readonly responses: { url: string; body: any }[] = [];
  readonly uploads: { file_id: string; filename: string; content: Buffer; channel?: string; title?: string }[] = [];
  readonly views: { id: string; method: string; view: any; user?: string; trigger_id?: string; hash: string }[] = [];
  private readonly failures: { method: string; failure: Failure; times: number }[] = [];
  private channelRate: number | undefined;
  private readonly lastPostAt = new Map<string, number>();
  private seq = 0;
  private server: Server | undefined;
  private wss: WebSocketServer | undefined;
  private readonly sockets = new Set<WebSocket>();
  private readonly pendingAcks = new Map<string, (payload: any) => void>();
  baseUrl = '';

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

  addChannel(id: string, name: string, members: string[] = []): this {
    this.channels.set(id, { id, name, is_private: false, topic: '', members: new Set(members), bookmarks: [], pins: [] });
    return this;
  }

  /** A message a person posted (not the bot), e.g. to react to or run a shortcut on. */
  addMessage(channel: string, user: string, text: string, threadTs?: string): FakeMessage {
    const message: FakeMessage = { channel: this.resolveChannel(channel), ts: this.nextTs(), text, user, ...(threadTs ? { thread_ts: threadTs } : {}) };
    this.messages.push(message);
    return message;
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
    const id = this.users.has(channelOrUser) || /^[UW]/.test(channelOrUser) ? this.dmChannelOf(channelOrUser) : channelOrUser;
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

  get socketConnections(): number {
    return this.sockets.size;
  }

  /** Sends an envelope to the connected app and resolves with its ack payload. */
  deliver(type: 'events_api' | 'slash_commands' | 'interactive', payload: any, timeoutMs = 5000): Promise<any> {
    const socket = [...this.sockets][0];
    if (!socket) throw new Error('no Socket Mode connection');
    const envelope_id = `env-${++this.seq}`;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ack for ${envelope_id} within ${timeoutMs}ms`)), timeoutMs);
      this.pendingAcks.set(envelope_id, (ack) => {
        clearTimeout(timer);
        resolve(ack);
      });
      socket.send(JSON.stringify({ envelope_id, type, payload, accepts_response_payload: type !== 'events_api', retry_attempt: 0, retry_reason: '' }));
    });
  }

  private onSocket(ws: WebSocket): void {
    this.sockets.add(ws);
    ws.on('close', () => this.sockets.delete(ws));
    ws.on('message', (data) => {
      const message = JSON.parse(String(data)) as { envelope_id?: string; payload?: unknown };
      if (message.envelope_id) this.pendingAcks.get(message.envelope_id)?.(message.payload ?? {});
    });
    ws.send(JSON.stringify({ type: 'hello', num_connections: 1, debug_info: { host: 'fake-slack' }, connection_info: { app_id: 'AFAKE' } }));
  }

  // ---- HTTP ---------------------------------------------------------------------------------------

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks);
    const url = new URL(req.url ?? '/', this.baseUrl);
    if (url.pathname.startsWith('/response/')) {
      this.responses.push({ url: url.pathname, body: JSON.parse(raw.toString() || '{}') });
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

    const failure = this.takeFailure(method);
    let status = 200;
    let answer: Record<string, any>;
    let headers: Record<string, string> = {};
    if (failure && 'delayMs' in failure) await new Promise((r) => setTimeout(r, failure.delayMs));
    if (failure && 'status' in failure) {
      status = failure.status;
      answer = { ok: false, error: status === 429 ? 'ratelimited' : 'internal_error' };
      if (failure.status === 429) headers = { 'retry-after': String(failure.retryAfter) };
    } else if (failure && 'error' in failure) {
      answer = { ok: false, error: failure.error };
    } else if (!args.token) {
      answer = { ok: false, error: 'not_authed' };
    } else if (this.rateLimited(method, args)) {
      status = 429;
      answer = { ok: false, error: 'ratelimited' };
      headers = { 'retry-after': '1' };
    } else {
      answer = this.answer(method, args);
    }
    this.calls.push({ method, args, at: Date.now(), status, answer });
    send(res, status, answer, headers);
  }

  private takeFailure(method: string): Failure | undefined {
    const entry = this.failures.find((f) => f.method === method || f.method === '*');
    if (!entry) return undefined;
    entry.times -= 1;
    if (entry.times <= 0) this.failures.splice(this.failures.indexOf(entry), 1);
    return entry.failure;
  }

  private rateLimited(method: string, args: Record<string, any>): boolean {
    if (!this.channelRate || method !== 'chat.postMessage') return false;
    const channel = this.resolveChannel(String(args.channel));
    const now = Date.now();
    const last = this.lastPostAt.get(channel) ?? 0;
    if (now - last < 1000 / this.channelRate) return true;
    this.lastPostAt.set(channel, now);
    return false;
  }

  private nextTs(): string {
    this.seq += 1;
    return `${Math.floor(Date.now() / 1000)}.${String(this.seq).padStart(6, '0')}`;
  }

  private resolveChannel(channel: string): string {
    // Posting to a user ID lands in the bot's DM with that user.
    return /^[UW]/.test(channel) ? this.dmChannelOf(channel) : channel;
  }

  private answer(method: string, args: Record<string, any>): Record<string, any> {
    switch (method) {
      case 'auth.test':
        return { ok: true, url: 'https://fake.slack.com/', team: 'Fake', user: 'switchboard', team_id: 'TFAKE', user_id: BOT_USER_ID, bot_id: 'BFAKE' };
      case 'apps.connections.open':
        if (!String(args.token).startsWith('xapp-')) return { ok: false, error: 'not_allowed_token_type' };
        return { ok: true, url: `${this.baseUrl.replace('http', 'ws')}/socket` };
      case 'chat.postMessage': {
        if (!args.channel) return { ok: false, error: 'channel_not_found' };
        if (!args.text && !args.blocks) return { ok: false, error: 'no_text' };
        const channel = this.resolveChannel(String(args.channel));
        if (channel.startsWith('C') && !this.channels.has(channel)) return { ok: false, error: 'channel_not_found' };
        const blockError = checkBlocks(args.blocks, 50);
        if (blockError) return { ok: false, error: blockError };
        if (args.thread_ts && !this.message(channel, String(args.thread_ts))) return { ok: false, error: 'thread_not_found' };
        const message: FakeMessage = { channel, ts: this.nextTs(), text: args.text ?? '', blocks: args.blocks, thread_ts: args.thread_ts, user: BOT_USER_ID, metadata: args.metadata };
        this.messages.push(message);
        return { ok: true, channel, ts: message.ts, message: { text: message.text, ts: message.ts, user: BOT_USER_ID } };
      }
      case 'chat.update': {
        const message = this.message(String(args.channel), String(args.ts));
        if (!message) return { ok: false, error: 'message_not_found' };
        const blockError = checkBlocks(args.blocks, 50);
        if (blockError) return { ok: false, error: blockError };
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
      case 'chat.postEphemeral':
        if (!args.user) return { ok: false, error: 'user_not_in_channel' };
        return { ok: true, message_ts: this.nextTs() };
      case 'chat.getPermalink':
        return { ok: true, channel: args.channel, permalink: `https://fake.slack.com/archives/${args.channel}/p${String(args.message_ts).replace('.', '')}` };
      case 'conversations.create': {
        const name = String(args.name ?? '');
        if (!/^[a-z0-9_-]{1,80}$/.test(name)) return { ok: false, error: 'invalid_name_specials' };
        if (this.channelByName(name)) return { ok: false, error: 'name_taken' };
        const id = `C${String(++this.seq).padStart(8, '0')}`;
        this.addChannel(id, name, [BOT_USER_ID]);
        this.channels.get(id)!.is_private = args.is_private === 'true' || args.is_private === true;
        return { ok: true, channel: { id, name, is_channel: true, is_private: this.channels.get(id)!.is_private, created: Math.floor(Date.now() / 1000) } };
      }
      case 'conversations.invite': {
        const channel = this.channels.get(String(args.channel));
        if (!channel) return { ok: false, error: 'channel_not_found' };
        const ids = String(args.users ?? '').split(',').filter(Boolean);
        const unknown = ids.filter((id) => !this.users.has(id));
        if (unknown.length > 0) return { ok: false, error: 'user_not_found', errors: unknown.map((user) => ({ user, ok: false, error: 'user_not_found' })) };
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
        return { ok: true, channel: { id: channel.id, name: channel.name, is_private: channel.is_private, topic: { value: channel.topic } } };
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
        if (channel.startsWith('C') && !this.channels.has(channel)) return { ok: false, error: 'channel_not_found' };
        const latest = args.latest !== undefined ? Number(args.latest) : Number.POSITIVE_INFINITY;
        const inclusive = args.inclusive === true || args.inclusive === 'true';
        const limit = Number(args.limit ?? 100);
        const top = this.messages
          .filter((m) => m.channel === channel && (!m.thread_ts || m.thread_ts === m.ts))
          .filter((m) => (inclusive ? Number(m.ts) <= latest : Number(m.ts) < latest))
          .sort((a, b) => Number(b.ts) - Number(a.ts))
          .slice(0, limit);
        return { ok: true, messages: top.map((m) => ({ type: 'message', ts: m.ts, text: m.text, user: m.user, blocks: m.blocks })), has_more: false };
      }
      case 'conversations.replies': {
        const channel = this.resolveChannel(String(args.channel));
        const parent = this.message(channel, String(args.ts));
        if (!parent) return { ok: false, error: 'thread_not_found' };
        const root = parent.thread_ts ?? parent.ts;
        const thread = this.messages.filter((m) => m.channel === channel && (m.ts === root || m.thread_ts === root));
        return { ok: true, messages: thread.map((m) => ({ type: 'message', ts: m.ts, text: m.text, user: m.user, thread_ts: m.thread_ts })), has_more: false };
      }
      case 'users.info': {
        const user = this.users.get(String(args.user));
        if (!user) return { ok: false, error: 'user_not_found' };
        return { ok: true, user: { id: user.id, name: user.name, real_name: user.name, tz: user.tz ?? 'Europe/London', profile: { display_name: user.name, real_name: user.name } } };
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
        if (method !== 'views.publish' && method !== 'views.update' && !args.trigger_id) return { ok: false, error: 'invalid_trigger_id' };
        const view = args.view;
        const limit = view?.type === 'modal' || view?.type === 'home' ? 100 : 50;
        const blockError = checkBlocks(view?.blocks, limit) ?? checkModal(view);
        if (blockError) return { ok: false, error: blockError };
        const id = method === 'views.update' && args.view_id ? String(args.view_id) : `V${String(++this.seq).padStart(8, '0')}`;
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
        const files = (typeof args.files === 'string' ? JSON.parse(args.files) : args.files) as { id: string; title?: string }[];
        for (const file of files) {
          const upload = this.uploads.find((u) => u.file_id === file.id);
          if (!upload) return { ok: false, error: 'file_not_found' };
          upload.channel = args.channel_id;
          upload.title = file.title;
        }
        if (args.channel_id) {
          const channel = this.resolveChannel(String(args.channel_id));
          this.messages.push({ channel, ts: this.nextTs(), text: String(args.initial_comment ?? ''), user: BOT_USER_ID });
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

/** The Block Kit limits Slack enforces most often, so a view builder that breaks them fails here too. */
export function checkBlocks(blocks: unknown, maxBlocks: number): string | undefined {
  if (blocks === undefined) return undefined;
  if (!Array.isArray(blocks)) return 'invalid_blocks_format';
  if (blocks.length > maxBlocks) return 'invalid_blocks';
  let total = 0;
  for (const block of blocks as any[]) {
    if (block.block_id && String(block.block_id).length > 255) return 'invalid_blocks';
    const texts: { text: string; max: number }[] = [];
    if (block.type === 'section') {
      if (block.text) texts.push({ text: block.text.text, max: 3000 });
      if (block.fields) {
        if (block.fields.length > 10) return 'invalid_blocks';
        for (const f of block.fields) texts.push({ text: f.text, max: 2000 });
      }
      if (!block.text && !block.fields) return 'invalid_blocks';
    }
    if (block.type === 'header') texts.push({ text: block.text?.text ?? '', max: 150 });
    if (block.type === 'context') {
      if (!block.elements?.length || block.elements.length > 10) return 'invalid_blocks';
      for (const e of block.elements) if (e.text !== undefined) texts.push({ text: e.text, max: 3000 });
    }
    if (block.type === 'actions') {
      if (!block.elements?.length || block.elements.length > 25) return 'invalid_blocks';
      for (const e of block.elements) {
        if (e.action_id && String(e.action_id).length > 255) return 'invalid_blocks';
        if (e.type === 'button') {
          if (String(e.text?.text ?? '').length > 75 || String(e.value ?? '').length > 2000) return 'invalid_blocks';
          if (e.style && e.style !== 'primary' && e.style !== 'danger') return 'invalid_blocks';
        }
        if (e.options && e.options.length > 100) return 'invalid_blocks';
      }
    }
    if (block.type === 'input' && String(block.label?.text ?? '').length > 2000) return 'invalid_blocks';
    for (const t of texts) {
      if (typeof t.text !== 'string' || t.text.length === 0 || t.text.length > t.max) return 'invalid_blocks';
      total += t.text.length;
    }
  }
  return total > 12_000 ? 'msg_blocks_too_long' : undefined;
}

function checkModal(view: any): string | undefined {
  if (!view || view.type !== 'modal') return undefined;
  for (const key of ['title', 'submit', 'close'] as const) {
    if (view[key] && String(view[key].text).length > 24) return 'invalid_arguments';
  }
  if (view.private_metadata && String(view.private_metadata).length > 3000) return 'invalid_arguments';
  if (view.blocks?.some((b: any) => b.type === 'input') && !view.submit) return 'invalid_arguments';
  return undefined;
}
