import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/clock.js';
import { startTestApp, type TestApp } from '../support/harness.js';
import { channels, people } from '../../devkit/workspace.js';

/**
 * The settings allow an empty `service_catalog` (a desk that does not track services). Slack refuses a
 * select without options (`invalid_blocks`), so the forms leave the service field out, and a request
 * is filed without one.
 */
const MONDAY = '2026-03-02T09:30:00.000Z';
const HOUR = 3_600_000;
const sec = (ms: number) => Math.floor(ms / 1000);

/** The form the app opened for this command: Slack accepted it. */
async function openedForm(t: TestApp, command: string, text: string) {
  const opens = () => t.fake.calls.filter((c) => c.method === 'views.open');
  const before = opens().length;
  await t.slack.command(command, text, people.requester);
  await t.settle();
  const call = opens().slice(before).at(-1);
  expect(call?.answer, `${command} opened a form`).toMatchObject({ ok: true });
  const { id, view } = t.fake.lastView();
  return { id, ...view };
}

const inputIds = (view: { blocks: any[] }) =>
  view.blocks.filter((b) => b.type === 'input').map((b) => b.block_id as string);

describe('with an empty service catalog', () => {
  let t: TestApp;
  afterEach(() => t.stop());

  it('/it-help opens without a service field and files the ticket', async () => {
    t = await startTestApp({ clock: new FakeClock(MONDAY), settings: { service_catalog: [] } });
    const form = await openedForm(t, '/it-help', 'Printer on 3rd floor jams');
    expect(inputIds(form)).not.toContain('service');

    const res = await t.slack.submitView(people.requester, form, { category: 'hardware' });
    expect(res.body?.errors).toBeUndefined();
    await t.settle();
    const tickets = await t.sb.db.selectFrom('tickets').select(['key', 'service']).execute();
    expect(tickets).toEqual([{ key: 'IT-1', service: null }]);
    expect(t.fake.messagesIn(channels.triage).some((m) => m.text.startsWith('IT-1'))).toBe(true);
  });

  it('/change opens without a services field and the request is recorded and sent for approval', async () => {
    t = await startTestApp({ clock: new FakeClock(MONDAY), settings: { service_catalog: [] } });
    const form = await openedForm(t, '/change', '');
    expect(inputIds(form)).not.toContain('change_services');

    const now = t.clock.now().getTime();
    const res = await t.slack.submitView(people.requester, form, {
      change_title: 'Upgrade mail relay',
      change_type: 'normal',
      change_risk: 'low',
      window_start: sec(now + 2 * HOUR),
      window_end: sec(now + 3 * HOUR),
      change_implementer: people.requester.id,
      implementation_plan: 'Drain, upgrade, restore',
      rollback_plan: 'Reinstall previous package',
    });
    expect(res.body?.errors).toBeUndefined();
    await t.settle();
    const changes = await t.sb.db.selectFrom('changes').select(['key', 'status']).execute();
    expect(changes).toEqual([{ key: 'CHG-1', status: 'pending_approval' }]);
    expect(await t.sb.db.selectFrom('change_services').selectAll().execute()).toEqual([]);
    expect(t.fake.messagesIn(people.approver.id).some((m) => m.text.includes('CHG-1'))).toBe(true);
  });
});
