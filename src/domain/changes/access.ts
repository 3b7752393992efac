/**
 * Who may do what to a change, from the change itself. Pure: the shell resolves group membership;
 * these rules are called by the use cases and by the checks made before a form opens.
 */
export interface ChangePeople {
  key: string;
  requesterId: string;
  implementerId: string | null;
}

/** Edit, postpone, start, close out, cancel: the requester or the implementer. */
function mayWorkOn(change: ChangePeople, actorId: string): boolean {
  return actorId === change.requesterId || actorId === change.implementerId;
}

export type WorkVerb = 'edit' | 'postpone' | 'start' | 'close out' | 'cancel';

/**
 * The one rule for working on a change, as the use case applies it and as the check before a form
 * opens applies it: why `actorId` may not `verb` the change, or undefined when they may (mayWorkOn).
 */
export function workRefusal(change: ChangePeople, actorId: string, verb: WorkVerb): string | undefined {
  return mayWorkOn(change, actorId) ? undefined : refusalToWorkOn(change.key, verb);
}

function refusalToWorkOn(key: string, verb: WorkVerb): string {
  const who = verb === 'cancel' || verb === 'edit' ? 'requester or the implementer' : 'implementer or requester';
  return `Only the ${who} of ${key} can ${verb} it. Nothing was changed.`;
}

/**
 * Recording that a change caused an incident makes it count as failed: its requester or implementer,
 * or IT staff (anyone holding a configured role).
 */
export function mayLinkToIncident(change: ChangePeople, actorId: string, isStaff: boolean): boolean {
  return isStaff || mayWorkOn(change, actorId);
}

export function refusalToLink(key: string): string {
  return `Only IT staff, or the requester or implementer of ${key}, can record it as the cause of an incident. Nothing was changed.`;
}
