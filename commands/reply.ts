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
