import type {
  DateTimepicker,
  InputBlock,
  KnownBlock,
  ModalView,
  MultiStaticSelect,
  PlainTextInput,
  StaticSelect,
  UsersSelect,
} from '@slack/types';
import { z } from 'zod';
import type { ChangeOutcome, ChangeType, Risk } from '../../src/domain/changes/types.js';
import { OUTCOME_LABEL, OUTCOMES } from '../../src/domain/changes/types.js';
import type { RiskAnswers } from '../../src/domain/changes/risk.js';
import { asksForServices, missingServicesRefusal } from '../../src/domain/catalog.js';
import { mrkdwn, plain, truncate, userText } from '../text.js';
import type { StateValue } from '../text.js';
import { CHANGE_VIEWS, REQUEST_FIELDS as F } from './ids.js';

/**
 * Modals of the change area and their parsers of view.state.values. Every parser returns typed input
 * or inline errors keyed by block id (the shell answers `response_action: errors`).
 */
export type Parsed<T> = { ok: true; value: T } | { ok: false; errors: Record<string, string> };

export interface RequestMetadata {
  mode: 'new' | 'edit';
  changeId?: number;
  templateId?: string;
  /** Fixed type for standard changes and edits. */
  type?: ChangeType;
  /** The channel the command came from, for the confirmation. */
  channel?: string;
}

export interface RequestDefaults {
  title?: string;
  description?: string;
  type?: ChangeType;
  services?: string[];
  risk?: Risk;
  start?: number;
  end?: number;
  implementerId?: string | null;
  implementationPlan?: string;
  rollbackPlan?: string;
  linked?: string | null;
}

const opt = (value: string, text: string) => ({ text: plain(text, 75), value });
const seconds = (ms: number) => Math.floor(ms / 1000);

function textInput(
  blockId: string,
  label: string,
  options: {
    multiline?: boolean;
    optional?: boolean;
    initial?: string;
    max?: number;
    placeholder?: string;
    hint?: string;
  } = {},
) {
  const element: PlainTextInput = {
    type: 'plain_text_input',
    action_id: blockId,
    multiline: options.multiline ?? false,
  };
  if (options.max) element.max_length = options.max;
  if (options.initial) element.initial_value = truncate(options.initial, options.max ?? 3000);
  if (options.placeholder) element.placeholder = plain(options.placeholder, 150);
  const block: InputBlock = {
    type: 'input',
    block_id: blockId,
    label: plain(label, 2000),
    optional: options.optional ?? false,
    element,
  };
  if (options.hint) block.hint = plain(options.hint, 2000);
  return block;
}

function select(
  blockId: string,
  label: string,
  options: { value: string; text: string }[],
  initial?: string,
  optional = false,
  hint?: string,
) {
  const element: StaticSelect = {
    type: 'static_select',
    action_id: blockId,
    options: options.slice(0, 100).map((o) => opt(o.value, o.text)),
  };
  const init = options.find((o) => o.value === initial);
  if (init) element.initial_option = opt(init.value, init.text);
  const block: InputBlock = {
    type: 'input',
    block_id: blockId,
    label: plain(label, 2000),
    optional,
    element,
  };
  if (hint) block.hint = plain(hint, 2000);
  return block;
}

function dateTime(blockId: string, label: string, initialMs: number | undefined, hint?: string) {
  const element: DateTimepicker = { type: 'datetimepicker', action_id: blockId };
  if (initialMs) element.initial_date_time = seconds(initialMs);
  const block: InputBlock = { type: 'input', block_id: blockId, label: plain(label, 2000), element };
  if (hint) block.hint = plain(hint, 2000);
  return block;
}

/** The request modal: `/change`, `/change standard <template>` (pre-filled) and `/change edit` (pre-filled, type fixed). */
export function requestModal(input: {
  metadata: RequestMetadata;
  defaults: RequestDefaults;
  serviceCatalog: string[];
  timeZone: string;
  templateTitle?: string;
  /** Standard changes: the template's content, shown read-only. */
  template?: TemplateView;
  /** Standard changes: the note already on the change (edit). */
  note?: string | null;
}): ModalView {
  const { metadata, defaults } = input;
  const fixedType = metadata.type;
  const standard = fixedType === 'standard';
  if (standard) return standardModal(input);
  const blocks: KnownBlock[] = [];
  if (metadata.mode === 'edit') {
    blocks.push({
      type: 'context',
      elements: [mrkdwn('Changing the window or a plan after a decision sends the change back for approval.')],
    });
  }
  blocks.push(
    textInput(F.title, 'Title', {
      initial: defaults.title,
      max: 150,
      placeholder: 'e.g. Upgrade VPN concentrator firmware',
    }),
  );
  blocks.push(
    textInput(F.description, 'Description', {
      multiline: true,
      optional: true,
      initial: defaults.description,
      max: 2500,
    }),
  );
  if (!fixedType) {
    blocks.push(
      select(
        F.type,
        'Change type',
        [
          { value: 'normal', text: 'Normal: CAB approval' },
          { value: 'emergency', text: 'Emergency: needed now, ECAB approval' },
        ],
        defaults.type ?? 'normal',
        false,
        'Standard (pre-approved) changes: use /change standard',
      ),
    );
  }
  const catalog = [...new Set([...input.serviceCatalog, ...(defaults.services ?? [])])].slice(0, 100);
  if (asksForServices(catalog)) {
    const services: MultiStaticSelect = {
      type: 'multi_static_select',
      action_id: F.services,
      options: catalog.map((s) => opt(s, s)),
    };
    const initialServices = (defaults.services ?? []).filter((s) => catalog.includes(s));
    if (initialServices.length) services.initial_options = initialServices.map((s) => opt(s, s));
    blocks.push({ type: 'input', block_id: F.services, label: plain('Affected services', 75), element: services });
  }
  {
    blocks.push(
      select(
        F.risk,
        'Risk',
        [
          { value: 'low', text: 'Low' },
          { value: 'medium', text: 'Medium' },
          { value: 'high', text: 'High' },
          { value: 'questionnaire', text: 'Work it out from the questions below' },
        ],
        defaults.risk ?? 'questionnaire',
        false,
        'Approvals needed depend on risk.',
      ),
      select(
        F.impact,
        'Impact if it goes wrong',
        [
          { value: 'low', text: 'Low: one person, workaround exists' },
          { value: 'medium', text: 'Medium: a few people or degraded' },
          { value: 'high', text: 'High: many people blocked' },
        ],
        undefined,
        true,
      ),
      select(
        F.blastRadius,
        'Blast radius',
        [
          { value: 'single', text: 'A single user or device' },
          { value: 'team', text: 'A team' },
          { value: 'site', text: 'A site or department' },
          { value: 'company', text: 'The whole company' },
        ],
        undefined,
        true,
      ),
      select(
        F.tested,
        'Tested beforehand?',
        [
          { value: 'yes', text: 'Yes' },
          { value: 'no', text: 'No' },
        ],
        undefined,
        true,
      ),
      select(
        F.rollbackReady,
        'Rollback ready?',
        [
          { value: 'yes', text: 'Yes' },
          { value: 'no', text: 'No' },
        ],
        undefined,
        true,
      ),
    );
  }
  blocks.push(dateTime(F.start, 'Window start', defaults.start, `Shown in your time zone (${input.timeZone}).`));
  blocks.push(dateTime(F.end, 'Window end', defaults.end));
  const implementer: UsersSelect = { type: 'users_select', action_id: F.implementer };
  if (defaults.implementerId) implementer.initial_user = defaults.implementerId;
  blocks.push({
    type: 'input',
    block_id: F.implementer,
    label: plain('Implementer', 75),
    optional: true,
    element: implementer,
    hint: plain('Who carries it out (defaults to you). The implementer cannot approve it.', 2000),
  });
  blocks.push(
    textInput(F.implementationPlan, 'Implementation plan', {
      multiline: true,
      initial: defaults.implementationPlan,
      max: 2500,
    }),
  );
  blocks.push(
    textInput(F.rollbackPlan, 'Rollback plan', { multiline: true, initial: defaults.rollbackPlan, max: 2500 }),
  );
  blocks.push(
    textInput(F.linked, 'Linked ticket or incident', {
      optional: true,
      initial: defaults.linked ?? undefined,
      max: 30,
      placeholder: 'IT-123 or INC-42',
    }),
  );
  {
    blocks.push({
      type: 'input',
      block_id: F.freezeOverride,
      optional: true,
      label: plain('Freeze override (emergency changes only)', 75),
      element: {
        type: 'checkboxes',
        action_id: F.freezeOverride,
        options: [opt('override', 'Proceed during a change freeze')],
      },
    });
    blocks.push(
      textInput(F.freezeReason, 'Override reason (needed with the override)', {
        optional: true,
        max: 500,
        hint: 'Why the change cannot wait for the freeze to end; recorded on the change and in the audit log.',
      }),
    );
  }
  return {
    type: 'modal',
    callback_id: CHANGE_VIEWS.request,
    private_metadata: JSON.stringify(metadata),
    title: plain(metadata.mode === 'edit' ? 'Edit change' : 'Request a change', 24),
    submit: plain(metadata.mode === 'edit' ? 'Save' : 'Submit', 24),
    close: plain('Cancel', 24),
    blocks,
  };
}

/** What a standard change shows: the template's content, read-only. */
export interface TemplateView {
  title: string;
  version: number;
  description: string;
  services: string[];
  risk: Risk;
  implementationPlan: string;
  rollbackPlan: string;
}

/**
 * A standard change: the pre-approved template is shown, not editable; the requester picks only the
 * window, the implementer and adds a note. Anything else is a normal change (/change).
 */
function standardModal(input: {
  metadata: RequestMetadata;
  defaults: RequestDefaults;
  timeZone: string;
  template?: TemplateView;
  note?: string | null;
}): ModalView {
  const { metadata, defaults } = input;
  const t = input.template;
  const blocks: KnownBlock[] = [
    {
      type: 'context',
      elements: [
        mrkdwn(
          `:white_check_mark: *Standard change*${t ? ` from template “${userText(t.title, 150)}” (version ${t.version})` : ''}: pre-approved, recorded and announced on submit. Its content comes from the template; for anything different request a normal change with /change.`,
        ),
      ],
    },
  ];
  if (t) {
    const lines = [
      `*${userText(t.title, 150)}*`,
      t.description ? userText(t.description, 600) : '',
      `*Services:* ${userText(t.services.join(', ') || '—', 300)} · *Risk:* ${t.risk}`,
      `*Implementation plan:* ${userText(t.implementationPlan || '—', 900)}`,
      `*Rollback plan:* ${userText(t.rollbackPlan || '—', 900)}`,
    ].filter(Boolean);
    blocks.push({ type: 'section', text: mrkdwn(lines.join('\n'), 3000) });
  }
  blocks.push(dateTime(F.start, 'Window start', defaults.start, `Shown in your time zone (${input.timeZone}).`));
  blocks.push(dateTime(F.end, 'Window end', defaults.end));
  const implementer: UsersSelect = { type: 'users_select', action_id: F.implementer };
  if (defaults.implementerId) implementer.initial_user = defaults.implementerId;
  blocks.push({
    type: 'input',
    block_id: F.implementer,
    label: plain('Implementer', 75),
    optional: true,
    element: implementer,
    hint: plain('Who carries it out (defaults to you).', 2000),
  });
  blocks.push(
    textInput(F.requesterNote, 'Note', {
      multiline: true,
      optional: true,
      initial: input.note ?? undefined,
      max: 500,
      placeholder: 'e.g. which devices or site, who to call',
    }),
  );
  return {
    type: 'modal',
    callback_id: CHANGE_VIEWS.request,
    private_metadata: JSON.stringify(metadata),
    title: plain(metadata.mode === 'edit' ? 'Edit change' : 'Standard change', 24),
    submit: plain(metadata.mode === 'edit' ? 'Save' : 'Submit', 24),
    close: plain('Cancel', 24),
    blocks,
  };
}

/** What a standard change's form carries: nothing of the template's content. */
export interface StandardRequestInput {
  start: number;
  end: number;
  implementerId: string | null;
  note: string | null;
}

export function parseStandardRequest(values: Values): Parsed<StandardRequestInput> {
  const errors: Record<string, string> = {};
  const startS = field(values, F.start)?.selected_date_time;
  const endS = field(values, F.end)?.selected_date_time;
  if (typeof startS !== 'number') errors[F.start] = 'Pick when the window starts.';
  if (typeof endS !== 'number') errors[F.end] = 'Pick when the window ends.';
  else if (typeof startS === 'number' && endS <= startS) errors[F.end] = 'The end must be after the start.';
  const note = text(values, F.requesterNote) || null;
  if (note && [...note].length > 500) errors[F.requesterNote] = 'Keep the note under 500 characters.';
  if (Object.keys(errors).length) return { ok: false, errors };
  return {
    ok: true,
    value: {
      start: Number(startS) * 1000,
      end: Number(endS) * 1000,
      implementerId: field(values, F.implementer)?.selected_user ?? null,
      note,
    },
  };
}

export interface RequestInput {
  title: string;
  description: string;
  type: ChangeType | undefined;
  services: string[];
  risk: Risk | 'questionnaire' | undefined;
  answers: RiskAnswers | undefined;
  start: number;
  end: number;
  implementerId: string | null;
  implementationPlan: string;
  rollbackPlan: string;
  linked: string | null;
  freezeOverride: boolean;
  freezeReason: string | null;
}

type Values = Record<string, Record<string, StateValue>>;
const field = (values: Values, id: string): StateValue | undefined => values[id]?.[id];
const text = (values: Values, id: string): string => String(field(values, id)?.value ?? '').trim();
const selected = (values: Values, id: string): string | undefined =>
  field(values, id)?.selected_option?.value ?? undefined;

const metadataSchema = z.object({
  mode: z.enum(['new', 'edit']),
  changeId: z.number().int().optional(),
  templateId: z.string().optional(),
  type: z.enum(['standard', 'normal', 'emergency']).optional(),
  channel: z.string().optional(),
});

export function parseMetadata(raw: string | undefined): RequestMetadata {
  try {
    const parsed = metadataSchema.safeParse(JSON.parse(raw || '{}'));
    return parsed.success ? parsed.data : { mode: 'new' };
  } catch {
    return { mode: 'new' };
  }
}

export function parseRequest(
  values: Values,
  metadata: RequestMetadata,
  serviceCatalog: readonly string[],
): Parsed<RequestInput> {
  const errors: Record<string, string> = {};
  const title = text(values, F.title);
  if (!title) errors[F.title] = 'Give the change a title.';
  const type = metadata.type ?? (selected(values, F.type) as ChangeType | undefined);
  if (!type) errors[F.type] = 'Pick a change type.';
  const services = ((field(values, F.services)?.selected_options ?? []) as { value: string }[]).map((o) => o.value);
  const missingServices = missingServicesRefusal(services, serviceCatalog);
  if (missingServices) errors[F.services] = missingServices;
  const risk = selected(values, F.risk) as Risk | 'questionnaire' | undefined;
  let answers: RiskAnswers | undefined;
  if (type !== 'standard' && (risk === 'questionnaire' || risk === undefined)) {
    const impact = selected(values, F.impact) as RiskAnswers['impact'] | undefined;
    const blast = selected(values, F.blastRadius) as RiskAnswers['blast_radius'] | undefined;
    const tested = selected(values, F.tested);
    const rollback = selected(values, F.rollbackReady);
    if (!impact) errors[F.impact] = 'Answer this, or choose a risk level above.';
    if (!blast) errors[F.blastRadius] = 'Answer this, or choose a risk level above.';
    if (!tested) errors[F.tested] = 'Answer this, or choose a risk level above.';
    if (!rollback) errors[F.rollbackReady] = 'Answer this, or choose a risk level above.';
    if (impact && blast && tested && rollback)
      answers = { impact, blast_radius: blast, tested: tested === 'yes', rollback_ready: rollback === 'yes' };
  }
  const startS = field(values, F.start)?.selected_date_time;
  const endS = field(values, F.end)?.selected_date_time;
  if (typeof startS !== 'number') errors[F.start] = 'Pick when the window starts.';
  if (typeof endS !== 'number') errors[F.end] = 'Pick when the window ends.';
  const start = Number(startS) * 1000;
  const end = Number(endS) * 1000;
  if (typeof startS === 'number' && typeof endS === 'number' && end <= start)
    errors[F.end] = 'The end must be after the start.';
  const implementationPlan = text(values, F.implementationPlan);
  if (!implementationPlan) errors[F.implementationPlan] = 'Describe how the change will be carried out.';
  const rollbackPlan = text(values, F.rollbackPlan);
  if (!rollbackPlan) errors[F.rollbackPlan] = 'Describe how to undo it if it goes wrong.';
  const linked = text(values, F.linked).toUpperCase() || null;
  if (linked && !/^[A-Z][A-Z0-9]{0,9}-\d{1,9}$/.test(linked)) errors[F.linked] = 'Use a key like IT-123 or INC-42.';
  const freezeOverride = ((field(values, F.freezeOverride)?.selected_options ?? []) as { value: string }[]).some(
    (o) => o.value === 'override',
  );
  const freezeReason = text(values, F.freezeReason) || null;
  if (freezeOverride && type !== 'emergency')
    errors[F.freezeOverride] = 'Only emergency changes may override a freeze.';
  else if (freezeOverride && !freezeReason)
    errors[F.freezeReason] = 'Give the reason for overriding the freeze: why the change cannot wait. It is recorded.';
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return {
    ok: true,
    value: {
      title,
      description: text(values, F.description),
      type,
      services,
      risk,
      answers,
      start,
      end,
      implementerId: field(values, F.implementer)?.selected_user ?? null,
      implementationPlan,
      rollbackPlan,
      linked,
      freezeOverride,
      freezeReason,
    },
  };
}

/** `/change standard` without a template id: pick one, then the request modal opens pre-filled. */
export function templatePickerModal(templates: { id: string; title: string }[], channel?: string): ModalView {
  return {
    type: 'modal',
    callback_id: CHANGE_VIEWS.pickTemplate,
    private_metadata: JSON.stringify({ channel }),
    title: plain('Standard change', 24),
    submit: plain('Next', 24),
    close: plain('Cancel', 24),
    blocks: [
      {
        type: 'section',
        text: mrkdwn(
          'Standard changes are pre-approved, low-risk and repeatable. Pick the template; the details are filled in for you.',
        ),
      },
      select(
        F.template,
        'Template',
        templates.map((t) => ({ value: t.id, text: t.title })),
      ),
    ],
  };
}

export function parseTemplatePick(values: Values): Parsed<string> {
  const id = selected(values, F.template);
  return id ? { ok: true, value: id } : { ok: false, errors: { [F.template]: 'Pick a template.' } };
}

function smallModal(
  callbackId: string,
  title: string,
  submit: string,
  metadata: Record<string, unknown>,
  blocks: KnownBlock[],
): ModalView {
  return {
    type: 'modal',
    callback_id: callbackId,
    private_metadata: JSON.stringify(metadata),
    title: plain(title, 24),
    submit: plain(submit, 24),
    close: plain('Cancel', 24),
    blocks,
  };
}

export function rejectModal(
  change: { id: number; key: string; title: string },
  origin?: { channel?: string },
): ModalView {
  return smallModal(CHANGE_VIEWS.rejectReason, `Reject ${change.key}`, 'Reject', { changeId: change.id, ...origin }, [
    {
      type: 'section',
      text: mrkdwn(
        `Rejecting *${change.key} · ${userText(change.title, 150)}* rejects the change. The requester sees your reason.`,
      ),
    },
    textInput(F.reason, 'Reason', { multiline: true, max: 1000 }),
  ]);
}

export function questionModal(change: { id: number; key: string; title: string }): ModalView {
  return smallModal(CHANGE_VIEWS.question, `Ask about ${change.key}`, 'Ask', { changeId: change.id }, [
    {
      type: 'section',
      text: mrkdwn(
        `Your question is posted in the thread of *${change.key} · ${userText(change.title, 150)}* and the requester is notified.`,
      ),
    },
    textInput(F.question, 'Question', { multiline: true, max: 1000 }),
  ]);
}

export function postponeModal(
  change: { id: number; key: string; plannedStart: number; plannedEnd: number },
  timeZone: string,
  needsApproval: boolean,
): ModalView {
  return smallModal(CHANGE_VIEWS.postpone, `Postpone ${change.key}`, 'Postpone', { changeId: change.id }, [
    {
      type: 'section',
      text: mrkdwn(needsApproval ? 'A new window sends the change back for approval.' : 'Pick the new window.'),
    },
    dateTime(F.start, 'New window start', change.plannedStart, `Shown in your time zone (${timeZone}).`),
    dateTime(F.end, 'New window end', change.plannedEnd),
    textInput(F.reason, 'Why postpone?', { optional: true, max: 500 }),
  ]);
}

export function parseWindow(values: Values): Parsed<{ start: number; end: number; reason: string | null }> {
  const startS = field(values, F.start)?.selected_date_time;
  const endS = field(values, F.end)?.selected_date_time;
  const errors: Record<string, string> = {};
  if (typeof startS !== 'number') errors[F.start] = 'Pick when the window starts.';
  if (typeof endS !== 'number') errors[F.end] = 'Pick when the window ends.';
  else if (typeof startS === 'number' && endS <= startS) errors[F.end] = 'The end must be after the start.';
  if (typeof startS !== 'number' || typeof endS !== 'number' || Object.keys(errors).length)
    return { ok: false, errors };
  return { ok: true, value: { start: startS * 1000, end: endS * 1000, reason: text(values, F.reason) || null } };
}

export function closeoutModal(change: { id: number; key: string; title: string }): ModalView {
  return smallModal(CHANGE_VIEWS.closeout, `Close out ${change.key}`, 'Close out', { changeId: change.id }, [
    { type: 'section', text: mrkdwn(`How did *${change.key} · ${userText(change.title, 150)}* go?`) },
    {
      type: 'input',
      block_id: F.outcome,
      label: plain('Outcome', 75),
      element: { type: 'radio_buttons', action_id: F.outcome, options: OUTCOMES.map((o) => opt(o, OUTCOME_LABEL[o])) },
    },
    textInput(F.notes, 'Notes', {
      multiline: true,
      optional: true,
      max: 2000,
      hint: 'Required unless fully successful: what happened, what was rolled back.',
    }),
  ]);
}

export function parseCloseout(values: Values): Parsed<{ outcome: ChangeOutcome; notes: string | null }> {
  const outcome = selected(values, F.outcome) as ChangeOutcome | undefined;
  const notes = text(values, F.notes) || null;
  if (!outcome || !OUTCOMES.includes(outcome)) return { ok: false, errors: { [F.outcome]: 'Pick how it went.' } };
  if (outcome !== 'successful' && !notes) return { ok: false, errors: { [F.notes]: 'Add a note on what happened.' } };
  return { ok: true, value: { outcome, notes } };
}

export function parseReason(values: Values, blockId: string = F.reason): Parsed<string> {
  const reason = text(values, blockId);
  return reason ? { ok: true, value: reason } : { ok: false, errors: { [blockId]: 'This cannot be empty.' } };
}

export function parseChangeId(raw: string | undefined): number | undefined {
  try {
    const id = (JSON.parse(raw || '{}') as { changeId?: unknown }).changeId;
    return typeof id === 'number' && Number.isInteger(id) ? id : undefined;
  } catch {
    return undefined;
  }
}
