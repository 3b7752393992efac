import type { WebClient } from '@slack/web-api';
import { button, type AppDeps, type ButtonArgs, type Result } from '../kit.js';
import { exportReview } from '../../src/services/incidents/index.js';
import { reviewPeople } from '../../src/services/incidents/read.js';
import { directChannel, uploadFile } from '../../src/slack/uploads.js';
import { ACTIONS } from '../../views/incidents/ids.js';
import { incidentIdOfAction } from './shared.js';

/**
 * The review draft as a Markdown file, into the incident's channel (or the person's DM when it has
 * none); the use case decides who may. Returns what the person is told when it did not go out.
 */
export async function uploadReview(
  deps: AppDeps,
  client: WebClient,
  incidentId: number,
  userId: string,
  source: 'button' | 'command',
): Promise<Result | void> {
  const { ctx, directory, logger } = deps;
  const people = await reviewPeople(ctx, incidentId);
  if (!people) return { ok: false, message: 'That incident no longer exists.' };
  const [actor, roles] = await Promise.all([directory.user(userId), directory.rolesOf(userId)]);
  // Names for the export: the people on the record, looked up once each.
  const names = new Map<string, string>();
  for (const id of people) if (/^[UW]/.test(id)) names.set(id, (await directory.user(id)).name);
  const result = await exportReview(ctx, incidentId, (id) => `@${names.get(id) ?? id}`, {
    actor: { id: userId, name: actor.name },
    roles,
    source,
  });
  if (!result.ok) return result;
  const { key, markdown, channelId } = result.value;
  try {
    await uploadFile(client, {
      channel: channelId ?? (await directChannel(client, userId)),
      filename: `${key.toLowerCase()}-review.md`,
      title: `${key} post-incident review (draft)`,
      content: markdown,
      comment: `Post-incident review draft for ${key} (Markdown).`,
    });
  } catch (error) {
    logger.warn({ err: error }, 'review export upload failed');
    return {
      ok: false,
      message: `Could not upload the review file (${(error as { data?: { error?: string } }).data?.error ?? 'Slack error'}). Try again in a moment.`,
    };
  }
}

/** "Export review" on the resolved incident's summary. */
function exportReviewFromButton(incidentId: number, { client, body }: ButtonArgs, deps: AppDeps) {
  return uploadReview(deps, client, incidentId, body.user.id, 'button');
}

export const exportReviewButton = button(ACTIONS.exportReview, {
  input: incidentIdOfAction,
  run: exportReviewFromButton,
});
