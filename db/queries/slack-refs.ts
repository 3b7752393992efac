import type { Executor } from '../schema.js';

export interface SlackRef {
  channel: string;
  ts: string | null;
}

export async function getSlackRef(db: Executor, key: string): Promise<SlackRef | undefined> {
  return db.selectFrom('slack_refs').select(['channel', 'ts']).where('key', '=', key).executeTakeFirst();
}

export async function putSlackRef(db: Executor, key: string, ref: SlackRef, now: Date): Promise<void> {
  await db
    .insertInto('slack_refs')
    .values({ key, channel: ref.channel, ts: ref.ts, updated_at: now.getTime() })
    .onConflict((oc) => oc.column('key').doUpdateSet({ channel: ref.channel, ts: ref.ts, updated_at: now.getTime() }))
    .execute();
}
