import type { App } from '@slack/bolt';
import { form, messageShortcut, type AppDeps, type FormArgs, type MessageShortcutArgs } from '../kit.js';
import { declareIncident } from '../../src/services/incidents/index.js';
import { rememberShortcutSource, shortcutSourceOfSubmission } from '../../src/services/shortcuts.js';
import { decodeSlackText, withoutSlackMarkup } from '../../src/domain/typed-text.js';
import { isPrivateConversation } from '../../src/slack/conversations.js';
import { messagePermalink } from '../../src/slack/permalinks.js';
import type { InboxItem } from '../../src/jobs/inbox.js';
import { SHORTCUTS } from '../../views/ids.js';
import { CALLBACKS } from '../../views/incidents/ids.js';
import {
  parseDeclare,
  parseDeclareMetadata,
  type DeclareInput,
  type DeclareMetadata,
} from '../../views/incidents/modals.js';
import { userText } from '../../views/text.js';
import { formTrigger } from '../reply.js';
import { openDeclare } from './open-forms.js';

/**
 * Declaring an incident: the "Declare incident" message shortcut and the declare form. A submitted
 * form is stored before it closes and declared right after (and after a restart, if it comes to
 * that); the look-ups (the declarer's name, the source message's link) wait on Slack after the ack.
 */

/** Inbox kind of a submitted declaration form. */
const DECLARE = 'incident.declare';

interface StoredDeclaration {
  input: DeclareInput;
  meta: DeclareMetadata;
  submissionKey: string;
  viewId?: string;
}

/** The declare form from a message: its first line as the title, the message as the impact. */
async function declareFromMessage({ shortcut, client, respond }: MessageShortcutArgs, deps: AppDeps): Promise<void> {
  const channel = shortcut.channel.id;
  const ts = shortcut.message.ts;
  const escaped = (shortcut.message.text ?? '').trim();
  const text = decodeSlackText(escaped);
  // The title leaves out mentions and links; a typed "<3rd floor>" is text and stays.
  const firstLine = decodeSlackText(withoutSlackMarkup(escaped.split('\n')[0]!)).trim();
  // Title and impact are published. From a private channel, group DM or DM the message is shown to
  // the declarer as a reference only; the timeline links the message, never copies its text.
  const isPrivate = await isPrivateConversation(client, channel);
  const opened = await openDeclare(
    deps,
    formTrigger(client, respond, shortcut),
    isPrivate ? {} : { title: firstLine.slice(0, 150) || undefined, impact: text.slice(0, 2000) || undefined },
    { source: 'shortcut', sourceChannel: channel, sourceTs: ts },
    isPrivate ? { heading: 'The message, from a private conversation', text } : undefined,
  );
  if (opened)
    await rememberShortcutSource(deps.ctx, {
      viewId: opened.id,
      userId: shortcut.user.id,
      callbackId: CALLBACKS.declare,
      channel,
      ts,
      isPrivate,
    });
}

/** Stores the submitted form (one insert) before the ack; the key names it for processing. */
async function storeDeclaration(input: DeclareInput, { view, body }: FormArgs, deps: AppDeps) {
  const submissionKey = `${view.id}:${view.hash}`;
  const key = `${DECLARE}:${submissionKey}`;
  const stored: StoredDeclaration = {
    input,
    meta: parseDeclareMetadata(view.private_metadata),
    submissionKey,
    viewId: view.id,
  };
  await deps.inbox.receive({ key, kind: DECLARE, userId: body.user.id, payload: stored });
  return { ok: true as const, value: key };
}

async function closeThenDeclare(key: string, { ack }: FormArgs, deps: AppDeps): Promise<void> {
  await ack();
  await deps.inbox.process(key);
}

/** Declares a stored submission: from the message the shortcut was invoked on, if it was. */
async function declareStored(item: InboxItem, { ctx, directory }: AppDeps, client: App['client']) {
  const { input, meta, submissionKey, viewId } = item.data as StoredDeclaration;
  const userId = item.user_id!;
  const user = await directory.user(userId);
  // The source message is the one the shortcut was invoked on, recorded when the form opened; a
  // source named only in the metadata is ignored (and audited).
  const origin = await shortcutSourceOfSubmission(ctx, {
    viewId: viewId ?? '',
    actor: { id: userId, name: user.name },
    callbackId: CALLBACKS.declare,
    claimed: meta.sourceChannel || meta.sourceTs ? { channel: meta.sourceChannel, ts: meta.sourceTs } : undefined,
    recordType: 'incident',
  });
  // Slack's link to the message; a failure to get it now is thrown, so the declaration is tried again.
  const permalink = origin ? await messagePermalink(client, origin.channel, origin.ts) : undefined;
  return declareIncident(ctx, {
    ...input,
    actor: { id: userId, name: user.name },
    source: origin ? 'shortcut' : 'modal',
    linkedTicketId: meta.linkedTicketId,
    declarerIsAgent: meta.linkedTicketId !== undefined ? await directory.hasRole(userId, 'agents') : undefined,
    sourceMessage: origin ? { channel: origin.channel, ts: origin.ts, permalink } : undefined,
    submissionKey,
  });
}

/** The stored declarations' handler: declared after the ack, retried by the inbox until they are. */
export function handleDeclarations(deps: AppDeps, client: App['client']): void {
  deps.inbox.handle<StoredDeclaration>(DECLARE, {
    run: (item) => declareStored(item, deps, client),
    refusalText: (item, message) =>
      `Your incident “${userText(item.data.input.title, 150)}” was not declared: ${message}`,
    failureText: (item) =>
      `:warning: Sorry, your incident “${userText(item.data.input.title, 150)}” could not be declared (Switchboard kept failing to record it), so nothing was announced. Declare it again with \`/incident\`.`,
  });
}

export const declareShortcut = messageShortcut(SHORTCUTS.incidentFromMessage, declareFromMessage);

export const declareForm = form(CALLBACKS.declare, {
  parse: (view, _args, { ctx }) => parseDeclare(view.state.values, ctx.clock.now()),
  run: storeDeclaration,
  done: closeThenDeclare,
});
