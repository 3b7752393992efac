/**
 * Names Slack knows the app by: slash commands and shortcuts. Each must also be in manifest.yml
 * (a test checks both directions). Action, block and callback ids live in views/<area>/ids.ts.
 */
export const COMMANDS = {
  itHelp: '/it-help',
  incident: '/incident',
  change: '/change',
  itops: '/itops',
} as const;

export const SHORTCUTS = {
  ticketFromMessage: 'ticket.from_message',
  incidentFromMessage: 'incident.from_message',
} as const;

/** Events the app subscribes to. */
export const EVENTS = ['reaction_added', 'app_home_opened'] as const;
