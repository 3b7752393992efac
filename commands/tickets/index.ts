import type { AllMiddlewareArgs, App, BlockAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { z } from 'zod';
import type { AppDeps } from '../kit.js';
import type { LegacyArea as Area } from '../index.js';
import { COMMANDS, EVENTS, SHORTCUTS } from '../../views/ids.js';
import { TICKET_ACTIONS as A, TICKET_VIEWS as V } from '../../views/tickets/ids.js';
import { beforeYouFileModal, commentModal, fileTicketModal, kbAddModal, LIMITS, noTicketNeededModal, resolveModal, ticketNoticeModal, waitModal } from '../../views/tickets/modals.js';
import { KB_PAGE_SIZE, kbList, takeOverPrompt, ticketCard, ticketList } from '../../views/tickets/messages.js';
import { leftWithAssignee } from '../../views/tickets/notices.js';
import { dmButtonClickOf } from '../../views/tickets/dm-buttons.js';
import { ticketSourceFrom, draftRef, parseCommentForm, parseJson, parseKbForm, parseResolveForm, parseTicketForm, parseWaitForm, sourceMeta, suggestionValue, summaryFrom, ticketRef } from '../../views/tickets/parse.js';
import { TICKET_FIELDS as F } from '../../views/tickets/ids.js';
import { channelLink, mention, userText } from '../../views/text.js';
import { checkBeforeFiling, fileDraft, fileTicket, followIncidentInstead, refuseReactionFiling } from '../../src/services/tickets/file.js';
import { reactionFiling } from '../../src/domain/tickets/reaction.js';
import { isPrivateConversation } from '../../src/slack/conversations.js';
import { messagePermalink, messagePermalinkNow } from '../../src/slack/permalinks.js';
import { rememberShortcutSource, shortcutSourceOfSubmission } from '../../src/services/shortcuts.js';
import { decodeSlackText } from '../../src/domain/typed-text.js';
import { fetchMessage } from '../../src/slack/messages.js';
import { addArticle, articleHelped, refuseKbChange, retireArticle } from '../../src/services/tickets/kb.js';
import {
  assignTicket,
  cancelTicket,
  changePriority,
  claimTicket,
  commentOnTicket,
  rateTicket,
  reopenTicket,
  unlinkTicketFromIncident,
  resolveTicket,
  waitOnRequester,
  holdTicket,
  resumeTicket,
  checkTicketAction,
  type TicketActor,
} from '../../src/services/tickets/work.js';
import { findTicket, findTicketByKey, findTicketBySource, openTicketsOf } from '../../db/queries/tickets.js';
import { listArticles } from '../../db/queries/kb.js';
import type { Outcome } from '../../src/services/context.js';
import type { TicketRow } from '../../db/queries/tickets.js';
import { formTrigger, openFormOrTell, tellClicker, tellClickerOnFailure } from '../reply.js';
import { declareModal } from '../../views/incidents/modals.js';
import type { KnownBlock, ModalView } from '@slack/types';

const HELP = [
  '*/it-help* – ask IT for help (opens a short form)',
  '*/it-help IT-12* (or *show IT-12*) – a ticket, with what you can do on it',
  '*/it-help printer on 3rd floor jams* – same, with the summary filled in',
  '*/it-help list* – your open tickets',
  '*/it-help kb list* – knowledge-base answers; agents: *kb add*, *kb remove KB-12*',
].join('\n');

const ticketIdValue = z.coerce.number().int().positive();
const kbOffsetValue = z.coerce.number().int().min(0).max(1_000_000);
const priorityValue = z.enum(['P1', 'P2', 'P3', 'P4']);
const takeOverValue = z.object({ ticketId: z.number().int().positive(), from: z.string().regex(/^[UW][A-Z0-9]+$/) });
const TICKET_KEY = /^IT-(\d+)$/i;
const rateValue = z.object({ ticketId: z.number().int().positive(), score: z.number().int().min(1).max(5) });

type ActionArgs = SlackActionMiddlewareArgs<BlockAction> & AllMiddlewareArgs;

/** Inbox kind of a submitted /it-help form. */
const FILE_TICKET = 'ticket.file';

/** Service desk: /it-help, the ticket shortcut and reaction, triage buttons, requester buttons, KB. */
export const ticketsArea: Area = {
  name: 'tickets',
  register(app: App, deps: AppDeps) {
    const { ctx, directory, settings, logger } = deps;
    const catalog = () => ({ categories: settings.service_desk.categories, services: settings.service_catalog });
    const actorOf = async (user: { id: string; name?: string; username?: string }, source: TicketActor['source'], channel?: string): Promise<TicketActor> => ({
      id: user.id,
      name: user.name ?? user.username ?? null,
      isAgent: await directory.hasRole(user.id, 'agents'),
      source,
      ...(channel ? { channel } : {}),
    });

    app.command(COMMANDS.itHelp, async ({ command, ack, client, respond }) => {
      const text = command.text.trim();
      const [word, sub, ...rest] = text.split(/\s+/);
      const lower = word?.toLowerCase();
      if (lower === 'help') return void (await ack({ response_type: 'ephemeral', text: HELP }));
      if (lower === 'list' && !sub) {
        const tickets = await openTicketsOf(ctx.db, command.user_id);
        return void (await ack({ response_type: 'ephemeral', ...ticketList(tickets) }));
      }
      if (lower === 'kb') {
        // Roles may need a Slack call (user groups): acknowledge first, answer by response_url.
        await ack();
        const reply = (text: string, blocks?: KnownBlock[]) => respond({ response_type: 'ephemeral', text, ...(blocks ? { blocks } : {}) });
        const isAgent = await directory.hasRole(command.user_id, 'agents');
        const action = sub?.toLowerCase();
        if (action === 'list' || !action) {
          const list = await kbPage(0, isAgent);
          return void (await reply(list.text, list.blocks));
        }
        if (!isAgent && (action === 'add' || action === 'remove')) {
          const refused = await refuseKbChange(ctx, { id: command.user_id, name: command.user_name }, `kb ${action}`, 'command');
          return void (await reply(refused.ok ? HELP : refused.message));
        }
        if (action === 'add') {
          await openFormOrTell(formTrigger(client, respond, command), kbAddModal(), logger);
          return;
        }
        if (action === 'remove') {
          const id = Number(/^(?:KB-)?(\d+)$/i.exec(rest[0] ?? '')?.[1]);
          if (!id) return void (await reply('Say which article: `/it-help kb remove KB-12`.'));
          const result = await retireArticle(ctx, { id: command.user_id, name: command.user_name, isAgent }, id);
          return void (await reply(result.ok ? `Removed KB-${id}.` : result.message));
        }
        return void (await reply(HELP));
      }
      // `/it-help IT-1` or `/it-help show IT-1`: the ticket, for its requester or an agent, with what they may do.
      const key = TICKET_KEY.exec(lower === 'show' ? (sub ?? '') : (word ?? ''))?.[1];
      if (key && (lower === 'show' ? rest.length === 0 : sub === undefined)) {
        await ack();
        const reply = (message: { text: string; blocks?: KnownBlock[] }) => respond({ response_type: 'ephemeral', text: message.text, ...(message.blocks ? { blocks: message.blocks } : {}) });
        const ticket = await findTicketByKey(ctx.db, `IT-${key}`);
        const isAgent = await directory.hasRole(command.user_id, 'agents');
        if (!ticket || (!isAgent && ticket.requester_id !== command.user_id)) {
          return void (await reply({ text: `IT-${key} is not one of your tickets (or does not exist). \`/it-help list\` shows yours.` }));
        }
        return void (await reply(ticketCard(ticket, { id: command.user_id, isAgent }, settings.service_desk.reopen_window, ctx.clock.now().getTime())));
      }
      if (lower === 'show' && !sub) return void (await ack({ response_type: 'ephemeral', text: 'Which ticket? e.g. `/it-help show IT-12`' }));
      // Anything else is the start of a request: open the form, with the text as its summary.
      await ack();
      // Text longer than a summary is kept whole in Details, the summary cut at a word with an ellipsis.
      const long = [...text].length > LIMITS.summary;
      await openFormOrTell(
        formTrigger(client, respond, command),
        fileTicketModal({ ...catalog(), summary: (long ? summaryFrom(text) : text) || undefined, ...(long ? { details: text.slice(0, LIMITS.details) } : {}), source: { kind: 'command', channel: command.channel_id } }),
        logger,
      );
    });

    app.shortcut(SHORTCUTS.ticketFromMessage, async ({ shortcut, ack, client, respond }) => {
      await ack();
      if (shortcut.type !== 'message_action') return;
      const message = shortcut.message as { text?: string; ts: string };
      const text = decodeSlackText(message.text ?? '');
      // The summary and details are posted to triage: from a private channel, group DM or DM the text
      // is only shown to the person as a reference and the ticket carries the link.
      const isPrivate = await isPrivateConversation(client, shortcut.channel.id);
      const form = (permalink?: string) =>
        fileTicketModal({
          ...catalog(),
          // The message itself (public spaces only): the link to it is kept with the ticket and shown once, on the triage post.
          ...(isPrivate
            ? { details: permalink ? `From: ${permalink}` : undefined, reference: { heading: 'The message, from a private conversation', text } }
            : { summary: summaryFrom(text) || undefined, details: text.slice(0, 2900) || undefined }),
          source: { kind: 'shortcut', channel: shortcut.channel.id, ts: message.ts },
        });
      const opened = await openFormOrTell(formTrigger(client, respond, shortcut), form(), logger);
      // Slack's link is asked for once the form is open (the trigger lasts 3 s); a private message's
      // form shows it in Details, the public one's only on the ticket.
      const permalink = await messagePermalinkNow(client, shortcut.channel.id, message.ts);
      if (!opened) return;
      await rememberShortcutSource(ctx, { viewId: opened.id, userId: shortcut.user.id, callbackId: V.file, channel: shortcut.channel.id, ts: message.ts, isPrivate, permalink });
      if (isPrivate && permalink) await client.views.update({ view_id: opened.id, hash: opened.hash, view: form(permalink) }).catch(() => undefined);
    });

    app.view(V.file, async ({ ack, view, body }) => {
      const parsed = parseTicketForm(view.state.values as never, catalog());
      if (!parsed.ok) return void (await ack({ response_action: 'errors', errors: parsed.errors }));
      const requester = { id: body.user.id, name: body.user.name };
      // The source message is the one the shortcut was invoked on, recorded when the form opened; a
      // message named only in the form's metadata is ignored (and audited).
      const claimed = ticketSourceFrom(parseJson(sourceMeta, view.private_metadata));
      const origin = await shortcutSourceOfSubmission(ctx, {
        viewId: view.id,
        actor: requester,
        callbackId: V.file,
        claimed: claimed.kind === 'shortcut' ? { channel: claimed.channel, ts: claimed.ts } : undefined,
        recordType: 'ticket',
      });
      // The link is the one Slack gave when the shortcut opened the form, kept with the source.
      const source = origin
        ? { ...ticketSourceFrom({ kind: 'shortcut', channel: origin.channel, ts: origin.ts }), ...(origin.permalink ? { permalink: origin.permalink } : {}) }
        : { kind: 'command' as const, ...(claimed.channel && claimed.kind === 'command' ? { channel: claimed.channel } : {}) };
      // The submission's identity: a second delivery of the same form files nothing.
      const key = `ticket.file:${view.id}:${view.hash}`;
      const check = await checkBeforeFiling(ctx, requester, parsed.value, source);
      if (!check.ok) return void (await ack({ response_action: 'errors', errors: { [F.summary]: check.message } }));
      if (await deps.inbox.seen(key)) return void (await ack({ response_action: 'errors', errors: { [F.summary]: 'This form was already submitted.' } }));
      if (check.value.kind === 'suggest') {
        return void (await ack({ response_action: 'update', view: beforeYouFileModal(check.value.draftId, parsed.value.summary, check.value.suggestion) }));
      }
      // Stored before the form closes, filed right after (and after a restart, if it comes to that):
      // the confirmation arrives by DM a moment later.
      await deps.inbox.receive({ key, kind: FILE_TICKET, userId: requester.id, payload: { requester, input: parsed.value, source } });
      await ack();
      await deps.inbox.process(key);
    });
    deps.inbox.handle(FILE_TICKET, {
      run: (item) => fileTicket(ctx, item.data.requester, item.data.input, item.data.source, item.key),
      refusalText: (item, message) => `Your request “${userText(item.data.input.summary, 150)}” was not filed: ${message}`,
      failureText: (item) =>
        `:warning: Sorry, your request “${userText(item.data.input.summary, 150)}” could not be filed (Switchboard kept failing to record it), so there is no ticket. Please type \`/it-help\` and send it again.`,
    });

    app.view(V.confirm, async ({ ack, view, body }) => {
      const meta = parseJson(draftRef, view.private_metadata);
      const result = meta ? await fileDraft(ctx, { id: body.user.id, name: body.user.name }, meta.draftId) : undefined;
      if (result?.ok) return void (await ack());
      await ack({ response_action: 'update', view: noTicketNeededModal(result ? result.message : 'Something was off with this form. Type `/it-help` to start again.') });
    });

    app.action(A.kbHelped, async ({ ack, body, action, client }: ActionArgs) => {
      await ack();
      const value = action.type === 'button' ? parseJson(suggestionValue, action.value) : undefined;
      if (!value?.articleId || body.view?.id === undefined) return;
      const result = await articleHelped(ctx, { id: body.user.id, name: body.user.name }, value.articleId, value.draftId);
      await client.views.update({
        view_id: body.view.id,
        view: noTicketNeededModal(result.ok ? `Glad *${userText(result.value.title, 150)}* helped. No ticket was filed. Type \`/it-help\` any time.` : result.message),
      });
    });

    app.action(A.subscribeIncident, async ({ ack, body, action, client }: ActionArgs) => {
      await ack();
      const value = action.type === 'button' ? parseJson(suggestionValue, action.value) : undefined;
      if (!value?.incidentId || body.view?.id === undefined) return;
      const result = await followIncidentInstead(ctx, { id: body.user.id, name: body.user.name }, value.incidentId, value.draftId);
      const follow = result.ok && result.value.channelId ? ` You can also follow ${channelLink(result.value.channelId)}.` : '';
      await client.views.update({
        view_id: body.view.id,
        view: noTicketNeededModal(result.ok ? `You'll get updates on *${result.value.key}: ${userText(result.value.title, 150)}* by DM until it is resolved.${follow}` : result.message),
      });
    });

    // Handled from the inbox (stored before the ack, keyed by event_id): a failure reading the message
    // is thrown, so the event is retried with back-off; the ticket and the event's receipt commit together.
    app.event(EVENTS[0], async ({ event, client, body }) => {
      if (event.reaction !== settings.service_desk.ticket_reaction || event.item.type !== 'message') return;
      const { channel, ts } = event.item;
      if (await findTicketBySource(ctx.db, channel, ts)) return;
      const author = event.item_user && !event.item_user.startsWith('B') ? event.item_user : undefined;
      const filing = reactionFiling({
        isPrivate: await isPrivateConversation(client, channel),
        channel,
        reactorId: event.user,
        authorId: event.item_user,
        listedChannels: settings.service_desk.reaction_private_channels,
      });
      if (filing === 'refuse') {
        await refuseReactionFiling(ctx, { id: event.user }, channel, ts);
        return;
      }
      // Slack's link to the message; a failure to get it now is thrown, so the event is tried again.
      const permalink = await messagePermalink(client, channel, ts);
      // From a private space only the link is copied; the text stays where it was written.
      const text = filing === 'file_with_text' ? (await fetchMessage(client, channel, ts))?.text : '';
      if (text === undefined) {
        logger.warn({ channel, ts }, 'could not read the message a ticket reaction was added to');
        return;
      }
      const requester = author ?? event.user;
      const result = await fileTicket(
        ctx,
        { id: requester },
        {
          summary: filing === 'file_with_text' ? summaryFrom(text) || 'Request from a Slack message' : 'Request from a private conversation (see the link)',
          // The link to the message is kept with the ticket and shown once, on the triage post.
          details: filing === 'file_with_text' ? text.slice(0, 2900) : '',
          category: settings.service_desk.categories.includes('other') ? 'other' : settings.service_desk.categories[0]!,
          service: null,
          impact: 'low',
          urgency: 'medium',
          attachmentUrl: null,
        },
        { kind: 'reaction', channel, ts, permalink, ...(requester !== event.user ? { filedBy: event.user } : {}) },
        `event:${(body as { event_id: string }).event_id}`,
      );
      if (!result.ok) logger.info({ channel, ts, reason: result.message }, 'reaction did not file a ticket');
    });
    deps.eventFailures.add((event: { type?: string; reaction?: string }) =>
      event?.type === 'reaction_added' && event.reaction === settings.service_desk.ticket_reaction
        ? `:warning: Sorry, your :${settings.service_desk.ticket_reaction}: reaction did not become a ticket: Slack would not let Switchboard read that message after several tries. Remove the reaction and add it again, or type \`/it-help\`.`
        : undefined,
    );

    /** The knowledge base from `offset`, one page. */
    async function kbPage(offset: number, canRemove: boolean) {
      const page = await listArticles(ctx.db, { offset, limit: KB_PAGE_SIZE });
      return kbList({ articles: page.rows, total: page.total, offset }, canRemove);
    }

    /** Shows the clicker a message with blocks: ephemeral where the click came from a message, else by DM. */
    const showClicker = async ({ body, respond, client }: ActionArgs, message: { text: string; blocks?: KnownBlock[] }) => {
      if (body.response_url) {
        await respond({ response_type: 'ephemeral', replace_original: false, text: message.text, ...(message.blocks ? { blocks: message.blocks } : {}) });
        return;
      }
      await client.chat.postMessage({ channel: body.user.id, text: message.text, ...(message.blocks ? { blocks: message.blocks } : {}) });
    };

    /** Shared shape of a button or select on a ticket: ack, parse, act, tell the clicker if refused. */
    const onTicket = (
      actionId: string | RegExp,
      run: (args: ActionArgs, actor: TicketActor, ticketId: number) => Promise<Outcome<TicketRow> | undefined>,
      parseId: (args: ActionArgs) => number | undefined = ({ action }) => (action.type === 'button' ? ticketIdValue.safeParse(action.value).data : undefined),
    ) => {
      app.action(actionId, async (args: ActionArgs) => {
        await args.ack();
        const ticketId = parseId(args);
        const tell = (text: string) =>
          tellClicker({ body: args.body, respond: args.respond, client: args.client, text }).catch((error: unknown) =>
            logger.warn({ err: error }, 'could not tell a person about their click'),
          );
        if (!ticketId) return void (await tell('That button is out of date. Type `/it-help list` to see your tickets.'));
        await tellClickerOnFailure({ body: args.body, respond: args.respond, client: args.client, logger }, async () => {
          // Pressed in a DM about the ticket: the use case refuses it if the ticket has moved past it.
          const actor = { ...(await actorOf(args.body.user, 'button', args.body.channel?.id)), button: dmButtonClickOf(args.body.container, args.action.block_id) };
          const result = await run(args, actor, ticketId);
          if (result && !result.ok) await tell(result.message);
        });
      });
    };
    const ticketIdFromBlock = ({ action }: ActionArgs) => ticketIdValue.safeParse(/\.(\d+)$/.exec(action.block_id)?.[1]).data;

    // A Claim on a ticket someone else has asks first ("take it from @arnold?"); a stale button never takes it silently.
    onTicket(A.claim, async (args, actor, id) => {
      const ticket = await findTicket(ctx.db, id);
      if (ticket && actor.isAgent && ticket.assignee_id && ticket.assignee_id !== actor.id && ['new', 'in_progress', 'waiting_on_requester'].includes(ticket.status)) {
        await showClicker(args, takeOverPrompt(ticket, ticket.assignee_id));
        return undefined;
      }
      return claimTicket(ctx, id, actor);
    });
    onTicket(
      A.takeOver,
      async (args, actor) => {
        const value = args.action.type === 'button' ? parseJson(takeOverValue, args.action.value) : undefined;
        if (!value) return undefined;
        const result = await claimTicket(ctx, value.ticketId, actor, { takeFrom: value.from });
        if (result.ok) await showClicker(args, { text: `You took ${result.value.key} over; ${mention(value.from)} was told.` });
        return result;
      },
      ({ action }) => (action.type === 'button' ? parseJson(takeOverValue, action.value)?.ticketId : undefined),
    );
    onTicket(A.unlink, (_a, actor, id) => unlinkTicketFromIncident(ctx, id, actor));
    onTicket(A.keepAssignee, async (args, _actor, id) => {
      const ticket = await findTicket(ctx.db, id);
      await showClicker(args, { text: leftWithAssignee(ticket?.key ?? 'The ticket') });
      return undefined;
    });
    app.action(A.openLink, async ({ ack }) => {
      await ack();
    });
    // Waiting on requester asks the agent what they need. The form opens first (the trigger_id lasts
    // 3 s and knowing whether someone is an agent can take a user-group look-up); the same rule the
    // submission applies then runs, and its refusal (audited) replaces the form.
    app.action(A.wait, async (args: ActionArgs) => {
      await args.ack();
      const { body, client, respond } = args;
      const ticketId = args.action.type === 'button' ? ticketIdValue.safeParse(args.action.value).data : undefined;
      const tell = (text: string) =>
        tellClicker({ body, respond, client, text }).catch((error: unknown) => logger.warn({ err: error }, 'could not tell a person about their click'));
      if (!ticketId) return void (await tell('That button is out of date. Type `/it-help list` to see your tickets.'));
      await tellClickerOnFailure({ body, respond, client, logger }, async () => {
        const opened = await openFormOrTell(formTrigger(client, respond, body), waitModal(ticketId), logger);
        if (!opened) return;
        const allowed = await checkTicketAction(ctx, ticketId, 'wait_on_requester', await actorOf(body.user, 'button'));
        if (allowed.ok) return;
        await client.views
          .update({ view_id: opened.id, hash: opened.hash, view: ticketNoticeModal('Waiting on requester', allowed.message) })
          .catch(async (error: unknown) => {
            logger.warn({ err: error }, 'could not replace a form with its refusal');
            await tell(allowed.message);
          });
      });
    });
    onTicket(A.resume, (_a, actor, id) => resumeTicket(ctx, id, actor));
    onTicket(
      A.hold,
      async ({ action }, actor, id) => {
        const value = action.type === 'static_select' ? action.selected_option?.value : undefined;
        const reason = value?.slice(value.indexOf(':') + 1);
        return reason ? holdTicket(ctx, id, reason, actor) : undefined;
      },
      ticketIdFromBlock,
    );
    onTicket(A.reopen, (_a, actor, id) => reopenTicket(ctx, id, actor));
    onTicket(A.cancel, (_a, actor, id) => cancelTicket(ctx, id, actor));
    onTicket(
      A.assign,
      async ({ action }, actor, id) => {
        const assignee = action.type === 'users_select' ? action.selected_user : undefined;
        if (!assignee) return undefined;
        return assignTicket(ctx, id, assignee, actor, await directory.hasRole(assignee, 'agents'));
      },
      ticketIdFromBlock,
    );
    onTicket(
      A.priority,
      async ({ action }, actor, id) => {
        const priority = priorityValue.safeParse(action.type === 'static_select' ? action.selected_option?.value : undefined);
        return priority.success ? changePriority(ctx, id, priority.data, actor) : undefined;
      },
      ticketIdFromBlock,
    );
    onTicket(
      /^ticket\.rate\.[1-5]$/,
      async ({ action }, actor) => {
        const value = action.type === 'button' ? parseJson(rateValue, action.value) : undefined;
        return value ? rateTicket(ctx, value.ticketId, value.score, actor) : undefined;
      },
      ({ action }) => (action.type === 'button' ? parseJson(rateValue, action.value)?.ticketId : undefined),
    );
    // Before a form opens, the same rule the write applies (refusals by someone without the right are audited).
    onTicket(A.resolve, async ({ body, client, respond }, actor, id) => {
      const allowed = await checkTicketAction(ctx, id, 'resolve', actor);
      if (!allowed.ok) return allowed;
      await openFormOrTell(formTrigger(client, respond, body), resolveModal(id, allowed.value.key, settings.service_desk.resolution_codes), logger);
      return undefined;
    });
    onTicket(A.comment, async ({ body, client, respond }, actor, id) => {
      const allowed = await checkTicketAction(ctx, id, 'comment', actor);
      if (!allowed.ok) return allowed;
      await openFormOrTell(formTrigger(client, respond, body), commentModal(id, allowed.value.key, actor.id !== allowed.value.requester_id), logger);
      return undefined;
    });
    // Escalating opens the incident declaration; declaring links the two. The ticket's details are the
    // declarer's reference only: the public title and impact start from the ticket's summary.
    onTicket(A.escalate, async ({ body, client, respond }, actor, id) => {
      const allowed = await checkTicketAction(ctx, id, 'escalate', actor);
      if (!allowed.ok) return allowed;
      const ticket = allowed.value;
      await openFormOrTell(
        formTrigger(client, respond, body),
        declareModal({
          prefill: {
            title: ticket.summary,
            impact: ticket.summary,
            services: ticket.service && settings.service_catalog.includes(ticket.service) ? [ticket.service] : [],
            severity: ticket.priority,
            linkedTicketId: ticket.id,
          },
          reference: { heading: `${ticket.key} · ${ticket.summary}`, text: ticket.details },
          severities: settings.incidents.severities,
          serviceCatalog: settings.service_catalog,
          metadata: { linkedTicketId: ticket.id, source: 'ticket' },
        }),
        logger,
      );
      return undefined;
    });

    app.view(V.resolve, async ({ ack, view, body }) => {
      const parsed = parseResolveForm(view.state.values as never, settings.service_desk.resolution_codes);
      if (!parsed.ok) return void (await ack({ response_action: 'errors', errors: parsed.errors }));
      const meta = parseJson(ticketRef, view.private_metadata);
      if (!meta) return void (await ack({ response_action: 'errors', errors: { [F.resolutionNote]: 'This form is out of date; close it and press Resolve again.' } }));
      const result = await resolveTicket(ctx, meta.ticketId, parsed.value, await actorOf(body.user, 'modal'));
      await ack(result.ok ? undefined : { response_action: 'errors', errors: { [F.resolutionNote]: result.message } });
    });

    app.view(V.comment, async ({ ack, view, body }) => {
      const parsed = parseCommentForm(view.state.values as never);
      if (!parsed.ok) return void (await ack({ response_action: 'errors', errors: parsed.errors }));
      const meta = parseJson(ticketRef, view.private_metadata);
      if (!meta) return void (await ack({ response_action: 'errors', errors: { [F.comment]: 'This form is out of date; close it and try again.' } }));
      const result = await commentOnTicket(ctx, meta.ticketId, parsed.value.comment, await actorOf(body.user, 'modal'));
      await ack(result.ok ? undefined : { response_action: 'errors', errors: { [F.comment]: result.message } });
    });

    // Authorization is derived again here: the form says which ticket, never who may act on it.
    app.view(V.wait, async ({ ack, view, body }) => {
      const parsed = parseWaitForm(view.state.values as never);
      if (!parsed.ok) return void (await ack({ response_action: 'errors', errors: parsed.errors }));
      const meta = parseJson(ticketRef, view.private_metadata);
      if (!meta) return void (await ack({ response_action: 'errors', errors: { [F.question]: 'This form is out of date; close it and press Waiting on requester again.' } }));
      const result = await waitOnRequester(ctx, meta.ticketId, parsed.value.question, await actorOf(body.user, 'modal'));
      await ack(result.ok ? undefined : { response_action: 'errors', errors: { [F.question]: result.message } });
    });

    app.view(V.kbAdd, async ({ ack, view, body }) => {
      const parsed = parseKbForm(view.state.values as never);
      if (!parsed.ok) return void (await ack({ response_action: 'errors', errors: parsed.errors }));
      const result = await addArticle(ctx, { id: body.user.id, name: body.user.name, isAgent: await directory.hasRole(body.user.id, 'agents') }, parsed.value);
      await ack(result.ok ? undefined : { response_action: 'errors', errors: { [F.kbTitle]: result.message } });
    });

    // "Previous page" / "Next page" under `/it-help kb list`: the same message shows the other page.
    app.action(new RegExp(`^${A.kbPage.replace('.', '\\.')}\\.`), async ({ ack, action, body, respond }: ActionArgs) => {
      await ack();
      const offset = action.type === 'button' ? kbOffsetValue.safeParse(action.value).data : undefined;
      if (offset === undefined) return;
      const list = await kbPage(offset, await directory.hasRole(body.user.id, 'agents'));
      await respond({ response_type: 'ephemeral', replace_original: true, text: list.text, blocks: list.blocks as never });
    });

    app.action(A.kbRemove, async ({ ack, action, body, respond }: ActionArgs) => {
      await ack();
      const id = action.type === 'button' ? ticketIdValue.safeParse(action.value).data : undefined;
      if (!id) return;
      const result = await retireArticle(ctx, { id: body.user.id, name: body.user.name, isAgent: await directory.hasRole(body.user.id, 'agents') }, id, 'button');
      await respond({ response_type: 'ephemeral', replace_original: false, text: result.ok ? `Removed KB-${id}.` : result.message });
    });
  },
};
