import type { RespondFn } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';

/**
 * Tells the person who clicked something, right away and only them: ephemerally where the click came
 * from a message (it carries a response_url), by DM when it came from a modal or the App Home.
 */
export async function tellClicker(args: {
  body: Invoker;
  respond?: RespondFn;
  client: WebClient;
  text: string;
}): Promise<void> {
  if (args.respond && args.body.response_url) {
    await args.respond({ response_type: 'ephemeral', replace_original: false, text: args.text });
    return;
  }
  await args.client.chat.postMessage({ channel: args.body.user.id, text: args.text });
}

const CLICK_FAILED =
  'Sorry, that did not go through (Slack or Switchboard had a problem). Please try again in a moment.';

/**
 * Runs the work of a click after its ack. If it fails (a database error, a Slack call that failed),
 * the person is told instead of being left with nothing, and the error is logged.
 */
export async function tellClickerOnFailure(
  args: { body: Invoker; respond?: RespondFn; client: WebClient; logger: { error(obj: object, msg: string): void } },
  work: () => Promise<unknown>,
): Promise<void> {
  try {
    await work();
  } catch (error) {
    args.logger.error({ err: error, user: args.body.user.id }, 'a click could not be handled');
    await tellClicker({ body: args.body, respond: args.respond, client: args.client, text: CLICK_FAILED }).catch(
      () => undefined,
    );
  }
}

/** Where an interaction came from: the person, and the response_url Slack gave it (none from a modal or the App Home). */
export interface Invoker {
  user: { id: string };
  response_url?: string;
}

/** The interaction a form opens from: its trigger_id, who it came from and how to answer them. */
export interface FormTrigger {
  client: WebClient;
  triggerId: string;
  from: Invoker;
  respond?: RespondFn;
}

/** A slash command's or an interaction's payload as the trigger of a form. */
export function formTrigger(
  client: WebClient,
  respond: RespondFn | undefined,
  payload: { trigger_id: string; response_url?: string } & ({ user: { id: string } } | { user_id: string }),
): FormTrigger {
  const userId = 'user_id' in payload ? payload.user_id : payload.user.id;
  return {
    client,
    triggerId: payload.trigger_id,
    respond,
    from: { user: { id: userId }, ...(payload.response_url ? { response_url: payload.response_url } : {}) },
  };
}

export const FORM_DID_NOT_OPEN = "Slack didn't let me open the form — please try again.";

/** The form Slack opened: its id and hash, to replace it in place later. */
export interface OpenedForm {
  id: string;
  hash?: string;
}

/**
 * Opens a form with the trigger. Slack may refuse (the trigger expired or was already used, a view it
 * will not show): then the person is told, ephemerally where the interaction has a response_url, else
 * by DM, rather than seeing nothing happen. Every form in commands/ opens through here.
 */
export async function openFormOrTell(
  at: FormTrigger,
  view: object,
  logger: { warn(obj: object, msg: string): void },
): Promise<OpenedForm | undefined> {
  try {
    const opened = await at.client.views.open({ trigger_id: at.triggerId, view: view as never });
    return opened.view?.id ? { id: opened.view.id, hash: opened.view.hash } : undefined;
  } catch (error) {
    logger.warn({ err: error, user: at.from.user.id }, 'Slack did not open a form');
    await tellClicker({ body: at.from, respond: at.respond, client: at.client, text: FORM_DID_NOT_OPEN }).catch(
      (failure: unknown) =>
        logger.warn({ err: failure, user: at.from.user.id }, 'could not tell a person their form did not open'),
    );
    return undefined;
  }
}
