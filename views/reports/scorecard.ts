import type { KnownBlock } from '@slack/types';
import {
  KPIS,
  formatDuration,
  formatValue,
  rate,
  severityTarget,
  trend,
  type KpiDefinition,
  type Rating,
} from '../../src/domain/reports/kpis.js';
import { attainment, CHANGE_TYPES, type DurationStats, type Scorecard } from '../../src/domain/reports/scorecard.js';
import { SEVERITIES } from '../../src/domain/incidents/rules.js';
import { fallbackText, mrkdwn, plain, userText } from '../text.js';

/**
 * The scorecard as a Slack message: one block of fields per area with the previous period beside each
 * figure, an arrow for the direction of change, "better"/"worse" where a KPI has a better side, and a
 * coloured dot against the reference targets. At most ~20 blocks and 10 fields per section, by
 * construction.
 */
export interface ScorecardInput {
  title: string;
  periodLabel: string;
  previousLabel: string;
  timezone: string;
  current: Scorecard;
  previous: Scorecard;
}

const DOT: Record<Rating, string> = {
  good: ':large_green_circle:',
  warn: ':large_yellow_circle:',
  bad: ':red_circle:',
};
const SECTIONS = [
  { id: 'incidents', title: ':rotating_light: Incidents' },
  { id: 'tickets', title: ':ticket: Service desk' },
  { id: 'changes', title: ':wrench: Changes' },
] as const;

function kpiField(k: KpiDefinition, current: Scorecard, previous: Scorecard): string {
  const now = k.value(current);
  const before = k.value(previous);
  const rating = rate(k.direction, k.target, now);
  const t = trend(k.direction, now, before);
  const mark = t ? ` ${t.arrow}${t.verdict && t.verdict !== 'same' ? ` ${t.verdict}` : ''}` : '';
  return `*${k.label}*\n${rating ? `${DOT[rating]} ` : ''}${formatValue(k.unit, now)}\n_prev ${formatValue(k.unit, before)}${mark}_`;
}

const chunks = <T>(xs: T[], n: number): T[][] =>
  Array.from({ length: Math.ceil(xs.length / n) }, (_, i) => xs.slice(i * n, i * n + n));
const d = (s: DurationStats, key: 'median' | 'mean' | 'p90' = 'median') =>
  s[key] === null ? '—' : formatDuration(s[key]!);
const pct = (x: number | null) => (x === null ? '—' : `${(x * 100).toFixed(1)}%`);

function severityLines(s: Scorecard): string {
  return SEVERITIES.map((sev) => {
    const mtta = s.incidents.mttaBySeverity[sev];
    const mttr = s.incidents.mttrBySeverity[sev];
    const mttaRating = rate('lower', severityTarget(sev, 'mtta'), mtta.median);
    const mttrRating = rate('lower', severityTarget(sev, 'mttr'), mttr.median);
    return `*${sev}* ${s.incidents.bySeverity[sev]} · MTTA ${mttaRating ? DOT[mttaRating] + ' ' : ''}${d(mtta)} · MTTR ${mttrRating ? DOT[mttrRating] + ' ' : ''}${d(mttr)} (p90 ${d(mttr, 'p90')})`;
  }).join('\n');
}

function priorityLines(s: Scorecard): string {
  return s.tickets.byPriority
    .map(
      (p) =>
        `*${p.priority}* opened ${p.opened} · resolved ${p.resolved} · first response ${pct(attainment(p.firstResponse))} · resolution ${pct(attainment(p.resolution))}`,
    )
    .join('\n');
}

function top<T>(rows: T[], n: number, line: (row: T) => string): string {
  if (rows.length === 0) return '_none_';
  const shown = rows.slice(0, n).map(line);
  return shown.join('\n') + (rows.length > n ? `\n_…and ${rows.length - n} more_` : '');
}

export function scorecardBlocks(input: ScorecardInput): KnownBlock[] {
  const { current, previous } = input;
  const blocks: KnownBlock[] = [
    { type: 'header', text: plain(`${input.title} · ${input.periodLabel}`, 150) },
    {
      type: 'context',
      elements: [
        mrkdwn(
          `Compared with ${input.previousLabel} (prev). Days in ${input.timezone}. ↑/↓ direction of change; dots against targets: :large_green_circle: on target, :large_yellow_circle: near, :red_circle: off.`,
        ),
      ],
    },
  ];
  for (const section of SECTIONS) {
    blocks.push({ type: 'divider' }, { type: 'section', text: mrkdwn(`*${section.title}*`) });
    const fields = KPIS.filter((k) => k.section === section.id).map((k) =>
      mrkdwn(kpiField(k, current, previous), 2000),
    );
    for (const chunk of chunks(fields, 10)) blocks.push({ type: 'section', fields: chunk });
    if (section.id === 'incidents') {
      blocks.push({ type: 'section', text: mrkdwn(`*By severity*\n${severityLines(current)}`) });
      blocks.push({
        type: 'section',
        text: mrkdwn(
          `*By service*\n${top(current.incidents.byService, 6, (x) => `${userText(x.service, 75)}: ${x.count} · MTTR ${x.mttrMedian === null ? '—' : formatDuration(x.mttrMedian)}`)}`,
        ),
      });
      const a = current.incidents.actions;
      blocks.push({
        type: 'context',
        elements: [
          mrkdwn(
            `Review actions due: ${a.onTime} closed on time, ${a.overdue} overdue or late, ${a.pending} not yet due.`,
          ),
        ],
      });
    }
    if (section.id === 'tickets') {
      const b = current.tickets.backlog;
      blocks.push({ type: 'section', text: mrkdwn(`*By priority*\n${priorityLines(current)}`) });
      blocks.push({
        type: 'section',
        fields: [
          mrkdwn(`*Backlog ageing*\n${b.total} open · >7 d ${b.over7} · >14 d ${b.over14} · >30 d ${b.over30}`),
          mrkdwn(`*CSAT*\n${current.tickets.csat.rated} ratings of ${current.tickets.csat.asked} asked`),
          mrkdwn(
            `*By category*\n${top(current.tickets.byCategory, 5, (x) => `${userText(x.category, 75)}: ${x.opened} opened, ${x.resolved} resolved`)}`,
            2000,
          ),
          mrkdwn(
            `*By service*\n${top(current.tickets.byService, 5, (x) => `${userText(x.service, 75)}: ${x.opened} opened, ${x.resolved} resolved`)}`,
            2000,
          ),
        ],
      });
    }
    if (section.id === 'changes') {
      const c = current.changes;
      blocks.push({
        type: 'section',
        fields: [
          mrkdwn(
            `*By type*\n${CHANGE_TYPES.map((t) => `${t}: ${c.byType[t]} · lead time ${d(c.leadTimeByType[t])}`).join('\n')}`,
          ),
          mrkdwn(`*Completed*\n${c.completed} completed, ${c.failed} failed, rolled back or caused an incident`),
          mrkdwn(
            `*By service*\n${top(c.byService, 5, (x) => `${userText(x.service, 75)}: ${x.submitted} submitted, ${x.failed}/${x.completed} failed`)}`,
            2000,
          ),
        ],
      });
    }
  }
  return blocks;
}

/** The notification text (and the fallback for clients without blocks). */
export function scorecardText(input: ScorecardInput): string {
  const s = input.current;
  return fallbackText(
    `${input.title} · ${input.periodLabel}: ${s.incidents.total} incidents, ${s.tickets.opened} tickets opened, ${s.changes.submitted} changes.`,
  );
}
