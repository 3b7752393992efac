import type { Area } from '../kit.js';
import { itopsCommand } from './itops-command.js';
import { appHomeOpened, homeScorecard } from './home.js';

/**
 * Reporting in Slack: `/itops report`, `/itops export`, the App Home tab and its "send me the
 * scorecard" button.
 */
export const reportsArea: Area = { name: 'reports', interactions: [itopsCommand, appHomeOpened, homeScorecard] };
