import type { Area, AppDeps } from '../kit.js';
import { itHelpCommand } from './it-help-command.js';
import { ticketFromMessageShortcut } from './message-shortcut.js';
import { requestForm, setupFiling } from './request-form.js';
import { articleHelpedButton, fileAnywayForm, followIncidentButton } from './before-you-file.js';
import { setupReactionFailures, ticketReaction } from './reaction.js';
import {
  assignTo,
  claim,
  holdFor,
  leaveWithAssignee,
  openLink,
  priorityTo,
  resumeWork,
  takeOverClaim,
  unlinkFromIncident,
} from './triage-buttons.js';
import { cancelButton, rateButtons, reopenButton } from './requester-buttons.js';
import { commentButton, commentForm, escalateButton, resolveButton, resolveForm } from './ticket-forms.js';
import { waitButton, waitForm } from './wait.js';
import { kbAddForm, kbPageButtons, kbRemoveButton } from './kb.js';

/** The stored /it-help requests' filing and the reaction's failure text: not Slack listeners. */
function setupTickets(deps: AppDeps): void {
  setupFiling(deps);
  setupReactionFailures(deps);
}

/** Service desk: /it-help, the ticket shortcut and reaction, triage buttons, requester buttons, KB. */
export const ticketsArea: Area = {
  name: 'tickets',
  setup: setupTickets,
  interactions: [
    itHelpCommand,
    ticketFromMessageShortcut,
    requestForm,
    fileAnywayForm,
    articleHelpedButton,
    followIncidentButton,
    ticketReaction,
    claim,
    takeOverClaim,
    leaveWithAssignee,
    unlinkFromIncident,
    openLink,
    waitButton,
    waitForm,
    resumeWork,
    holdFor,
    assignTo,
    priorityTo,
    reopenButton,
    cancelButton,
    rateButtons,
    resolveButton,
    commentButton,
    escalateButton,
    resolveForm,
    commentForm,
    kbAddForm,
    kbPageButtons,
    kbRemoveButton,
  ],
};
