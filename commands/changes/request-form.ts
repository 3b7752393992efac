import { form, raw, type AppDeps, type FormArgs, type Parsed, type Result } from '../kit.js';
import { CHANGE_VIEWS, REQUEST_FIELDS as F } from '../../views/changes/ids.js';
import {
  parseMetadata,
  parseRequest,
  parseStandardRequest,
  parseTemplatePick,
  type RequestInput,
  type RequestMetadata,
  type StandardRequestInput,
} from '../../views/changes/modals.js';
import { editChange, requestChange } from '../../src/services/changes/request.js';
import type { Outcome } from '../../src/services/context.js';
import { actorOf, zoneOf } from './shared.js';
import {
  buildRequestModal,
  closeAndAskApprovers,
  OWN_BLOCK,
  submitted,
  templateDefaults,
  type Submitted,
} from './form-helpers.js';

/** What a request or edit form carries: a standard change's window and note, or a whole change. */
type RequestSubmission = { metadata: RequestMetadata } & (
  { standard: true; chosen: StandardRequestInput } | { standard: false; input: RequestInput }
);

function parseSubmission(view: FormArgs['view'], _args: FormArgs, { settings }: AppDeps): Parsed<RequestSubmission> {
  const metadata = parseMetadata(view.private_metadata);
  if (metadata.type === 'standard') {
    // Only the window, the implementer and the note are read from a standard change's form; the
    // content comes from the template (new) or stays as approved (edit), whatever else was sent.
    const chosen = parseStandardRequest(view.state.values);
    return chosen.ok ? { ok: true, value: { metadata, standard: true, chosen: chosen.value } } : chosen;
  }
  const parsed = parseRequest(view.state.values, metadata, settings.service_catalog);
  return parsed.ok ? { ok: true, value: { metadata, standard: false, input: parsed.value } } : parsed;
}

/**
 * Recorded before the ack, with the submission's identity (a double submit records one change, and
 * the second is closed like the first); the approvers, whose user groups may need Slack look-ups,
 * are asked from the inbox after it.
 */
async function submitRequest(
  submission: RequestSubmission,
  { body, view }: FormArgs,
  deps: AppDeps,
): Promise<Result<Submitted>> {
  const options = {
    actor: actorOf(body.user),
    source: 'modal' as const,
    submissionKey: `${view.id}:${view.hash}`,
    timeZone: zoneOf(deps, body.user.id),
  };
  return submitted(await recordSubmission(submission, options, deps), view);
}

function recordSubmission(
  submission: RequestSubmission,
  options: Parameters<typeof requestChange>[2],
  { ctx }: AppDeps,
): Promise<Outcome<Submitted>> {
  const { metadata } = submission;
  const editing = metadata.mode === 'edit' && metadata.changeId ? metadata.changeId : undefined;
  if (submission.standard) {
    const { start, end, implementerId, note } = submission.chosen;
    if (editing) return editChange(ctx, editing, { start, end, implementerId, requesterNote: note }, options);
    const content = {
      title: '',
      description: '',
      services: [],
      implementationPlan: '',
      rollbackPlan: '',
      linked: null,
    };
    return requestChange(
      ctx,
      { type: 'standard', templateId: metadata.templateId ?? null, ...content, start, end, implementerId, note },
      options,
    );
  }
  const { input } = submission;
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
  if (editing)
    return editChange(
      ctx,
      editing,
      { ...fields, freezeOverride: input.freezeOverride ? { requested: true, reason: input.freezeReason } : undefined },
      options,
    );
  const freezeOverride = { requested: input.freezeOverride, reason: input.freezeReason };
  return requestChange(
    ctx,
    { ...fields, type: input.type ?? 'normal', templateId: metadata.templateId ?? null, freezeOverride },
    options,
  );
}

/** The request and edit form (`/change`, `/change standard …`, `/change edit …`). */
export const requestForm = form(CHANGE_VIEWS.request, {
  parse: parseSubmission,
  run: submitRequest,
  fieldBlocks: OWN_BLOCK,
  done: closeAndAskApprovers,
});

/**
 * The template picker's Next: answered with the request form in place of the picker
 * (`response_action: 'update'`), which the kit's `form` does not do, hence `raw`.
 */
async function pickTemplate({ ack, body, view, client }: FormArgs, deps: AppDeps): Promise<void> {
  const { ctx, directory, settings, logger } = deps;
  const parsed = parseTemplatePick(view.state.values);
  if (!parsed.ok) return ack({ response_action: 'errors', errors: parsed.errors });
  const found = templateDefaults(settings, parsed.value, ctx.clock.now());
  if (!found) return ack({ response_action: 'errors', errors: { [F.template]: 'That template no longer exists.' } });
  const channel = parseMetadata(view.private_metadata).channel;
  const build = buildRequestModal(
    settings,
    { mode: 'new', type: 'standard', templateId: parsed.value, channel },
    { ...found.defaults, implementerId: body.user.id },
    { template: found.template },
  );
  // Answered at once in the zone already known; a look-up that finds another updates it after.
  const first = zoneOf(deps, body.user.id);
  await ack({ response_action: 'update', view: build(first) });
  const tz = (await directory.user(body.user.id)).tz;
  if (tz !== first)
    await client.views
      .update({ view_id: view.id, view: build(tz) })
      .catch((error: unknown) => logger.warn({ err: error }, 'could not show the time zone in a change form'));
}

export const templatePickForm = raw('form', CHANGE_VIEWS.pickTemplate, pickTemplate);
