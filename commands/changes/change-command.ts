import { slash, type AppDeps, type CommandArgs, type Route } from '../kit.js';
import { formTrigger, openFormOrTell } from '../reply.js';
import type { ChangeType } from '../../src/domain/changes/types.js';
import { COMMANDS } from '../../views/ids.js';
import { templatePickerModal } from '../../views/changes/modals.js';
import { calendarMessage, changeRecordMessage } from '../../views/changes/record.js';
import { escapeMrkdwn } from '../../views/text.js';
import { changeByKey, changeCalendar, changeRecord, type ChangeRow } from '../../src/services/changes/read.js';
import { HOUR, nextHour, reply, type ChangeRoute } from './shared.js';
import { buildRequestModal, openInTimeZone, templateDefaults } from './form-helpers.js';
import { cancel, close, edit, link, review, start } from './change-routes.js';

/** `/change` and its subcommands: request, standard, help, calendar, and the ones that name a change. */

const KEY = /^CHG-\d+$/i;

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

function aboutChange(verb: string, route: ChangeRoute): Route {
  return async (args, deps, words) => {
    const key = words[0]?.toUpperCase();
    if (!key || !KEY.test(key)) return reply(args, `Which change? e.g. \`/change ${verb} CHG-17\``);
    const change = await changeByKey(deps.ctx, key);
    if (!change) return reply(args, `There is no change ${key}.`);
    return route(change, args, deps, words.slice(1));
  };
}

/** The request form, in the person's time zone, from the next full hour, with them as the implementer. */
function requestForm(type: ChangeType): Route {
  return async (args, deps) => {
    const { command, client, respond } = args;
    const start = nextHour(deps.ctx.clock.now());
    const defaults = { type, start, end: start + HOUR, implementerId: command.user_id };
    await openInTimeZone(
      deps,
      formTrigger(client, respond, command),
      buildRequestModal(deps.settings, { mode: 'new', channel: command.channel_id }, defaults),
    );
  };
}

/** `/change standard [template]`: the named template's form, or the picker. */
async function standard(args: CommandArgs, deps: AppDeps, words: string[]): Promise<unknown> {
  const { command, client, respond } = args;
  const templates = deps.settings.changes.standard_templates;
  if (templates.length === 0)
    return reply(
      args,
      'No standard change templates are configured (changes.standard_templates). Use `/change` for a normal change.',
    );
  const at = formTrigger(client, respond, command);
  const wanted = words[0]?.toLowerCase();
  if (!wanted) return openFormOrTell(at, templatePickerModal(templates, command.channel_id), deps.logger);
  const found = templateDefaults(deps.settings, wanted, deps.ctx.clock.now());
  if (!found)
    return reply(
      args,
      `There is no standard template \`${escapeMrkdwn(wanted)}\`. Templates: ${templates.map((t) => `\`${t.id}\``).join(', ')}`,
    );
  const metadata = { mode: 'new' as const, type: 'standard' as const, templateId: wanted, channel: command.channel_id };
  await openInTimeZone(
    deps,
    at,
    buildRequestModal(
      deps.settings,
      metadata,
      { ...found.defaults, implementerId: command.user_id },
      { template: found.template },
    ),
  );
}

/** `/change calendar [days]`: upcoming changes and freeze windows by day, in the viewer's zone. */
async function calendar(args: CommandArgs, { ctx, directory, settings }: AppDeps, words: string[]): Promise<unknown> {
  const days = words[0] ? Number.parseInt(words[0], 10) : settings.changes.calendar_days;
  if (!Number.isInteger(days) || days < 1 || days > 60)
    return reply(args, 'Give a number of days from 1 to 60, e.g. `/change calendar 7`.');
  const tz = (await directory.user(args.command.user_id)).tz;
  const now = ctx.clock.now().getTime();
  const data = await changeCalendar(ctx, now, now + days * 24 * HOUR);
  const message = calendarMessage({
    from: now,
    days,
    timeZone: tz,
    changes: data.changes.map((c) => ({
      key: c.key,
      title: c.title,
      status: c.status,
      type: c.type,
      start: c.planned_start,
      end: c.planned_end,
      services: c.services,
    })),
    freezes: data.freezes,
  });
  return reply(args, message.text, message.blocks);
}

/** `/change show CHG-17` (or just `/change CHG-17`): the full record with approvals and history. */
async function show(change: ChangeRow, args: CommandArgs, { ctx }: AppDeps): Promise<unknown> {
  const record = await changeRecord(ctx, change.key);
  if (!record) return reply(args, `There is no change ${change.key}.`);
  const message = changeRecordMessage(record);
  return reply(args, message.text, message.blocks);
}

/** `/change CHG-17` shows it; any other word is not a subcommand. */
async function other(args: CommandArgs, deps: AppDeps, words: string[]): Promise<unknown> {
  const first = words[0] ?? '';
  if (KEY.test(first)) return aboutChange('show', show)(args, deps, words);
  return reply(args, `I don't know \`${escapeMrkdwn(first.toLowerCase()).slice(0, 40)}\`.\n${HELP}`);
}

export const changeCommand = slash(COMMANDS.change, {
  '': requestForm('normal'),
  new: requestForm('normal'),
  request: requestForm('normal'),
  normal: requestForm('normal'),
  emergency: requestForm('emergency'),
  standard,
  help: (args) => reply(args, HELP),
  calendar,
  show: aboutChange('show', show),
  edit: aboutChange('edit', edit),
  close: aboutChange('close', close),
  start: aboutChange('start', start),
  cancel: aboutChange('cancel', cancel),
  review: aboutChange('review', review),
  link: aboutChange('link', link),
  '*': other,
});
