import { insertOutbox, type OutboxFill } from '../../db/queries/outbox.js';
import type { Executor } from '../../db/schema.js';
import { isComposed, isSendTimeValue } from '../../views/text.js';

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
export const refPermalink = (key: string): RefValue => ({ $ref: key, field: 'permalink' });
export const isRef = (value: unknown): value is RefValue =>
  typeof value === 'object' && value !== null && typeof (value as RefValue).$ref === 'string';

export interface OwedCall {
  method: string;
  args: Record<string, unknown>;
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
  onFailure?: { method: string; args: Record<string, unknown>; refKey?: string };
}

export function laneOf(target: unknown): string {
  if (typeof target === 'string') return target;
  if (isRef(target)) return `ref:${target.$ref}`;
  return 'workspace';
}

export async function owe(db: Executor, now: Date, call: OwedCall): Promise<boolean> {
  const lane = call.lane ?? laneOf(call.args.channel ?? call.args.user_id ?? call.args.users);
  const fills: OutboxFill[] = [];
  const payload = takeFills(call.args, [], fills) as Record<string, unknown>;
  return insertOutbox(db, { method: call.method, payload, fills, onFailure: call.onFailure, lane, refKey: call.refKey, dedupeKey: call.dedupeKey }, now);
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
  blocks?: unknown[];
}

/** Posts a message; with `refKey` it becomes the canonical message later edits update in place. */
export function postMessage(
  db: Executor,
  now: Date,
  message: MessageContent & { channel: SlackTarget; threadOf?: string; refKey?: string; dedupeKey?: string; broadcast?: boolean; onFailure?: OwedCall['onFailure'] },
): Promise<boolean> {
  const args: Record<string, unknown> = {
    channel: message.channel,
    text: message.text,
    unfurl_links: false,
    unfurl_media: false,
  };
  if (message.blocks) args.blocks = message.blocks;
  if (message.threadOf) {
    args.thread_ts = refTs(message.threadOf);
    if (message.broadcast) args.reply_broadcast = true;
  }
  return owe(db, now, { method: 'chat.postMessage', args, refKey: message.refKey, dedupeKey: message.dedupeKey, onFailure: message.onFailure });
}

/** Edits the canonical message stored under `refKey` (re-posted if someone deleted it). */
export function updateMessage(db: Executor, now: Date, refKey: string, message: MessageContent): Promise<boolean> {
  const args: Record<string, unknown> = { channel: refChannel(refKey), ts: refTs(refKey), text: message.text };
  if (message.blocks) args.blocks = message.blocks;
  return owe(db, now, { method: 'chat.update', args, refKey, lane: `ref:${refKey}` });
}

/** A direct message: chat.postMessage to a user ID lands in the bot's DM with that user. */
export function sendDirectMessage(db: Executor, now: Date, userId: string, message: MessageContent & { dedupeKey?: string }): Promise<boolean> {
  return postMessage(db, now, { channel: userId, ...message });
}
