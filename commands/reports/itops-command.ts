import type { CommandArgs } from '../kit.js';
import { slash, type AppDeps } from '../kit.js';
import { COMMANDS } from '../../views/ids.js';
import { parseItops, USAGE } from '../../views/reports/command.js';
import { postingReport } from '../../views/reports/notices.js';
import { escapeMrkdwn } from '../../views/text.js';
import { renderTrendPng } from '../../views/reports/charts.js';
import { buildReport, exportCsv, postReport, trendPoints } from '../../src/services/reports/index.js';
import { directChannel, uploadFile } from '../../src/slack/uploads.js';

/**
 * `/itops report [period] [here|#channel] [chart]` and `/itops export …`: the scorecard shown, posted
 * or exported as CSV. Who may see, post and export is decided by the use case from the person's roles.
 */
async function itops({ command, respond, client }: CommandArgs, { ctx, directory, logger }: AppDeps): Promise<void> {
  const ephemeral = (text: string) => respond({ response_type: 'ephemeral', text });
  const parsed = parseItops(command.text);
  // Who may see, post and export is decided by the use case from the person's roles.
  const reader = async () => ({
    id: command.user_id,
    name: command.user_name,
    roles: await directory.rolesOf(command.user_id),
  });
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
          const target =
            parsed.target.type === 'ephemeral'
              ? await directChannel(client, command.user_id)
              : parsed.target.type === 'here'
                ? command.channel_id
                : parsed.target.id;
          const png = await renderTrendPng(
            await trendPoints(ctx, ctx.clock.now()),
            'MTTR and SLA attainment, last 12 weeks',
          );
          await uploadFile(client, {
            channel: target,
            filename: 'switchboard-trend.png',
            title: 'MTTR and SLA attainment, last 12 weeks',
            content: png,
          });
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
}

export const itopsCommand = slash(COMMANDS.itops, { '*': (args, deps) => itops(args, deps) });
