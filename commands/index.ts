import type { Area } from './kit.js';
import { ticketsArea } from './tickets/index.js';
import { incidentsArea } from './incidents/index.js';
import { changesArea } from './changes/index.js';
import { reportsArea } from './reports/index.js';

/** One entry per area: its slash commands, buttons, forms, shortcuts and events (see ./kit.ts). */
export const areas: Area[] = [ticketsArea, incidentsArea, changesArea, reportsArea];
