import { button, form, type AppDeps, type ButtonArgs, type FormArgs, type Parsed, type Result } from '../kit.js';
import { formTrigger, openFormOrTell } from '../reply.js';
import { CHANGE_ACTIONS, CHANGE_VIEWS, REQUEST_FIELDS as F } from '../../views/changes/ids.js';
import { parseChangeId, parseReason, questionModal } from '../../views/changes/modals.js';
import { askAboutChange } from '../../src/services/changes/decide.js';
import { changeById } from '../../src/services/changes/read.js';
import { actorOf, changeIdOf } from './shared.js';
import { GONE, lostTrack, OWN_BLOCK, refused } from './form-helpers.js';

/** Ask the requester a question, with its form: from the change channel, DMs or the App Home. */

async function openQuestionForm(
  changeId: number,
  { body, client, respond }: ButtonArgs,
  { ctx, logger }: AppDeps,
): Promise<Result | void> {
  const change = await changeById(ctx, changeId);
  if (!change) return refused(GONE);
  await openFormOrTell(formTrigger(client, respond, body), questionModal(change), logger);
}

function parseQuestion(view: FormArgs['view']): Parsed<{ changeId: number; question: string }> {
  const question = parseReason(view.state.values, F.question);
  if (!question.ok) return question;
  const changeId = parseChangeId(view.private_metadata);
  if (!changeId) return lostTrack(F.question);
  return { ok: true, value: { changeId, question: question.value } };
}

async function ask(
  { changeId, question }: { changeId: number; question: string },
  { body }: FormArgs,
  { ctx }: AppDeps,
): Promise<Result> {
  const result = await askAboutChange(ctx, { changeId, actor: actorOf(body.user), question, source: 'modal' });
  return result.ok ? result : { ok: false, message: result.message, field: F.question };
}

export const askButton = button(CHANGE_ACTIONS.ask, { input: changeIdOf, run: openQuestionForm });
export const questionForm = form(CHANGE_VIEWS.question, { parse: parseQuestion, run: ask, fieldBlocks: OWN_BLOCK });
