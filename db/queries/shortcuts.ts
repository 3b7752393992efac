import { sql } from 'kysely';
import type { Executor } from '../schema.js';

export interface ShortcutSource {
  viewId: string;
  userId: string;
  callbackId: string;
  channel: string;
  ts: string;
  isPrivate: boolean;
  /** Slack's link to the message (chat.getPermalink), when it gave one. */
  permalink?: string;
}

/** Records the message a shortcut was invoked on, keyed by the form it opened. */
export async function recordShortcutSource(db: Executor, source: ShortcutSource, now: Date): Promise<void> {
  await db
    .insertInto('shortcut_sources')
    .values({
      view_id: source.viewId,
      user_id: source.userId,
      callback_id: source.callbackId,
      channel: source.channel,
      ts: source.ts,
      is_private: source.isPrivate ? 1 : 0,
      permalink: source.permalink ?? null,
      created_at: now.getTime(),
    })
    // Recorded again once Slack's link is known: only the link is filled in, the rest stays as first recorded.
    .onConflict((oc) =>
      oc
        .column('view_id')
        .doUpdateSet({ permalink: sql<string | null>`coalesce(excluded.permalink, shortcut_sources.permalink)` }),
    )
    .execute();
}

export async function shortcutSourceOf(db: Executor, viewId: string): Promise<ShortcutSource | undefined> {
  const row = await db.selectFrom('shortcut_sources').selectAll().where('view_id', '=', viewId).executeTakeFirst();
  return (
    row && {
      viewId: row.view_id,
      userId: row.user_id,
      callbackId: row.callback_id,
      channel: row.channel,
      ts: row.ts,
      isPrivate: row.is_private === 1,
      ...(row.permalink ? { permalink: row.permalink } : {}),
    }
  );
}
