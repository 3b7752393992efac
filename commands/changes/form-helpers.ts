import type { AppDeps, FormArgs, Result } from '../kit.js';
import { openFormOrTell, type FormTrigger } from '../reply.js';
import type { Settings } from '../../src/config/settings.js';
import type { Outcome } from '../../src/services/context.js';
import { ALREADY_SUBMITTED } from '../../src/services/changes/request.js';
import { REQUEST_FIELDS as F } from '../../views/changes/ids.js';
import {
  requestModal,
  type RequestDefaults,
  type RequestMetadata,
  type TemplateView,
} from '../../views/changes/modals.js';

import { nextHour, zoneOf } from './shared.js';
import type { ModalView } from '@slack/types';

/** What the change area's forms share: opening in the person's time zone, templates, refusals on their field. */

/**
 * Opens a modal at once (a trigger_id lasts 3 seconds), in the time zone already known for the person
 * (or the organisation's); if looking them up finds another zone, the open modal is updated in place
 * (same blocks, so anything typed meanwhile stays).
 */
export async function openInTimeZone(
  deps: AppDeps,
  at: FormTrigger,
  build: (timeZone: string) => ModalView,
): Promise<void> {
  const userId = at.from.user.id;
  const first = zoneOf(deps, userId);
  const opened = await openFormOrTell(at, build(first), deps.logger);
  if (!opened) return;
  const tz = (await deps.directory.user(userId)).tz;
  if (tz === first) return;
  await at.client.views
    .update({ view_id: opened.id, hash: opened.hash, view: build(tz) })
    .catch((error: unknown) => deps.logger.warn({ err: error }, 'could not show the time zone in a change form'));
}

/** The request (or edit) form, for a standard change with its template's content shown read-only. */
export function buildRequestModal(
  settings: Settings,
  metadata: RequestMetadata,
  defaults: RequestDefaults,
  standard?: { template: TemplateView; note?: string | null },
) {
  return (timeZone: string) =>
    requestModal({
      metadata,
      defaults,
      serviceCatalog: settings.service_catalog,
      timeZone,
      template: standard?.template,
      note: standard?.note,
    });
}

/** A template's window (from the next hour, for its duration) and its content to show read-only. */
export function templateDefaults(
  settings: Settings,
  templateId: string,
  now: Date,
): { defaults: RequestDefaults; template: TemplateView } | undefined {
  const t = settings.changes.standard_templates.find((x) => x.id === templateId);
  if (!t) return undefined;
  const start = nextHour(now);
  return {
    template: {
      title: t.title,
      version: t.version,
      description: t.description,
      services: t.services,
      risk: t.risk,
      implementationPlan: t.implementation_plan,
      rollbackPlan: t.rollback_plan,
    },
    defaults: { start, end: start + t.duration },
  };
}

/** Service field → the form block that shows its refusal. */
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

/** The kit's `fieldBlocks` for the change forms: `refusalIn` already names the block itself. */
export const OWN_BLOCK: Record<string, string> = Object.fromEntries(Object.values(F).map((block) => [block, block]));

/**
 * A use case's refusal, pointed at the block of this form that shows it: the field's block where the
 * form has it, a freeze refusal on the window where the override is not offered yet, else the first.
 */
export function refusalIn(view: FormArgs['view'], refusal: { message: string; field?: string }): Result<never> {
  const inputs = view.blocks.filter((b) => b.type === 'input' && b.block_id).map((b) => b.block_id!);
  const wanted = refusal.field ? (FIELD_BLOCKS[refusal.field] ?? refusal.field) : undefined;
  const block =
    wanted && inputs.includes(wanted)
      ? wanted
      : inputs.includes(F.start) && refusal.field === 'freeze_override'
        ? F.start
        : inputs[0];
  // A submission with no input blocks is forged; it is still refused as an error, never closed.
  return { ok: false, message: refusal.message.slice(0, 2000), field: block ?? wanted ?? F.title };
}

/** A form's hidden change id, or "lost track" on the block given. */
export function lostTrack(
  block: string,
  message = 'This form lost track of its change.',
): { ok: false; errors: Record<string, string> } {
  return { ok: false, errors: { [block]: message } };
}

export const GONE = 'That change no longer exists.';

export function refused(message: string): Result<never> {
  return { ok: false, message };
}

/** A recorded request or edit: the inbox key of the approval request owed, if any. */
export type Submitted = { approvalAsk: string | null };

/** A request's or edit's outcome as its form shows it; a resubmitted form is closed like the first. */
export function submitted(result: Outcome<Submitted>, view: FormArgs['view']): Result<Submitted> {
  if (result.ok) return { ok: true, value: { approvalAsk: result.value.approvalAsk } };
  if (result.message === ALREADY_SUBMITTED) return { ok: true, value: { approvalAsk: null } };
  return refusalIn(view, result);
}

/** The form closes once the request is stored; the approvers are asked right after (from the inbox). */
export async function closeAndAskApprovers(
  { approvalAsk }: Submitted,
  { ack }: FormArgs,
  { inbox }: AppDeps,
): Promise<void> {
  await ack();
  if (approvalAsk) await inbox.process(approvalAsk);
}
