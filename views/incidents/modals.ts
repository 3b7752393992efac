import type { ModalView } from '@slack/types';
import { z } from 'zod';
import {
  ACTIVE_STATUSES,
  roleLabel,
  SEVERITIES,
  STATUS_LABELS,
  type ActiveStatus,
  type Severity,
} from '../../src/domain/incidents/rules.js';
import type { IncidentSnapshot } from '../../src/domain/incidents/types.js';
import { mrkdwn, plain, truncate, userText } from '../text.js';
import type { StateValue } from '../text.js';
import { CALLBACKS, FIELDS } from './ids.js';

/** Modals of the incident area and the parsers of their submitted state. */

type Block = Record<string, unknown>;
type Values = Record<string, Record<string, StateValue>>;
export type Parsed<T> = { ok: true; value: T } | { ok: false; errors: Record<string, string> };

const option = (text: string, value: string, description?: string) => ({
  text: plain(text, 75),
  value: truncate(value, 75),
  ...(description ? { description: plain(description, 75) } : {}),
});

function input(
  blockId: string,
  label: string,
  element: Record<string, unknown>,
  opts: { optional?: boolean; hint?: string } = {},
): Block {
  return {
    type: 'input',
    block_id: blockId,
    label: plain(label, 2000),
    optional: opts.optional ?? false,
    ...(opts.hint ? { hint: plain(opts.hint, 2000) } : {}),
    element: { action_id: blockId, ...element },
  };
}

function textInput(
  blockId: string,
  label: string,
  opts: {
    initial?: string;
    multiline?: boolean;
    max?: number;
    optional?: boolean;
    placeholder?: string;
    hint?: string;
  } = {},
): Block {
  const element: Record<string, unknown> = { type: 'plain_text_input', multiline: opts.multiline ?? false };
  if (opts.max) element.max_length = opts.max;
  if (opts.initial) element.initial_value = truncate(opts.initial, opts.max ?? 3000);
  if (opts.placeholder) element.placeholder = plain(opts.placeholder, 150);
  return input(blockId, label, element, { optional: opts.optional, hint: opts.hint });
}

const valueOf = (values: Values, id: string): string => String(values[id]?.[id]?.value ?? '').trim();
const selectedOf = (values: Values, id: string): string | undefined =>
  values[id]?.[id]?.selected_option?.value ?? undefined;

// ---- declare ---------------------------------------------------------------------------------------

export interface DeclarePrefill {
  title?: string;
  impact?: string;
  services?: string[];
  severity?: Severity;
  commanderId?: string;
  linkedTicketId?: number;
}

/** Carried through the modal: where it was opened from. */
export interface DeclareMetadata {
  linkedTicketId?: number;
  source?: 'command' | 'shortcut' | 'ticket';
  sourceChannel?: string;
  sourceTs?: string;
  sourcePermalink?: string;
}

export interface DeclareModalOptions {
  prefill?: DeclarePrefill;
  severities: Record<Severity, { label: string; description: string }>;
  serviceCatalog: readonly string[];
  /** Shown at the top so a duplicate is not declared. */
  openIncidents?: { key: string; title: string; severity: Severity }[];
  metadata?: DeclareMetadata;
  /**
   * Private material the declarer may read but that is not published (a ticket's details): shown as
   * a reference above the form, never pre-filled into the public fields.
   */
  reference?: { heading: string; text: string };
}

export function declareModal(options: DeclareModalOptions): Record<string, unknown> {
  const prefill = options.prefill ?? {};
  const blocks: Block[] = [];
  const open = options.openIncidents ?? [];
  if (open.length > 0) {
    const lines = open.slice(0, 5).map((i) => `• *${i.key}* ${i.severity}: ${userText(i.title, 120)}`);
    if (open.length > 5) lines.push(`…and ${open.length - 5} more`);
    blocks.push({ type: 'context', elements: [mrkdwn(`Already open:\n${lines.join('\n')}`, 3000)] });
  }
  if (options.reference) {
    blocks.push({
      type: 'section',
      text: mrkdwn(
        `*${userText(options.reference.heading, 200)}* (for reference; not published)\n${userText(options.reference.text || '—', 2500)}`,
        3000,
      ),
    });
    blocks.push({
      type: 'context',
      elements: [
        mrkdwn(
          'Title and impact are announced in the incidents channel and the incident channel: write them for everyone, without private details.',
        ),
      ],
    });
  }
  blocks.push(
    textInput(FIELDS.title, 'Title', { initial: prefill.title, max: 150, placeholder: 'What is broken, for whom' }),
  );
  const severityOptions = SEVERITIES.map((s) =>
    option(`${s} – ${options.severities[s].label}`, s, options.severities[s].description),
  );
  const initialSeverity = severityOptions.find((o) => o.value === (prefill.severity ?? 'P3'));
  blocks.push(
    input(FIELDS.severity, 'Severity', {
      type: 'radio_buttons',
      options: severityOptions,
      ...(initialSeverity ? { initial_option: initialSeverity } : {}),
    }),
  );
  blocks.push({
    type: 'context',
    elements: [
      mrkdwn(
        SEVERITIES.map(
          (s) =>
            `*${s} ${userText(options.severities[s].label, 40)}*: ${userText(options.severities[s].description, 600)}`,
        ).join('\n'),
        3000,
      ),
    ],
  });
  const catalog = [...options.serviceCatalog];
  const serviceOptions = catalog.slice(0, 100).map((s) => option(s, s));
  if (serviceOptions.length > 0) {
    const initial = serviceOptions.filter((o) => (prefill.services ?? []).includes(o.value));
    blocks.push(
      input(
        FIELDS.services,
        'Affected services',
        {
          type: 'multi_static_select',
          options: serviceOptions,
          placeholder: plain('Choose services', 150),
          ...(initial.length ? { initial_options: initial } : {}),
        },
        { optional: true },
      ),
    );
  }
  blocks.push(
    textInput(FIELDS.impact, 'Impact', {
      initial: prefill.impact,
      multiline: true,
      max: 2000,
      optional: true,
      placeholder: 'Who is affected and how',
    }),
  );
  blocks.push(
    input(
      FIELDS.commander,
      'Commander',
      {
        type: 'users_select',
        placeholder: plain('Leave empty to lead it yourself', 150),
        ...(prefill.commanderId ? { initial_user: prefill.commanderId } : {}),
      },
      {
        optional: true,
        hint: 'Leave empty and you are the commander.',
      },
    ),
  );
  blocks.push(
    input(
      FIELDS.started,
      'Started (if known)',
      { type: 'datetimepicker' },
      {
        optional: true,
        hint: 'When the impact began, if before now: MTTR is also reported from this time.',
      },
    ),
  );
  const metadata: DeclareMetadata = { ...(options.metadata ?? {}) };
  if (prefill.linkedTicketId !== undefined) metadata.linkedTicketId = prefill.linkedTicketId;
  return {
    type: 'modal',
    callback_id: CALLBACKS.declare,
    title: plain('Declare incident', 24),
    submit: plain('Declare', 24),
    close: plain('Cancel', 24),
    private_metadata: JSON.stringify(metadata).slice(0, 3000),
    blocks,
  };
}

export interface DeclareInput {
  title: string;
  severity: Severity;
  services: string[];
  impact: string;
  commanderId: string | null;
  /** When the impact began, if the declarer knows it was before now (epoch ms). */
  startedAt: number | null;
}

export function parseDeclare(values: Values, now: Date): Parsed<DeclareInput> {
  const title = valueOf(values, FIELDS.title);
  const severity = selectedOf(values, FIELDS.severity);
  const startedSeconds = values[FIELDS.started]?.[FIELDS.started]?.selected_date_time as number | null | undefined;
  const startedAt = typeof startedSeconds === 'number' ? startedSeconds * 1000 : null;
  const errors: Record<string, string> = {};
  if (startedAt !== null && startedAt > now.getTime())
    errors[FIELDS.started] = 'The start cannot be in the future; leave it empty if the impact begins now.';
  if (!title) errors[FIELDS.title] = 'Give the incident a title.';
  if (title.length > 150) errors[FIELDS.title] = 'Keep the title under 150 characters.';
  if (!severity || !(SEVERITIES as readonly string[]).includes(severity))
    errors[FIELDS.severity] = 'Choose a severity.';
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  const services = ((values[FIELDS.services]?.[FIELDS.services]?.selected_options ?? []) as { value: string }[]).map(
    (o) => o.value,
  );
  return {
    ok: true,
    value: {
      title,
      severity: severity as Severity,
      services,
      impact: valueOf(values, FIELDS.impact),
      commanderId: values[FIELDS.commander]?.[FIELDS.commander]?.selected_user ?? null,
      startedAt,
    },
  };
}

const declareMetadata = z
  .object({
    linkedTicketId: z.number().int().positive().optional(),
    source: z.enum(['command', 'shortcut', 'ticket']).optional(),
    sourceChannel: z.string().optional(),
    sourceTs: z.string().optional(),
    sourcePermalink: z.string().optional(),
  })
  .catch({});

export function parseDeclareMetadata(text: string | undefined): DeclareMetadata {
  try {
    return declareMetadata.parse(JSON.parse(text || '{}'));
  } catch {
    return {};
  }
}

// ---- stakeholder update --------------------------------------------------------------------------------

export interface UpdatePrefill {
  status: ActiveStatus;
  impact: string;
  actions: string;
  workaround: string;
  /** Next update offered by default, in ms from now; null when none is scheduled. */
  cadence: number | null;
  audience: 'all' | 'channel';
}

const NEXT_UPDATE_CHOICES = [15 * 60_000, 30 * 60_000, 60 * 60_000, 2 * 3_600_000, 4 * 3_600_000];

function durationLabel(ms: number): string {
  if (ms < 60_000) return `${Math.round(ms / 1000)} seconds`;
  if (ms < 3_600_000) return `${Math.round(ms / 60_000)} minutes`;
  const h = ms / 3_600_000;
  return `${Number.isInteger(h) ? h : h.toFixed(1)} hour${h === 1 ? '' : 's'}`;
}

export function updateModal(
  incident: Pick<IncidentSnapshot, 'id' | 'key' | 'title'>,
  prefill: UpdatePrefill,
): Record<string, unknown> {
  const statusOptions = ACTIVE_STATUSES.map((s) => option(STATUS_LABELS[s], s));
  const choices = [...new Set([...(prefill.cadence ? [prefill.cadence] : []), ...NEXT_UPDATE_CHOICES])].sort(
    (a, b) => a - b,
  );
  const nextOptions = [
    ...choices.map((ms) => option(`In ${durationLabel(ms)}${ms === prefill.cadence ? ' (cadence)' : ''}`, String(ms))),
    option('No further updates planned', 'none'),
  ];
  const initialNext = prefill.cadence
    ? nextOptions.find((o) => o.value === String(prefill.cadence))
    : nextOptions.at(-1);
  const audienceOptions = [
    option('Everyone', 'all', 'Incident channel, stakeholder channels and subscribers'),
    option('Incident channel only', 'channel', 'Internal working note'),
  ];
  return {
    type: 'modal',
    callback_id: CALLBACKS.update,
    title: plain(`Update ${incident.key}`, 24),
    submit: plain('Post update', 24),
    close: plain('Cancel', 24),
    private_metadata: JSON.stringify({ incidentId: incident.id }),
    blocks: [
      { type: 'section', text: mrkdwn(`*${incident.key}*: ${userText(incident.title, 200)}`) },
      input(FIELDS.status, 'Current status', {
        type: 'static_select',
        options: statusOptions,
        initial_option: statusOptions.find((o) => o.value === prefill.status),
      }),
      textInput(FIELDS.impact, 'Impact', {
        initial: prefill.impact,
        multiline: true,
        max: 1500,
        placeholder: 'Who and what is affected',
      }),
      textInput(FIELDS.actions, 'What we are doing', { initial: prefill.actions, multiline: true, max: 1500 }),
      textInput(FIELDS.workaround, 'Workaround', {
        initial: prefill.workaround,
        multiline: true,
        max: 1000,
        optional: true,
      }),
      input(FIELDS.nextUpdate, 'Next update', {
        type: 'static_select',
        options: nextOptions,
        ...(initialNext ? { initial_option: initialNext } : {}),
      }),
      input(FIELDS.audience, 'Audience', {
        type: 'static_select',
        options: audienceOptions,
        initial_option: audienceOptions.find((o) => o.value === prefill.audience),
      }),
    ],
  };
}

export interface UpdateInput {
  status: ActiveStatus;
  impact: string;
  actions: string;
  workaround: string | null;
  nextUpdateInMs: number | null;
  audience: 'all' | 'channel';
}

export function parseUpdate(values: Values): Parsed<UpdateInput> {
  const errors: Record<string, string> = {};
  const status = selectedOf(values, FIELDS.status);
  const impact = valueOf(values, FIELDS.impact);
  const actions = valueOf(values, FIELDS.actions);
  const next = selectedOf(values, FIELDS.nextUpdate) ?? 'none';
  const audience = selectedOf(values, FIELDS.audience) ?? 'all';
  if (!status || !(ACTIVE_STATUSES as readonly string[]).includes(status))
    errors[FIELDS.status] = 'Choose the current status (resolve with the Resolve button).';
  if (!impact) errors[FIELDS.impact] = 'Say who is affected.';
  if (!actions) errors[FIELDS.actions] = 'Say what is being done.';
  const nextMs = next === 'none' ? null : Number(next);
  if (nextMs !== null && (!Number.isFinite(nextMs) || nextMs <= 0))
    errors[FIELDS.nextUpdate] = 'Choose when the next update comes.';
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return {
    ok: true,
    value: {
      status: status as ActiveStatus,
      impact,
      actions,
      workaround: valueOf(values, FIELDS.workaround) || null,
      nextUpdateInMs: nextMs,
      audience: audience === 'channel' ? 'channel' : 'all',
    },
  };
}

// ---- notice ---------------------------------------------------------------------------------------------------

/** What an opened form turns into when, after looking the person up, they may not submit it. */
export function noticeModal(title: string, text: string): ModalView {
  return {
    type: 'modal',
    title: plain(title, 24),
    close: plain('Close', 24),
    blocks: [{ type: 'section', text: mrkdwn(text) }],
  };
}

// ---- resolve ----------------------------------------------------------------------------------------------

export function resolveModal(incident: Pick<IncidentSnapshot, 'id' | 'key' | 'title'>): Record<string, unknown> {
  return {
    type: 'modal',
    callback_id: CALLBACKS.resolve,
    title: plain(`Resolve ${incident.key}`, 24),
    submit: plain('Resolve', 24),
    close: plain('Cancel', 24),
    private_metadata: JSON.stringify({ incidentId: incident.id }),
    blocks: [
      { type: 'section', text: mrkdwn(`*${incident.key}*: ${userText(incident.title, 200)}`) },
      textInput(FIELDS.resolution, 'Resolution summary', {
        multiline: true,
        max: 2000,
        placeholder: 'What was wrong and what fixed it',
      }),
    ],
  };
}

export function parseResolve(values: Values): Parsed<{ summary: string }> {
  const summary = valueOf(values, FIELDS.resolution);
  if (!summary) return { ok: false, errors: { [FIELDS.resolution]: 'Summarise the resolution.' } };
  return { ok: true, value: { summary } };
}

// ---- roles --------------------------------------------------------------------------------------------------

export function roleModal(incident: Pick<IncidentSnapshot, 'id' | 'key'>, roles: string[]): Record<string, unknown> {
  const roleOptions = roles.slice(0, 100).map((r) => option(roleLabel(r), r));
  return {
    type: 'modal',
    callback_id: CALLBACKS.role,
    title: plain(`Roles in ${incident.key}`, 24),
    submit: plain('Assign', 24),
    close: plain('Cancel', 24),
    private_metadata: JSON.stringify({ incidentId: incident.id }),
    blocks: [
      input(FIELDS.role, 'Role', { type: 'static_select', options: roleOptions, initial_option: roleOptions[0] }),
      input(FIELDS.user, 'Person', { type: 'users_select' }),
    ],
  };
}

export function parseRoleModal(values: Values, roles: string[]): Parsed<{ role: string; userId: string }> {
  const role = selectedOf(values, FIELDS.role);
  const userId = values[FIELDS.user]?.[FIELDS.user]?.selected_user as string | undefined;
  const errors: Record<string, string> = {};
  if (!role || !roles.includes(role)) errors[FIELDS.role] = 'Choose a role.';
  if (!userId) errors[FIELDS.user] = 'Choose a person.';
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return { ok: true, value: { role: role!, userId: userId! } };
}

// ---- follow-up actions -------------------------------------------------------------------------------------------

export function actionModal(
  incident: Pick<IncidentSnapshot, 'id' | 'key'>,
  defaults: { dueDate: string },
): Record<string, unknown> {
  return {
    type: 'modal',
    callback_id: CALLBACKS.action,
    title: plain('Follow-up action', 24),
    submit: plain('Add', 24),
    close: plain('Cancel', 24),
    private_metadata: JSON.stringify({ incidentId: incident.id }),
    blocks: [
      { type: 'context', elements: [mrkdwn(`For *${incident.key}*`)] },
      textInput(FIELDS.actionText, 'Action', { max: 500, placeholder: 'What will prevent this from happening again' }),
      input(FIELDS.owner, 'Owner', { type: 'users_select' }),
      input(FIELDS.dueDate, 'Due date', { type: 'datepicker', initial_date: defaults.dueDate }),
    ],
  };
}

export function parseActionModal(
  values: Values,
  today: string,
): Parsed<{ text: string; ownerId: string; dueDate: string }> {
  const text = valueOf(values, FIELDS.actionText);
  const ownerId = values[FIELDS.owner]?.[FIELDS.owner]?.selected_user as string | undefined;
  const dueDate = values[FIELDS.dueDate]?.[FIELDS.dueDate]?.selected_date as string | undefined;
  const errors: Record<string, string> = {};
  if (!text) errors[FIELDS.actionText] = 'Describe the action.';
  if (!ownerId) errors[FIELDS.owner] = 'Choose an owner.';
  if (!dueDate || !/^\d{4}-\d{2}-\d{2}$/.test(dueDate)) errors[FIELDS.dueDate] = 'Choose a due date.';
  else if (dueDate < today) errors[FIELDS.dueDate] = 'The due date is in the past.';
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return { ok: true, value: { text, ownerId: ownerId!, dueDate: dueDate! } };
}

/** private_metadata of the modals opened on one incident. */
export function incidentIdFromMetadata(text: string | undefined): number | undefined {
  try {
    const id = (JSON.parse(text || '{}') as { incidentId?: unknown }).incidentId;
    return typeof id === 'number' && Number.isInteger(id) ? id : undefined;
  } catch {
    return undefined;
  }
}
