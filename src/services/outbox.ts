import type { KnownBlock } from '@slack/types';
import type {
  BookmarksAddArguments,
  ChatPostEphemeralArguments,
  ChatPostMessageArguments,
  ChatUpdateArguments,
  ConversationsCreateArguments,
  ConversationsInviteArguments,
  ConversationsSetTopicArguments,
  PinsAddArguments,
} from '@slack/web-api';
import { insertOutbox, type OutboxFill } from '../../db/queries/outbox.js';
import type { Executor } from '../../db/schema.js';
import { isComposed, isSendTimeValue, type Owed } from '../../views/text.js';

/**
 * The only way a use case makes the bot say something: rows recorded with the state change, delivered
 * later by the sender (src/slack/outbox-sender.ts). Channels and message timestamps not known yet (an
 * incident channel still being created, a triage post not yet sent) are referenced by key and resolved
 * at send time. Such values (and composed text, see views/text.ts) are taken out of the arguments into
 * the row's `fills` when it is recorded: the arguments themselves are sent as they are, so nothing a
 * person typed is ever read as a reference or as markup of the outbox's own.
 */
export interface RefValue {
  $ref: string;
  /** `permalink` is a link to the message Slack clients open in the right workspace. */
  field: 'channel' | 'ts' | 'permalink';
}
export type SlackTarget = string | RefValue;

export const refChannel = (key: string): RefValue => ({ $ref: key, field: 'channel' });
export const refTs = (key: string): RefValue => ({ $ref: key, field: 'ts' });
const isRef = (value: unknown): value is RefValue =>
  typeof value === 'object' && value !== null && typeof (value as RefValue).$ref === 'string';

/**
 * Every Slack method the outbox sends, with Slack's own argument type: an owed call is type-checked
 * where it is written, as if it were sent there. Slack's message types also take any `{type: string}`
 * as a block; the bot only sends the kinds it knows.
 */
export interface OwedMethods {
  'chat.postMessage': KnownBlocksOnly<ChatPostMessageArguments>;
  'chat.update': KnownBlocksOnly<ChatUpdateArguments>;
  'chat.postEphemeral': KnownBlocksOnly<ChatPostEphemeralArguments>;
  'conversations.create': ConversationsCreateArguments;
  'conversations.setTopic': ConversationsSetTopicArguments;
  'conversations.invite': ConversationsInviteArguments;
  'pins.add': PinsAddArguments;
  'bookmarks.add': BookmarksAddArguments;
}
export type OwedMethod = keyof OwedMethods;
/** The same methods, at run time: the sender sends nothing else. */
const OWED_METHODS: Record<OwedMethod, true> = {
  'chat.postMessage': true,
  'chat.update': true,
  'chat.postEphemeral': true,
  'conversations.create': true,
  'conversations.setTopic': true,
  'conversations.invite': true,
  'pins.add': true,
  'bookmarks.add': true,
};
export const owedMethods = Object.keys(OWED_METHODS) as OwedMethod[];
export const isOwedMethod = (method: string): method is OwedMethod => Object.hasOwn(OWED_METHODS, method);

type KnownBlocksOnly<T> = T extends unknown ? { [K in keyof T]: K extends 'blocks' ? KnownBlock[] : T[K] } : never;

/** Blocks as a use case writes them: Block Kit, with send-time values where Slack takes text. */
export type OwedBlock = Owed<KnownBlock>;

/** A call of one method, as recorded: for the row's fallback, which may be any method. */
export type OwedCallOf<M extends OwedMethod> = { method: M; args: Owed<OwedMethods[M]>; refKey?: string };
export type OwedFallback = { [M in OwedMethod]: OwedCallOf<M> }[OwedMethod];

/** The row's own control data, kept beside the Slack arguments, never inside them. */
export interface OweOptions {
  /** Ordering and pacing lane; defaults to the target channel. */
  lane?: string;
  /** Store the result (channel, ts) under this key. */
  refKey?: string;
  /** Never owe the same thing twice (e.g. one reminder per due point). */
  dedupeKey?: string;
  /**
   * Owed instead if this call fails for good (e.g. tell the declarer a channel could not be created), or
   * if a reference it needs was never delivered; with `refKey`, the replacement becomes the canonical message.
   */
  onFailure?: OwedFallback;
}

function laneOf(target: unknown): string {
  if (typeof target === 'string') return target;
  if (isRef(target)) return `ref:${target.$ref}`;
  return 'workspace';
}

/** The only way a Slack call is owed: `args` are checked against `method`'s arguments where they are written. */
export async function owe<M extends OwedMethod>(
  db: Executor,
  now: Date,
  method: M,
  args: Owed<OwedMethods[M]>,
  options: OweOptions = {},
): Promise<boolean> {
  const target = args as { channel?: unknown; channel_id?: unknown };
  const lane = options.lane ?? laneOf(target.channel ?? target.channel_id);
  const fills: OutboxFill[] = [];
  const payload = takeFills(args, [], fills) as Record<string, unknown>;
  return insertOutbox(
    db,
    {
      method,
      payload,
      fills,
      onFailure: options.onFailure,
      lane,
      refKey: options.refKey,
      dedupeKey: options.dedupeKey,
    },
    now,
  );
}

/** The arguments with every send-time value taken out (left null) and listed with its path. */
function takeFills(value: unknown, path: (string | number)[], fills: OutboxFill[]): unknown {
  if (isComposed(value) || isSendTimeValue(value)) {
    fills.push({ path, value });
    return null;
  }
  if (Array.isArray(value)) return value.map((v, i) => takeFills(v, [...path, i], fills));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = takeFills(v, [...path, k], fills);
    return out;
  }
  return value;
}

export interface MessageContent {
  text: string;
  blocks?: OwedBlock[];
}

/** Posts a message; with `refKey` it becomes the canonical message later edits update in place. */
export function postMessage(
  db: Executor,
  now: Date,
  message: MessageContent & {
    channel: SlackTarget;
    threadOf?: string;
    refKey?: string;
    dedupeKey?: string;
    broadcast?: boolean;
    onFailure?: OwedFallback;
  },
): Promise<boolean> {
  const content = {
    text: message.text,
    ...(message.blocks ? { blocks: message.blocks } : {}),
    unfurl_links: false,
    unfurl_media: false,
  };
  const thread = message.threadOf
    ? { thread_ts: refTs(message.threadOf), ...(message.broadcast ? { reply_broadcast: true } : {}) }
    : {};
  return owe(
    db,
    now,
    'chat.postMessage',
    { channel: message.channel, ...content, ...thread },
    { refKey: message.refKey, dedupeKey: message.dedupeKey, onFailure: message.onFailure },
  );
}

/** Edits the canonical message stored under `refKey` (re-posted if someone deleted it). */
export function updateMessage(db: Executor, now: Date, refKey: string, message: MessageContent): Promise<boolean> {
  const content = { text: message.text, ...(message.blocks ? { blocks: message.blocks } : {}) };
  return owe(
    db,
    now,
    'chat.update',
    { channel: refChannel(refKey), ts: refTs(refKey), ...content },
    { refKey, lane: `ref:${refKey}` },
  );
}

/** A direct message: chat.postMessage to a user ID lands in the bot's DM with that user. */
export function sendDirectMessage(
  db: Executor,
  now: Date,
  userId: string,
  message: MessageContent & { dedupeKey?: string },
): Promise<boolean> {
  return postMessage(db, now, { channel: userId, ...message });
}

/**
 * A note for one person about what they just did: ephemeral in the conversation they did it in, by DM
 * when there is none (a form, the App Home) or Slack will not show it there (the bot is not in it).
 */
export function sendPrivateNote(
  db: Executor,
  now: Date,
  note: { userId: string; channel?: string; text: string },
): Promise<boolean> {
  if (!note.channel) return sendDirectMessage(db, now, note.userId, { text: note.text });
  const dm = {
    method: 'chat.postMessage' as const,
    args: { channel: note.userId, text: note.text, unfurl_links: false, unfurl_media: false },
  };
  return owe(
    db,
    now,
    'chat.postEphemeral',
    { channel: note.channel, user: note.userId, text: note.text },
    { onFailure: dm },
  );
}
