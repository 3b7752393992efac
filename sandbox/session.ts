import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import type { FakeSlack, RecordedCall } from '../devkit/fake-slack/server.js';
import { messageMentions, type SlackNames, type SlackRequests, type SlackResponse } from '../devkit/slack-requests.js';
import { SHORTCUTS } from '../views/ids.js';
import {
  formatWhen,
  initialText,
  mrkdwnToText,
  optionsOf,
  paint,
  renderMessage,
  renderView,
  textOf,
  type Names,
  type RenderOptions,
} from './render.js';
import type { SandboxWorld } from './world.js';

/**
 * One person at a terminal playing everybody in a Slack workspace: they type slash commands as the
 * current user, click numbered buttons, fill modals field by field, and see everything the bot says.
 * Plain module: input and output go through `SandboxIo`, so tests drive it without a terminal.
 */
export interface SandboxIo {
  print(text: string): void;
  /** The next line the person types; undefined once input has ended. */
  ask(prompt: string): Promise<string | undefined>;
}

type Where = { kind: 'message'; channel: string; ts: string } | { kind: 'view'; viewId: string; view: any };

interface Target {
  element: any;
  blockId: string | undefined;
  where: Where;
  /** Whose Home tab it is on, for Home tab elements. */
  owner?: string;
}

export interface OpenModal {
  id: string;
  view: any;
}

/** What came of a command, click or submission. */
export interface Outcome {
  /** The HTTP answer the app gave (ack body, inline errors). */
  response?: SlackResponse;
  /** A modal the app opened for the person. */
  modal?: OpenModal;
  /** Set when nothing was sent, with the reason. */
  skipped?: string;
}

export interface SubmitOutcome {
  errors?: Record<string, string>;
  /** The view that replaced (update) or was stacked on (push) the submitted one. */
  next?: OpenModal;
  response?: SlackResponse;
}

export interface ClickChoice {
  /** For selects: an option value or its text. */
  option?: string;
  /** For user pickers: a person's name (with or without @). */
  user?: string;
  /** For date pickers: YYYY-MM-DD. */
  date?: string;
}

export interface SessionOptions {
  fake: FakeSlack;
  slack: SlackRequests;
  world: SandboxWorld;
  io: SandboxIo;
  color?: boolean;
  timeZone?: string;
  /** Whether the app has a listener for a slash command; unknown commands are sent anyway. */
  available?: (command: string) => boolean;
  /** Work the app still owes Slack (pending outbox rows due now); settling waits for it to reach zero. */
  pendingWork?: () => Promise<number>;
  /** Where files the bot uploads are saved for the person to look at; unset: not saved. */
  filesDir?: string;
  /** Opens a saved file (tests replace the desktop viewer). */
  openFile?: (path: string) => void;
  /** Who and where the session starts. */
  user?: string;
  channel?: string;
}

const QUIET_MS = 200;
const SETTLE_LIMIT_MS = 8000;
const SILENT_METHODS = new Set([
  'auth.test',
  'users.info',
  'usergroups.users.list',
  'conversations.info',
  'conversations.open',
  'conversations.history',
  'conversations.replies',
  'conversations.join',
  'chat.getPermalink',
  'files.getUploadURLExternal',
  'apps.connections.open',
]);

const HELP = `Type as the current person; the bot's messages appear with numbered buttons.
  /it-help printer jams       run a Slack slash command as the current person (/it-help, /incident, /change, /itops)
  some words                  post a message in the current channel
  /as @bob                    become someone else (new names become employees)
  /in #it-triage              move to another channel (new names create it)
  /click 3   or just  3       click element [3]; selects ask for a choice, user pickers for a @person
  /react :ticket:             react to the last message in this channel
  /shortcut ticket            run a message shortcut on the last message (ticket, incident)
  /home                       open the App Home tab
  /people, /channels          who is who; where you can go
  /demo                       play a day at the IT desk, step by step
  /help, /quit
In a modal: Enter keeps the [default], numbers pick options, /cancel closes it.`;

export class SandboxSession {
  user: string;
  channel: string;
  /** The modal the current person has open, if any. */
  openModal: OpenModal | undefined;
  private readonly targets = new Map<number, Target>();
  private nextNumber = 1;
  private callCursor: number;
  private responseCursor: number;
  private readonly responseContext = new Map<string, { channel: string; user: string }>();
  private readonly groupHandles = new Map<string, string>();
  private inFlight = 0;
  private watcher: NodeJS.Timeout | undefined;
  private userSeq = 0;
  /** Extra commands (such as /demo) handled by the embedding program. */
  readonly extraCommands = new Map<string, (args: string) => Promise<void>>();

  constructor(readonly options: SessionOptions) {
    const { fake, world } = options;
    for (const p of world.people) if (!fake.users.has(p.id)) fake.addUser(p.id, p.name);
    for (const c of world.channels)
      if (!fake.channels.has(c.id))
        fake.addChannel(
          c.id,
          c.name,
          world.people.map((p) => p.id),
        );
    for (const g of world.groups) {
      fake.setUsergroup(g.id, g.members);
      this.groupHandles.set(g.id, g.handle);
    }
    this.user = options.user ?? world.people[0]!.id;
    this.channel = options.channel ?? world.channels[0]!.id;
    this.callCursor = fake.calls.length;
    this.responseCursor = fake.responses.length;
  }

  get fake(): FakeSlack {
    return this.options.fake;
  }

  get slack(): SlackRequests {
    return this.options.slack;
  }

  private get io(): SandboxIo {
    return this.options.io;
  }

  // ---- names --------------------------------------------------------------------------------------

  readonly names: Names = {
    user: (id) => this.fake.users.get(id)?.name ?? (id === 'UBOTSWITCH' ? 'switchboard' : id),
    channel: (id) => {
      if (id.startsWith('D')) return `dm-${this.names.user(id.slice(1))}`;
      return this.fake.channels.get(id)?.name ?? id;
    },
    group: (id) => this.groupHandles.get(id) ?? id,
  };

  private renderOptions(): RenderOptions {
    return {
      names: this.names,
      color: this.options.color,
      timeZone: this.options.timeZone,
      number: (element, blockId) => this.register(element, blockId),
    };
  }

  /** Where a channel id is, in words: #name, or a person's DM with the bot. */
  place(channel: string): string {
    if (channel.startsWith('D')) return `DM with @${this.names.user(channel.slice(1))}`;
    return `#${this.names.channel(channel)}`;
  }

  /** Names as Slack's client resolves them when a person types `@ivan`, `@cab` or `#it-reports`. */
  readonly slackNames: SlackNames = {
    userId: (name) => [...this.fake.users.values()].find((u) => u.name.toLowerCase() === name.toLowerCase())?.id,
    channelId: (name) => [...this.fake.channels.values()].find((c) => c.name.toLowerCase() === name.toLowerCase())?.id,
    groupId: (handle) => [...this.groupHandles].find(([, h]) => h.toLowerCase() === handle.toLowerCase())?.[0],
  };

  personId(name: string): string | undefined {
    const wanted = name.replace(/^@/, '').toLowerCase();
    for (const user of this.fake.users.values())
      if (user.name.toLowerCase() === wanted || user.id === name) return user.id;
    return undefined;
  }

  channelId(name: string): string | undefined {
    const wanted = name.replace(/^#/, '').toLowerCase();
    for (const channel of this.fake.channels.values())
      if (channel.name.toLowerCase() === wanted || channel.id === name) return channel.id;
    return undefined;
  }

  prompt(): string {
    return `@${this.names.user(this.user)} in ${this.place(this.channel)}> `;
  }

  private person() {
    return { id: this.user, name: this.names.user(this.user) };
  }

  // ---- who and where ------------------------------------------------------------------------------

  /** Becomes another person; a new name joins the company as an employee. */
  as(name: string): string {
    const clean = name.replace(/^@/, '').trim().toLowerCase();
    if (!/^[a-z][a-z0-9._-]{0,30}$/.test(clean)) return 'Say who, e.g. `/as @alice`.';
    let id = this.personId(clean);
    if (!id) {
      id = `UNEW${String(++this.userSeq).padStart(5, '0')}`;
      while (this.fake.users.has(id)) id = `UNEW${String(++this.userSeq).padStart(5, '0')}`;
      this.fake.addUser(id, clean);
      for (const channel of this.fake.channels.values()) channel.members.add(id);
      this.user = id;
      return `You are now @${clean} (a new employee).`;
    }
    this.user = id;
    return `You are now @${this.names.user(id)}${this.roleOf(id) ? ` (${this.roleOf(id)})` : ''}.`;
  }

  /** Moves to a channel; a new name creates it. */
  in(name: string): string {
    const clean = name.replace(/^#/, '').trim().toLowerCase();
    if (clean === 'dm' || clean === 'bot') {
      this.channel = this.fake.dmChannelOf(this.user);
      return `You are now in your ${this.place(this.channel)}.`;
    }
    if (!/^[a-z0-9_-]{1,80}$/.test(clean)) return 'Say where, e.g. `/in #it-triage`.';
    let id = this.channelId(clean);
    if (!id) {
      id = `CSBX${Date.now().toString(36).toUpperCase().slice(-6)}`;
      this.fake.addChannel(id, clean, [...this.fake.users.keys()]);
      this.channel = id;
      return `Created #${clean}; you are there now.`;
    }
    this.channel = id;
    return `You are now in #${this.names.channel(id)}.`;
  }

  roleOf(id: string): string | undefined {
    return this.options.world.people.find((p) => p.id === id)?.role;
  }

  peopleText(): string {
    const lines = [...this.fake.users.values()].map(
      (u) => `  @${u.name.padEnd(8)} ${this.roleOf(u.id) ?? 'employee'}${u.id === this.user ? '   ← you' : ''}`,
    );
    const groups = this.options.world.groups.map(
      (g) => `  @${g.handle}: ${g.members.map((m) => `@${this.names.user(m)}`).join(', ')}`,
    );
    return ['People:', ...lines, 'User groups:', ...groups].join('\n');
  }

  channelsText(): string {
    return [
      'Channels:',
      ...[...this.fake.channels.values()].map((c) => `  #${c.name}${c.id === this.channel ? '   ← you are here' : ''}`),
    ].join('\n');
  }

  // ---- watching what the bot does ------------------------------------------------------------------

  /** Prints what the bot did in the background (reminders, jobs) while nobody is typing a command. */
  startWatching(intervalMs = 250): void {
    this.watcher ??= setInterval(() => {
      if (this.inFlight === 0) this.collect();
    }, intervalMs);
    this.watcher.unref?.();
  }

  stopWatching(): void {
    if (this.watcher) clearInterval(this.watcher);
    this.watcher = undefined;
  }

  /** Renders every call and response_url post since the last look; returns modals opened meanwhile. */
  collect(): OpenModal[] {
    const opened: OpenModal[] = [];
    const options = this.renderOptions();
    const calls = this.fake.calls.slice(this.callCursor);
    this.callCursor = this.fake.calls.length;
    for (const call of calls) {
      const lines = this.renderCall(call, options, opened);
      if (lines.length) this.io.print(lines.join('\n'));
    }
    const responses = this.fake.responses.slice(this.responseCursor);
    this.responseCursor = this.fake.responses.length;
    for (const response of responses) {
      const context = this.responseContext.get(response.url) ?? { channel: this.channel, user: this.user };
      const body = response.body ?? {};
      if (body.delete_original) {
        this.io.print(
          paint(
            `🗑  Switchboard removed the message @${this.names.user(context.user)} clicked`,
            'dim',
            this.options.color,
          ),
        );
        continue;
      }
      const shared = body.response_type === 'in_channel';
      const heading = shared
        ? this.heading('💬', `Switchboard in ${this.place(context.channel)}`)
        : this.heading(
            '👁 ',
            `only @${this.names.user(context.user)} sees, in ${this.place(context.channel)}${body.replace_original ? ' (replaces the message)' : ''}`,
          );
      this.io.print(
        this.withTargets(() => renderMessage(heading, body, options), {
          kind: 'message',
          channel: context.channel,
          ts: '0000000000.000000',
        }).join('\n'),
      );
    }
    return opened;
  }

  private heading(icon: string, text: string): string {
    const time = formatWhen(Date.now(), { timeZone: this.options.timeZone });
    return `\n${paint(`${icon} ${text}`, 'magenta', this.options.color)} ${paint(time, 'dim', this.options.color)}`;
  }

  private pendingWhere: Where | undefined;
  private pendingOwner: string | undefined;

  /** Renders with every numbered element attached to `where`. */
  private withTargets(render: () => string[], where: Where, owner?: string): string[] {
    this.pendingWhere = where;
    this.pendingOwner = owner;
    try {
      return render();
    } finally {
      this.pendingWhere = undefined;
      this.pendingOwner = undefined;
    }
  }

  private register(element: any, blockId: string | undefined): number {
    const n = this.nextNumber++;
    this.targets.set(n, {
      element,
      blockId,
      where: this.pendingWhere ?? { kind: 'message', channel: this.channel, ts: '0000000000.000000' },
      owner: this.pendingOwner,
    });
    return n;
  }

  private renderCall(call: RecordedCall, options: RenderOptions, opened: OpenModal[]): string[] {
    const { method, args, answer } = call;
    if (SILENT_METHODS.has(method)) return [];
    if (!answer.ok) {
      if (method === 'conversations.invite' && answer.error === 'already_in_channel') return [];
      return [
        paint(
          `✗ ${method} failed: ${answer.error ?? `HTTP ${call.status}`} (Switchboard retries what it owes)`,
          'dim',
          this.options.color,
        ),
      ];
    }
    switch (method) {
      case 'chat.postMessage': {
        const channel = String(answer.channel);
        const parent = args.thread_ts ? this.fake.message(channel, String(args.thread_ts)) : undefined;
        const where = args.thread_ts
          ? `thread${parent ? ` of “${this.snippet(parent.text)}”` : ''} in ${this.place(channel)}`
          : this.place(channel);
        const heading = this.heading(args.thread_ts ? '↳ ' : '💬', `Switchboard in ${where}`);
        return this.withTargets(() => renderMessage(heading, args, options), {
          kind: 'message',
          channel,
          ts: String(answer.ts),
        });
      }
      case 'chat.update': {
        const heading = this.heading(
          '✎ ',
          `Switchboard updated its message in ${this.place(String(answer.channel ?? args.channel))}`,
        );
        return this.withTargets(() => renderMessage(heading, args, options), {
          kind: 'message',
          channel: String(args.channel),
          ts: String(args.ts),
        });
      }
      case 'chat.postEphemeral': {
        const heading = this.heading(
          '👁 ',
          `only @${this.names.user(String(args.user))} sees, in ${this.place(String(args.channel))}`,
        );
        return this.withTargets(() => renderMessage(heading, args, options), {
          kind: 'message',
          channel: String(args.channel),
          ts: String(answer.message_ts),
        });
      }
      case 'chat.delete':
        return [
          paint(`🗑  Switchboard deleted a message in ${this.place(String(args.channel))}`, 'dim', this.options.color),
        ];
      case 'views.open':
      case 'views.push': {
        const modal = { id: String(answer.view.id), view: args.view };
        opened.push(modal);
        return [];
      }
      case 'views.update': {
        const id = String(answer.view.id);
        if (this.openModal?.id === id) this.openModal = { id, view: args.view };
        const heading = this.heading('🪟', `the open form changed`);
        return this.withTargets(() => renderView(heading, args.view, options), {
          kind: 'view',
          viewId: id,
          view: { ...args.view, id },
        });
      }
      case 'views.publish': {
        const id = String(answer.view.id);
        const heading = this.heading('🏠', `Home tab of @${this.names.user(String(args.user_id))}`);
        return this.withTargets(
          () => renderView(heading, args.view, options),
          { kind: 'view', viewId: id, view: { ...args.view, id } },
          String(args.user_id),
        );
      }
      case 'conversations.create':
        return [
          this.heading(
            '➕',
            `channel #${answer.channel.name} created${answer.channel.is_private ? ' (private)' : ''}`,
          ).trimStart(),
        ];
      case 'conversations.invite':
        return [
          paint(
            `👥 ${String(args.users)
              .split(',')
              .map((u) => `@${this.names.user(u)}`)
              .join(', ')} added to ${this.place(String(args.channel))}`,
            'dim',
            this.options.color,
          ),
        ];
      case 'conversations.setTopic':
        return [
          paint(
            `📌 topic of ${this.place(String(args.channel))}: ${mrkdwnToText(String(args.topic), options)}`,
            'dim',
            this.options.color,
          ),
        ];
      case 'pins.add':
        return [paint(`📌 message pinned in ${this.place(String(args.channel))}`, 'dim', this.options.color)];
      case 'bookmarks.add':
        return [
          paint(
            `🔖 bookmark in ${this.place(String(args.channel_id))}: ${args.title} (${args.link})`,
            'dim',
            this.options.color,
          ),
        ];
      case 'reactions.add':
        return [
          paint(`:${args.name}: Switchboard reacted in ${this.place(String(args.channel))}`, 'dim', this.options.color),
        ];
      case 'files.completeUploadExternal': {
        const files = (typeof args.files === 'string' ? JSON.parse(args.files) : args.files) as {
          id: string;
          title?: string;
        }[];
        const where = args.channel_id ? this.place(String(args.channel_id)) : 'nowhere yet';
        const comment = args.initial_comment ? `\n  ${mrkdwnToText(String(args.initial_comment), options)}` : '';
        const lines = [
          `${this.heading('📎', `Switchboard shared ${files.map((f) => `“${f.title ?? f.id}”`).join(', ')} in ${where}`)}${comment}`,
        ];
        for (const file of files) lines.push(...this.savedFile(file.id, options));
        return lines;
      }
      default:
        return [paint(`· ${method}`, 'dim', this.options.color)];
    }
  }

  /**
   * Writes an uploaded file where the person can look at it, and says where: its path on disk and its
   * size, and for a PNG a numbered [Open] that shows it in the desktop's image viewer.
   */
  private savedFile(fileId: string, options: RenderOptions): string[] {
    const upload = this.fake.uploads.find((u) => u.file_id === fileId);
    if (!upload) return [];
    const dir = this.options.filesDir;
    if (!dir) return [`  ${upload.filename} (${formatBytes(upload.content.length)})`];
    mkdirSync(dir, { recursive: true });
    const path = join(dir, `${upload.file_id}-${basename(upload.filename).replace(/[^\w.-]+/g, '_')}`);
    writeFileSync(path, upload.content);
    const shown = relative(process.cwd(), path).startsWith('..') ? path : relative(process.cwd(), path);
    const png = upload.content.subarray(0, 8).equals(PNG_SIGNATURE);
    const line = `  ${paint('file:', 'dim', this.options.color)} ${shown} (${formatBytes(upload.content.length)}${png ? ', PNG' : ''})`;
    if (!png) return [line];
    const open = { type: 'sandbox_open_file', path, text: { type: 'plain_text', text: 'Open' } };
    return this.withTargets(
      () => [`${line}  ${paint(`[${options.number(open, undefined)}]`, 'yellow', this.options.color)} Open`],
      { kind: 'message', channel: String(upload.channel ?? this.channel), ts: '0000000000.000000' },
    );
  }

  /** Opens a saved file with the desktop's viewer (open, xdg-open or start), or says how to. */
  openFile(path: string): void {
    if (this.options.openFile) return this.options.openFile(path);
    const [command, args] =
      process.platform === 'darwin'
        ? ['open', [path]]
        : process.platform === 'win32'
          ? ['cmd', ['/c', 'start', '', path]]
          : ['xdg-open', [path]];
    const child = spawn(command as string, args as string[], { detached: true, stdio: 'ignore' });
    child.on('error', () => this.io.print(`No image viewer could be started (${command}); open ${path} yourself.`));
    child.unref();
    this.io.print(`Opening ${path} …`);
  }

  private snippet(text: string): string {
    const line = mrkdwnToText(text.split('\n')[0] ?? '', { names: this.names });
    return line.length > 50 ? `${line.slice(0, 49)}…` : line;
  }

  /** Waits until the app has stopped talking to Slack and owes nothing that is due. */
  async settle(): Promise<void> {
    const started = Date.now();
    let last = -1;
    let quietSince = Date.now();
    while (Date.now() - started < SETTLE_LIMIT_MS) {
      await sleep(40);
      const seen = this.fake.calls.length + this.fake.responses.length;
      if (seen !== last) {
        last = seen;
        quietSince = Date.now();
        continue;
      }
      if (Date.now() - quietSince < QUIET_MS) continue;
      if (this.options.pendingWork && (await this.options.pendingWork()) > 0) {
        quietSince = Date.now();
        continue;
      }
      return;
    }
  }

  /** Runs `send` as one interaction: the watcher holds off, then everything it caused is shown. */
  private async interact<T>(send: () => Promise<T>): Promise<{ result: T; opened: OpenModal[] }> {
    this.inFlight++;
    try {
      this.collect();
      const result = await send();
      await this.settle();
      const opened = this.collect();
      return { result, opened };
    } finally {
      this.inFlight--;
    }
  }

  private showAck(response: SlackResponse, channel: string): void {
    const body = response.body;
    if (!body || typeof body !== 'object' || (!body.text && !body.blocks)) return;
    const heading = this.heading('👁 ', `only @${this.names.user(this.user)} sees, in ${this.place(channel)}`);
    this.io.print(
      this.withTargets(() => renderMessage(heading, body, this.renderOptions()), {
        kind: 'message',
        channel,
        ts: '0000000000.000000',
      }).join('\n'),
    );
  }

  private showModal(modal: OpenModal, verb = 'opened'): void {
    const heading = this.heading('🪟', `form ${verb} for @${this.names.user(this.user)}`);
    this.io.print(
      this.withTargets(() => renderView(heading, modal.view, this.renderOptions()), {
        kind: 'view',
        viewId: modal.id,
        view: { ...modal.view, id: modal.id },
      }).join('\n'),
    );
  }

  // ---- acting as the current person --------------------------------------------------------------

  /** A slash command as the current person in the current channel. */
  async command(command: string, text: string): Promise<Outcome> {
    if (this.options.available && !this.options.available(command))
      return { skipped: `${command} is not available in this build of Switchboard` };
    const channel = this.channel;
    // Sent as Slack sends what a person types: escaped, with @people, @groups and #channels as IDs
    // for the commands whose manifest entry says should_escape.
    const body = this.slack.typedCommandBody(command, text, this.person(), channel, this.slackNames);
    body.channel_name = this.names.channel(channel);
    this.rememberResponseUrl(body.response_url!, channel);
    const { result, opened } = await this.interact(() =>
      this.slack.post(new URLSearchParams(body).toString(), 'application/x-www-form-urlencoded'),
    );
    if (result.status === 404)
      return { response: result, skipped: `${command} is not available in this build of Switchboard` };
    this.showAck(result, channel);
    return this.afterOpen(result, opened);
  }

  private afterOpen(response: SlackResponse | undefined, opened: OpenModal[]): Outcome {
    const modal = opened.at(-1);
    if (modal) {
      this.openModal = modal;
      this.showModal(modal);
    }
    return { response, modal };
  }

  private rememberResponseUrl(url: string, channel: string): void {
    this.responseContext.set(new URL(url).pathname, { channel, user: this.user });
  }

  /** A message the current person writes in the current channel; mentions are encoded as Slack's client does. */
  say(text: string): void {
    const message = this.fake.addMessage(this.channel, this.user, messageMentions(text, this.slackNames));
    this.io.print(`${this.heading('💬', `@${this.names.user(this.user)} in ${this.place(this.channel)}`)}\n  ${text}`);
    void message;
  }

  /** The newest top-level message in the current channel. */
  lastMessage() {
    return this.fake
      .messagesIn(this.channel)
      .filter((m) => !m.thread_ts)
      .at(-1);
  }

  async react(reaction: string): Promise<Outcome> {
    const name = reaction.trim().replace(/^:|:$/g, '');
    const message = this.lastMessage();
    if (!name) return { skipped: 'Say which reaction, e.g. `/react :ticket:`.' };
    if (!message) return { skipped: `There is no message in ${this.place(this.channel)} to react to. Type one first.` };
    this.io.print(
      paint(
        `:${name}: @${this.names.user(this.user)} reacted to “${this.snippet(message.text)}”`,
        'dim',
        this.options.color,
      ),
    );
    const event = {
      type: 'reaction_added',
      user: this.user,
      reaction: name,
      item_user: message.user,
      item: { type: 'message', channel: message.channel, ts: message.ts },
    };
    const { result, opened } = await this.interact(() => this.slack.event(event));
    return this.afterOpen(result, opened);
  }

  async shortcut(name: string): Promise<Outcome> {
    const known: Record<string, string> = {
      ticket: SHORTCUTS.ticketFromMessage,
      incident: SHORTCUTS.incidentFromMessage,
    };
    const callbackId = known[name.trim().toLowerCase()] ?? name.trim();
    if (!callbackId) return { skipped: `Say which shortcut: ${Object.keys(known).join(', ')}.` };
    const message = this.lastMessage();
    if (!message) return { skipped: `There is no message in ${this.place(this.channel)} to use. Type one first.` };
    const payload = {
      type: 'message_action',
      callback_id: callbackId,
      trigger_id: this.slack.triggerId(),
      message_ts: message.ts,
      response_url: this.slack.responseUrl(),
      team: { id: this.slack.team, domain: 'sandbox' },
      user: {
        id: this.user,
        name: this.names.user(this.user),
        username: this.names.user(this.user),
        team_id: this.slack.team,
      },
      channel: { id: message.channel, name: this.names.channel(message.channel) },
      message: { type: 'message', ts: message.ts, text: message.text, user: message.user },
      token: 'legacy-verification-token',
      action_ts: `${Date.now() / 1000}`,
    };
    this.rememberResponseUrl(payload.response_url, message.channel);
    const { result, opened } = await this.interact(() => this.slack.interactive(payload));
    return this.afterOpen(result, opened);
  }

  async home(): Promise<Outcome> {
    const before = this.fake.callsTo('views.publish').length;
    const event = { type: 'app_home_opened', user: this.user, channel: this.fake.dmChannelOf(this.user), tab: 'home' };
    const { result } = await this.interact(() => this.slack.event(event));
    if (this.fake.callsTo('views.publish').length === before)
      this.io.print('The Home tab has nothing to show in this build of Switchboard.');
    return { response: result };
  }

  /** The element shown as [n], if any. */
  target(n: number): Target | undefined {
    return this.targets.get(n);
  }

  /**
   * The newest element with this action id that the current person can see (not in someone else's
   * DM or Home tab), optionally only in one channel or with a matching value.
   */
  findAction(actionId: string | RegExp, filter: { channel?: string; value?: RegExp } = {}): number | undefined {
    const numbers = [...this.targets.keys()].sort((a, b) => b - a);
    const myDm = this.fake.dmChannelOf(this.user);
    return numbers.find((n) => {
      const t = this.targets.get(n)!;
      const id = String(t.element.action_id ?? '');
      if (typeof actionId === 'string' ? id !== actionId : !actionId.test(id)) return false;
      if (t.where.kind === 'message' && t.where.channel.startsWith('D') && t.where.channel !== myDm) return false;
      if (t.where.kind === 'view' && t.where.view.type === 'home' && t.owner !== this.user) return false;
      if (filter.channel && (t.where.kind !== 'message' || t.where.channel !== filter.channel)) return false;
      if (filter.value && !filter.value.test(String(t.element.value ?? ''))) return false;
      return true;
    });
  }

  /** What a click on element `n` would need from the person, if anything. */
  choiceNeeded(n: number): 'option' | 'user' | 'date' | undefined {
    const t = this.targets.get(n);
    switch (t?.element.type) {
      case 'static_select':
      case 'external_select':
      case 'overflow':
      case 'radio_buttons':
        return 'option';
      case 'users_select':
        return 'user';
      case 'datepicker':
        return 'date';
      default:
        return undefined;
    }
  }

  /** Clicks element `n` as the current person. */
  async click(n: number, choice: ClickChoice = {}): Promise<Outcome> {
    const target = this.targets.get(n);
    if (!target) return { skipped: `There is no element [${n}].` };
    if (target.element.type === 'sandbox_open_file') {
      this.openFile(String(target.element.path));
      return {};
    }
    const { element, blockId, where } = target;
    const action: Record<string, any> = { action_id: element.action_id, block_id: blockId ?? 'b', type: element.type };
    if (element.value !== undefined) action.value = element.value;
    const need = this.choiceNeeded(n);
    if (need === 'option') {
      const option = matchOption(optionsOf(element), choice.option ?? '');
      if (!option)
        return {
          skipped: `Choose one of: ${optionsOf(element)
            .map((o) => textOf(o.text, this.renderOptions()))
            .join(', ')}`,
        };
      action.selected_option = option;
    } else if (need === 'user') {
      const id = choice.user ? this.personId(choice.user) : undefined;
      if (!id)
        return {
          skipped: `Say who, e.g. @alice. People: ${[...this.fake.users.values()].map((u) => `@${u.name}`).join(' ')}`,
        };
      action.selected_user = id;
    } else if (need === 'date') {
      if (!/^\d{4}-\d{2}-\d{2}$/.test(choice.date ?? '')) return { skipped: 'Give a date as YYYY-MM-DD.' };
      action.selected_date = choice.date;
    }
    const payload =
      where.kind === 'view'
        ? this.slack.blockActionPayload(this.person(), action as never, { view: where.view })
        : this.slack.blockActionPayload(this.person(), action as never, { channel: where.channel, ts: where.ts });
    if (where.kind === 'message') this.rememberResponseUrl(String(payload.response_url), where.channel);
    if (where.kind === 'view') delete payload.response_url;
    const { result, opened } = await this.interact(() => this.slack.interactive(payload));
    return this.afterOpen(result, opened);
  }

  /** Submits the open modal with values by action id (elements not given keep their initial values). */
  async submit(modal: OpenModal, values: Record<string, unknown>): Promise<SubmitOutcome> {
    const view = {
      id: modal.id,
      hash: modal.view.hash,
      callback_id: modal.view.callback_id,
      private_metadata: modal.view.private_metadata,
      blocks: modal.view.blocks ?? [],
    };
    const { result, opened } = await this.interact(() => this.slack.submitView(this.person(), view, values));
    const body = result.body ?? {};
    if (body.response_action === 'errors') return { errors: body.errors ?? {}, response: result };
    if (body.response_action === 'update' || body.response_action === 'push') {
      const id = body.response_action === 'update' ? modal.id : `${modal.id}-pushed-${this.nextNumber}`;
      const next = { id, view: body.view };
      this.openModal = next;
      this.showModal(next, body.response_action === 'update' ? 'now shows' : 'stacked');
      return { next, response: result };
    }
    const newer = opened.at(-1);
    if (newer) {
      this.openModal = newer;
      this.showModal(newer);
      return { next: newer, response: result };
    }
    this.openModal = undefined;
    this.io.print(
      paint(
        `✓ ${modal.view.submit ? textOf(modal.view.submit, this.renderOptions()) : 'Submitted'}: the form closed`,
        'green',
        this.options.color,
      ),
    );
    return { response: result };
  }

  // ---- the interactive loop ----------------------------------------------------------------------

  /** Handles one typed line; returns 'quit' when the person is done. */
  async handle(line: string): Promise<'quit' | void> {
    const text = line.trim();
    if (!text) return;
    if (/^(\/click\s+)?\d+$/.test(text)) return void (await this.clickInteractively(Number(text.replace(/\D/g, ''))));
    if (!text.startsWith('/')) return void this.say(text);
    const [word, ...rest] = text.split(/\s+/);
    const args = rest.join(' ');
    const command = word!.toLowerCase();
    switch (command) {
      case '/quit':
      case '/exit':
        return 'quit';
      case '/help':
        return void this.io.print(HELP);
      case '/as':
        return void this.io.print(this.as(args));
      case '/in':
        return void this.io.print(this.in(args));
      case '/people':
      case '/who':
        return void this.io.print(this.peopleText());
      case '/channels':
        return void this.io.print(this.channelsText());
      case '/react':
        return void (await this.follow(await this.react(args)));
      case '/shortcut':
        return void (await this.follow(await this.shortcut(args)));
      case '/home':
        return void (await this.home());
      case '/click':
        return void this.io.print('Say which element, e.g. `/click 3`.');
    }
    const extra = this.extraCommands.get(command);
    if (extra) return void (await extra(args));
    if (['/it-help', '/incident', '/change', '/itops'].includes(command))
      return void (await this.follow(await this.command(command, args)));
    this.io.print(`Unknown command ${command}. Type /help.`);
  }

  private async follow(outcome: Outcome): Promise<void> {
    if (outcome.skipped) this.io.print(outcome.skipped);
    if (outcome.modal) await this.fillInteractively(outcome.modal);
  }

  private async clickInteractively(n: number): Promise<void> {
    const target = this.targets.get(n);
    if (!target) return void this.io.print(`There is no element [${n}].`);
    const choice: ClickChoice = {};
    const need = this.choiceNeeded(n);
    if (need === 'option') {
      const options = optionsOf(target.element);
      this.io.print(this.optionList(options));
      const answer = await this.askUntil('Choose (number or name): ', (a) =>
        matchOption(options, a) ? undefined : 'Not one of the options.',
      );
      if (answer === undefined) return;
      choice.option = answer;
    } else if (need === 'user') {
      const answer = await this.askUntil('Who? (@name): ', (a) =>
        this.personId(a) ? undefined : `No such person. ${this.peopleList()}`,
      );
      if (answer === undefined) return;
      choice.user = answer;
    } else if (need === 'date') {
      const answer = await this.askUntil('Date (YYYY-MM-DD): ', (a) =>
        /^\d{4}-\d{2}-\d{2}$/.test(a) ? undefined : 'Use YYYY-MM-DD.',
      );
      if (answer === undefined) return;
      choice.date = answer;
    } else if (target.element.confirm) {
      const c = target.element.confirm;
      const o = this.renderOptions();
      const answer = await this.io.ask(
        `${textOf(c.title, o)} ${textOf(c.text, o)} [${textOf(c.confirm, o) || 'Yes'}: y / ${textOf(c.deny, o) || 'No'}: n] `,
      );
      if (!answer || !/^y/i.test(answer.trim())) return void this.io.print('Nothing clicked.');
    } else if (target.element.type === 'sandbox_open_file') {
      return this.openFile(String(target.element.path));
    } else if (target.element.url && !target.element.action_id) {
      return void this.io.print(`That is a link: ${target.element.url}`);
    }
    const outcome = await this.click(n, choice);
    if (outcome.skipped) this.io.print(outcome.skipped);
    if (outcome.modal) await this.fillInteractively(outcome.modal);
  }

  private optionList(options: any[]): string {
    return options
      .map(
        (o, i) =>
          `    ${i + 1}) ${textOf(o.text, this.renderOptions())}${o.description ? paint(` – ${textOf(o.description, this.renderOptions())}`, 'dim', this.options.color) : ''}`,
      )
      .join('\n');
  }

  private peopleList(): string {
    return [...this.fake.users.values()].map((u) => `@${u.name}`).join(' ');
  }

  /** Asks until `problem` finds nothing wrong; undefined on /cancel or end of input. */
  private async askUntil(prompt: string, problem: (answer: string) => string | undefined): Promise<string | undefined> {
    for (;;) {
      const answer = await this.io.ask(prompt);
      if (answer === undefined || answer.trim() === '/cancel') return undefined;
      const wrong = problem(answer.trim());
      if (!wrong) return answer.trim();
      this.io.print(`  ${wrong}`);
    }
  }

  /** Walks the person through a modal: each input in turn, submit, inline errors re-asked. */
  async fillInteractively(first: OpenModal): Promise<void> {
    let modal = first;
    let values: Record<string, unknown> = {};
    let errors: Record<string, string> | undefined;
    /** Ask every field, not only those with an error (the same refusal came back, or it names no field). */
    let askAll = false;
    for (;;) {
      const inputs = (modal.view.blocks ?? []).filter((b: any) => b.type === 'input' && b.element?.action_id);
      if (!modal.view.submit) return; // nothing to submit: its buttons stay clickable by number
      if (inputs.length === 0) {
        const submitText = textOf(modal.view.submit, this.renderOptions());
        const answer = await this.io.ask(`Enter to press [${submitText}], a number to click, /cancel to close: `);
        if (answer === undefined || answer.trim() === '/cancel') return this.closeModal();
        if (/^\d+$/.test(answer.trim())) {
          await this.clickInteractively(Number(answer.trim()));
          if (!this.openModal) return;
          modal = this.openModal;
          continue;
        }
      } else {
        const ask = errors && !askAll ? inputs.filter((b: any) => errors![b.block_id] !== undefined) : inputs;
        for (const block of ask.length ? ask : inputs) {
          const id = block.element.action_id as string;
          const value = await this.askField(
            block,
            errors?.[block.block_id],
            id in values ? { value: values[id] } : undefined,
          );
          if (value === CANCELLED) return this.closeModal();
          // Enter keeps what was answered before (or, at first, the form's own initial value).
          if (value !== undefined) values[id] = value;
        }
      }
      const outcome = await this.submit(modal, values);
      if (outcome.errors) {
        const known = new Set(inputs.map((b: any) => b.block_id));
        // A field's error is shown once, with the field's name, just before the field is asked again.
        for (const [block, message] of Object.entries(outcome.errors))
          if (!known.has(block)) this.io.print(paint(`  ⚠ ${message}`, 'red', this.options.color));
        const repeated = errors !== undefined && sameErrors(errors, outcome.errors);
        askAll = repeated || !Object.keys(outcome.errors).some((b) => known.has(b));
        errors = outcome.errors;
        this.io.print(
          paint(
            repeated
              ? '  Refused again for the same reason: every field is asked again (Enter keeps your answer, /cancel closes the form).'
              : `  The form was not accepted: ${askAll ? 'every field is' : 'each field with a problem is'} asked again (Enter keeps your answer, /cancel closes the form).`,
            'dim',
            this.options.color,
          ),
        );
        continue;
      }
      if (outcome.next) {
        modal = outcome.next;
        values = {};
        errors = undefined;
        askAll = false;
        continue;
      }
      return;
    }
  }

  private closeModal(): void {
    this.openModal = undefined;
    this.io.print('Form closed without submitting.');
  }

  /**
   * Asks for one input's value; undefined keeps the current one (the answer given before, else the
   * form's initial value), CANCELLED closes the modal.
   */
  private async askField(block: any, error: string | undefined, previous?: { value: unknown }): Promise<unknown> {
    const o = this.renderOptions();
    const element = block.element;
    const label = textOf(block.label, o);
    const optional = Boolean(block.optional);
    const initial = previous ? answerText(element, previous.value, o, this.names) : initialText(element, o);
    if (error) this.io.print(paint(`  ⚠ ${label}: ${error}`, 'red', this.options.color));
    const suffix = `${optional ? ' (optional)' : ''}${initial ? ` [${initial}]` : ''}: `;
    const required = () => (optional ? undefined : 'This field is required.');
    switch (element.type) {
      case 'static_select':
      case 'radio_buttons':
      case 'external_select': {
        const options = optionsOf(element);
        this.io.print(`  ${label}:\n${this.optionList(options)}`);
        const answer = await this.askUntil(`  ${label}${suffix}`, (a) =>
          a === ''
            ? initial
              ? undefined
              : required()
            : matchOption(options, a)
              ? undefined
              : 'Not one of the options.',
        );
        if (answer === undefined) return CANCELLED;
        if (answer === '') return undefined;
        return matchOption(options, answer)!.value;
      }
      case 'multi_static_select':
      case 'checkboxes': {
        const options = optionsOf(element);
        this.io.print(`  ${label} (any of them, separated by commas):\n${this.optionList(options)}`);
        const answer = await this.askUntil(`  ${label}${suffix}`, (a) => {
          if (a === '') return initial ? undefined : required();
          if (a === '-') return optional ? undefined : required();
          return splitList(a).every((x) => matchOption(options, x))
            ? undefined
            : 'Give option numbers or names, separated by commas.';
        });
        if (answer === undefined) return CANCELLED;
        if (answer === '') return undefined;
        if (answer === '-') return [];
        return splitList(answer).map((x) => matchOption(options, x)!.value);
      }
      case 'users_select':
      case 'multi_users_select': {
        const many = element.type === 'multi_users_select';
        const answer = await this.askUntil(
          `  ${label} (${many ? '@names, separated by commas' : '@name'})${suffix}`,
          (a) => {
            if (a === '') return initial ? undefined : required();
            return splitList(a).every((x) => this.personId(x)) ? undefined : `No such person. ${this.peopleList()}`;
          },
        );
        if (answer === undefined) return CANCELLED;
        if (answer === '') return undefined;
        const ids = splitList(answer).map((x) => this.personId(x)!);
        return many ? ids : ids[0];
      }
      case 'conversations_select':
      case 'channels_select': {
        const answer = await this.askUntil(`  ${label} (#channel)${suffix}`, (a) =>
          a === '' ? (initial ? undefined : required()) : this.channelId(a) ? undefined : 'No such channel.',
        );
        if (answer === undefined) return CANCELLED;
        return answer === '' ? undefined : this.channelId(answer);
      }
      case 'datepicker': {
        const answer = await this.askUntil(`  ${label} (YYYY-MM-DD)${suffix}`, (a) =>
          a === '' ? (initial ? undefined : required()) : /^\d{4}-\d{2}-\d{2}$/.test(a) ? undefined : 'Use YYYY-MM-DD.',
        );
        if (answer === undefined) return CANCELLED;
        return answer === '' ? undefined : answer;
      }
      case 'timepicker': {
        const answer = await this.askUntil(`  ${label} (HH:mm)${suffix}`, (a) =>
          a === '' ? (initial ? undefined : required()) : /^\d{2}:\d{2}$/.test(a) ? undefined : 'Use HH:mm.',
        );
        if (answer === undefined) return CANCELLED;
        return answer === '' ? undefined : answer;
      }
      case 'datetimepicker': {
        const answer = await this.askUntil(`  ${label} (+30m, +2h, or YYYY-MM-DD HH:mm)${suffix}`, (a) =>
          a === ''
            ? initial
              ? undefined
              : required()
            : parseWhen(a, new Date())
              ? undefined
              : 'Try +30m, +2h or 2026-12-01 14:00.',
        );
        if (answer === undefined) return CANCELLED;
        return answer === '' ? undefined : Math.floor(parseWhen(answer, new Date())! / 1000);
      }
      default: {
        const multiline = element.multiline ? ' (\\n for a new line)' : '';
        const clear = optional && initial ? ' (- to clear)' : '';
        const answer = await this.askUntil(`  ${label}${multiline}${clear}${suffix}`, (a) =>
          a === '' && !initial ? required() : undefined,
        );
        if (answer === undefined) return CANCELLED;
        if (answer === '') return initial ? undefined : null;
        if (answer === '-' && optional) return null;
        return answer.replace(/\\n/g, '\n');
      }
    }
  }
}

const CANCELLED = Symbol('cancelled');
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function formatBytes(n: number): string {
  return n < 1024 ? `${n} B` : n < 1024 * 1024 ? `${(n / 1024).toFixed(1)} KB` : `${(n / 1024 / 1024).toFixed(1)} MB`;
}

function sameErrors(a: Record<string, string>, b: Record<string, string>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => a[k] === b[k]);
}

/** An answer given earlier, shown as the field's [default] when it is asked again. */
function answerText(element: any, value: unknown, options: RenderOptions, names: Names): string | undefined {
  if (value === null || value === undefined || (Array.isArray(value) && value.length === 0)) return undefined;
  const optionText = (v: unknown) => {
    const option = optionsOf(element).find((opt) => opt.value === v);
    return option ? textOf(option.text, options) : String(v);
  };
  switch (element.type) {
    case 'static_select':
    case 'radio_buttons':
    case 'external_select':
      return optionText(value);
    case 'multi_static_select':
    case 'checkboxes':
      return (value as unknown[]).map(optionText).join(', ');
    case 'users_select':
      return `@${names.user(String(value))}`;
    case 'multi_users_select':
      return (value as string[]).map((u) => `@${names.user(u)}`).join(', ');
    case 'conversations_select':
    case 'channels_select':
      return `#${names.channel(String(value))}`;
    case 'datetimepicker':
      return formatWhen(Number(value) * 1000, options);
    default: {
      const line = String(value).replace(/\n/g, ' ⏎ ');
      return line.length > 80 ? `${line.slice(0, 79)}…` : line;
    }
  }
}

function splitList(text: string): string[] {
  return text.split(/\s*,\s*|\s+/).filter(Boolean);
}

/** An option by its number in the list, its value, or its text (exact first, then by prefix). */
export function matchOption(options: any[], answer: string): any | undefined {
  const a = answer.trim().toLowerCase();
  if (!a) return undefined;
  if (/^\d+$/.test(a) && Number(a) >= 1 && Number(a) <= options.length) return options[Number(a) - 1];
  const text = (o: any) => String(o.text?.text ?? '').toLowerCase();
  return (
    options.find((o) => String(o.value).toLowerCase() === a) ??
    options.find((o) => text(o) === a) ??
    options.find((o) => text(o).startsWith(a)) ??
    options.find((o) => String(o.value).toLowerCase().startsWith(a))
  );
}

/** `now`, `+30m`, `+2h`, `+1d`, or `YYYY-MM-DD HH:mm` (local time) → epoch ms. */
export function parseWhen(text: string, now: Date): number | undefined {
  const t = text.trim().toLowerCase();
  if (t === 'now') return now.getTime();
  const relative = /^(?:\+|in\s+)(\d+)\s*(s|m|h|d)$/.exec(t);
  if (relative)
    return (
      now.getTime() +
      Number(relative[1]) * { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[relative[2] as 's' | 'm' | 'h' | 'd']
    );
  const absolute = /^(\d{4})-(\d{2})-(\d{2})[ t](\d{2}):(\d{2})$/.exec(t);
  if (absolute) {
    const [, y, mo, d, h, mi] = absolute.map(Number);
    return new Date(y!, mo! - 1, d!, h!, mi!).getTime();
  }
  return undefined;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
