import type { App } from '@slack/bolt';
import type { AppDeps } from '../src/app.js';
import { ticketsArea } from './tickets/index.js';
import { incidentsArea } from './incidents/index.js';
import { changesArea } from './changes/index.js';
import { reportsArea } from './reports/index.js';

/** One entry per area; each registers its slash commands, buttons, modals, shortcuts and events. */
export interface Area {
  name: string;
  register(app: App, deps: AppDeps): void;
}

export const areas: Area[] = [ticketsArea, incidentsArea, changesArea, reportsArea];
