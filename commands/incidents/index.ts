import type { App } from '@slack/bolt';
import type { AppDeps, Area } from '../kit.js';
import { incidentCommand } from './incident-command.js';
import { declareForm, declareShortcut, handleDeclarations } from './declare.js';
import { actionForm, resolveForm, roleForm, updateForm } from './forms.js';
import {
  acknowledgeButton,
  actionDoneButton,
  addActionButton,
  assignRoleButton,
  closeButton,
  postUpdateButton,
  resolveButton,
  severitySelect,
  statusSelect,
  subscribeButton,
  unsubscribeButton,
} from './summary-buttons.js';
import { exportReviewButton } from './review-export.js';
import { timelineReaction } from './timeline-reaction.js';

/** What the incident area needs besides its listeners: declarations stored before their ack. */
function setupIncidents(deps: AppDeps, client: App['client']): void {
  handleDeclarations(deps, client);
}

/**
 * Everything a person does with incidents in Slack: `/incident`, the "Declare incident" message
 * shortcut and the forms, the buttons on the pinned summary, announcements and reminders, the
 * review export and the timeline reaction.
 */
export const incidentsArea: Area = {
  name: 'incidents',
  setup: setupIncidents,
  interactions: [
    incidentCommand,
    declareShortcut,
    declareForm,
    updateForm,
    resolveForm,
    roleForm,
    actionForm,
    acknowledgeButton,
    statusSelect,
    severitySelect,
    assignRoleButton,
    postUpdateButton,
    resolveButton,
    closeButton,
    subscribeButton,
    unsubscribeButton,
    addActionButton,
    actionDoneButton,
    exportReviewButton,
    timelineReaction,
  ],
};
