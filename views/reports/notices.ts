import { channelLink } from '../text.js';

/** The scorecard is owed to a channel; the outbox delivers it a moment later, so nothing is "posted" yet. */
export function postingReport(periodLabel: string, channel: string): string {
  return `Posting the report for ${periodLabel} to ${channelLink(channel)}… You'll hear from me if Slack refuses it.`;
}

/** Told to whoever asked when Slack refused the post for good (e.g. a private channel without the bot). */
export function reportNotDelivered(periodLabel: string, channel: string): string {
  return `:warning: The report for ${periodLabel} could not be posted to ${channelLink(channel)}: Slack refused it. If the channel is private, invite Switchboard to it (\`/invite @Switchboard\`) and ask again.`;
}
