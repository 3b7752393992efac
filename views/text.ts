/**
 * Text going into Slack. Everything a person typed passes through `escapeMrkdwn` before the bot
 * repeats it, so `<!channel>`, `<@U123>`, `<#C123>` and `<https://evil|bank>` show as typed and never
 * ping, mention or disguise a link. Slack's own rule: escape &, < and > in mrkdwn and message text.
 */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Cuts to `max` UTF-16 units (Slack's measure), never splitting an emoji, ending with an ellipsis. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  return text.slice(0, safeCutAt(text, Math.max(0, max - 1))) + '…';
}

/**
 * Slack counts text limits in UTF-16 code units (JavaScript's `length`): an emoji or other character
 * outside the Basic Multilingual Plane counts 2. A cut at `at` that would split such a pair moves one
 * unit back, so no half character (shown as �) is ever sent.
 */
function safeCutAt(text: string, at: number): number {
  const code = text.charCodeAt(at - 1);
  return at > 0 && code >= 0xd800 && code <= 0xdbff ? at - 1 : at;
}

/** Slack shows a message's `text` in notifications and where blocks cannot be shown, and advises at most 4,000 characters. */
const MAX_FALLBACK_TEXT = 4000;

/**
 * A message's fallback `text` (the blocks carry the whole message): cut to Slack's advised length,
 * never inside a mention, link or entity (`<…>`, `&amp;`), so what is left reads as it would in full.
 */
export function fallbackText(text: string): string {
  if (text.length <= MAX_FALLBACK_TEXT) return text;
  let cut = truncate(text, MAX_FALLBACK_TEXT).slice(0, -1);
  const open = cut.lastIndexOf('<');
  if (open > cut.lastIndexOf('>')) cut = cut.slice(0, open);
  const entity = cut.lastIndexOf('&');
  if (entity > cut.lastIndexOf(';')) cut = cut.slice(0, entity);
  return cut + '…';
}

/** User text for a mrkdwn field: escaped, then cut so the escaped form fits. */
export function userText(text: string, max: number): string {
  const escaped = escapeMrkdwn(text);
  if (escaped.length <= max) return escaped;
  // Keep whole characters while their escaped form and the ellipsis fit, so an entity like &amp; is
  // never split in half and no more is cut than needed.
  let out = '';
  let length = 0;
  for (const char of text) {
    const piece = escapeMrkdwn(char);
    const size = piece.length; // UTF-16 units, as Slack counts (an emoji is 2)
    if (length + size + 1 > max) break;
    out += piece;
    length += size;
  }
  return out + '…';
}

/** Plain text objects are not parsed for mentions; they only need to fit. */
export function plain(text: string, max: number): { type: 'plain_text'; text: string; emoji: true } {
  return { type: 'plain_text', text: truncate(text.length === 0 ? ' ' : text, max), emoji: true };
}

export function mrkdwn(text: string, max = 3000): { type: 'mrkdwn'; text: string } {
  return { type: 'mrkdwn', text: truncate(text.length === 0 ? ' ' : text, max) };
}

/** A user mention the bot means to make (IDs it validated, never text a person typed). */
export const mention = (userId: string): string => `<@${userId}>`;
export const channelLink = (channelId: string): string => `<#${channelId}>`;
const groupMention = (groupId: string): string => `<!subteam^${groupId}>`;
/**
 * A value only known when the message is sent: a channel or message another outbox row produces (or a
 * link to that message), or a person's display name for plain text that cannot render mentions (a
 * channel topic). The outbox sender fills these in; the user ID stands in for a name Slack cannot say.
 */
export type SendTimeValue = { $ref: string; field: 'channel' | 'ts' | 'permalink' } | { $name: string };
/**
 * Text put together at send time from literal pieces and send-time values. The literal pieces are sent
 * as they are: nothing in them is ever read as markup or as a reference, whatever a person typed.
 */
export interface ComposedText {
  $compose: (string | SendTimeValue)[];
}
export const composed = (...parts: (string | SendTimeValue)[]): ComposedText => ({ $compose: parts });
export const nameOf = (userId: string): SendTimeValue => ({ $name: userId });
export const isComposed = (value: unknown): value is ComposedText =>
  typeof value === 'object' && value !== null && Array.isArray((value as ComposedText).$compose);
export const isSendTimeValue = (value: unknown): value is SendTimeValue =>
  typeof value === 'object' &&
  value !== null &&
  (typeof (value as { $ref?: unknown }).$ref === 'string' || typeof (value as { $name?: unknown }).$name === 'string');
/** A string only the sender can finish: a send-time value, or text composed with some. */
export type Deferred = SendTimeValue | ComposedText;
/**
 * Slack arguments as the outbox records them: wherever Slack takes a free string, a deferred value may
 * stand instead (the sender sets it at send time, see src/slack/outbox-sender.ts). Literal strings (a
 * block's `type`, `'link'`) stay literal, so a misspelt kind is still caught where it is written.
 */
export type Owed<T> = T extends string
  ? string extends T
    ? T | Deferred
    : T
  : T extends readonly (infer U)[]
    ? Owed<U>[]
    : T extends object
      ? { [K in keyof T]: Owed<T[K]> }
      : T;
/** The text, each send-time value replaced by what `valueOf` says. */
export function composeText(text: ComposedText, valueOf: (value: SendTimeValue) => string): string {
  return text.$compose.map((part) => (typeof part === 'string' ? part : valueOf(part))).join('');
}
/** A mention for a role entry from settings: a user or a user group. */
export const roleEntryMention = (entry: string): string =>
  entry.startsWith('S') ? groupMention(entry) : mention(entry);

/** Slack date formatting: shown in each reader's own time zone, with a fallback for old clients. */
export function slackDate(at: Date, format = '{date_short_pretty} {time}'): string {
  const seconds = Math.floor(at.getTime() / 1000);
  return `<!date^${seconds}^${format}|${at.toISOString().replace('T', ' ').slice(0, 16)} UTC>`;
}

/**
 * One input element's state in a submitted view (`view.state.values[block][action]`), the fields the
 * parsers read; Slack sends the one that fits the element's type.
 */
export interface StateValue {
  type?: string;
  value?: string | null;
  selected_option?: { value: string } | null;
  selected_options?: { value: string }[] | null;
  selected_user?: string | null;
  selected_users?: string[] | null;
  selected_conversation?: string | null;
  selected_channel?: string | null;
  selected_date?: string | null;
  selected_time?: string | null;
  selected_date_time?: number | null;
}
