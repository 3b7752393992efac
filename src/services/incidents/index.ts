/** Incident use cases. */
export { declareIncident, type DeclareIncidentInput } from './declare.js';
export {
  acknowledgeIncident,
  addNote,
  assignRole,
  changeSeverity,
  changeStatus,
  closeIncident,
  checkMayRun,
  incidentCard,
  subscribe,
  unsubscribe,
} from './run.js';
export { postUpdate, updateForm, type PostUpdateInput } from './updates.js';
export {
  addFollowUpAction,
  checkMayAddActions,
  closeFollowUpAction,
  exportReview,
  resolveIncident,
} from './resolve.js';
export type { IncidentActor } from './common.js';

import type { DueHandler, ServiceContext } from '../context.js';
import { DUE } from './common.js';
import { updateDueHandler, updateOverdueHandler, updateSoonHandler } from './updates.js';
import { actionChaseHandler, actionReminderHandler } from './resolve.js';

/** Due-item handlers of the incident area, by kind. */
export function incidentDueHandlers(ctx: ServiceContext): Record<string, DueHandler> {
  return {
    [DUE.updateSoon]: updateSoonHandler(ctx),
    [DUE.updateDue]: updateDueHandler(ctx),
    [DUE.updateOverdue]: updateOverdueHandler(ctx),
    [DUE.actionBefore]: actionReminderHandler(ctx, 'before'),
    [DUE.actionDue]: actionReminderHandler(ctx, 'due'),
    [DUE.actionChase]: actionChaseHandler(ctx),
  };
}
