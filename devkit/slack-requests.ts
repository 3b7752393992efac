import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { checkView } from './fake-slack/block-kit.js';

/**
 * Sends Slack-shaped, signed requests to a running app over HTTP, the way Slack does:
 * slash commands and interactivity form-encoded (interactivity as payload=<json>), events as JSON.
 */
export function signature(secret: string, timestamp: number | string, body: string): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
}

export interface SlackResponse {
  status: number;
  body: any;
  text: string;
}

export interface Person {
  id: string;
  name?: string;
}

/** Who is who by name: what Slack's client knows when it turns `@ivan` or `#it-reports` into IDs. */
export interface SlackNames {
  userId(name: string): string | undefined;
  channelId(name: string): string | undefined;
  groupId(handle: string): string | undefined;
}

const escapeEntities = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const SPECIAL_MENTIONS = new Set(['here', 'channel', 'everyone']);
/** `@name` or `#name` at the start or after a space or bracket; Slack names are lower-case letters, digits, `.`, `_`, `-`. */
const TYPED_MENTION = /(^|[\s([])([@#])([\p{L}\p{N}][\p{L}\p{N}._-]*)/gu;

/**
 * Replaces each typed `@person`, `@group` and `#channel` that `names` knows with what `markup` makes of
 * it; unknown names stay as typed (Slack links only what exists). Trailing dots and dashes are tried
 * off ("@ivan." is @ivan and a full stop).
 */
function encodeMentions(
  text: string,
  names: SlackNames,
  markup: {
    user(id: string, name: string): string;
    channel(id: string, name: string): string;
    group(id: string, handle: string): string;
    special(word: string): string;
  },
): string {
  return text.replace(TYPED_MENTION, (whole, before: string, sigil: string, typedName: string) => {
    for (let name = typedName; name; name = name.replace(/[._-]$/, '')) {
      const rest = typedName.slice(name.length);
      const lower = name.toLowerCase();
      if (sigil === '#') {
        const id = names.channelId(lower);
        if (id) return `${before}${markup.channel(id, lower)}${rest}`;
      } else {
        if (SPECIAL_MENTIONS.has(lower)) return `${before}${markup.special(lower)}${rest}`;
        const user = names.userId(lower);
        if (user) return `${before}${markup.user(user, lower)}${rest}`;
        const group = names.groupId(lower);
        if (group) return `${before}${markup.group(group, lower)}${rest}`;
      }
      if (!/[._-]$/.test(name)) break;
    }
    return whole;
  });
}

/**
 * What Slack sends as a slash command's `text` for what a person typed: `&`, `<` and `>` escaped as
 * entities, and, for a command whose manifest entry has `should_escape: true`, mentions as IDs:
 * `@ivan` → `<@UIVAN0001|ivan>`, `#it-reports` → `<#C…|it-reports>`, `@cab` → `<!subteam^S…|@cab>`,
 * `@here` → `<!here>`, `https://…` → `<https://…>`. Without should_escape, names and links arrive as typed.
 */
export function slashCommandText(typed: string, names: SlackNames, shouldEscape: boolean): string {
  const escaped = escapeEntities(typed);
  if (!shouldEscape) return escaped;
  // Links too: should_escape sends a typed URL as <https://…>.
  const linked = escaped.replace(
    /(^|\s)((?:https?|mailto):[^\s<>]+)/g,
    (_m, before: string, url: string) => `${before}<${url}>`,
  );
  return encodeMentions(linked, names, {
    user: (id, name) => `<@${id}|${name}>`,
    channel: (id, name) => `<#${id}|${name}>`,
    group: (id, handle) => `<!subteam^${id}|@${handle}>`,
    special: (word) => `<!${word}>`,
  });
}

/**
 * What Slack's client makes of mentions typed in a message (`@ivan` → `<@UIVAN0001>`, `#general` →
 * `<#C…|general>`, `@cab` → `<!subteam^S…>`); the rest stays as typed (Slack stores it escaped).
 */
export function messageMentions(typed: string, names: SlackNames): string {
  return encodeMentions(typed, names, {
    user: (id) => `<@${id}>`,
    channel: (id, name) => `<#${id}|${name}>`,
    group: (id) => `<!subteam^${id}>`,
    special: (word) => `<!${word}>`,
  });
}

let escapes: Map<string, boolean> | undefined;
/** Whether manifest.yml gives this slash command `should_escape: true` (what Slack obeys). */
export function commandEscapes(command: string): boolean {
  escapes ??= new Map(
    (
      (parseYaml(readFileSync(join(import.meta.dirname, '../manifest.yml'), 'utf8')) as any).features?.slash_commands ??
      []
    ).map((c: any) => [String(c.command), c.should_escape === true] as const),
  );
  return escapes.get(command) ?? false;
}

export class SlackRequests {
  private seq = 0;

  constructor(
    public appUrl: string,
    readonly secret: string,
    /** Where response_url posts land: the fake Slack. */
    readonly fakeBaseUrl: string,
    readonly team = 'TFAKE',
  ) {}

  async post(
    body: string,
    contentType: string,
    options: { timestamp?: number; signature?: string; headers?: Record<string, string> } = {},
  ): Promise<SlackResponse> {
    const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
    const res = await fetch(`${this.appUrl}/slack/events`, {
      method: 'POST',
      headers: {
        'content-type': contentType,
        'x-slack-request-timestamp': String(timestamp),
        'x-slack-signature': options.signature ?? signature(this.secret, timestamp, body),
        ...options.headers,
      },
      body,
    });
    const text = await res.text();
    let parsed: any = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // plain-text answer
    }
    // A view in a view_submission ack is checked like views.update: Slack shows the person an error otherwise.
    if (
      parsed &&
      typeof parsed === 'object' &&
      (parsed.response_action === 'update' || parsed.response_action === 'push')
    ) {
      const problem = checkView(parsed.view);
      if (problem)
        throw new Error(
          `Slack would refuse the response_action ${parsed.response_action} view: ${problem.error} ${problem.reason}`,
        );
    }
    return { status: res.status, body: parsed, text };
  }

  /** A response_url as Slack hands one out: the fake accepts 5 posts to it within 30 minutes of now. */
  responseUrl(): string {
    return `${this.fakeBaseUrl}/response/${++this.seq}/${Date.now()}`;
  }

  /** A trigger_id as Slack hands one out: the fake exchanges it for a view once, within 3 s of now. */
  triggerId(): string {
    return `${++this.seq}.${Date.now()}.trigger`;
  }

  commandBody(command: string, text: string, user: Person, channel = 'CGENERAL'): Record<string, string> {
    return {
      token: 'legacy-verification-token',
      team_id: this.team,
      team_domain: 'fake',
      channel_id: channel,
      channel_name: channel.toLowerCase(),
      user_id: user.id,
      user_name: user.name ?? user.id.toLowerCase(),
      command,
      text,
      api_app_id: 'AFAKE',
      is_enterprise_install: 'false',
      response_url: this.responseUrl(),
      trigger_id: this.triggerId(),
    };
  }

  /**
   * A slash command as a person types it (`/incident role @ivan comms`), sent as Slack sends it: the
   * text escaped, and mentions encoded when the manifest says should_escape for that command.
   */
  typedCommandBody(
    command: string,
    typed: string,
    user: Person,
    channel: string,
    names: SlackNames,
  ): Record<string, string> {
    return this.commandBody(command, slashCommandText(typed, names, commandEscapes(command)), user, channel);
  }

  typedCommand(
    command: string,
    typed: string,
    user: Person,
    channel: string,
    names: SlackNames,
  ): Promise<SlackResponse> {
    return this.post(
      new URLSearchParams(this.typedCommandBody(command, typed, user, channel, names)).toString(),
      'application/x-www-form-urlencoded',
    );
  }

  command(
    command: string,
    text: string,
    user: Person,
    channel = 'CGENERAL',
    options?: { timestamp?: number; signature?: string },
  ): Promise<SlackResponse> {
    const body = new URLSearchParams(this.commandBody(command, text, user, channel)).toString();
    return this.post(body, 'application/x-www-form-urlencoded', options);
  }

  interactive(
    payload: Record<string, unknown>,
    options?: { timestamp?: number; signature?: string },
  ): Promise<SlackResponse> {
    const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
    return this.post(body, 'application/x-www-form-urlencoded', options);
  }

  /** A button click (or select) in a message the bot posted. */
  blockAction(
    user: Person,
    action: {
      action_id: string;
      block_id?: string;
      value?: string;
      type?: string;
      selected_user?: string;
      selected_option?: { value: string };
    },
    where: { channel: string; ts: string },
  ): Promise<SlackResponse> {
    return this.interactive(this.blockActionPayload(user, action, where));
  }

  blockActionPayload(
    user: Person,
    action: {
      action_id: string;
      block_id?: string;
      value?: string;
      type?: string;
      selected_user?: string;
      selected_option?: { value: string };
    },
    where: { channel: string; ts: string } | { view: any },
  ): Record<string, unknown> {
    const container =
      'view' in where
        ? { type: 'view', view_id: where.view.id }
        : { type: 'message', message_ts: where.ts, channel_id: where.channel, is_ephemeral: false };
    return {
      type: 'block_actions',
      user: {
        id: user.id,
        username: user.name ?? user.id.toLowerCase(),
        name: user.name ?? user.id.toLowerCase(),
        team_id: this.team,
      },
      api_app_id: 'AFAKE',
      token: 'legacy-verification-token',
      container,
      trigger_id: this.triggerId(),
      team: { id: this.team, domain: 'fake' },
      ...('view' in where
        ? { view: where.view }
        : {
            channel: { id: where.channel, name: where.channel.toLowerCase() },
            message: { ts: where.ts, type: 'message' },
          }),
      response_url: this.responseUrl(),
      actions: [
        {
          type: action.type ?? 'button',
          block_id: action.block_id ?? 'b',
          action_ts: `${Date.now() / 1000}`,
          ...action,
        },
      ],
    };
  }

  /** Submits a modal the app opened, with values keyed by action_id (typed per the element). */
  submitView(
    user: Person,
    view: { id: string; hash?: string; callback_id: string; private_metadata?: string; blocks: any[] },
    values: Record<string, unknown>,
  ): Promise<SlackResponse> {
    return this.interactive(this.viewSubmissionPayload(user, view, values));
  }

  viewSubmissionPayload(
    user: Person,
    view: { id: string; hash?: string; callback_id: string; private_metadata?: string; blocks: any[] },
    values: Record<string, unknown>,
  ): Record<string, unknown> {
    return {
      type: 'view_submission',
      team: { id: this.team, domain: 'fake' },
      user: {
        id: user.id,
        username: user.name ?? user.id.toLowerCase(),
        name: user.name ?? user.id.toLowerCase(),
        team_id: this.team,
      },
      api_app_id: 'AFAKE',
      token: 'legacy-verification-token',
      trigger_id: this.triggerId(),
      view: { ...view, type: 'modal', hash: view.hash ?? 'h', state: { values: viewState(view.blocks, values) } },
    };
  }

  messageShortcut(
    user: Person,
    callbackId: string,
    message: { channel: string; ts: string; text: string; user?: string },
  ): Promise<SlackResponse> {
    return this.interactive({
      type: 'message_action',
      callback_id: callbackId,
      trigger_id: this.triggerId(),
      message_ts: message.ts,
      response_url: this.responseUrl(),
      team: { id: this.team, domain: 'fake' },
      user: {
        id: user.id,
        name: user.name ?? user.id.toLowerCase(),
        username: user.name ?? user.id.toLowerCase(),
        team_id: this.team,
      },
      channel: { id: message.channel, name: message.channel.toLowerCase() },
      message: { type: 'message', ts: message.ts, text: message.text, user: message.user ?? 'UOTHER' },
      token: 'legacy-verification-token',
      action_ts: `${Date.now() / 1000}`,
    });
  }

  eventEnvelope(event: Record<string, unknown>, eventId = `Ev${++this.seq}`): Record<string, unknown> {
    return {
      token: 'legacy-verification-token',
      team_id: this.team,
      api_app_id: 'AFAKE',
      type: 'event_callback',
      event_id: eventId,
      event_time: Math.floor(Date.now() / 1000),
      event: { event_ts: `${Date.now() / 1000}`, ...event },
      authorizations: [{ team_id: this.team, user_id: 'UBOTSWITCH', is_bot: true }],
    };
  }

  event(event: Record<string, unknown>, options: { eventId?: string; retryNum?: number } = {}): Promise<SlackResponse> {
    const body = JSON.stringify(this.eventEnvelope(event, options.eventId));
    const headers: Record<string, string> = options.retryNum
      ? { 'x-slack-retry-num': String(options.retryNum), 'x-slack-retry-reason': 'http_timeout' }
      : {};
    return this.post(body, 'application/json', { headers });
  }
}

/** Builds view.state.values from the modal's input blocks, shaped per element type like Slack does. */
function viewState(blocks: any[], values: Record<string, unknown>): Record<string, Record<string, unknown>> {
  const state: Record<string, Record<string, unknown>> = {};
  for (const block of blocks) {
    const element = block.type === 'input' ? block.element : undefined;
    if (!element?.action_id) continue;
    const id = element.action_id as string;
    const given = id in values ? values[id] : undefined;
    const entry: Record<string, unknown> = { type: element.type };
    switch (element.type) {
      case 'plain_text_input':
      case 'url_text_input':
      case 'email_text_input':
      case 'number_input':
        entry.value = given === undefined ? (element.initial_value ?? null) : given;
        break;
      case 'static_select':
      case 'radio_buttons': {
        const value = given === undefined ? element.initial_option?.value : given;
        const options = (element.options ?? element.option_groups?.flatMap((g: any) => g.options) ?? []) as any[];
        const option = options.find((o) => o.value === value);
        if (value !== undefined && !option)
          throw new Error(`"${String(value)}" is not an option of ${id}: ${options.map((o) => o.value).join(', ')}`);
        entry.selected_option = option ?? null;
        break;
      }
      case 'multi_static_select':
      case 'checkboxes': {
        const chosen = (given ?? (element.initial_options ?? []).map((o: any) => o.value)) as string[];
        const options = (element.options ?? element.option_groups?.flatMap((g: any) => g.options) ?? []) as any[];
        entry.selected_options = chosen.map((v) => {
          const option = options.find((o) => o.value === v);
          if (!option) throw new Error(`"${v}" is not an option of ${id}`);
          return option;
        });
        break;
      }
      case 'users_select':
        entry.selected_user = given ?? element.initial_user ?? null;
        break;
      case 'multi_users_select':
        entry.selected_users = given ?? element.initial_users ?? [];
        break;
      case 'conversations_select':
      case 'channels_select':
        entry.selected_conversation = given ?? element.initial_conversation ?? null;
        break;
      case 'datepicker':
        entry.selected_date = given ?? element.initial_date ?? null;
        break;
      case 'timepicker':
        entry.selected_time = given ?? element.initial_time ?? null;
        break;
      case 'datetimepicker':
        entry.selected_date_time = given ?? element.initial_date_time ?? null;
        break;
      default:
        entry.value = given ?? null;
    }
    state[block.block_id] = { [id]: entry };
  }
  return state;
}
