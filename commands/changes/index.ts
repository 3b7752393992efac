import type { Area, AppDeps } from '../kit.js';
import { ASK_APPROVERS, type ApprovalAsk } from '../../src/services/changes/shared.js';
import { askApprovers } from '../../src/services/changes/request.js';
import { changeById, servicesOfChange } from '../../src/services/changes/read.js';
import { approverEntriesFor } from '../../src/domain/changes/approval.js';
import { changeCommand } from './change-command.js';
import { requestForm, templatePickForm } from './request-form.js';
import { approveButton, handleApprovals } from './approve-button.js';
import { rejectButton, rejectForm } from './reject-buttons.js';
import { askButton, questionForm } from './ask-buttons.js';
import { closeoutButton, closeoutForm, postponeButton, postponeForm, startButton } from './work-buttons.js';

/**
 * Change management in Slack: `/change` and its subcommands, the request / edit / postpone /
 * close-out / reject / question forms, the approval buttons (from the change channel, DMs or the App
 * Home) and the implementer's buttons. Every click is re-authorised by the use case.
 */
export const changesArea: Area = {
  name: 'changes',
  setup: setupChanges,
  interactions: [
    changeCommand,
    requestForm,
    templatePickForm,
    approveButton,
    rejectButton,
    rejectForm,
    askButton,
    questionForm,
    startButton,
    postponeButton,
    postponeForm,
    closeoutButton,
    closeoutForm,
  ],
};

/** What the inbox does with stored change requests: ask a change's approvers, decide an Approve click. */
function setupChanges(deps: AppDeps): void {
  const { ctx, directory, settings } = deps;
  deps.inbox.handle<ApprovalAsk>(ASK_APPROVERS, {
    async run(item) {
      const ask = item.data;
      const change = await changeById(ctx, ask.changeId);
      if (!change) return;
      const approvers = await directory.membersOfEntries(
        approverEntriesFor(
          { type: change.type, services: await servicesOfChange(ctx, change.id) },
          settings.roles,
          settings.changes,
        ),
      );
      return askApprovers(ctx, item.key, ask, approvers);
    },
  });
  handleApprovals(deps);
}
