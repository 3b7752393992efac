import { insertAudit } from '../../db/queries/audit.js';
import { recordShortcutSource, shortcutSourceOf, type ShortcutSource } from '../../db/queries/shortcuts.js';
import { transact, type ServiceContext } from './context.js';

/**
 * Message shortcuts: the message a shortcut was invoked on is kept on the server, by the id of the form
 * it opened. A form's private_metadata travels through the person's client and can be rewritten, so on
 * submission the source message is taken from here: only the message that person invoked the shortcut
 * on (and could therefore see) is ever linked.
 */
export async function rememberShortcutSource(ctx: ServiceContext, source: ShortcutSource): Promise<void> {
  await transact(ctx, (trx, now) => recordShortcutSource(trx, source, now));
}

/**
 * The source message of a submitted form: the one recorded when the shortcut opened it, for the same
 * person and form. A source claimed in the form's metadata that is not that one is ignored and the
 * refusal audited (`<recordType>.source_refused`).
 */
export async function shortcutSourceOfSubmission(
  ctx: ServiceContext,
  input: {
    viewId: string;
    actor: { id: string; name?: string };
    callbackId: string;
    claimed: { channel?: string; ts?: string } | undefined;
    recordType: 'incident' | 'ticket';
  },
): Promise<ShortcutSource | undefined> {
  const stored = await shortcutSourceOf(ctx.db, input.viewId);
  const valid =
    stored && stored.userId === input.actor.id && stored.callbackId === input.callbackId ? stored : undefined;
  const claimed = input.claimed?.channel || input.claimed?.ts ? input.claimed : undefined;
  if (claimed && (!valid || valid.channel !== claimed.channel || valid.ts !== claimed.ts)) {
    await transact(ctx, (trx, now) =>
      insertAudit(
        trx,
        {
          actor: input.actor,
          action: `${input.recordType}.source_refused`,
          recordType: input.recordType,
          recordKey: null,
          detail: `form named message ${String(claimed.ts ?? '?').slice(0, 40)} in ${String(claimed.channel ?? '?').slice(0, 40)}, not the message its shortcut was invoked on; source ignored`,
          source: 'modal',
        },
        now,
      ),
    );
  }
  return valid;
}
