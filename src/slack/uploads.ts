import type { WebClient } from '@slack/web-api';
import type { Clock } from '../clock.js';
import type { Db } from '../../db/schema.js';
import type { Logger } from '../logger.js';
import { claimDueCharts, finishChart } from '../../db/queries/reports.js';
import { getSlackRef } from '../../db/queries/slack-refs.js';
import { outboxStatusOfRef } from '../../db/queries/outbox.js';
import { renderTrendPng } from '../../views/reports/charts.js';
import { lastWeeks } from '../domain/reports/period.js';
import { weeklyTrend } from '../../db/queries/reports.js';

/**
 * File uploads (CSV exports, trend charts). Binary content cannot ride in the outbox's JSON rows, so
 * uploads go straight through the WebClient with files.uploadV2 (files.getUploadURLExternal, the
 * upload itself, files.completeUploadExternal), always after the database work committed. Scheduled
 * chart uploads keep their own ledger (report_deliveries) and are retried from it.
 */
export interface Upload {
  channel: string;
  filename: string;
  title: string;
  content: Buffer | string;
  threadTs?: string;
  comment?: string;
}

export async function uploadFile(client: WebClient, upload: Upload): Promise<string | null> {
  const args = {
    channel_id: upload.channel,
    file: typeof upload.content === 'string' ? Buffer.from(upload.content, 'utf8') : upload.content,
    filename: upload.filename,
    title: upload.title,
    ...(upload.comment ? { initial_comment: upload.comment } : {}),
    ...(upload.threadTs ? { thread_ts: upload.threadTs } : {}),
  };
  const answer = (await client.files.uploadV2(args as Parameters<WebClient['files']['uploadV2']>[0])) as {
    files?: { files?: { id?: string }[] }[];
  };
  return answer.files?.[0]?.files?.[0]?.id ?? null;
}

/** The DM channel between the bot and a person (conversations.open), for files sent to them. */
export async function directChannel(client: WebClient, userId: string): Promise<string> {
  const answer = await client.conversations.open({ users: userId });
  const id = answer.channel?.id;
  if (!id) throw new Error('conversations.open returned no channel');
  return id;
}

const MAX_CHART_ATTEMPTS = 8;
const LEASE_MS = 10 * 60_000;
const WAIT_FOR_POST_MS = 30_000;

/**
 * Uploads the trend chart of each scheduled report into the thread of its posted scorecard: waits
 * (without counting attempts) until the outbox has posted the scorecard, retries failures with back-off
 * up to MAX_CHART_ATTEMPTS, and never uploads twice (a claimed row is leased).
 */
export async function deliverPendingCharts(deps: {
  db: Db;
  client: WebClient;
  clock: Clock;
  logger: Logger;
  timezone: string;
}): Promise<number> {
  const { db, client, clock, logger } = deps;
  let delivered = 0;
  const claimed = await claimDueCharts(db, clock.now(), LEASE_MS);
  for (const row of claimed) {
    const now = clock.now();
    const ref = await getSlackRef(db, row.ref_key);
    if (!ref?.ts) {
      const status = await outboxStatusOfRef(db, row.ref_key);
      if (status === 'failed') {
        await finishChart(db, row.key, {
          status: 'failed',
          error: 'the report message could not be posted',
          nextAt: now.getTime(),
          countAttempt: false,
        });
      } else {
        await finishChart(db, row.key, {
          status: 'pending',
          error: 'waiting for the report message',
          nextAt: now.getTime() + WAIT_FOR_POST_MS,
          countAttempt: false,
        });
      }
      continue;
    }
    try {
      const weeks = lastWeeks(new Date(row.period_end), deps.timezone, 12);
      const points = await weeklyTrend(db, weeks, now.getTime());
      const png = await renderTrendPng(points, `Last 12 weeks to ${weeks.at(-1)?.label ?? ''}`);
      const fileId = await uploadFile(client, {
        channel: ref.channel,
        threadTs: ref.ts,
        filename: `switchboard-trend-${row.key.replace(/[^a-z0-9-]/gi, '-')}.png`,
        title: 'MTTR and SLA attainment, last 12 weeks',
        content: png,
      });
      await finishChart(db, row.key, { status: 'done', fileId });
      delivered += 1;
    } catch (error) {
      const attempts = row.chart_attempts + 1;
      const message = (error as { data?: { error?: string } }).data?.error ?? (error as Error).message;
      logger.warn({ err: error, report: row.key, attempts }, 'trend chart upload failed');
      await finishChart(db, row.key, {
        status: attempts >= MAX_CHART_ATTEMPTS ? 'failed' : 'pending',
        error: message,
        nextAt: now.getTime() + Math.min(60 * 60_000, 60_000 * 2 ** attempts),
        countAttempt: true,
      });
    }
  }
  return delivered;
}
