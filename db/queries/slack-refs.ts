import { sql } from 'kysely';
import type { Executor } from '../schema.js';

export interface SlackRef {
  channel: string;
  ts: string | null;
}

export async function getSlackRef(db: Executor, key: string): Promise<SlackRef | undefined> {
  return db.selectFrom('slack_refs').select(['channel', 'ts']).where('key', '=', key).executeTakeFirst();
}

/** Where a message is, with the link Slack gave for it if it was asked for already. */
export async function getSlackRefWithPermalink(
  db: Executor,
  key: string,
): Promise<(SlackRef & { permalink: string | null }) | undefined> {
  return db.selectFrom('slack_refs').select(['channel', 'ts', 'permalink']).where('key', '=', key).executeTakeFirst();
}

export async function putSlackRef(db: Executor, key: string, ref: SlackRef, now: Date): Promise<void> {
  // An edit keeps the message and its link; a ref moved to another message (a re-post) loses the old link.
  await db
    .insertInto('slack_refs')
    .values({ key, channel: ref.channel, ts: ref.ts, permalink: null, updated_at: now.getTime() })
    .onConflict((oc) =>
      oc.column('key').doUpdateSet({
        channel: ref.channel,
        ts: ref.ts,
        permalink: sql<
          string | null
        >`case when slack_refs.channel = excluded.channel and slack_refs.ts = excluded.ts then slack_refs.permalink end`,
        updated_at: now.getTime(),
      }),
    )
    .execute();
}

/** Keeps Slack's link to the message the ref names, unless the ref moved meanwhile. */
export async function keepRefPermalink(db: Executor, key: string, ref: SlackRef, permalink: string): Promise<void> {
  await db
    .updateTable('slack_refs')
    .set({ permalink })
    .where('key', '=', key)
    .where('channel', '=', ref.channel)
    .where('ts', '=', ref.ts)
    .execute();
}
