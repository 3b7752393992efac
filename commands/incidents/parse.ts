import { parseDuration } from '../../src/config/duration.js';
import {
  dueAtOnDate,
  isActiveStatus,
  isSeverity,
  parseRole,
  type ActiveStatus,
  type Severity,
} from '../../src/domain/incidents/rules.js';
import { TZDate } from '@date-fns/tz';
import { userText } from '../../views/text.js';
import { addDays, format } from 'date-fns';

/** `/incident …` text, parsed. The manifest sets should_escape, so mentions arrive as <@U123|name>. */
export type IncidentCommand =
  | { kind: 'card' }
  | { kind: 'declare'; title: string }
  | { kind: 'list' }
  | { kind: 'help' }
  | { kind: 'role'; userId: string; role: string }
  | { kind: 'note'; text: string }
  | { kind: 'action'; text: string; ownerId: string; dueAt: number }
  | { kind: 'status'; status: ActiveStatus }
  | { kind: 'severity'; severity: Severity }
  | { kind: 'ack' }
  | { kind: 'update' }
  | { kind: 'resolve' }
  | { kind: 'close' }
  | { kind: 'subscribe' }
  | { kind: 'review' }
  | { kind: 'error'; message: string };

const MENTION = /<@([UW][A-Z0-9]+)(?:\|[^>]*)?>/;
const MENTION_ALL = /<@([UW][A-Z0-9]+)(?:\|[^>]*)?>/g;

export const USAGE = [
  '`/incident` – declare (or, in an incident channel, show its status card)',
  '`/incident declare <title>` – declare with a title',
  '`/incident list` – open incidents',
  'In an incident channel:',
  '`/incident role @user commander|comms|scribe` – assign a role',
  '`/incident status investigating|identified|monitoring` · `/incident severity P1`',
  '`/incident update` – post a stakeholder update · `/incident ack` · `/incident resolve` · `/incident close`',
  '`/incident note <text>` – add to the timeline (or react with the timeline emoji)',
  '`/incident action <text> @owner <YYYY-MM-DD | 3d | tomorrow>` – follow-up action',
  '`/incident subscribe` · `/incident review` – export the review draft as Markdown',
].join('\n');

export interface ParseContext {
  now: number;
  timeZone: string;
  actionDueTime: string;
  customRoles: readonly string[];
}

export function parseIncidentCommand(text: string, ctx: ParseContext): IncidentCommand {
  const trimmed = text.trim();
  if (!trimmed) return { kind: 'card' };
  const [head, ...restWords] = trimmed.split(/\s+/);
  const verb = head!.toLowerCase();
  const rest = trimmed.slice(head!.length).trim();
  switch (verb) {
    case 'declare':
    case 'new':
      return { kind: 'declare', title: rest };
    case 'list':
    case 'open':
      return { kind: 'list' };
    case 'help':
      return { kind: 'help' };
    case 'ack':
    case 'acknowledge':
      return { kind: 'ack' };
    case 'update':
      return { kind: 'update' };
    case 'resolve':
      return { kind: 'resolve' };
    case 'close':
      return { kind: 'close' };
    case 'subscribe':
      return { kind: 'subscribe' };
    case 'review':
    case 'export':
      return { kind: 'review' };
    case 'note':
      return rest
        ? { kind: 'note', text: rest }
        : { kind: 'error', message: 'Usage: `/incident note <what happened>`' };
    case 'status': {
      const status = rest.toLowerCase();
      if (status === 'resolved') return { kind: 'resolve' };
      if (!isActiveStatus(status))
        return {
          kind: 'error',
          message:
            'Usage: `/incident status investigating|identified|monitoring` (use `/incident resolve` to resolve).',
        };
      return { kind: 'status', status };
    }
    case 'severity':
    case 'sev': {
      const severity = rest.toUpperCase();
      if (!isSeverity(severity)) return { kind: 'error', message: 'Usage: `/incident severity P1|P2|P3|P4`' };
      return { kind: 'severity', severity };
    }
    case 'role': {
      const user = MENTION.exec(rest);
      const roleText = rest.replace(MENTION_ALL, ' ').trim();
      if (!user || !roleText) return { kind: 'error', message: 'Usage: `/incident role @user commander|comms|scribe`' };
      const role = parseRole(roleText, ctx.customRoles);
      if (!role)
        return {
          kind: 'error',
          message: `Unknown role "${userText(roleText, 50)}". Try commander, comms or scribe${ctx.customRoles.length ? `, or ${ctx.customRoles.join(', ')}` : ''}.`,
        };
      return { kind: 'role', userId: user[1]!, role };
    }
    case 'action':
      return parseAction(rest, ctx);
    default:
      void restWords;
      return { kind: 'error', message: `I don't know "${userText(verb, 30)}".\n${USAGE}` };
  }
}

function parseAction(rest: string, ctx: ParseContext): IncidentCommand {
  const usage = 'Usage: `/incident action <text> @owner <YYYY-MM-DD | 3d | tomorrow>`';
  const owner = MENTION.exec(rest);
  if (!owner) return { kind: 'error', message: `Name an owner. ${usage}` };
  const words = rest.replace(MENTION_ALL, ' ').trim().split(/\s+/);
  const last = words.at(-1) ?? '';
  const dueAt = parseDue(last, ctx);
  if (dueAt === undefined) return { kind: 'error', message: `End with a due date. ${usage}` };
  const text = words.slice(0, -1).join(' ').trim();
  if (!text) return { kind: 'error', message: `Describe the action. ${usage}` };
  if (dueAt <= ctx.now) return { kind: 'error', message: 'The due date is in the past.' };
  return { kind: 'action', text, ownerId: owner[1]!, dueAt };
}

/** A due date: YYYY-MM-DD (at the configured time), today/tomorrow, or a duration from now (3d, 2w, 90s). */
function parseDue(text: string, ctx: ParseContext): number | undefined {
  const t = text.toLowerCase().replace(/^in/, '');
  if (/^\d{4}-\d{2}-\d{2}$/.test(t)) {
    const at = dueAtOnDate(t, ctx.actionDueTime, ctx.timeZone);
    return Number.isNaN(at) ? undefined : at;
  }
  if (t === 'today' || t === 'tomorrow') {
    const day = format(addDays(new TZDate(ctx.now, ctx.timeZone), t === 'today' ? 0 : 1), 'yyyy-MM-dd');
    return dueAtOnDate(day, ctx.actionDueTime, ctx.timeZone);
  }
  const ms = parseDuration(t);
  return ms === undefined || ms <= 0 ? undefined : ctx.now + ms;
}

/** Today in the organisation's time zone, as the datepicker wants it. */
export function isoDay(now: number, timeZone: string, plusDays = 0): string {
  return format(addDays(new TZDate(now, timeZone), plusDays), 'yyyy-MM-dd');
}
