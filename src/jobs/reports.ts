import type { WebClient } from '@slack/web-api';
import type { JobDefinition } from './scheduler.js';
import type { ServiceContext } from '../services/context.js';
import { runScheduledReport, type ScheduledKind } from '../services/reports/index.js';
import { deliverPendingCharts } from '../slack/uploads.js';

/** The weekly and monthly reports, and the retry tick for their trend-chart uploads. */
export function reportJobs(ctx: ServiceContext, client: WebClient): JobDefinition[] {
  const charts = () =>
    deliverPendingCharts({ db: ctx.db, client, clock: ctx.clock, logger: ctx.logger, timezone: ctx.settings.timezone });
  const scheduled = (kind: ScheduledKind) => async () => {
    const result = await runScheduledReport(ctx, kind);
    ctx.logger.info({ kind, ...result }, 'scheduled report');
    // The chart follows into the report's thread once the outbox has posted it (reports-charts tick).
    return result;
  };
  return [
    { name: 'reports-weekly', cron: ctx.settings.reports.weekly_cron, run: scheduled('weekly') },
    { name: 'reports-monthly', cron: ctx.settings.reports.monthly_cron, run: scheduled('monthly') },
    { name: 'reports-charts', cron: ctx.settings.reports.chart_retry_cron, run: charts },
  ];
}
