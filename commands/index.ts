import type { App } from '@slack/bolt';
import { registerAreas, type Area, type AppDeps } from './kit.js';
import { ticketsArea } from './tickets/index.js';
import { incidentsArea } from './incidents/index.js';
import { changesArea } from './changes/index.js';
import { reportsArea } from './reports/index.js';

/**
 * An area not yet written as named interactions registers its own listeners. Only while areas move
 * to the shape in ./kit.ts; removed when the last one has.
 */
export interface LegacyArea {
  name: string;
  register(app: App, deps: AppDeps): void;
}

/** One entry per area: its slash commands, buttons, forms, shortcuts and events. */
export const areas: (Area | LegacyArea)[] = [ticketsArea, incidentsArea, changesArea, reportsArea];

export function registerAll(app: App, deps: AppDeps): void {
  for (const area of areas) {
    if ('interactions' in area) registerAreas(app, deps, [area]);
    else area.register(app, deps);
  }
}
