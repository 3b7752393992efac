import type { App, RespondFn } from '@slack/bolt';
import type { KnownBlock } from '@slack/types';
import type { WebClient } from '@slack/web-api';
import type { AppDeps } from '../kit.js';
import type { LegacyArea as Area } from '../index.js';
import { getAction, getIncident, incidentByChannel, openIncidents } from '../../db/queries/incidents.js';
import { allRoles, dueAtOnDate, isActiveStatus, isSeverity, mayRun, type Severity } from '../../src/domain/incidents/rules.js';
import {
  acknowledgeIncident,
  addFollowUpAction,
  addNote,
  checkMayAddActions,
  assignRole,
  changeSeverity,
  changeStatus,
  closeFollowUpAction,
  closeIncident,
  declareIncident,
  exportReview,
  incidentCard,
  checkMayRun,
  postUpdate,
  resolveIncident,
  subscribe,
  unsubscribe,
  updateForm,
  type IncidentActor,
} from '../../src/services/incidents/index.js';
import type { Outcome } from '../../src/services/context.js';
import { COMMANDS, EVENTS, SHORTCUTS } from '../../views/ids.js';
import { userText } from '../../views/text.js';
import { ACTIONS, CALLBACKS, FIELDS } from '../../views/incidents/ids.js';
import { openIncidentsList, statusCard } from '../../views/incidents/messages.js';
import {
  actionModal,
  declareModal,
  incidentIdFromMetadata,
  parseActionModal,
  parseDeclare,
  parseDeclareMetadata,
  parseResolve,
  parseRoleModal,
  parseUpdate,
  resolveModal,
  roleModal,
  updateModal,
  noticeModal,
  type DeclareInput,
  type DeclareMetadata,
  type DeclarePrefill,
} from '../../views/incidents/modals.js';
import { isoDay, parseIncidentCommand, USAGE } from './parse.js';
import { directChannel } from '../../src/slack/uploads.js';
import { decodeSlackText, withoutSlackMarkup } from '../../src/domain/typed-text.js';
import { fetchMessage } from '../../src/slack/messages.js';
import { messagePermalink } from '../../src/slack/permalinks.js';
import { isPrivateConversation } from '../../src/slack/conversations.js';
import { rememberShortcutSource, shortcutSourceOfSubmission } from '../../src/services/shortcuts.js';
import { formTrigger, openFormOrTell, type FormTrigger } from '../reply.js';

/**
 * Everything a person does with incidents in Slack: `/incident`, the buttons on the pinned summary,
 * announcements and reminders, the modals, the "Declare incident" message shortcut and the timeline
 * reaction. Listeners ack, parse, resolve who is acting, call a use case and answer.
 */
/** Inbox kind of a submitted declaration form. */
const DECLARE = 'incident.declare';

export const incidentsArea: Area = {
  name: 'incidents',
  register(app: App, deps: AppDeps) {
    const { ctx, directory, settings, logger } = deps;

    const actorOf = async (userId: string): Promise<IncidentActor> => {
      const [user, isIncidentManager] = await Promise.all([directory.user(userId), directory.hasRole(userId, 'incident_managers')]);
      return { id: userId, name: user.name, isIncidentManager };
    };
    /** For follow-up actions, IT staff standing counts too. */
    const staffActorOf = async (base: IncidentActor): Promise<IncidentActor> => ({ ...base, isStaff: (await directory.rolesOf(base.id)).size > 0 });

    /**
     * The person submitting a modal, without slow look-ups before the ack (Slack allows 3 s): the name
     * comes with the payload, and the incident-managers group (cached) is consulted only for someone
     * who is not already the incident's commander or declarer.
     */
    const submitterOf = async (
      user: { id: string; name?: string; username?: string },
      incidentOrId: number | { declared_by: string; commander_id: string | null },
    ): Promise<IncidentActor> => {
      const incident = typeof incidentOrId === 'number' ? await getIncident(ctx.db, incidentOrId) : incidentOrId;
      const runsIt = incident !== undefined && (incident.commander_id === user.id || incident.declared_by === user.id);
      return { id: user.id, name: user.name || user.username || user.id, isIncidentManager: runsIt ? false : await directory.hasRole(user.id, 'incident_managers') };
    };

    const ephemeral = async (respond: RespondFn | undefined, text: string, blocks?: KnownBlock[]) => {
      if (!respond) return;
      try {
        await respond({ response_type: 'ephemeral', replace_original: false, text, ...(blocks ? { blocks } : {}) });
      } catch (error) {
        logger.warn({ err: error }, 'could not answer ephemerally');
      }
    };

    const answer = async <T>(respond: RespondFn | undefined, outcome: Outcome<T>, success?: (value: T) => string | undefined) => {
      if (!outcome.ok) return ephemeral(respond, outcome.message);
      const text = success?.(outcome.value);
      if (text) await ephemeral(respond, text);
    };

    /**
     * Opens a form at once: a trigger_id lasts 3 seconds, and the records already say whether someone
     * runs the incident. Anyone else may still be an incident manager, which can take a user-group
     * look-up: that happens after the form is open; if they are not one, the use case's own check
     * (which audits the refusal) runs and its refusal replaces the form.
     */
    const openThenCheck = async (at: FormTrigger, view: Record<string, unknown>, needsManager: boolean, title: string, recheck: () => Promise<Outcome<unknown>>) => {
      const opened = await openFormOrTell(at, view, logger);
      if (!opened || !needsManager || (await directory.hasRole(at.from.user.id, 'incident_managers'))) return;
      const outcome = await recheck();
      if (outcome.ok) return;
      await at.client.views.update({ view_id: opened.id, hash: opened.hash, view: noticeModal(title, outcome.message) as never }).catch((error: unknown) => logger.warn({ err: error }, 'could not replace a form with its refusal'));
    };
    /** Whoever the records show running it, without asking Slack: stale or missing incidents are refused. */
    const asManager = (userId: string): IncidentActor => ({ id: userId, name: userId, isIncidentManager: true });
    const runs = (incident: { declared_by: string; commander_id: string | null }, userId: string) => mayRun({ declaredBy: incident.declared_by, commanderId: incident.commander_id }, { id: userId, isIncidentManager: false });

    const openDeclare = async (
      at: FormTrigger,
      prefill: DeclarePrefill,
      metadata: Parameters<typeof declareModal>[0]['metadata'],
      reference?: Parameters<typeof declareModal>[0]['reference'],
    ) => {
      const open = await openIncidents(ctx.db);
      return openFormOrTell(
        at,
        declareModal({
          prefill,
          severities: settings.incidents.severities,
          serviceCatalog: settings.service_catalog,
          openIncidents: open.map((i) => ({ key: i.key, title: i.title, severity: i.severity })),
          metadata,
          ...(reference ? { reference } : {}),
        }),
        logger,
      );
    };

    // Nothing waits on Slack before views.open: the form is built from the records alone.
    const openUpdate = async (at: FormTrigger, incidentId: number, source: 'button' | 'command' = 'button') => {
      const userId = at.from.user.id;
      const form = await updateForm(ctx, { incidentId, actor: asManager(userId), source });
      if (!form.ok) return ephemeral(at.respond, form.message);
      await openThenCheck(at, updateModal(form.value.snapshot, form.value.prefill), !form.value.allowedByRole, 'Post an update', async () =>
        updateForm(ctx, { incidentId, actor: await actorOf(userId), source }),
      );
    };

    const openResolve = async (at: FormTrigger, incidentId: number, source: 'button' | 'command' = 'button') => {
      const userId = at.from.user.id;
      const allowed = await checkMayRun(ctx, { incidentId, actor: asManager(userId), what: 'resolve', source });
      if (!allowed.ok) return ephemeral(at.respond, allowed.message);
      await openThenCheck(at, resolveModal(allowed.value), !runs(allowed.value, userId), `Resolve ${allowed.value.key}`, async () =>
        checkMayRun(ctx, { incidentId, actor: await actorOf(userId), what: 'resolve', source }),
      );
    };

    /** The review draft as a Markdown file, into the incident's channel; the use case decides who may. */
    const uploadReview = async (client: WebClient, incidentId: number, userId: string, respond: RespondFn | undefined, source: 'button' | 'command') => {
      const names = new Map<string, string>();
      const incident = await getIncident(ctx.db, incidentId);
      if (!incident) return ephemeral(respond, 'That incident no longer exists.');
      const [actorName, roles] = await Promise.all([directory.user(userId), directory.rolesOf(userId)]);
      // Names for the export: the people on the record, looked up once each.
      const ids = new Set<string>([incident.declared_by, ...(incident.commander_id ? [incident.commander_id] : [])]);
      for (const row of await ctx.db.selectFrom('incident_roles').select('user_id').where('incident_id', '=', incidentId).execute()) ids.add(row.user_id);
      for (const row of await ctx.db.selectFrom('incident_timeline').select('actor_id').where('incident_id', '=', incidentId).execute()) if (row.actor_id) ids.add(row.actor_id);
      for (const row of await ctx.db.selectFrom('incident_actions').select('owner_id').where('incident_id', '=', incidentId).execute()) ids.add(row.owner_id);
      for (const id of ids) if (/^[UW]/.test(id)) names.set(id, (await directory.user(id)).name);
      const result = await exportReview(ctx, incidentId, (id) => `@${names.get(id) ?? id}`, { actor: { id: userId, name: actorName.name }, roles, source });
      if (!result.ok) return ephemeral(respond, result.message);
      try {
        const channel = result.value.channelId ?? (await directChannel(client, userId));
        await client.files.uploadV2({
          channel_id: channel,
          filename: `${result.value.key.toLowerCase()}-review.md`,
          title: `${result.value.key} post-incident review (draft)`,
          content: result.value.markdown,
          initial_comment: `Post-incident review draft for ${result.value.key} (Markdown).`,
        });
      } catch (error) {
        logger.warn({ err: error }, 'review export upload failed');
        await ephemeral(respond, `Could not upload the review file (${(error as { data?: { error?: string } }).data?.error ?? 'Slack error'}). Try again in a moment.`);
      }
    };

    // ---- /incident ----------------------------------------------------------------------------------
    app.command(COMMANDS.incident, async ({ command, ack, respond, client }) => {
      await ack();
      const parsed = parseIncidentCommand(command.text ?? '', {
        now: ctx.clock.now().getTime(),
        timeZone: settings.timezone,
        actionDueTime: settings.incidents.action_due_time,
        customRoles: settings.incidents.custom_roles,
      });
      const at = formTrigger(client, respond, command);
      if (parsed.kind === 'declare') {
        await openDeclare(at, { title: parsed.title || undefined }, { source: 'command' });
        return;
      }
      const here = await incidentByChannel(ctx.db, command.channel_id);
      if (parsed.kind === 'card') {
        if (here) {
          const snapshot = await incidentCard(ctx, here.id);
          const card = statusCard(snapshot!, ctx.clock.now().getTime());
          return ephemeral(respond, card.text, card.blocks);
        }
        await openDeclare(at, {}, { source: 'command' });
        const open = await openIncidents(ctx.db);
        if (open.length > 0) {
          const list = openIncidentsList(open.map((i) => ({ key: i.key, title: i.title, severity: i.severity, status: i.status, channelId: i.channel_id })));
          await ephemeral(respond, list.text, list.blocks);
        }
        return;
      }
      if (parsed.kind === 'list') {
        const open = await openIncidents(ctx.db);
        const list = openIncidentsList(open.map((i) => ({ key: i.key, title: i.title, severity: i.severity, status: i.status, channelId: i.channel_id })));
        return ephemeral(respond, list.text, list.blocks);
      }
      if (parsed.kind === 'help') return ephemeral(respond, USAGE);
      if (parsed.kind === 'error') return ephemeral(respond, parsed.message);
      if (!here) return ephemeral(respond, 'Run this inside the incident\'s channel. `/incident list` shows open incidents.');
      const user = command.user_id;
      switch (parsed.kind) {
        case 'role':
          return answer(respond, await assignRole(ctx, { incidentId: here.id, actor: await actorOf(user), role: parsed.role, userId: parsed.userId, source: 'command' }));
        case 'status':
          return answer(respond, await changeStatus(ctx, { incidentId: here.id, actor: await actorOf(user), status: parsed.status, source: 'command' }));
        case 'severity':
          return answer(respond, await changeSeverity(ctx, { incidentId: here.id, actor: await actorOf(user), severity: parsed.severity, source: 'command' }));
        case 'ack':
          return answer(respond, await acknowledgeIncident(ctx, { incidentId: here.id, actor: await actorOf(user), source: 'command' }));
        case 'close':
          return answer(respond, await closeIncident(ctx, { incidentId: here.id, actor: await actorOf(user), source: 'command' }));
        case 'note':
          return answer(respond, await addNote(ctx, { incidentId: here.id, actor: { id: user, name: command.user_name }, text: parsed.text, source: 'command' }));
        case 'action':
          return answer(
            respond,
            await addFollowUpAction(ctx, { incidentId: here.id, actor: await staffActorOf(await actorOf(user)), text: parsed.text, ownerId: parsed.ownerId, dueAt: parsed.dueAt, source: 'command' }),
          );
        case 'subscribe':
          return answer(respond, await subscribe(ctx, { incidentId: here.id, userId: user, actor: { id: user, name: command.user_name }, source: 'command' }), subscribedText);
        case 'update':
          return openUpdate(at, here.id, 'command');
        case 'resolve':
          return openResolve(at, here.id, 'command');
        case 'review':
          return uploadReview(client, here.id, user, respond, 'command');
      }
    });

    // ---- message shortcut ------------------------------------------------------------------------------
    app.shortcut(SHORTCUTS.incidentFromMessage, async ({ shortcut, ack, client, respond }) => {
      await ack();
      if (shortcut.type !== 'message_action') return;
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
        formTrigger(client, respond, shortcut),
        isPrivate ? {} : { title: firstLine.slice(0, 150) || undefined, impact: text.slice(0, 2000) || undefined },
        { source: 'shortcut', sourceChannel: channel, sourceTs: ts },
        isPrivate ? { heading: 'The message, from a private conversation', text } : undefined,
      );
      if (opened) await rememberShortcutSource(ctx, { viewId: opened.id, userId: shortcut.user.id, callbackId: CALLBACKS.declare, channel, ts, isPrivate });
    });

    // ---- modals ----------------------------------------------------------------------------------------
    // Stored before the form closes, declared right after (and after a restart, if it comes to that);
    // the look-ups (the declarer's name, the source message's link) wait on Slack after the ack.
    app.view(CALLBACKS.declare, async ({ ack, view, body }) => {
      const parsed = parseDeclare(view.state.values as never, ctx.clock.now());
      if (!parsed.ok) return ack({ response_action: 'errors', errors: parsed.errors });
      const submissionKey = `${view.id}:${view.hash}`;
      const key = `${DECLARE}:${submissionKey}`;
      const meta = parseDeclareMetadata(view.private_metadata);
      await deps.inbox.receive({ key, kind: DECLARE, userId: body.user.id, payload: { input: parsed.value, meta, submissionKey, viewId: view.id } });
      await ack();
      await deps.inbox.process(key);
    });
    deps.inbox.handle(DECLARE, {
      async run(item) {
        const { input, meta, submissionKey, viewId } = item.data as { input: DeclareInput; meta: DeclareMetadata; submissionKey: string; viewId?: string };
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
        const permalink = origin ? await messagePermalink(app.client, origin.channel, origin.ts) : undefined;
        return declareIncident(ctx, {
          ...input,
          actor: { id: userId, name: user.name },
          source: origin ? 'shortcut' : 'modal',
          linkedTicketId: meta.linkedTicketId,
          declarerIsAgent: meta.linkedTicketId !== undefined ? await directory.hasRole(userId, 'agents') : undefined,
          sourceMessage: origin ? { channel: origin.channel, ts: origin.ts, permalink } : undefined,
          submissionKey,
        });
      },
      refusalText: (item, message) => `Your incident “${userText(item.data.input.title, 150)}” was not declared: ${message}`,
      failureText: (item) =>
        `:warning: Sorry, your incident “${userText(item.data.input.title, 150)}” could not be declared (Switchboard kept failing to record it), so nothing was announced. Declare it again with \`/incident\`.`,
    });

    app.view(CALLBACKS.update, async ({ ack, view, body }) => {
      const parsed = parseUpdate(view.state.values as never);
      if (!parsed.ok) return ack({ response_action: 'errors', errors: parsed.errors });
      const incidentId = incidentIdFromMetadata(view.private_metadata);
      if (incidentId === undefined) return ack({ response_action: 'errors', errors: { [FIELDS.impact]: 'This form is out of date; open it again.' } });
      const outcome = await postUpdate(ctx, { incidentId, actor: await submitterOf(body.user, incidentId), ...parsed.value, source: 'modal', submissionKey: `${view.id}:${view.hash}` });
      if (!outcome.ok) return ack({ response_action: 'errors', errors: { [outcome.field === 'status' ? FIELDS.status : FIELDS.impact]: outcome.message } });
      await ack();
    });

    app.view(CALLBACKS.resolve, async ({ ack, view, body }) => {
      const parsed = parseResolve(view.state.values as never);
      if (!parsed.ok) return ack({ response_action: 'errors', errors: parsed.errors });
      const incidentId = incidentIdFromMetadata(view.private_metadata);
      if (incidentId === undefined) return ack({ response_action: 'errors', errors: { [FIELDS.resolution]: 'This form is out of date; open it again.' } });
      const outcome = await resolveIncident(ctx, { incidentId, actor: await submitterOf(body.user, incidentId), summary: parsed.value.summary, source: 'modal', submissionKey: view.id });
      if (!outcome.ok) return ack({ response_action: 'errors', errors: { [FIELDS.resolution]: outcome.message } });
      await ack();
    });

    app.view(CALLBACKS.role, async ({ ack, view, body }) => {
      const roles = allRoles(settings.incidents.custom_roles);
      const parsed = parseRoleModal(view.state.values as never, roles);
      if (!parsed.ok) return ack({ response_action: 'errors', errors: parsed.errors });
      const incidentId = incidentIdFromMetadata(view.private_metadata);
      if (incidentId === undefined) return ack({ response_action: 'errors', errors: { [FIELDS.role]: 'This form is out of date; open it again.' } });
      const outcome = await assignRole(ctx, { incidentId, actor: await submitterOf(body.user, incidentId), ...parsed.value, source: 'modal' });
      if (!outcome.ok) return ack({ response_action: 'errors', errors: { [FIELDS.user]: outcome.message } });
      await ack();
    });

    app.view(CALLBACKS.action, async ({ ack, view, body }) => {
      const today = isoDay(ctx.clock.now().getTime(), settings.timezone);
      const parsed = parseActionModal(view.state.values as never, today);
      if (!parsed.ok) return ack({ response_action: 'errors', errors: parsed.errors });
      const incidentId = incidentIdFromMetadata(view.private_metadata);
      if (incidentId === undefined) return ack({ response_action: 'errors', errors: { [FIELDS.actionText]: 'This form is out of date; open it again.' } });
      const dueAt = dueAtOnDate(parsed.value.dueDate, settings.incidents.action_due_time, settings.timezone);
      const outcome = await addFollowUpAction(ctx, { incidentId, actor: await staffActorOf(await submitterOf(body.user, incidentId)), text: parsed.value.text, ownerId: parsed.value.ownerId, dueAt, source: 'modal', submissionKey: view.id });
      if (!outcome.ok) return ack({ response_action: 'errors', errors: { [FIELDS.dueDate]: outcome.message } });
      await ack();
    });

    // ---- buttons and selects -------------------------------------------------------------------------------
    type ActionArgs = { body: any; ack: () => Promise<void>; respond: RespondFn; client: WebClient; action: any };
    const onAction = (actionId: string, handler: (args: ActionArgs & { incidentId: number; userId: string }) => Promise<unknown>) => {
      app.action(actionId, async (args) => {
        const { ack } = args;
        await ack();
        const action = args.action as { value?: string; block_id?: string };
        const id = Number(action.value ?? String(action.block_id ?? '').split('.').at(-1));
        if (!Number.isInteger(id) || id <= 0) return;
        await handler({ ...(args as unknown as ActionArgs), incidentId: id, userId: args.body.user.id });
      });
    };

    onAction(ACTIONS.ack, async ({ incidentId, userId, respond }) => answer(respond, await acknowledgeIncident(ctx, { incidentId, actor: await actorOf(userId), source: 'button' })));
    onAction(ACTIONS.status, async ({ incidentId, userId, respond, action }) => {
      const status = action.selected_option?.value as string | undefined;
      if (!status || !isActiveStatus(status)) return;
      return answer(respond, await changeStatus(ctx, { incidentId, actor: await actorOf(userId), status, source: 'button' }));
    });
    onAction(ACTIONS.severity, async ({ incidentId, userId, respond, action }) => {
      const severity = action.selected_option?.value as string | undefined;
      if (!severity || !isSeverity(severity)) return;
      return answer(respond, await changeSeverity(ctx, { incidentId, actor: await actorOf(userId), severity: severity as Severity, source: 'button' }));
    });
    onAction(ACTIONS.assignRole, async ({ incidentId, userId, respond, body, client }) => {
      const allowed = await checkMayRun(ctx, { incidentId, actor: asManager(userId), what: 'role assignment', source: 'button' });
      if (!allowed.ok) return ephemeral(respond, allowed.message);
      await openThenCheck(formTrigger(client, respond, body), roleModal(allowed.value, allRoles(settings.incidents.custom_roles)), !runs(allowed.value, userId), 'Assign a role', async () =>
        checkMayRun(ctx, { incidentId, actor: await actorOf(userId), what: 'role assignment', source: 'button' }),
      );
    });
    onAction(ACTIONS.postUpdate, async ({ incidentId, respond, body, client }) => openUpdate(formTrigger(client, respond, body), incidentId));
    onAction(ACTIONS.resolve, async ({ incidentId, respond, body, client }) => openResolve(formTrigger(client, respond, body), incidentId));
    onAction(ACTIONS.close, async ({ incidentId, userId, respond }) => answer(respond, await closeIncident(ctx, { incidentId, actor: await actorOf(userId), source: 'button' })));
    onAction(ACTIONS.subscribe, async ({ incidentId, userId, respond, body }) =>
      answer(respond, await subscribe(ctx, { incidentId, userId, actor: { id: userId, name: body.user.name }, source: 'button' }), subscribedText),
    );
    onAction(ACTIONS.unsubscribe, async ({ incidentId, userId, respond, body }) =>
      answer(respond, await unsubscribe(ctx, { incidentId, userId, actor: { id: userId, name: body.user.name }, source: 'button' }), (v) =>
        v.removed ? `Unsubscribed from ${v.key}.` : `You were not subscribed to ${v.key}.`,
      ),
    );
    onAction(ACTIONS.addAction, async ({ incidentId, userId, respond, body, client }) => {
      const allowed = await checkMayAddActions(ctx, { incidentId, actor: await staffActorOf(await actorOf(userId)), source: 'button' });
      if (!allowed.ok) return ephemeral(respond, allowed.message);
      const incident = allowed.value;
      await openFormOrTell(formTrigger(client, respond, body), actionModal(incident, { dueDate: isoDay(ctx.clock.now().getTime(), settings.timezone, 7) }), logger);
    });
    onAction(ACTIONS.exportReview, async ({ incidentId, userId, respond, client }) => uploadReview(client, incidentId, userId, respond, 'button'));
    app.action(ACTIONS.actionDone, async ({ ack, action, body, respond }) => {
      await ack();
      const id = Number((action as { value?: string }).value);
      if (!Number.isInteger(id)) return;
      const exists = await getAction(ctx.db, id);
      if (!exists) return ephemeral(respond, 'That action no longer exists.');
      const outcome = await closeFollowUpAction(ctx, { actionId: id, actor: await actorOf(body.user.id), source: 'button' });
      await answer(respond, outcome, (a) => `Done: ${userText(a.text, 200)}`);
    });

    // ---- timeline reaction ---------------------------------------------------------------------------------
    // The service desk listens to reactions too (Bolt runs every matching listener): only the configured
    // timeline emoji in an incident channel is ours; anything else is left alone.
    app.event(EVENTS[0], async ({ event, client }) => {
      const e = event as { reaction?: string; user?: string; item?: { type?: string; channel?: string; ts?: string } };
      if (e.reaction !== settings.incidents.timeline_reaction || e.item?.type !== 'message' || !e.item.channel || !e.item.ts || !e.user) return;
      const incident = await incidentByChannel(ctx.db, e.item.channel);
      if (!incident) return;
      const message = await fetchMessage(client, e.item.channel, e.item.ts);
      if (!message) {
        logger.warn({ channel: e.item.channel, ts: e.item.ts }, 'timeline reaction: message not readable');
        return;
      }
      const user = await directory.user(e.user);
      await addNote(ctx, { incidentId: incident.id, actor: { id: e.user, name: user.name }, text: message.text || '(message without text)', source: 'event', sourceTs: e.item.ts, authorId: message.user ?? null });
    });

  },
};

const subscribedText = (v: { key: string; already: boolean }) => (v.already ? `You are already subscribed to ${v.key}.` : `Subscribed: you will get ${v.key} updates by DM.`);
