import { EXPORT_KINDS, type ExportKind } from '../../src/domain/reports/scorecard.js';
import { userText } from '../text.js';

/**
 * `/itops report [period] [#channel|here] [chart]` and `/itops export <kind> [period]`, parsed.
 * A channel arrives as Slack's escaped mention `<#C123|name>` (the command escapes channels), or as a
 * bare channel ID.
 */
export type ItopsCommand =
  | { kind: 'help' }
  | {
      kind: 'report';
      period?: string;
      target: { type: 'ephemeral' } | { type: 'here' } | { type: 'channel'; id: string };
      chart: boolean;
    }
  | { kind: 'export'; what: ExportKind; period?: string }
  | { kind: 'invalid'; message: string };

export const USAGE =
  '*Reports*\n' +
  '• `/itops report [7d|30d|quarter|YYYY-MM-DD..YYYY-MM-DD] [#channel|here] [chart]`: the scorecard, just for you unless you name a channel; `chart` adds the 12-week trend.\n' +
  '• `/itops export tickets|incidents|changes|audit [period]`: a CSV sent to you by DM (the audit log for IT managers only).';

const PERIOD = /^(\d{1,3}d|quarter|\d{4}-\d{2}-\d{2}\.\.\d{4}-\d{2}-\d{2})$/i;
const CHANNEL_MENTION = /^<#([CG][A-Z0-9]+)(\|[^>]*)?>$/;
const CHANNEL_ID = /^[CG][A-Z0-9]{6,}$/;

export function parseItops(text: string): ItopsCommand {
  const tokens = text
    .trim()
    .replace(/\s*\.\.\s*/g, '..')
    .split(/\s+/)
    .filter(Boolean);
  const sub = (tokens.shift() ?? '').toLowerCase();
  if (sub === '' || sub === 'help') return { kind: 'help' };
  if (sub === 'report') {
    let period: string | undefined;
    let target: Extract<ItopsCommand, { kind: 'report' }>['target'] = { type: 'ephemeral' };
    let chart = false;
    for (const token of tokens) {
      const mention = CHANNEL_MENTION.exec(token);
      if (PERIOD.test(token) && !period) period = token.toLowerCase();
      else if (token.toLowerCase() === 'here') target = { type: 'here' };
      else if (token.toLowerCase() === 'chart') chart = true;
      else if (mention) target = { type: 'channel', id: mention[1]! };
      else if (CHANNEL_ID.test(token)) target = { type: 'channel', id: token };
      else if (token.startsWith('#'))
        return {
          kind: 'invalid',
          message: `I could not tell which channel ${userText(token, 80)} is: pick it from the list as you type # so Slack links it, or say \`here\`.`,
        };
      else return { kind: 'invalid', message: `I did not understand "${userText(token, 80)}".\n${USAGE}` };
    }
    return { kind: 'report', period, target, chart };
  }
  if (sub === 'export') {
    const what = (tokens.shift() ?? '').toLowerCase();
    if (!EXPORT_KINDS.includes(what as ExportKind))
      return { kind: 'invalid', message: `Export what? One of ${EXPORT_KINDS.join(', ')}.\n${USAGE}` };
    const period = tokens.shift();
    if (tokens.length > 0 || (period !== undefined && !PERIOD.test(period)))
      return {
        kind: 'invalid',
        message: `Say which period: \`7d\`, \`30d\`, \`quarter\` or \`YYYY-MM-DD..YYYY-MM-DD\`.`,
      };
    return { kind: 'export', what: what as ExportKind, period: period?.toLowerCase() };
  }
  return { kind: 'invalid', message: USAGE };
}
