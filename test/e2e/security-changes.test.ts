import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/clock.js';
import { startTestApp, type TestApp } from '../support/harness.js';
import { channels, people } from '../../devkit/workspace.js';
import type { Person } from '../../devkit/slack-requests.js';

/**
 * Standard changes are a control: title, description, services, plans and risk come from the template,
 * whatever a submission carries; only the window, the implementer and a note are chosen. Forged
 * metadata and made-up change ids are refused, audited, and change nothing.
 */
const MONDAY = '2026-03-02T09:30:00.000Z';
const HOUR = 3_600_000;
const sec = (ms: number) => Math.floor(ms / 1000);

const TEMPLATE = {
  id: 'laptop-patches',
  title: 'Apply monthly OS patches to office laptops',
  services: ['Laptops'],
  risk: 'low',
  implementation_plan: 'Push the patch ring via MDM',
  rollback_plan: 'Uninstall the update via MDM',
  duration: '2h',
};

async function start(): Promise<TestApp> {
  return startTestApp({ clock: new FakeClock(MONDAY), settings: { changes: { standard_templates: [TEMPLATE] } } });
}

const changeRow = (t: TestApp, key: string) =>
  t.sb.db.selectFrom('changes').selectAll().where('key', '=', key).executeTakeFirst();
const servicesOf = async (t: TestApp, id: number) =>
  (await t.sb.db.selectFrom('change_services').select('service').where('change_id', '=', id).execute()).map(
    (r) => r.service,
  );
const auditOf = (t: TestApp, action: string) =>
  t.sb.db.selectFrom('audit_log').selectAll().where('action', '=', action).execute();
const lastResponse = (t: TestApp) => t.fake.responses.at(-1)?.body?.text as string | undefined;
const refusalsOf = (t: TestApp, user: string) =>
  t.sb.db.selectFrom('audit_log').select(['action', 'detail']).where('actor_id', '=', user).execute();

/** A view submission whose state carries exactly `state` (block id → element state), as a forger would send it. */
function forgedSubmission(
  t: TestApp,
  user: Person,
  view: { id: string; callback_id: string; private_metadata?: string; blocks: any[] },
  state: Record<string, Record<string, unknown>>,
) {
  const payload = t.slack.viewSubmissionPayload(user, view, {}) as any;
  payload.view.state.values = state;
  return t.slack.interactive(payload);
}

const text = (value: string) => ({ type: 'plain_text_input', value });
const time = (ms: number) => ({ type: 'datetimepicker', selected_date_time: sec(ms) });

/** Every field of the normal request form, as a full (forged) submission would fill it. */
function fullForm(now: number, o: { title: string; services: string[]; plan: string }) {
  return {
    change_title: { change_title: text(o.title) },
    change_description: { change_description: text('forged description') },
    change_type: { change_type: { type: 'static_select', selected_option: { value: 'normal' } } },
    change_services: {
      change_services: { type: 'multi_static_select', selected_options: o.services.map((s) => ({ value: s })) },
    },
    change_risk: { change_risk: { type: 'static_select', selected_option: { value: 'low' } } },
    window_start: { window_start: time(now + 2 * HOUR) },
    window_end: { window_end: time(now + 3 * HOUR) },
    change_implementer: { change_implementer: { type: 'users_select', selected_user: people.outsider.id } },
    implementation_plan: { implementation_plan: text(o.plan) },
    rollback_plan: { rollback_plan: text('none') },
  };
}

describe('standard changes are a control', () => {
  let t: TestApp;
  afterEach(() => t.stop());

  it('takes the content from the template whatever the form carried; records template id, version and content', async () => {
    t = await start();
    const now = t.clock.now().getTime();
    await t.slack.command('/change', 'standard laptop-patches', people.outsider);
    await t.settle();
    const opened = t.fake.lastView();
    // The form offers only the window, the implementer and a note; the template is shown read-only.
    const inputs = opened.view.blocks.filter((b: any) => b.type === 'input').map((b: any) => b.block_id);
    expect(inputs).toEqual(['window_start', 'window_end', 'change_implementer', 'standard_note']);
    expect(JSON.stringify(opened.view.blocks)).toContain('Push the patch ring via MDM');

    // A hostile employee adds the fields of a normal change to the submission.
    const res = await forgedSubmission(
      t,
      people.outsider,
      { id: opened.id, ...opened.view },
      {
        ...fullForm(now, {
          title: 'Disable MFA for every account',
          services: ['Identity / SSO'],
          plan: 'Turn MFA off tenant-wide',
        }),
        window_start: { window_start: time(now + 2 * HOUR) },
        window_end: { window_end: time(now + 4 * HOUR) },
        standard_note: { standard_note: text('Floor 3 laptops first') },
      },
    );
    expect(res.body?.response_action).toBeUndefined();
    await t.settle();
    const change = (await changeRow(t, 'CHG-1'))!;
    expect(change).toMatchObject({
      type: 'standard',
      status: 'scheduled',
      title: TEMPLATE.title,
      description: '',
      risk: 'low',
      implementation_plan: TEMPLATE.implementation_plan,
      rollback_plan: TEMPLATE.rollback_plan,
      template_id: 'laptop-patches',
      template_version: 1,
      requester_note: 'Floor 3 laptops first',
      implementer_id: people.outsider.id,
    });
    expect(await servicesOf(t, change.id)).toEqual(['Laptops']);
    const snapshot = JSON.parse(change.template_snapshot!);
    expect(snapshot).toMatchObject({
      id: 'laptop-patches',
      version: 1,
      title: TEMPLATE.title,
      services: ['Laptops'],
      implementation_plan: TEMPLATE.implementation_plan,
    });
    expect(snapshot.digest).toMatch(/^[0-9a-f]{16}$/);
    const [requested] = await auditOf(t, 'change.requested');
    expect(requested!.detail).toContain(`laptop-patches v1 (sha256 ${snapshot.digest})`);
    expect(JSON.parse(requested!.after!).template).toMatchObject({ id: 'laptop-patches', version: 1 });
    const [approved] = await auditOf(t, 'change.approved');
    expect(approved!.detail).toContain('laptop-patches v1');
    const everything = JSON.stringify(t.fake.calls.map((c) => c.args));
    expect(everything).not.toContain('Disable MFA');
    expect(everything).not.toContain('Turn MFA off');
  });

  it('refuses a made-up template, and a forged "standard" edit of template fields; nothing changes', async () => {
    t = await start();
    const now = t.clock.now().getTime();
    await t.slack.command('/change', 'standard laptop-patches', people.requester);
    await t.settle();
    const opened = t.fake.lastView();
    const forgedMeta = JSON.stringify({ mode: 'new', type: 'standard', templateId: 'disable-mfa' });
    const res = await forgedSubmission(
      t,
      people.requester,
      { id: opened.id, ...opened.view, private_metadata: forgedMeta },
      {
        window_start: { window_start: time(now + 2 * HOUR) },
        window_end: { window_end: time(now + 3 * HOUR) },
      },
    );
    expect(res.body.response_action).toBe('errors');
    expect(await changeRow(t, 'CHG-1')).toBeUndefined();

    // A real standard change, then an edit of it sent as a normal-change form (forged metadata type).
    await t.slack.submitView(people.requester, { id: opened.id, ...opened.view }, {});
    await t.settle();
    const before = (await changeRow(t, 'CHG-1'))!;
    const posts = t.fake.calls.filter((c) => c.method === 'chat.postMessage').length;
    const editMeta = JSON.stringify({ mode: 'edit', changeId: before.id, type: 'normal' });
    const edit = await forgedSubmission(
      t,
      people.requester,
      { id: 'Vforged1', callback_id: 'change.request', private_metadata: editMeta, blocks: [] },
      fullForm(now, { title: 'Disable MFA', services: ['Identity / SSO'], plan: 'Turn MFA off' }),
    );
    expect(edit.body.response_action).toBe('errors');
    expect(JSON.stringify(edit.body.errors)).toContain('standard change');
    await t.settle();
    expect(await changeRow(t, 'CHG-1')).toEqual(before);
    expect(await servicesOf(t, before.id)).toEqual(['Laptops']);
    expect(t.fake.calls.filter((c) => c.method === 'chat.postMessage').length).toBe(posts);
    const [refused] = await auditOf(t, 'change.edit_refused');
    expect(refused).toMatchObject({ actor_id: people.requester.id, record_key: 'CHG-1' });
    expect(refused!.detail).toContain('title');
  });

  it('edits a standard change through its own form (window, implementer, note); the template content stays', async () => {
    t = await start();
    const now = t.clock.now().getTime();
    await t.slack.command('/change', 'standard laptop-patches', people.requester);
    await t.settle();
    const opened = t.fake.lastView();
    await t.slack.submitView(people.requester, { id: opened.id, ...opened.view }, {});
    await t.settle();
    await t.slack.command('/change', 'edit CHG-1', people.requester);
    await t.settle();
    const edit = t.fake.lastView();
    expect(edit.view.blocks.filter((b: any) => b.type === 'input').map((b: any) => b.block_id)).toEqual([
      'window_start',
      'window_end',
      'change_implementer',
      'standard_note',
    ]);
    const res = await t.slack.submitView(
      people.requester,
      { id: edit.id, ...edit.view },
      {
        window_start: sec(now + 5 * HOUR),
        window_end: sec(now + 6 * HOUR),
        change_implementer: people.agent.id,
        standard_note: 'moved to the afternoon',
      },
    );
    expect(res.body?.response_action).toBeUndefined();
    await t.settle();
    const after = (await changeRow(t, 'CHG-1'))!;
    expect(after).toMatchObject({
      status: 'scheduled',
      title: TEMPLATE.title,
      planned_start: now + 5 * HOUR,
      implementer_id: people.agent.id,
      requester_note: 'moved to the afternoon',
      template_version: 1,
    });
  });

  it('editing the template in the settings does not alter a change already approved', async () => {
    t = await start();
    await t.slack.command('/change', 'standard laptop-patches', people.requester);
    await t.settle();
    const opened = t.fake.lastView();
    await t.slack.submitView(people.requester, { id: opened.id, ...opened.view }, {});
    await t.settle();
    const approved = (await changeRow(t, 'CHG-1'))!;
    // An administrator rewrites the template (and raises its version).
    const template = t.sb.ctx.settings.changes.standard_templates[0]!;
    Object.assign(template, {
      title: 'Patch laptops and disable MFA',
      version: 2,
      implementation_plan: 'Something else entirely',
      services: ['Identity / SSO'],
    });
    await t.slack.command('/change', 'show CHG-1', people.requester);
    await t.settle();
    const shown = JSON.stringify(t.fake.responses.at(-1)!.body);
    expect(shown).toContain(`${TEMPLATE.title}, v1`);
    expect(shown).not.toContain('disable MFA');
    expect(await changeRow(t, 'CHG-1')).toEqual(approved);
    expect(await servicesOf(t, approved.id)).toEqual(['Laptops']);
    // A new standard change from it records the new version.
    await t.slack.command('/change', 'standard laptop-patches', people.requester);
    await t.settle();
    const again = t.fake.lastView();
    await t.slack.submitView(people.requester, { id: again.id, ...again.view }, {});
    await t.settle();
    expect(await changeRow(t, 'CHG-2')).toMatchObject({ title: 'Patch laptops and disable MFA', template_version: 2 });
  });
});

describe('change buttons and forms re-check the person against the change', () => {
  let t: TestApp;
  afterEach(() => t.stop());

  async function normalChange(): Promise<{ id: number; key: string }> {
    const now = t.clock.now().getTime();
    await t.slack.command('/change', '', people.requester);
    await t.settle();
    const opened = t.fake.lastView();
    await t.slack.submitView(
      people.requester,
      { id: opened.id, ...opened.view },
      {
        change_title: 'Upgrade mail relay',
        change_type: 'normal',
        change_services: ['Email'],
        change_risk: 'low',
        window_start: sec(now + 2 * HOUR),
        window_end: sec(now + 3 * HOUR),
        change_implementer: people.requester.id,
        implementation_plan: 'Drain, upgrade, restore',
        rollback_plan: 'Reinstall',
      },
    );
    await t.settle();
    const row = (await changeRow(t, 'CHG-1'))!;
    return { id: row.id, key: row.key };
  }

  it('an outsider on every change button and form: refused, audited, nothing changed', async () => {
    t = await start();
    const change = await normalChange();
    const before = await changeRow(t, change.key);
    const posts = () => t.fake.calls.filter((c) => ['chat.postMessage', 'chat.update'].includes(c.method)).length;
    const sent = posts();
    const where = { channel: channels.changes, ts: '1.1' };
    for (const action of ['change.approve', 'change.reject', 'change.start', 'change.postpone', 'change.closeout']) {
      const responses = t.fake.responses.length;
      await t.slack.blockAction(people.outsider, { action_id: action, value: String(change.id) }, where);
      await t.settle();
      // The reason form opens before the approver look-ups; the refusal then replaces it.
      const refusal =
        action === 'change.reject'
          ? JSON.stringify(t.fake.lastView().view.blocks)
          : t.fake.responses.slice(responses).at(-1)?.body?.text;
      expect(refusal, action).toMatch(/Only|not an approver|cannot/i);
    }
    const now = t.clock.now().getTime();
    const forms: [string, Record<string, Record<string, unknown>>][] = [
      ['change.reject_reason', { reason: { reason: text('no') } }],
      [
        'change.postpone_window',
        { window_start: { window_start: time(now + 9 * HOUR) }, window_end: { window_end: time(now + 10 * HOUR) } },
      ],
      [
        'change.closeout_form',
        {
          closeout_outcome: { closeout_outcome: { type: 'radio_buttons', selected_option: { value: 'failed' } } },
          closeout_notes: { closeout_notes: text('broke it') },
        },
      ],
      ['change.request', fullForm(now, { title: 'Hijacked', services: ['Email'], plan: 'mine now' })],
    ];
    for (const [callback, state] of forms) {
      const metadata =
        callback === 'change.request' ? { mode: 'edit', changeId: change.id, type: 'normal' } : { changeId: change.id };
      const res = await forgedSubmission(
        t,
        people.outsider,
        {
          id: `V${callback}`,
          callback_id: callback,
          private_metadata: JSON.stringify(metadata),
          blocks: [{ type: 'input', block_id: 'reason' }],
        },
        state,
      );
      expect(res.body?.response_action, callback).toBe('errors');
    }
    await t.settle();
    expect(await changeRow(t, change.key)).toEqual(before);
    expect(posts()).toBe(sent);
    const refusals = await t.sb.db
      .selectFrom('audit_log')
      .select(['action', 'detail'])
      .where('actor_id', '=', people.outsider.id)
      .execute();
    const actions = refusals.map((r) => r.action);
    // approve, reject (once its form is open), the reject form
    expect(actions.filter((a) => a === 'change.approval_refused')).toHaveLength(3);
    // start, postpone, close-out (buttons); postpone, close-out and edit (forms)
    expect(
      refusals
        .filter((r) => r.action === 'change.action_refused')
        .map((r) => r.detail!.split(' refused')[0])
        .sort(),
    ).toEqual(['close out', 'close out', 'edit', 'postpone', 'postpone', 'start']);
    expect(actions.every((a) => a.endsWith('_refused'))).toBe(true);
  });

  it('refuses an outsider linking a change to an incident or recording its CAB review; audited, nothing changed', async () => {
    t = await start();
    const change = await normalChange();
    await t.sb.db
      .insertInto('incidents')
      .values({
        key: 'INC-9',
        title: 'Mail down',
        severity: 'P2',
        status: 'investigating',
        impact: '',
        declared_by: people.commander.id,
        commander_id: people.commander.id,
        started_at: null,
        declared_at: 1,
        acknowledged_at: null,
        mitigated_at: null,
        resolved_at: null,
        closed_at: null,
        resolution_summary: null,
        channel_id: null,
        channel_name: 'inc-9',
        bridge_url: null,
        bridge_started_at: null,
        next_update_due_at: null,
        last_update_at: null,
        updated_at: 1,
        update_generation: 0,
      } as never)
      .execute();
    await t.slack.command('/change', `link ${change.key} INC-9`, people.outsider);
    await t.settle();
    expect(lastResponse(t)).toMatch(/^Only IT staff/);
    await t.slack.command('/change', `review ${change.key} looks fine`, people.outsider);
    await t.settle();
    expect(lastResponse(t)).toMatch(/not an emergency change|Only change approvers/);
    expect(await t.sb.db.selectFrom('change_incidents').selectAll().execute()).toEqual([]);
    expect((await refusalsOf(t, people.outsider.id)).map((r) => r.action)).toEqual(['change.link_refused']);
    // Staff may link.
    await t.slack.command('/change', `link ${change.key} INC-9`, people.agent);
    await t.settle();
    expect(await t.sb.db.selectFrom('change_incidents').selectAll().execute()).toHaveLength(1);
  });

  it('a valid signature with a made-up change id changes nothing', async () => {
    t = await start();
    await normalChange();
    const before = await t.sb.db.selectFrom('audit_log').select('id').execute();
    for (const action of [
      'change.approve',
      'change.reject',
      'change.start',
      'change.postpone',
      'change.closeout',
      'change.ask',
    ]) {
      await t.slack.blockAction(
        people.approver,
        { action_id: action, value: '4242' },
        { channel: channels.changes, ts: '1.1' },
      );
      await t.settle();
      expect(lastResponse(t), action).toMatch(/no longer exists|does not name/);
    }
    expect(await t.sb.db.selectFrom('audit_log').select('id').execute()).toEqual(before);
  });
});
