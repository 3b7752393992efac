import { messageShortcut, type AppDeps, type MessageShortcutArgs } from '../kit.js';
import { formTrigger, openFormOrTell } from '../reply.js';
import { SHORTCUTS } from '../../views/ids.js';
import { TICKET_VIEWS as V } from '../../views/tickets/ids.js';
import { fileTicketModal } from '../../views/tickets/modals.js';
import { summaryFrom } from '../../views/tickets/parse.js';
import { decodeSlackText } from '../../src/domain/typed-text.js';
import { isPrivateConversation } from '../../src/slack/conversations.js';
import { messagePermalinkNow } from '../../src/slack/permalinks.js';
import { rememberShortcutSource } from '../../src/services/shortcuts.js';
import { catalogOf } from './shared.js';

/**
 * "Ask IT about this" on a message: the /it-help form, started from the message. The summary and
 * details are posted to triage, so from a private channel, group DM or DM the text is only shown to
 * the person as a reference and the ticket carries the link.
 */
async function ticketFromMessage({ shortcut, client, respond }: MessageShortcutArgs, deps: AppDeps): Promise<void> {
  const { ctx, logger } = deps;
  const { channel, message } = shortcut;
  const text = decodeSlackText(message.text ?? '');
  const isPrivate = await isPrivateConversation(client, channel.id);
  const form = (permalink?: string) =>
    fileTicketModal({
      ...catalogOf(deps),
      // The message itself (public spaces only): the link to it is kept with the ticket and shown once, on the triage post.
      ...(isPrivate
        ? {
            details: permalink ? `From: ${permalink}` : undefined,
            reference: { heading: 'The message, from a private conversation', text },
          }
        : { summary: summaryFrom(text) || undefined, details: text.slice(0, 2900) || undefined }),
      source: { kind: 'shortcut', channel: channel.id, ts: message.ts },
    });
  const opened = await openFormOrTell(formTrigger(client, respond, shortcut), form(), logger);
  if (!opened) return;
  // The source is recorded as soon as the form is open, so even a quick submission finds it; Slack's
  // link is asked for after (the trigger lasts 3 s) and added to it. A private message's form shows
  // the link in Details, the public one's only on the ticket.
  const source = {
    viewId: opened.id,
    userId: shortcut.user.id,
    callbackId: V.file,
    channel: channel.id,
    ts: message.ts,
    isPrivate,
  };
  await rememberShortcutSource(ctx, source);
  const permalink = await messagePermalinkNow(client, channel.id, message.ts);
  if (permalink) await rememberShortcutSource(ctx, { ...source, permalink });
  if (isPrivate && permalink)
    await client.views.update({ view_id: opened.id, hash: opened.hash, view: form(permalink) }).catch(() => undefined);
}

export const ticketFromMessageShortcut = messageShortcut(SHORTCUTS.ticketFromMessage, ticketFromMessage);
