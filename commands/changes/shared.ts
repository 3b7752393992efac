import type { KnownBlock, ModalView } from '@slack/types';
import type { AppDeps, ButtonArgs, CommandArgs, FormArgs, Result } from '../kit.js';
import { openFormOrTell, type FormTrigger } from '../reply.js';
import type { Settings } from '../../src/config/settings.js';
import type { ApproverFacts } from '../../src/domain/changes/approval.js';
import type { Directory } from '../../src/slack/directory.js';
import type { Actor, Outcome } from '../../src/services/context.js';
import { ALREADY_SUBMITTED } from '../../src/services/changes/request.js';
import type { ChangeRow } from '../../src/services/changes/read.js';
import { REQUEST_FIELDS as F } from '../../views/changes/ids.js';
import {
  requestModal,
  type RequestDefaults,
  type RequestMetadata,
  type TemplateView,
} from '../../views/changes/modals.js';

/** What the change area's listeners share: time zones of forms, approver roles, refusals in forms. */
export const HOUR = 3_600_000;

/** A new change's window starts on the next full hour. */
export function nextHour(now: Date): number {
  return Math.ceil(now.getTime() / HOUR) * HOUR;
}

/** The views/ builders return plain objects; they build Slack modals, and Slack (the fake too) checks them. */
export function modal(view: Record<string, unknown>): ModalView {
  return view as unknown as ModalView;
}

export function actorOf(user: { id: string; name?: string; username?: string }): Actor {
  return { id: user.id, name: user.name ?? user.username ?? null };
}

/** A change button's value: the change id Switchboard rendered into it (anything else is out of date). */
export function changeIdOf(action: ButtonArgs['action']): number | undefined {
  const id = 'value' in action ? Number(action.value) : Number.NaN;
  return Number.isInteger(id) && id > 0 ? id : undefined;
}

/** The zone a person's form showed times in: the one looked up when it opened, else the organisation's. */
export function zoneOf({ directory, settings }: AppDeps, userId: string): string {
  return directory.knownUser(userId)?.tz ?? settings.timezone;
}

/**
 * Opens a modal at once (a trigger_id lasts 3 seconds), in the time zone already known for the person
 * (or the organisation's); if looking them up finds another zone, the open modal is updated in place
 * (same blocks, so anything typed meanwhile stays).
 */
export async function openInTimeZone(
  deps: AppDeps,
  at: FormTrigger,
  build: (timeZone: string) => Record<string, unknown>,
): Promise<void> {
  const userId = at.from.user.id;
  const first = zoneOf(deps, userId);
  const opened = await openFormOrTell(at, build(first), deps.logger);
  if (!opened) return;
  const tz = (await deps.directory.user(userId)).tz;
  if (tz === first) return;
  await at.client.views
    .update({ view_id: opened.id, hash: opened.hash, view: modal(build(tz)) })
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

/** The approver roles a person holds; each may need a user-group look-up, so they are asked at once, not in turn. */
export async function approverFacts(
  directory: Directory,
  settings: Settings,
  userId: string,
): Promise<Omit<ApproverFacts, 'userId'>> {
  const byService = Object.entries(settings.changes.approver_groups_by_service);
  const [isChangeApprover, isEmergencyApprover, ...inServiceGroup] = await Promise.all([
    directory.hasRole(userId, 'change_approvers'),
    directory.hasRole(userId, 'emergency_approvers'),
    ...byService.map(([, entries]) => directory.isAnyOf(userId, entries)),
  ]);
  return {
    isChangeApprover,
    isEmergencyApprover,
    serviceGroups: byService.filter((_, i) => inServiceGroup[i]).map(([service]) => service),
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

/** Only the person who typed the command sees the answer. */
export function reply({ respond }: CommandArgs, text: string, blocks?: KnownBlock[]): Promise<unknown> {
  return respond({ response_type: 'ephemeral', text, ...(blocks ? { blocks } : {}) });
}

/** A subcommand about one change: the words after it start with its key; the rest are the subcommand's. */
export type ChangeRoute = (change: ChangeRow, args: CommandArgs, deps: AppDeps, rest: string[]) => Promise<unknown>;
