import { expect } from 'vitest';
import type { TestApp } from '../support/harness.js';
import type { Person } from '../../devkit/slack-requests.js';
import { FIELDS } from '../../views/incidents/ids.js';

/** Opens the declare modal with /incident and submits it; returns the incident channel once created. */
export async function declare(
  t: TestApp,
  user: Person,
  values: { title: string; severity?: string; services?: string[]; impact?: string; commander?: string },
  channel = 'CGENERAL',
): Promise<{ channelId: string; incidentId: number; key: string }> {
  const before = t.fake.views.length;
  await t.slack.command('/incident', `declare ${values.title}`, user, channel);
  await waitFor(() => t.fake.views.length > before);
  const view = t.fake.lastView();
  const res = await t.slack.submitView(
    user,
    { id: view.id, ...view.view },
    {
      [FIELDS.title]: values.title,
      [FIELDS.severity]: values.severity ?? 'P3',
      ...(values.services ? { [FIELDS.services]: values.services } : {}),
      [FIELDS.impact]: values.impact ?? '',
      ...(values.commander ? { [FIELDS.commander]: values.commander } : {}),
    },
  );
  expect(res.status).toBe(200);
  await t.settle();
  const row = await t.sb.db.selectFrom('incidents').selectAll().orderBy('id', 'desc').executeTakeFirstOrThrow();
  const ref = await t.sb.db
    .selectFrom('slack_refs')
    .selectAll()
    .where('key', '=', `incident/${row.id}/channel`)
    .executeTakeFirst();
  return { channelId: ref?.channel ?? '', incidentId: row.id, key: row.key };
}

export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 3000): Promise<void> {
  const start = Date.now();
  while (!(await check())) {
    if (Date.now() - start > timeoutMs) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** The newest bot message in a channel whose blocks contain an action with this id. */
export function messageWithAction(t: TestApp, channel: string, actionId: string) {
  const found = t.fake
    .messagesIn(channel)
    .filter((m) => JSON.stringify(m.blocks ?? []).includes(`"action_id":"${actionId}"`))
    .at(-1);
  if (!found) throw new Error(`no message with ${actionId} in ${channel}`);
  return found;
}

export function blockIdOf(message: { blocks?: any[] }, actionId: string): string {
  for (const block of message.blocks ?? []) {
    if (block.type === 'actions' && block.elements.some((e: any) => e.action_id === actionId)) return block.block_id;
  }
  throw new Error(`no block with ${actionId}`);
}

export function allText(messages: { text: string; blocks?: any[] }[]): string {
  return messages.map((m) => `${m.text}\n${JSON.stringify(m.blocks ?? [])}`).join('\n');
}

/** Every text Slack parses as mrkdwn (message text and mrkdwn objects): where a mention would ping. */
export function mrkdwnText(messages: { text: string; blocks?: any[] }[]): string {
  const out: string[] = [];
  const walk = (node: any) => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (node && typeof node === 'object') {
      if (node.type === 'mrkdwn' && typeof node.text === 'string') out.push(node.text);
      for (const v of Object.values(node)) walk(v);
    }
  };
  for (const m of messages) {
    out.push(m.text);
    walk(m.blocks ?? []);
  }
  return out.join('\n');
}
