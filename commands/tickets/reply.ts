import type { RespondFn } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';

/**
 * Tells one person something right away, where they clicked: ephemerally in the channel or DM when
 * the click came from a message (response_url), by DM when it came from a modal or App Home.
 */
export async function tellPerson(args: { respond?: RespondFn; hasResponseUrl: boolean; client: WebClient; userId: string; text: string }): Promise<void> {
  if (args.respond && args.hasResponseUrl) {
    await args.respond({ response_type: 'ephemeral', replace_original: false, text: args.text });
    return;
  }
  await args.client.chat.postMessage({ channel: args.userId, text: args.text });
}
