import { ErrorCode } from '@slack/web-api';

const TRANSIENT_SLACK_ERRORS = new Set([
  'ratelimited',
  'internal_error',
  'fatal_error',
  'service_unavailable',
  'request_timeout',
  'team_added_to_org',
]);

/**
 * Slack answered, and the answer is final (channel_not_found, not_in_channel, thread_not_found…):
 * trying again gives the same answer. Anything else (HTTP 5xx, 429, a timeout, a reset connection,
 * Slack's own transient errors) may well work on a later attempt.
 */
export function isFinalSlackAnswer(error: unknown): boolean {
  const err = error as { code?: string; data?: { error?: string } };
  return err?.code === ErrorCode.PlatformError && !TRANSIENT_SLACK_ERRORS.has(err.data?.error ?? '');
}
