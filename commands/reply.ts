import type { RespondFn } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';

/**
 * Tells the person who clicked something, right away and only them: ephemerally where the click came
 * from a message (it carries a response_url), by DM when it came from a modal or the App Home.
 */
export async function tellClicker(args: { body: { user: { id: string }; response_url?: string }; respond?: RespondFn; client: WebClient; text: string }): Promise<void> {
  if (args.respond && args.body.response_url) {
    await args.respond({ response_type: 'ephemeral', replace_original: false, text: args.text });
    return;
  }
  await args.client.chat.postMessage({ channel: args.body.user.id, text: args.text });
}

export const CLICK_FAILED = 'Sorry, that did not go through (Slack or Switchboard had a problem). Please try again in a moment.';

/**
 * Runs the work of a click after its ack. If it fails (a database error, a form Slack would not open),
 * the person is told instead of being left with nothing, and the error is logged.
 */
export async function tellClickerOnFailure(
  args: { body: { user: { id: string }; response_url?: string }; respond?: RespondFn; client: WebClient; logger: { error(obj: object, msg: string): void } },
  work: () => Promise<unknown>,
): Promise<void> {
  try {
    await work();
  } catch (error) {
    args.logger.error({ err: error, user: args.body.user.id }, 'a click could not be handled');
    await tellClicker({ body: args.body, respond: args.respond, client: args.client, text: CLICK_FAILED }).catch(() => undefined);
  }
}
