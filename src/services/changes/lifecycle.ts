import { canApply, causeRefusal, staleReason } from '../../domain/changes/lifecycle.js';
import { mayLinkToIncident, refusalToLink, type WorkVerb } from '../../domain/changes/access.js';
import { OUTCOME_LABEL, type ChangeOutcome } from '../../domain/changes/types.js';
import { insertAudit } from '../../../db/queries/audit.js';
import { cancelDue } from '../../../db/queries/due-items.js';
import {
  findChangeById,
  findChangeByKey,
  findIncidentByKey,
  insertChangeIncident,
  transitionChange,
  type ChangeRow,
} from '../../../db/queries/changes.js';
import { cardLine } from '../../../views/changes/card.js';
import { mention, userText } from '../../../views/text.js';
import { ok, refuse, transact, type Actor, type Outcome, type ServiceContext } from '../context.js';
import { sendDirectMessage } from '../outbox.js';
import { refreshPost, threadNote } from './card.js';
import { audit, peopleOf, refusedWork, snapshot, type Source } from './shared.js';

/**
 * The check made before a change's form opens (edit, postpone, close out): the same rule the write
 * applies, with the refusal kept in the audit log. Nothing else is recorded.
 */
export async function checkMayWorkOn(
  ctx: ServiceContext,
  input: { changeId: number; actor: Actor; verb: WorkVerb; source: Source },
): Promise<Outcome<ChangeRow>> {
  return transact(ctx, async (trx, now) => {
    const change = await findChangeById(trx, input.changeId);
    if (!change) return refuse('That change no longer exists.');
    const refusal = await refusedWork(trx, now, change, input.actor, input.verb, input.source);
    if (refusal) return refuse(refusal);
    return ok(change);
  });
}

/** The implementer starts the work (the Start button at window start, or any time once approved). */
export async function startChange(
  ctx: ServiceContext,
  input: { changeId: number; actor: Actor; source: Source },
): Promise<Outcome<{ key: string }>> {
  return transact(ctx, async (trx, now) => {
    const change = await findChangeById(trx, input.changeId);
    if (!change) return refuse('That change no longer exists.');
    const refusal = await refusedWork(trx, now, change, input.actor, 'start', input.source);
    if (refusal) return refuse(refusal);
    if (!canApply(change.status, 'start')) return refuse(staleReason(change.key, change.status, 'start'));
    if (
      !(await transitionChange(trx, change.id, [change.status], {
        status: 'in_progress',
        started_at: now.getTime(),
        updated_at: now.getTime(),
      }))
    ) {
      return refuse(staleReason(change.key, change.status, 'start'));
    }
    const after = (await findChangeById(trx, change.id))!;
    await audit(trx, now, after, {
      actor: input.actor,
      action: 'change.started',
      source: input.source,
      before: snapshot(change),
      after: snapshot(after),
    });
    await threadNote(trx, now, change.id, `:construction: ${mention(input.actor.id)} started ${change.key}.`);
    await refreshPost(trx, now, after, ctx.settings);
    return ok({ key: change.key });
  });
}

/** Close-out: the outcome and notes; chasing stops. */
export async function closeChange(
  ctx: ServiceContext,
  input: { changeId: number; actor: Actor; outcome: ChangeOutcome; notes: string | null; source: Source },
): Promise<Outcome<{ key: string }>> {
  return transact(ctx, async (trx, now) => {
    const change = await findChangeById(trx, input.changeId);
    if (!change) return refuse('That change no longer exists.');
    const refusal = await refusedWork(trx, now, change, input.actor, 'close out', input.source);
    if (refusal) return refuse(refusal);
    if (!canApply(change.status, 'close')) return refuse(staleReason(change.key, change.status, 'close'));
    if (input.outcome !== 'successful' && !input.notes?.trim()) return refuse('Add a note on what happened.', 'notes');
    const patch = {
      status: 'completed' as const,
      outcome: input.outcome,
      completed_at: now.getTime(),
      closeout_notes: input.notes?.trim() || null,
      updated_at: now.getTime(),
    };
    if (!(await transitionChange(trx, change.id, [change.status], patch)))
      return refuse(staleReason(change.key, change.status, 'close'));
    await cancelDue(trx, 'change', change.id, now);
    const after = (await findChangeById(trx, change.id))!;
    await audit(trx, now, after, {
      actor: input.actor,
      action: 'change.closed',
      source: input.source,
      before: snapshot(change),
      after: snapshot(after),
      detail: input.notes?.trim() || null,
    });
    const emoji =
      input.outcome === 'successful'
        ? ':checkered_flag:'
        : input.outcome === 'successful_with_issues'
          ? ':warning:'
          : ':rotating_light:';
    const text = `${emoji} ${mention(input.actor.id)} closed ${cardLine(change)}: *${OUTCOME_LABEL[input.outcome]}*${input.notes ? ` — ${userText(input.notes, 1500)}` : ''}`;
    await threadNote(trx, now, change.id, text);
    if (change.requester_id !== input.actor.id) await sendDirectMessage(trx, now, change.requester_id, { text });
    await refreshPost(trx, now, after, ctx.settings);
    return ok({ key: change.key });
  });
}

/** The requester (or implementer) withdraws a change that has not started. */
export async function cancelChange(
  ctx: ServiceContext,
  input: { changeId: number; actor: Actor; reason: string | null; source: Source },
): Promise<Outcome<{ key: string }>> {
  return transact(ctx, async (trx, now) => {
    const change = await findChangeById(trx, input.changeId);
    if (!change) return refuse('That change no longer exists.');
    const refusal = await refusedWork(trx, now, change, input.actor, 'cancel', input.source);
    if (refusal) return refuse(refusal);
    if (!canApply(change.status, 'cancel')) return refuse(staleReason(change.key, change.status, 'cancel'));
    if (
      !(await transitionChange(trx, change.id, [change.status], {
        status: 'cancelled',
        cancelled_at: now.getTime(),
        updated_at: now.getTime(),
      }))
    ) {
      return refuse(staleReason(change.key, change.status, 'cancel'));
    }
    await cancelDue(trx, 'change', change.id, now);
    const after = (await findChangeById(trx, change.id))!;
    await audit(trx, now, after, {
      actor: input.actor,
      action: 'change.cancelled',
      source: input.source,
      before: snapshot(change),
      after: snapshot(after),
      detail: input.reason,
    });
    await threadNote(
      trx,
      now,
      change.id,
      `:heavy_multiplication_x: ${mention(input.actor.id)} cancelled ${change.key}${input.reason ? `: ${userText(input.reason, 1000)}` : '.'}`,
    );
    await refreshPost(trx, now, after, ctx.settings);
    return ok({ key: change.key });
  });
}

/**
 * Links a change as the cause of an incident (from either side). Such changes count as failed in the
 * change failure rate. Linking twice is harmless.
 */
export async function linkChangeToIncident(
  ctx: ServiceContext,
  input: { changeKey: string; incidentKey: string; actor: Actor; isStaff?: boolean; source?: Source },
): Promise<Outcome<{ changeKey: string; incidentKey: string; alreadyLinked: boolean }>> {
  return transact(ctx, async (trx, now) => {
    const change = await findChangeByKey(trx, input.changeKey);
    if (!change) return refuse(`There is no change ${input.changeKey.trim().toUpperCase()}.`, 'change');
    if (!mayLinkToIncident(peopleOf(change), input.actor.id, input.isStaff ?? false)) {
      await audit(trx, now, change, {
        actor: input.actor,
        action: 'change.link_refused',
        source: input.source ?? 'command',
        detail: `link to ${input.incidentKey.trim().toUpperCase()} refused: not IT staff, requester or implementer`,
      });
      return refuse(refusalToLink(change.key), 'change');
    }
    const incident = await findIncidentByKey(trx, input.incidentKey);
    if (!incident) return refuse(`There is no incident ${input.incidentKey.trim().toUpperCase()}.`, 'incident');
    const notACause = causeRefusal(change.key, change.status);
    if (notACause) return refuse(notACause, 'change');
    const inserted = await insertChangeIncident(trx, change.id, incident.id, input.actor.id, now);
    if (!inserted) return ok({ changeKey: change.key, incidentKey: incident.key, alreadyLinked: true });
    const source = input.source ?? 'command';
    await audit(trx, now, change, {
      actor: input.actor,
      action: 'change.linked_to_incident',
      source,
      after: { incident: incident.key },
      detail: `${change.key} caused ${incident.key}`,
    });
    await insertAudit(
      trx,
      {
        actor: input.actor,
        action: 'incident.linked_to_change',
        recordType: 'incident',
        recordId: incident.id,
        recordKey: incident.key,
        source,
        after: { change: change.key },
        detail: `${change.key} caused ${incident.key}`,
      },
      now,
    );
    await threadNote(
      trx,
      now,
      change.id,
      `:link: ${mention(input.actor.id)} linked ${change.key} as a cause of ${incident.key} (${userText(incident.title, 200)}). It counts as failed in the change failure rate.`,
    );
    await refreshPost(trx, now, change, ctx.settings);
    return ok({ changeKey: change.key, incidentKey: incident.key, alreadyLinked: false });
  });
}
