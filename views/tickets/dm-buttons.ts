import type { KnownBlock } from '@slack/types';
import type { DmButtonSet } from '../../src/domain/tickets/dm-buttons.js';
import { mrkdwn } from '../text.js';
import { TICKET_DM_BLOCKS } from './ids.js';
import type { MessageContent } from './messages.js';

/** The button set a DM's button row is, from its block id (`ticket.csat.12`); undefined for any other row. */
export function dmButtonSetOfBlock(blockId: string | undefined): DmButtonSet | undefined {
  const prefix = blockId?.replace(/\.\d+$/, '');
  return (Object.keys(TICKET_DM_BLOCKS) as DmButtonSet[]).find((set) => TICKET_DM_BLOCKS[set] === prefix);
}

/** The button sets a message carries, in the order its rows appear. */
export function dmButtonSetsIn(blocks: readonly unknown[]): DmButtonSet[] {
  return blocks.flatMap((block) => {
    const set = isActions(block) ? dmButtonSetOfBlock(block.block_id) : undefined;
    return set ? [set] : [];
  });
}

/**
 * The message with the button rows of `retired` sets replaced by a context line saying what the ticket
 * is now; the text and every other row stay as they were. Sets retired for the same reason share a line.
 */
export function withButtonsRetired(
  message: { text: string; blocks: readonly unknown[] },
  retired: { set: DmButtonSet; line: string }[],
): MessageContent {
  const said = new Set<string>();
  const blocks = message.blocks.flatMap((block) => {
    const set = isActions(block) ? dmButtonSetOfBlock(block.block_id) : undefined;
    const line = retired.find((r) => r.set === set)?.line;
    if (line === undefined) return [block as KnownBlock];
    if (said.has(line)) return [];
    said.add(line);
    return [{ type: 'context', elements: [mrkdwn(line)] } as KnownBlock];
  });
  return { text: message.text, blocks };
}

/** Where a click came from, when it is a button row of a DM about a ticket: the message and the set. */
export function dmButtonClickOf(
  container: unknown,
  blockId: string | undefined,
): { channel: string; ts: string; set: DmButtonSet } | undefined {
  const set = dmButtonSetOfBlock(blockId);
  const c = container as
    { type?: unknown; channel_id?: unknown; message_ts?: unknown; is_ephemeral?: unknown } | undefined;
  if (
    !set ||
    c?.type !== 'message' ||
    c.is_ephemeral === true ||
    typeof c.channel_id !== 'string' ||
    typeof c.message_ts !== 'string'
  )
    return undefined;
  return { channel: c.channel_id, ts: c.message_ts, set };
}

function isActions(block: unknown): block is { type: 'actions'; block_id?: string } {
  return typeof block === 'object' && block !== null && (block as { type?: unknown }).type === 'actions';
}
