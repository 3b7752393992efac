import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/clock.js';
import { startTestApp, type TestApp } from '../support/harness.js';
import { channels, people } from '../../devkit/workspace.js';

const MONDAY = '2026-03-02T09:30:00.000Z';
const HOUR = 3_600_000;
const sec = (ms: number) => Math.floor(ms / 1000);
type Person = { id: string; name: string };

async function request(t: TestApp, user: Person, values: Record<string, unknown> = {}, text = '') {
  await t.slack.command('/change', text, user);
  await t.settle();
  const opened = t.fake.lastView();
  const now = t.clock.now().getTime();
  await t.slack.submitView(
    user,
    { id: opened.id, ...opened.view },
    {
      change_title: 'Rotate mail certificates',
      change_services: ['Email'],
      change_risk: 'low',
      window_start: sec(now + HOUR),
      window_end: sec(now + 2 * HOUR),
      implementation_plan: 'Install new certs',
      rollback_plan: 'Restore old certs',
      ...values,
    },
  );
  await t.settle();
}

const row = (t: TestApp, key = 'CHG-1') =>
  t.sb.db.selectFrom('changes').selectAll().where('key', '=', key).executeTakeFirstOrThrow();
async function click(
  t: TestApp,
  user: Person,
  action: string,
  id: number,
  where = { channel: channels.changes as string, ts: '1.1' },
) {
  await t.slack.blockAction(user, { action_id: action, value: String(id) }, where);
  await t.settle();
}
async function advance(t: TestApp, ms: number) {
  (t.clock as FakeClock).advance(ms);
  await t.sb.runner.sweep();
  await t.sb.runner.sweep();
  await t.settle();
}
const lastResponse = (t: TestApp) => t.fake.responses.at(-1)?.body?.text as string | undefined;
const dmsWith = (t: TestApp, who: string, needle: string) =>
  t.fake.messagesIn(who).filter((m) => `${m.text}${JSON.stringify(m.blocks ?? [])}`.includes(needle));

describe('change windows that pass before approval', () => {
  let t: TestApp;
  afterEach(async () => {
    await t.stop();
  });

  it('flags an unapproved change once when its window opens, refuses approval after it, and asks for a new window', async () => {
    t = await startTestApp({ clock: new FakeClock(MONDAY) });
    await request(t, people.requester, { change_type: 'normal' });
    const change = await row(t);
    await advance(t, HOUR);
    const flagged = dmsWith(t, people.requester.id, 'not approved yet');
    expect(flagged).toHaveLength(1);
    expect(JSON.stringify(flagged[0]!.blocks)).toContain('change.postpone');
    expect(dmsWith(t, people.approver.id, 'still waits for your decision')).toHaveLength(1);
    expect(dmsWith(t, people.approver2.id, 'still waits for your decision')).toHaveLength(1);
    await advance(t, 10 * 60_000);
    expect(dmsWith(t, people.requester.id, 'not approved yet')).toHaveLength(1);

    // The window ends; a late approval is refused and the requester is asked for a new window.
    await advance(t, HOUR);
    await click(t, people.approver, 'change.approve', change.id);
    expect(lastResponse(t)).toContain('has passed, so it cannot be approved as planned');
    expect(await row(t)).toMatchObject({ status: 'pending_approval', approved_at: null });
    expect(await t.sb.db.selectFrom('change_approvals').selectAll().execute()).toHaveLength(0);
    const ask = dmsWith(t, people.requester.id, 'tried to approve');
    expect(ask).toHaveLength(1);
    const refused = await t.sb.db
      .selectFrom('audit_log')
      .selectAll()
      .where('action', '=', 'change.approval_refused')
      .execute();
    expect(refused.map((r) => r.detail)).toEqual([expect.stringContaining('window passed')]);
    // Nobody was told to start or close out a change that never got approved.
    expect(dmsWith(t, people.requester.id, 'change.closeout')).toHaveLength(0);
    expect(dmsWith(t, people.requester.id, 'starts now')).toHaveLength(0);

    // Re-planned from the button: approvable again.
    await click(t, people.requester, 'change.postpone', change.id, { channel: ask[0]!.channel, ts: ask[0]!.ts });
    const modal = t.fake.lastView();
    expect(modal.view.callback_id).toBe('change.postpone_window');
    const now = t.clock.now().getTime();
    await t.slack.submitView(
      people.requester,
      { id: modal.id, ...modal.view },
      { window_start: sec(now + 24 * HOUR), window_end: sec(now + 25 * HOUR), reason: 'Missed the window' },
    );
    await t.settle();
    await click(t, people.approver, 'change.approve', change.id);
    expect((await row(t)).status).toBe('scheduled');
  });

  it('says "an emergency change", opens the form for /change normal, and refuses a cancelled change as a cause', async () => {
    t = await startTestApp({ clock: new FakeClock(MONDAY) });
    await request(t, people.requester, { change_type: 'emergency' }, 'emergency');
    expect(dmsWith(t, people.emergency.id, 'approval of an emergency change')).toHaveLength(1);
    expect(t.fake.messagesIn(people.emergency.id).some((m) => m.text.includes('a emergency'))).toBe(false);

    const before = t.fake.views.length;
    await t.slack.command('/change', 'normal', people.requester);
    await t.settle();
    expect(t.fake.views.length).toBe(before + 1);
    const form = t.fake.lastView().view;
    expect(form.callback_id).toBe('change.request');
    expect(JSON.stringify(form.blocks)).toContain('"value":"normal"');

    await t.slack.command('/change', 'cancel CHG-1 not needed', people.requester);
    await t.settle();
    await t.sb.db
      .insertInto('incidents')
      .values({
        key: 'INC-1',
        title: 'Mail down',
        severity: 'P2',
        status: 'investigating',
        impact: '',
        declared_by: people.commander.id,
        commander_id: people.commander.id,
        started_at: null,
        declared_at: t.clock.now().getTime(),
        acknowledged_at: null,
        mitigated_at: null,
        resolved_at: null,
        closed_at: null,
        resolution_summary: null,
        channel_id: null,
        channel_name: 'inc-1-mail-down',
        bridge_url: null,
        bridge_started_at: null,
        next_update_due_at: null,
        last_update_at: null,
        updated_at: t.clock.now().getTime(),
        update_generation: 0,
      } as any)
      .execute();
    await t.slack.command('/change', 'link CHG-1 INC-1', people.requester);
    await t.settle();
    expect(lastResponse(t)).toContain('was cancelled and never ran');
    expect(await t.sb.db.selectFrom('change_incidents').selectAll().execute()).toHaveLength(0);
  });

  it('shows people, not raw user IDs, in the change history, and says a refused approval is kept in the audit log', async () => {
    t = await startTestApp({ clock: new FakeClock(MONDAY) });
    await request(t, people.requester, { change_type: 'normal', change_implementer: people.agent.id });
    const change = await row(t);
    await click(t, people.agent, 'change.approve', change.id);
    expect(lastResponse(t)).toContain('kept in the audit log');
    expect(lastResponse(t)).not.toContain('Nothing was recorded');
    await click(t, people.outsider, 'change.approve', change.id);
    expect(lastResponse(t)).toContain('kept in the audit log');
    await click(t, people.approver, 'change.approve', change.id);
    await advance(t, HOUR);
    await t.slack.command('/change', 'show CHG-1', people.requester);
    await t.settle();
    const shown = JSON.stringify(t.fake.responses.at(-1)!.body.blocks);
    expect(shown).toContain('window start reminder sent');
    expect(shown).toContain(`to <@${people.agent.id}>`);
    expect(shown).not.toMatch(new RegExp(`[^@]${people.agent.id}`));
  });
});
