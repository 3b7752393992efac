import type { ButtonArgs, EventArgs } from '../kit.js';
import { button, event, type AppDeps } from '../kit.js';
import { EVENTS } from '../../views/ids.js';
import { REPORT_ACTIONS } from '../../views/reports/ids.js';
import { homeView } from '../../views/reports/home.js';
import { homeData, postReport, type HomeRoles } from '../../src/services/reports/index.js';
import { refPermalinks } from '../../src/slack/permalinks.js';
import type { ChangeType } from '../../src/domain/reports/scorecard.js';

/** The Home tab event, taken from the declared events (the manifest test checks those). */
const APP_HOME_OPENED = EVENTS.find((e): e is 'app_home_opened' => e === 'app_home_opened')!;

/** The App Home tab: the person's queue, incidents and approvals, built from their roles. */
async function showHome(
  { event: opened, client }: EventArgs<'app_home_opened'>,
  { ctx, directory }: AppDeps,
): Promise<void> {
  if (opened.tab && opened.tab !== 'home') return;
  const user = opened.user;
  const roles = await directory.rolesOf(user);
  const approverTypes: ChangeType[] = [
    ...(roles.has('change_approvers') ? (['normal'] as const) : []),
    ...(roles.has('emergency_approvers') ? (['emergency'] as const) : []),
  ];
  const homeRoles: HomeRoles = {
    agent: roles.has('agents'),
    commander: roles.has('incident_commanders') || roles.has('incident_managers') || roles.has('managers'),
    approverTypes,
  };
  const view = homeView(await homeData(ctx, user, homeRoles, (keys) => refPermalinks(ctx.db, client, keys)));
  await client.views.publish({ user_id: user, view: view as Parameters<typeof client.views.publish>[0]['view'] });
}

/** "Send me the scorecard" on the Home tab: the last 7 days, by DM to whoever clicked. */
async function sendHomeScorecard(_input: true, { body }: ButtonArgs, { ctx, directory }: AppDeps) {
  const user = body.user.id;
  return postReport(
    ctx,
    { id: user, name: body.user.name, roles: await directory.rolesOf(user) },
    '7d',
    user,
    'button',
    { own: true },
  );
}

export const appHomeOpened = event(APP_HOME_OPENED, showHome);
export const homeScorecard = button(REPORT_ACTIONS.homeScorecard, {
  input: () => true as const,
  run: sendHomeScorecard,
});
