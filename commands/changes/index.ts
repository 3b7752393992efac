import type { AllMiddlewareArgs, App, BlockAction, ButtonAction, RespondArguments, RespondFn, SlackActionMiddlewareArgs } from '@slack/bolt';
import type { KnownBlock } from '@slack/types';
import type { WebClient } from '@slack/web-api';
import type { AppDeps } from '../kit.js';
import type { LegacyArea as Area } from '../index.js';
import { formTrigger, openFormOrTell, tellClicker, tellClickerOnFailure, type FormTrigger } from '../reply.js';
import type { Settings } from '../../src/config/settings.js';
import { approverEntriesFor, type ApproverFacts } from '../../src/domain/changes/approval.js';
import { canApply, staleReason } from '../../src/domain/changes/lifecycle.js';
import type { ChangeType } from '../../src/domain/changes/types.js';
import type { Directory } from '../../src/slack/directory.js';
import { findChangeById, findChangeByKey, servicesOf } from '../../db/queries/changes.js';
import { COMMANDS } from '../../views/ids.js';
import { CHANGE_ACTIONS, CHANGE_VIEWS, REQUEST_FIELDS as F } from '../../views/changes/ids.js';
import {
  closeoutModal,
  parseChangeId,
  parseCloseout,
  parseMetadata,
  parseReason,
  parseRequest,
  parseStandardRequest,
  type TemplateView,
  parseTemplatePick,
  parseWindow,
  postponeModal,
  questionModal,
  rejectModal,
  requestModal,
  templatePickerModal,
  type RequestDefaults,
  type RequestMetadata,
} from '../../views/changes/modals.js';
import { calendarMessage, changeRecordMessage } from '../../views/changes/record.js';
import { noticeModal } from '../../views/incidents/modals.js';
import { escapeMrkdwn } from '../../views/text.js';
import { ALREADY_SUBMITTED, askApprovers, requestChange, editChange, type ChangeField } from '../../src/services/changes/request.js';
import { ASK_APPROVERS, type ApprovalAsk } from '../../src/services/changes/shared.js';
import { askAboutChange, checkDecisionAllowed, decideOnChange, recordReview } from '../../src/services/changes/decide.js';
import { cancelChange, checkMayWorkOn, closeChange, linkChangeToIncident, startChange } from '../../src/services/changes/lifecycle.js';
import { changeCalendar, changeRecord } from '../../src/services/changes/read.js';
import type { Actor } from '../../src/services/context.js';

/**
 * Slack side of change management: `/change` and its subcommands, the approval buttons (from the
 * change channel, DMs or the App Home), and the modals. Listeners ack, parse, resolve roles through
 * the Directory, call a use case and render; every click is re-authorised by the use case.
 */
const HOUR = 3_600_000;
const KEY = /^CHG-\d+$/i;
/** Inbox kind: an Approve click. */
const APPROVE = 'change.approve';

const HELP = [
  '*/change* — request a change (normal or emergency); */change normal* and */change emergency* pre-select the type',
  '*/change standard [template]* — a pre-approved standard change from the catalog',
  '*/change show CHG-17* — the full record with approvals and history',
  '*/change calendar [days]* — upcoming changes and freeze windows, by day',
  '*/change edit CHG-17* — edit; a new window or plan goes back for approval',
  '*/change start CHG-17*, */change close CHG-17* — implement and close out',
  '*/change cancel CHG-17 [reason]* — withdraw a change that has not started',
  '*/change link CHG-17 INC-42* — record that a change caused an incident',
  '*/change review CHG-17 <notes>* — CAB retrospective review of an emergency change',
].join('\n');

/** Service field → the modal block that shows the error. */
const FIELD_BLOCKS: Record<string, string> = {
  title: F.title,
  start: F.start,
  end: F.end,
  window: F.start,
  freeze_override: F.freezeOverride,
  linked: F.linked,
  services: F.services,
  template: F.title,
  risk: F.risk,
  notes: F.notes,
  reason: F.reason,
  question: F.question,
};

function errorsFor(view: { blocks: any[] }, field: string | undefined, message: string): Record<string, string> {
  const inputs = view.blocks.filter((b) => b.type === 'input').map((b) => b.block_id as string);
  const wanted = field ? FIELD_BLOCKS[field] ?? field : undefined;
  const block = wanted && inputs.includes(wanted) ? wanted : (inputs.includes(F.start) && field === 'freeze_override' ? F.start : inputs[0]!);
  return { [block]: message.slice(0, 2000) };
}

function nextHour(now: Date): number {
  return Math.ceil(now.getTime() / HOUR) * HOUR;
}

/** The approver roles a person holds; each may need a user-group look-up, so they are asked at once, not in turn. */
async function approverFacts(directory: Directory, settings: Settings, userId: string): Promise<Omit<ApproverFacts, 'userId'>> {
  const byService = Object.entries(settings.changes.approver_groups_by_service);
  const [isChangeApprover, isEmergencyApprover, ...inServiceGroup] = await Promise.all([
    directory.hasRole(userId, 'change_approvers'),
    directory.hasRole(userId, 'emergency_approvers'),
    ...byService.map(([, entries]) => directory.isAnyOf(userId, entries)),
  ]);
  return { isChangeApprover, isEmergencyApprover, serviceGroups: byService.filter((_, i) => inServiceGroup[i]).map(([service]) => service) };
}

async function approverIds(directory: Directory, settings: Settings, type: ChangeType, services: string[]): Promise<string[]> {
  return directory.membersOfEntries(approverEntriesFor({ type, services }, settings.roles, settings.changes));
}

/** Tells the person who clicked: ephemeral where the click came from a message, a DM from the App Home. */
function tell(client: WebClient, body: BlockAction, respond: RespondFn | undefined, text: string): Promise<void> {
  return tellClicker({ body, respond, client, text });
}

/** Tells an approver after the ack: ephemerally through the click's response_url, else by DM. */
async function tellLater(client: WebClient, userId: string, responseUrl: string | null, text: string): Promise<void> {
  if (responseUrl) {
    const body: RespondArguments = { response_type: 'ephemeral', replace_original: false, text };
    const answer = await fetch(responseUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    if (answer.ok) return;
  }
  await client.chat.postMessage({ channel: userId, text });
}

function actorOf(user: { id: string; name?: string; username?: string }): Actor {
  return { id: user.id, name: user.name ?? user.username ?? null };
}

export const changesArea: Area = {
  name: 'changes',
  register(app: App, deps: AppDeps): void {
    const { ctx, directory, settings, logger } = deps;

    /**
     * Opens a modal at once (a trigger_id lasts 3 seconds), in the time zone already known for the
     * person (or the organisation's); if looking them up finds another zone, the open modal is updated
     * in place (same blocks, so anything typed meanwhile stays).
     */
    /** The zone a person's form showed times in: the one looked up when it opened, else the organisation's. */
    const zoneOf = (userId: string): string => directory.knownUser(userId)?.tz ?? settings.timezone;

    const openInTimeZone = async (at: FormTrigger, build: (timeZone: string) => Record<string, unknown>) => {
      const userId = at.from.user.id;
      const first = directory.knownUser(userId)?.tz ?? settings.timezone;
      const opened = await openFormOrTell(at, build(first), logger);
      if (!opened) return;
      const tz = (await directory.user(userId)).tz;
      if (tz !== first) await at.client.views.update({ view_id: opened.id, hash: opened.hash, view: build(tz) as any }).catch((error: unknown) => logger.warn({ err: error }, 'could not show the time zone in a change form'));
    };

    const openRequestModal = (at: FormTrigger, metadata: RequestMetadata, defaults: RequestDefaults, standard?: { template: TemplateView; note?: string | null }) =>
      openInTimeZone(at, (timeZone) => requestModal({ metadata, defaults, serviceCatalog: settings.service_catalog, timeZone, template: standard?.template, note: standard?.note }));

    /** A template's window (from the next hour, for its duration) and its content to show read-only. */
    const templateDefaults = (templateId: string, now: Date): { defaults: RequestDefaults; template: TemplateView } | undefined => {
      const t = settings.changes.standard_templates.find((x) => x.id === templateId);
      if (!t) return undefined;
      const start = nextHour(now);
      return {
        template: { title: t.title, version: t.version, description: t.description, services: t.services, risk: t.risk, implementationPlan: t.implementation_plan, rollbackPlan: t.rollback_plan },
        defaults: { start, end: start + t.duration },
      };
    };

    // ---- /change -------------------------------------------------------------------------------
    app.command(COMMANDS.change, async ({ command, ack, respond, client }) => {
      const words = command.text.trim().split(/\s+/).filter(Boolean);
      const sub = (words[0] ?? '').toLowerCase();
      const userId = command.user_id;
      const actor: Actor = { id: userId, name: command.user_name };
      const reply = (text: string, blocks?: KnownBlock[]) => respond({ response_type: 'ephemeral', text, ...(blocks ? { blocks } : {}) });
      const at = formTrigger(client, respond, command);

      if (sub === '' || sub === 'new' || sub === 'request' || sub === 'normal' || sub === 'emergency') {
        await ack();
        const start = nextHour(ctx.clock.now());
        await openRequestModal(at, { mode: 'new', channel: command.channel_id }, { type: sub === 'emergency' ? 'emergency' : 'normal', start, end: start + HOUR, implementerId: userId });
        return;
      }
      if (sub === 'standard') {
        await ack();
        const templates = settings.changes.standard_templates;
        if (templates.length === 0) return void (await reply('No standard change templates are configured (changes.standard_templates). Use `/change` for a normal change.'));
        const wanted = words[1]?.toLowerCase();
        if (wanted) {
          const found = templateDefaults(wanted, ctx.clock.now());
          if (!found) return void (await reply(`There is no standard template \`${escapeMrkdwn(wanted)}\`. Templates: ${templates.map((t) => `\`${t.id}\``).join(', ')}`));
          await openRequestModal(at, { mode: 'new', type: 'standard', templateId: wanted, channel: command.channel_id }, { ...found.defaults, implementerId: userId }, { template: found.template });
          return;
        }
        await openFormOrTell(at, templatePickerModal(templates, command.channel_id), logger);
        return;
      }
      if (sub === 'help') return void (await ack({ response_type: 'ephemeral', text: HELP }));

      const key = (KEY.test(sub) ? words[0] : words[1])?.toUpperCase();
      const verb = KEY.test(sub) ? 'show' : sub;

      if (verb === 'calendar') {
        await ack();
        const days = words[1] ? Number.parseInt(words[1], 10) : settings.changes.calendar_days;
        if (!Number.isInteger(days) || days < 1 || days > 60) return void (await reply('Give a number of days from 1 to 60, e.g. `/change calendar 7`.'));
        const tz = (await directory.user(userId)).tz;
        const now = ctx.clock.now().getTime();
        const data = await changeCalendar(ctx.db, settings, now, now + days * 24 * HOUR);
        const message = calendarMessage({
          from: now,
          days,
          timeZone: tz,
          changes: data.changes.map((c) => ({ key: c.key, title: c.title, status: c.status, type: c.type, start: c.planned_start, end: c.planned_end, services: c.services })),
          freezes: data.freezes,
        });
        return void (await reply(message.text, message.blocks));
      }

      if (!['show', 'edit', 'cancel', 'review', 'close', 'start', 'link'].includes(verb)) {
        return void (await ack({ response_type: 'ephemeral', text: `I don't know \`${escapeMrkdwn(sub).slice(0, 40)}\`.\n${HELP}` }));
      }
      if (!key || !KEY.test(key)) return void (await ack({ response_type: 'ephemeral', text: `Which change? e.g. \`/change ${verb} CHG-17\`` }));
      const change = await findChangeByKey(ctx.db, key);
      if (!change) return void (await ack({ response_type: 'ephemeral', text: `There is no change ${key}.` }));

      switch (verb) {
        case 'show': {
          await ack();
          const record = await changeRecord(ctx.db, settings, key);
          const message = changeRecordMessage(record!);
          return void (await reply(message.text, message.blocks));
        }
        case 'edit': {
          if (!canApply(change.status, 'edit')) return void (await ack({ response_type: 'ephemeral', text: staleReason(change.key, change.status, 'edit') }));
          await ack();
          const allowed = await checkMayWorkOn(ctx, { changeId: change.id, actor, verb: 'edit', source: 'command' });
          if (!allowed.ok) return void (await reply(allowed.message));
          const services = await servicesOf(ctx.db, change.id);
          if (change.type === 'standard') {
            await openRequestModal(
              at,
              { mode: 'edit', changeId: change.id, type: 'standard' },
              { start: change.planned_start, end: change.planned_end, implementerId: change.implementer_id },
              {
                template: { title: change.title, version: change.template_version ?? 1, description: change.description, services, risk: change.risk, implementationPlan: change.implementation_plan, rollbackPlan: change.rollback_plan },
                note: change.requester_note,
              },
            );
            return;
          }
          await openRequestModal(
            at,
            { mode: 'edit', changeId: change.id, type: change.type },
            {
              title: change.title,
              description: change.description,
              services,
              risk: change.risk,
              start: change.planned_start,
              end: change.planned_end,
              implementerId: change.implementer_id,
              implementationPlan: change.implementation_plan,
              rollbackPlan: change.rollback_plan,
              linked: change.linked_ticket_key,
            },
          );
          return;
        }
        case 'close': {
          if (!canApply(change.status, 'close')) return void (await ack({ response_type: 'ephemeral', text: staleReason(change.key, change.status, 'close') }));
          await ack();
          const allowed = await checkMayWorkOn(ctx, { changeId: change.id, actor, verb: 'close out', source: 'command' });
          if (!allowed.ok) return void (await reply(allowed.message));
          await openFormOrTell(at, closeoutModal(change), logger);
          return;
        }
        case 'start': {
          await ack();
          const result = await startChange(ctx, { changeId: change.id, actor, source: 'command' });
          return void (await reply(result.ok ? `:construction: ${result.value.key} is in progress. Close it out with \`/change close ${result.value.key}\` when done.` : result.message));
        }
        case 'cancel': {
          await ack();
          const result = await cancelChange(ctx, { changeId: change.id, actor, reason: words.slice(2).join(' ') || null, source: 'command' });
          return void (await reply(result.ok ? `${result.value.key} is cancelled.` : result.message));
        }
        case 'review': {
          await ack();
          const result = await recordReview(ctx, {
            changeId: change.id,
            actor,
            note: words.slice(2).join(' '),
            isChangeApprover: await directory.hasRole(userId, 'change_approvers'),
            source: 'command',
          });
          return void (await reply(result.ok ? `:mag: Review of ${result.value.key} recorded.` : result.message));
        }
        case 'link': {
          await ack();
          const incident = words[2];
          if (!incident || !/^INC-\d+$/i.test(incident)) return void (await reply(`Which incident? e.g. \`/change link ${change.key} INC-42\``));
          const result = await linkChangeToIncident(ctx, { changeKey: change.key, incidentKey: incident, actor, isStaff: (await directory.rolesOf(userId)).size > 0, source: 'command' });
          if (!result.ok) return void (await reply(result.message));
          return void (await reply(result.value.alreadyLinked
            ? `${result.value.changeKey} was already linked to ${result.value.incidentKey}.`
            : `:link: ${result.value.changeKey} is linked as a cause of ${result.value.incidentKey}; it counts as failed in the change failure rate.`));
        }
      }
    });

    // ---- request / edit modal ------------------------------------------------------------------
    app.view(CHANGE_VIEWS.request, async ({ ack, body, view }) => {
      const metadata = parseMetadata(view.private_metadata);
      if (metadata.type === 'standard') {
        // Only the window, the implementer and the note are read from a standard change's form; the
        // content comes from the template (new) or stays as approved (edit), whatever else was sent.
        const chosen = parseStandardRequest(view.state.values as any);
        if (!chosen.ok) return void (await ack({ response_action: 'errors', errors: chosen.errors }));
        const submissionKey = `${view.id}:${view.hash}`;
        const result =
          metadata.mode === 'edit' && metadata.changeId
            ? await editChange(ctx, metadata.changeId, { start: chosen.value.start, end: chosen.value.end, implementerId: chosen.value.implementerId, requesterNote: chosen.value.note }, { actor: actorOf(body.user), source: 'modal', submissionKey, timeZone: zoneOf(body.user.id) })
            : await requestChange(
                ctx,
                { type: 'standard', templateId: metadata.templateId ?? null, title: '', description: '', services: [], start: chosen.value.start, end: chosen.value.end, implementerId: chosen.value.implementerId, implementationPlan: '', rollbackPlan: '', linked: null, note: chosen.value.note },
                { actor: actorOf(body.user), source: 'modal', submissionKey, timeZone: zoneOf(body.user.id) },
              );
        if (!result.ok && result.message !== ALREADY_SUBMITTED) return void (await ack({ response_action: 'errors', errors: errorsFor(view as any, result.field, result.message) }));
        await ack();
        if (result.ok && result.value.approvalAsk) await deps.inbox.process(result.value.approvalAsk);
        return;
      }
      const parsed = parseRequest(view.state.values as any, metadata, settings.service_catalog);
      if (!parsed.ok) return void (await ack({ response_action: 'errors', errors: parsed.errors }));
      const input = parsed.value;
      const actor = actorOf(body.user);
      // What a request and an edit share, read from the form once.
      const fields = {
        title: input.title,
        description: input.description,
        services: input.services,
        risk: input.risk === 'questionnaire' ? undefined : input.risk,
        riskAnswers: input.answers,
        start: input.start,
        end: input.end,
        implementerId: input.implementerId,
        implementationPlan: input.implementationPlan,
        rollbackPlan: input.rollbackPlan,
        linked: input.linked,
      };
      // Recorded before the ack, with the submission's identity (a double submit records one change);
      // the approvers, whose user groups may need Slack look-ups, are asked from the inbox after it.
      const submissionKey = `${view.id}:${view.hash}`;
      if (metadata.mode === 'edit' && metadata.changeId) {
        const result = await editChange(
          ctx,
          metadata.changeId,
          { ...fields, freezeOverride: input.freezeOverride ? { requested: true, reason: input.freezeReason } : undefined },
          { actor, source: 'modal', submissionKey, timeZone: zoneOf(body.user.id) },
        );
        if (!result.ok && result.message !== ALREADY_SUBMITTED) return void (await ack({ response_action: 'errors', errors: errorsFor(view as any, result.field as ChangeField | undefined, result.message) }));
        await ack();
        if (result.ok && result.value.approvalAsk) await deps.inbox.process(result.value.approvalAsk);
        return;
      }
      const type = input.type ?? 'normal';
      const result = await requestChange(
        ctx,
        { ...fields, type, templateId: metadata.templateId ?? null, freezeOverride: { requested: input.freezeOverride, reason: input.freezeReason } },
        { actor, source: 'modal', submissionKey, timeZone: zoneOf(body.user.id) },
      );
      if (!result.ok && result.message !== ALREADY_SUBMITTED) return void (await ack({ response_action: 'errors', errors: errorsFor(view as any, result.field, result.message) }));
      await ack();
      if (result.ok && result.value.approvalAsk) await deps.inbox.process(result.value.approvalAsk);
    });

    deps.inbox.handle(ASK_APPROVERS, {
      async run(item) {
        const ask = item.data as ApprovalAsk;
        const change = await findChangeById(ctx.db, ask.changeId);
        if (!change) return;
        const approvers = await approverIds(directory, settings, change.type, await servicesOf(ctx.db, change.id));
        return askApprovers(ctx, item.key, ask, approvers);
      },
    });

    app.view(CHANGE_VIEWS.pickTemplate, async ({ ack, body, view, client }) => {
      const parsed = parseTemplatePick(view.state.values as any);
      if (!parsed.ok) return void (await ack({ response_action: 'errors', errors: parsed.errors }));
      const found = templateDefaults(parsed.value, ctx.clock.now());
      if (!found) return void (await ack({ response_action: 'errors', errors: { [F.template]: 'That template no longer exists.' } }));
      const channel = parseMetadata(view.private_metadata).channel;
      const build = (timeZone: string) =>
        requestModal({
          metadata: { mode: 'new', type: 'standard', templateId: parsed.value, channel },
          defaults: { ...found.defaults, implementerId: body.user.id },
          serviceCatalog: settings.service_catalog,
          timeZone,
          template: found.template,
        }) as any;
      // Answered at once in the zone already known; a look-up that finds another updates it after.
      const first = directory.knownUser(body.user.id)?.tz ?? settings.timezone;
      await ack({ response_action: 'update', view: build(first) });
      const tz = (await directory.user(body.user.id)).tz;
      if (tz !== first) await client.views.update({ view_id: view.id, view: build(tz) }).catch((error: unknown) => logger.warn({ err: error }, 'could not show the time zone in a change form'));
    });

    // ---- approval buttons (change channel, DMs, App Home) ---------------------------------------
    /** A button of this area: a failure after the ack is told to the clicker, not swallowed. */
    const onClick = (actionId: string, handler: (args: SlackActionMiddlewareArgs<BlockAction> & AllMiddlewareArgs) => Promise<void>) =>
      app.action<BlockAction>(actionId, (args) => tellClickerOnFailure({ body: args.body, respond: args.respond, client: args.client, logger }, () => handler(args)));

    const changeIdOf = (body: BlockAction): number | undefined => {
      const value = (body.actions[0] as ButtonAction | undefined)?.value;
      const id = Number(value);
      return Number.isInteger(id) && id > 0 ? id : undefined;
    };

    // The click is stored before its ack and decided after it: who the approver is (user groups) may
    // take Slack look-ups, and a click acknowledged just before a crash is still decided, once.
    onClick(CHANGE_ACTIONS.approve, async ({ ack, body, client, respond }) => {
      const changeId = changeIdOf(body);
      if (!changeId) {
        await ack();
        return void (await tell(client, body, respond, 'That button does not name a change.'));
      }
      const key = `${APPROVE}:${body.trigger_id}`;
      await deps.inbox.receive({ key, kind: APPROVE, userId: body.user.id, payload: { changeId, actor: actorOf(body.user), responseUrl: body.response_url ?? null } });
      await ack();
      await deps.inbox.process(key);
    });
    deps.inbox.handle(APPROVE, {
      async run(item) {
        const { changeId, actor, responseUrl } = item.data as { changeId: number; actor: Actor; responseUrl: string | null };
        const facts = await approverFacts(directory, settings, actor.id);
        const result = await decideOnChange(ctx, { changeId, decision: 'approved', actor, facts, source: 'button', receipt: item.key });
        const q = result.ok ? result.value.quorum : undefined;
        const text = !result.ok
          ? result.message
          : q!.met
            ? `:white_check_mark: You approved ${result.value.key}; it is now approved and scheduled.`
            : `:ballot_box_with_check: You approved ${result.value.key} (${q!.approvals} of ${q!.required}${q!.missingServiceGroups.length ? `; still needs the ${escapeMrkdwn(q!.missingServiceGroups.join(', '))} approver group` : ''}).`;
        // Refusals are told here too, where the click came from, not as a second DM.
        await tellLater(app.client, actor.id, responseUrl, text).catch((error: unknown) => logger.warn({ err: error }, 'could not answer an approval click'));
      },
      failureText: (item) => `:warning: Sorry, your approval of change ${item.data.changeId} could not be recorded (Switchboard kept failing). Please click Approve again.`,
    });

    // The reason form opens first, with the trigger (it lasts 3 s); whether the clicker may reject takes
    // user-group look-ups, made after it: a refusal (audited by the check) then replaces the form.
    onClick(CHANGE_ACTIONS.reject, async ({ ack, body, client, respond }) => {
      await ack();
      const changeId = changeIdOf(body);
      if (!changeId) return void (await tell(client, body, respond, 'That button does not name a change.'));
      const change = await findChangeById(ctx.db, changeId);
      if (!change) return void (await tell(client, body, respond, 'That change no longer exists.'));
      const opened = await openFormOrTell(formTrigger(client, respond, body), rejectModal(change, { channel: body.channel?.id }), logger);
      if (!opened) return;
      const facts = await approverFacts(directory, settings, body.user.id);
      const allowed = await checkDecisionAllowed(ctx, { changeId, actor: actorOf(body.user), facts, source: 'button', decision: 'rejected' });
      if (allowed.ok) return;
      await client.views
        .update({ view_id: opened.id, hash: opened.hash, view: noticeModal(`Reject ${change.key}`, allowed.message) as any })
        .catch((error: unknown) => logger.warn({ err: error }, 'could not replace a rejection form with its refusal'));
    });

    // Decided again before the form closes, so a refusal shows in the form; the approver's groups were
    // looked up (and cached) after the Reject click that opened it. The submission key makes a
    // resubmission harmless.
    app.view(CHANGE_VIEWS.rejectReason, async ({ ack, body, view, client }) => {
      const changeId = parseChangeId(view.private_metadata);
      const parsed = parseReason(view.state.values as any);
      if (!parsed.ok) return void (await ack({ response_action: 'errors', errors: parsed.errors }));
      if (!changeId) return void (await ack({ response_action: 'errors', errors: { [F.reason]: 'This form lost track of its change; click Reject again.' } }));
      const facts = await approverFacts(directory, settings, body.user.id);
      const result = await decideOnChange(ctx, { changeId, decision: 'rejected', reason: parsed.value, actor: actorOf(body.user), facts, source: 'modal', receipt: `change.reject:${view.id}:${view.hash}` });
      if (!result.ok) return void (await ack({ response_action: 'errors', errors: { [F.reason]: result.message.slice(0, 2000) } }));
      await ack();
      await client.chat.postMessage({ channel: body.user.id, text: `:no_entry: You rejected ${result.value.key}. The requester has your reason.` }).catch((error: unknown) => logger.warn({ err: error }, 'could not confirm a rejection'));
    });

    onClick(CHANGE_ACTIONS.ask, async ({ ack, body, client, respond }) => {
      await ack();
      const changeId = changeIdOf(body);
      const change = changeId ? await findChangeById(ctx.db, changeId) : undefined;
      if (!change) return void (await tell(client, body, respond, 'That change no longer exists.'));
      await openFormOrTell(formTrigger(client, respond, body), questionModal(change), logger);
    });

    app.view(CHANGE_VIEWS.question, async ({ ack, body, view }) => {
      const changeId = parseChangeId(view.private_metadata);
      const parsed = parseReason(view.state.values as any, F.question);
      if (!parsed.ok) return void (await ack({ response_action: 'errors', errors: parsed.errors }));
      const result = changeId ? await askAboutChange(ctx, { changeId, actor: actorOf(body.user), question: parsed.value, source: 'modal' }) : undefined;
      if (!result?.ok) return void (await ack({ response_action: 'errors', errors: { [F.question]: result?.message ?? 'This form lost track of its change.' } }));
      await ack();
    });

    // ---- implementation: start, postpone, close out --------------------------------------------
    onClick(CHANGE_ACTIONS.start, async ({ ack, body, client, respond }) => {
      await ack();
      const changeId = changeIdOf(body);
      if (!changeId) return void (await tell(client, body, respond, 'That button does not name a change.'));
      const result = await startChange(ctx, { changeId, actor: actorOf(body.user), source: 'button' });
      await tell(client, body, respond, result.ok ? `:construction: ${result.value.key} is in progress. Close it out when done.` : result.message);
    });

    onClick(CHANGE_ACTIONS.postpone, async ({ ack, body, client, respond }) => {
      await ack();
      const changeId = changeIdOf(body);
      if (!changeId) return void (await tell(client, body, respond, 'That button does not name a change.'));
      const allowed = await checkMayWorkOn(ctx, { changeId, actor: actorOf(body.user), verb: 'postpone', source: 'button' });
      if (!allowed.ok) return void (await tell(client, body, respond, allowed.message));
      const change = allowed.value;
      if (!canApply(change.status, 'reschedule')) return void (await tell(client, body, respond, staleReason(change.key, change.status, 'reschedule')));
      await openInTimeZone(formTrigger(client, respond, body), (tz) =>
        postponeModal({ id: change.id, key: change.key, plannedStart: change.planned_start, plannedEnd: change.planned_end }, tz, change.type !== 'standard'),
      );
    });

    app.view(CHANGE_VIEWS.postpone, async ({ ack, body, view }) => {
      const changeId = parseChangeId(view.private_metadata);
      const parsed = parseWindow(view.state.values as any);
      if (!parsed.ok) return void (await ack({ response_action: 'errors', errors: parsed.errors }));
      const change = changeId ? await findChangeById(ctx.db, changeId) : undefined;
      if (!change) return void (await ack({ response_action: 'errors', errors: { [F.start]: 'That change no longer exists.' } }));
      const result = await editChange(
        ctx,
        change.id,
        { start: parsed.value.start, end: parsed.value.end, note: parsed.value.reason },
        { actor: actorOf(body.user), source: 'modal', postpone: true, submissionKey: `${view.id}:${view.hash}`, timeZone: zoneOf(body.user.id) },
      );
      if (!result.ok && result.message !== ALREADY_SUBMITTED) return void (await ack({ response_action: 'errors', errors: errorsFor(view as any, result.field, result.message) }));
      await ack();
      if (result.ok && result.value.approvalAsk) await deps.inbox.process(result.value.approvalAsk);
    });

    onClick(CHANGE_ACTIONS.closeout, async ({ ack, body, client, respond }) => {
      await ack();
      const changeId = changeIdOf(body);
      if (!changeId) return void (await tell(client, body, respond, 'That button does not name a change.'));
      const allowed = await checkMayWorkOn(ctx, { changeId, actor: actorOf(body.user), verb: 'close out', source: 'button' });
      if (!allowed.ok) return void (await tell(client, body, respond, allowed.message));
      const change = allowed.value;
      if (!canApply(change.status, 'close')) return void (await tell(client, body, respond, staleReason(change.key, change.status, 'close')));
      await openFormOrTell(formTrigger(client, respond, body), closeoutModal(change), logger);
    });

    app.view(CHANGE_VIEWS.closeout, async ({ ack, body, view }) => {
      const changeId = parseChangeId(view.private_metadata);
      const parsed = parseCloseout(view.state.values as any);
      if (!parsed.ok) return void (await ack({ response_action: 'errors', errors: parsed.errors }));
      const result = changeId ? await closeChange(ctx, { changeId, actor: actorOf(body.user), outcome: parsed.value.outcome, notes: parsed.value.notes, source: 'modal' }) : undefined;
      if (!result?.ok) return void (await ack({ response_action: 'errors', errors: errorsFor(view as any, result?.field ?? 'notes', result?.message ?? 'This form lost track of its change.') }));
      await ack();
    });
  },
};

