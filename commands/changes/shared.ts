import type { KnownBlock } from '@slack/types';
import type { AppDeps, ButtonArgs, CommandArgs } from '../kit.js';
import type { Settings } from '../../src/config/settings.js';
import type { ApproverFacts } from '../../src/domain/changes/approval.js';
import type { Directory } from '../../src/slack/directory.js';
import type { Actor } from '../../src/services/context.js';
import type { ChangeRow } from '../../src/services/changes/read.js';

/** What the change area's listeners share: time zones of forms, approver roles, refusals in forms. */
export const HOUR = 3_600_000;

/** A new change's window starts on the next full hour. */
export function nextHour(now: Date): number {
  return Math.ceil(now.getTime() / HOUR) * HOUR;
}

export function actorOf(user: { id: string; name?: string; username?: string }): Actor {
  return { id: user.id, name: user.name ?? user.username ?? null };
}

/** A change button's value: the change id Switchboard rendered into it (anything else is out of date). */
export function changeIdOf(action: ButtonArgs['action']): number | undefined {
  const id = 'value' in action ? Number(action.value) : Number.NaN;
  return Number.isInteger(id) && id > 0 ? id : undefined;
}

/** The zone a person's form showed times in: the one looked up when it opened, else the organisation's. */
export function zoneOf({ directory, settings }: AppDeps, userId: string): string {
  return directory.knownUser(userId)?.tz ?? settings.timezone;
}

/** The approver roles a person holds; each may need a user-group look-up, so they are asked at once, not in turn. */
export async function approverFacts(
  directory: Directory,
  settings: Settings,
  userId: string,
): Promise<Omit<ApproverFacts, 'userId'>> {
  const byService = Object.entries(settings.changes.approver_groups_by_service);
  const [isChangeApprover, isEmergencyApprover, ...inServiceGroup] = await Promise.all([
    directory.hasRole(userId, 'change_approvers'),
    directory.hasRole(userId, 'emergency_approvers'),
    ...byService.map(([, entries]) => directory.isAnyOf(userId, entries)),
  ]);
  return {
    isChangeApprover,
    isEmergencyApprover,
    serviceGroups: byService.filter((_, i) => inServiceGroup[i]).map(([service]) => service),
  };
}

/** Only the person who typed the command sees the answer. */
export function reply({ respond }: CommandArgs, text: string, blocks?: KnownBlock[]): Promise<unknown> {
  return respond({ response_type: 'ephemeral', text, ...(blocks ? { blocks } : {}) });
}

/** A subcommand about one change: the words after it start with its key; the rest are the subcommand's. */
export type ChangeRoute = (change: ChangeRow, args: CommandArgs, deps: AppDeps, rest: string[]) => Promise<unknown>;
