import type { App } from '@slack/bolt';
import type { Area } from '../index.js';
import type { AppDeps } from '../../src/app.js';
import { COMMANDS, EVENTS } from '../../views/ids.js';
import { REPORT_ACTIONS } from '../../views/reports/ids.js';
import { parseItops, USAGE } from '../../views/reports/command.js';
import { homeView } from '../../views/reports/home.js';
import { postingReport } from '../../views/reports/notices.js';
import { escapeMrkdwn } from '../../views/text.js';
import { renderTrendPng } from '../../views/reports/charts.js';
import { buildReport, exportCsv, homeData, postReport, trendPoints, type HomeRoles } from '../../src/services/reports/index.js';
import { directChannel, uploadFile } from '../../src/slack/uploads.js';
import { refPermalinks } from '../../src/slack/permalinks.js';
import type { ChangeType } from '../../src/domain/reports/scorecard.js';

/**
 * Reporting in Slack: `/itops report`, `/itops export`, the App Home tab and its "send me the
 * scorecard" button. `/itops` subcommands other than report/export/help are left to other areas.
 */
/** The Home tab event, taken from the declared events (the manifest test checks those). */
const APP_HOME_OPENED = EVENTS.find((e): e is 'app_home_opened' => e === 'app_home_opened')!;

function register(app: App, deps: AppDeps): void {
  const { ctx, directory, logger } = deps;

  app.command(
    COMMANDS.itops,
    async ({ command, ack, respond, client }) => {
      await ack();
      const ephemeral = (text: string) => respond({ response_type: 'ephemeral', text });
      const parsed = parseItops(command.text);
      // Who may see, post and export is decided by the use case from the person's roles.
      const reader = async () => ({ id: command.user_id, name: command.user_name, roles: await directory.rolesOf(command.user_id) });
      try {
        switch (parsed.kind) {
          case 'help':
            return void (await ephemeral(USAGE));
          case 'invalid':
            return void (await ephemeral(parsed.message));
          case 'report': {
            if (parsed.target.type === 'ephemeral') {
              const report = await buildReport(ctx, parsed.period, await reader());
              if (!report.ok) return void (await ephemeral(report.message));
              await respond({ response_type: 'ephemeral', ...report.value.message });
            } else {
              const channel = parsed.target.type === 'here' ? command.channel_id : parsed.target.id;
              const report = await postReport(ctx, await reader(), parsed.period, channel);
              if (!report.ok) return void (await ephemeral(report.message));
              await ephemeral(postingReport(report.value.period.label, channel));
            }
            if (parsed.chart) {
              const target = parsed.target.type === 'ephemeral' ? await directChannel(client, command.user_id) : parsed.target.type === 'here' ? command.channel_id : parsed.target.id;
              const png = await renderTrendPng(await trendPoints(ctx, ctx.clock.now()), 'MTTR and SLA attainment, last 12 weeks');
              await uploadFile(client, { channel: target, filename: 'switchboard-trend.png', title: 'MTTR and SLA attainment, last 12 weeks', content: png });
            }
            return;
          }
          case 'export': {
            const result = await exportCsv(ctx, await reader(), parsed.what, parsed.period);
            if (!result.ok) return void (await ephemeral(result.message));
            const dm = await directChannel(client, command.user_id);
            const { filename, title, csv, rows, truncated } = result.value;
            await uploadFile(client, {
              channel: dm,
              filename,
              title,
              content: csv,
              comment: `${escapeMrkdwn(title)}: ${rows} row${rows === 1 ? '' : 's'}${truncated ? ' (cut at the export limit; ask for a shorter period)' : ''}.`,
            });
            await ephemeral(`Sent ${filename} (${rows} row${rows === 1 ? '' : 's'}) to you by direct message.`);
            return;
          }
        }
      } catch (error) {
        logger.error({ err: error, text: command.text }, '/itops report or export failed');
        await ephemeral('Something went wrong while preparing that; please try again in a minute.').catch(() => undefined);
      }
    },
  );

  app.event(APP_HOME_OPENED, async ({ event, client }) => {
    if (event.tab && event.tab !== 'home') return;
    const user = event.user;
    const roles = await directory.rolesOf(user);
    const approverTypes: ChangeType[] = [...(roles.has('change_approvers') ? (['normal'] as const) : []), ...(roles.has('emergency_approvers') ? (['emergency'] as const) : [])];
    const homeRoles: HomeRoles = {
      agent: roles.has('agents'),
      commander: roles.has('incident_commanders') || roles.has('incident_managers') || roles.has('managers'),
      approverTypes,
    };
    const view = homeView(await homeData(ctx, user, homeRoles, (keys) => refPermalinks(ctx.db, client, keys)));
    await client.views.publish({ user_id: user, view: view as Parameters<typeof client.views.publish>[0]['view'] });
  });

  app.action(REPORT_ACTIONS.homeScorecard, async ({ ack, body }) => {
    await ack();
    const user = body.user.id;
    const result = await postReport(ctx, { id: user, name: (body.user as { name?: string }).name, roles: await directory.rolesOf(user) }, '7d', user, 'button', { own: true });
    if (!result.ok) logger.warn({ user, message: result.message }, 'home scorecard not sent');
  });
}

export const reportsArea: Area = { name: 'reports', register };
