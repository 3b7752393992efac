import { formatWhen, optionsOf, paint } from './render.js';
import { sleep, type SandboxSession } from './session.js';

/**
 * A day at the IT desk, played step by step through the same session a person types into. The day is
 * data: sections of steps (run a command, click an element by action id, submit the open form with
 * values by action id, wait for a message). A section whose command the app does not have is skipped
 * with a note, and a step that cannot be done skips the rest of its section instead of stopping the day.
 */

/** A value for a form field: literal, or computed when the step runs. `@name` becomes that person's ID. */
export type DemoValue = unknown | ((d: DemoContext) => unknown);

interface Who {
  /** Become this person first (name, with or without @). */
  as?: string;
  /** Move to this channel first (#name), possibly one the bot created during the day. */
  in?: string | ((d: DemoContext) => string);
}

export type DemoStep =
  | { say: string }
  | (Who & { command: string; text?: string | ((d: DemoContext) => string) })
  | (Who & { post: string })
  | (Who & { react: string })
  | (Who & {
      /** Clicks the newest element with this action id (optionally only in the step's channel). */
      click: string | RegExp;
      onlyHere?: boolean;
      option?: string;
      user?: string;
    })
  | (Who & {
      /** Submits the open form; fields not given keep their initial values. */
      submit: Record<string, DemoValue>;
      /** The form must be this one (callback id); otherwise the step is skipped (or fails). */
      form?: string;
      /** Skip quietly when that form is not open (a form that only sometimes appears). */
      optional?: boolean;
    })
  | { waitFor: RegExp; what: string; timeoutMs: number }
  | { pause: number };

export interface DemoSection {
  title: string;
  /** The slash command the section needs; without it the section is skipped. */
  needs?: string;
  steps: DemoStep[];
}

export interface DemoContext {
  session: SandboxSession;
  /** The newest record key with this prefix the bot has mentioned (IT, INC, CHG). */
  latestKey(prefix: string): string | undefined;
  /** Seconds since the epoch, `offsetMs` from now (for date-time pickers). */
  epochIn(offsetMs: number): number;
  /** The name of the channel the bot created most recently (an incident channel). */
  newestChannel(): string | undefined;
}

const MINUTE = 60_000;

/** The day: a ticket, a P1 with two timed updates, a change through CAB, and the report. */
export const DEMO_DAY: DemoSection[] = [
  {
    title: 'A ticket: Rita’s printer jams, Alice fixes it',
    needs: '/it-help',
    steps: [
      { say: '09:05 Rita asks IT for help from #general.' },
      { as: 'rita', in: 'general', command: '/it-help', text: 'Printer on 3rd floor jams on every job' },
      {
        submit: {
          details: 'Paper jams after the first page, tray 2. Restarted it twice.',
          category: 'hardware',
          service: 'Printing',
          impact: 'medium',
          urgency: 'medium',
        },
        form: 'ticket.file',
      },
      { submit: {}, form: 'ticket.confirm', optional: true },
      { say: 'The ticket lands in #it-triage with buttons for the agents. Alice claims it.' },
      { as: 'alice', in: 'it-triage', click: 'ticket.claim', onlyHere: true },
      { say: 'Alice clears the jam and resolves the ticket with a note for Rita.' },
      { click: 'ticket.resolve', onlyHere: true },
      {
        submit: {
          resolution_note: 'Cleared a torn sheet from the fuser and reseated tray 2. Printing normally again.',
          resolution_code: 'fixed',
        },
        form: 'ticket.resolve_modal',
      },
      { say: 'Rita rates the help she got.' },
      { as: 'rita', click: 'ticket.rate.5' },
    ],
  },
  {
    title: 'A P1 incident: email is down',
    needs: '/incident',
    steps: [
      {
        say: '11:20 Carla, the incident commander, declares a P1: a channel, a bridge, paging and the executives notice follow.',
      },
      { as: 'carla', in: 'incidents', command: '/incident', text: 'declare Email is down for everyone' },
      {
        submit: {
          'incident.f.title': 'Email is down for everyone',
          'incident.f.severity': 'P1',
          'incident.f.services': ['Email'],
          'incident.f.impact': 'Nobody can send or receive mail; Outlook shows “disconnected”.',
        },
        form: 'incident.declare',
      },
      { say: 'Carla moves to the new incident channel and posts the first stakeholder update.' },
      { as: 'carla', in: (d) => d.newestChannel() ?? 'incidents', command: '/incident', text: 'update' },
      {
        submit: {
          'incident.f.status': 'identified',
          'incident.f.impact': 'All staff: no email in or out.',
          'incident.f.actions': 'The mail relay’s certificate expired; renewing it now.',
          'incident.f.workaround': 'Use Slack for anything urgent.',
        },
        form: 'incident.update',
      },
      { say: 'P1 updates are due every 30 seconds in the sandbox: wait for Switchboard to ask for the next one.' },
      { waitFor: /stakeholder update for INC-\d+ is due/i, what: 'the next-update reminder', timeoutMs: 50_000 },
      { as: 'carla', click: 'incident.post_update' },
      {
        submit: {
          'incident.f.status': 'monitoring',
          'incident.f.impact': 'Mail is flowing again; queued messages are being delivered.',
          'incident.f.actions': 'New certificate installed; watching the queue drain.',
        },
        form: 'incident.update',
      },
      { say: 'The queue drains; Carla resolves the incident.' },
      { as: 'carla', command: '/incident', text: 'resolve' },
      {
        submit: { 'incident.f.resolution': 'Renewed the mail relay certificate and added an expiry alert.' },
        form: 'incident.resolve',
      },
    ],
  },
  {
    title: 'A change: CAB approves a mail relay upgrade',
    needs: '/change',
    steps: [
      { say: '14:00 Arnold asks to upgrade the mail relay so the certificate renews itself.' },
      { as: 'arnold', in: 'changes', command: '/change', text: '' },
      {
        submit: {
          change_title: 'Upgrade the mail relay to 3.2 (automatic certificate renewal)',
          change_description: 'Follow-up to today’s email outage.',
          change_type: 'normal',
          change_services: ['Email'],
          change_risk: 'low',
          window_start: (d: DemoContext) => d.epochIn(2 * MINUTE),
          window_end: (d: DemoContext) => d.epochIn(32 * MINUTE),
          change_implementer: '@arnold',
          implementation_plan: 'Drain the relay, upgrade the package, restore traffic.',
          rollback_plan: 'Reinstall 3.1 from the package cache.',
        },
        form: 'change.request',
      },
      { say: 'Bea, on the CAB, approves it from her DM.' },
      { as: 'bea', click: 'change.approve' },
      { say: 'Arnold starts the work and closes it out.' },
      { as: 'arnold', in: 'changes', command: '/change', text: (d) => `start ${d.latestKey('CHG') ?? 'CHG-1'}` },
      { command: '/change', text: (d) => `close ${d.latestKey('CHG') ?? 'CHG-1'}` },
      {
        submit: { closeout_outcome: 'successful', closeout_notes: 'Upgraded; certificate renewal tested.' },
        form: 'change.closeout_form',
      },
    ],
  },
  {
    title: 'The report: Mona reads the week',
    needs: '/itops',
    steps: [
      { say: '17:30 Mona, the IT manager, looks at the last 7 days.' },
      { as: 'mona', in: 'it-reports', command: '/itops', text: 'report 7d' },
    ],
  },
];

class StepSkipped extends Error {}

/** Plays `sections` through the session, printing each step; returns how many sections ran in full. */
export async function runDemo(
  session: SandboxSession,
  sections: DemoSection[] = DEMO_DAY,
  options: { stepPauseMs?: number } = {},
): Promise<{ completed: string[]; skipped: string[] }> {
  const print = (text: string) => session.options.io.print(text);
  const color = session.options.color;
  const context: DemoContext = {
    session,
    latestKey: (prefix) => latestKey(session, prefix),
    epochIn: (offsetMs) => Math.floor((Date.now() + offsetMs) / 1000),
    newestChannel: () => session.fake.callsTo('conversations.create').at(-1)?.answer.channel?.name,
  };
  const completed: string[] = [];
  const skipped: string[] = [];
  const startUser = session.user;
  const startChannel = session.channel;
  for (const section of sections) {
    print(`\n${paint(`━━ ${section.title} ━━`, 'bold', color)}`);
    if (section.needs && session.options.available && !session.options.available(section.needs)) {
      print(paint(`skipped: ${section.needs} not available in this build of Switchboard`, 'yellow', color));
      skipped.push(section.title);
      continue;
    }
    try {
      for (const step of section.steps) {
        await runStep(session, context, step);
        if (options.stepPauseMs) await sleep(options.stepPauseMs);
      }
      completed.push(section.title);
    } catch (error) {
      // A step that cannot be done (a renamed field, a missing button) skips its section, never the day.
      const reason = error instanceof Error ? error.message : String(error);
      print(paint(`skipped: the rest of “${section.title}”: ${reason}`, 'yellow', color));
      skipped.push(section.title);
      session.openModal = undefined;
    }
  }
  session.user = startUser;
  session.channel = startChannel;
  print(
    `\n${paint(`Demo finished: ${completed.length} of ${sections.length} parts played${skipped.length ? `; skipped: ${skipped.join('; ')}` : ''}.`, 'bold', color)}`,
  );
  return { completed, skipped };
}

async function runStep(session: SandboxSession, d: DemoContext, step: DemoStep): Promise<void> {
  const print = (text: string) => session.options.io.print(text);
  const color = session.options.color;
  if ('say' in step) return void print(`\n${paint(`▶ ${step.say}`, 'cyan', color)}`);
  if ('pause' in step) return void (await sleep(step.pause));
  if ('waitFor' in step) {
    print(paint(`… waiting for ${step.what}`, 'dim', color));
    const since = session.fake.calls.length;
    const deadline = Date.now() + step.timeoutMs;
    while (Date.now() < deadline) {
      const hit = session.fake.calls
        .slice(since)
        .some((c) => c.method === 'chat.postMessage' && step.waitFor.test(String(c.args.text ?? '')));
      if (hit) {
        await session.settle();
        session.collect();
        return;
      }
      await sleep(250);
    }
    throw new StepSkipped(`${step.what} did not arrive within ${Math.round(step.timeoutMs / 1000)}s`);
  }
  if (step.as) {
    const id = session.personId(step.as);
    if (!id) throw new StepSkipped(`there is nobody called ${step.as}`);
    session.user = id;
  }
  if (step.in) session.in(typeof step.in === 'function' ? step.in(d) : step.in);
  const who = `@${session.names.user(session.user)} in ${session.place(session.channel)}`;
  if ('command' in step) {
    const text = typeof step.text === 'function' ? step.text(d) : (step.text ?? '');
    print(paint(`\n${who}> ${step.command} ${text}`.trimEnd(), 'bold', color));
    const outcome = await session.command(step.command, text);
    if (outcome.skipped) throw new StepSkipped(outcome.skipped);
    return;
  }
  if ('post' in step) {
    print(paint(`\n${who}> ${step.post}`, 'bold', color));
    return void session.say(step.post);
  }
  if ('react' in step) {
    print(paint(`\n${who}> /react ${step.react}`, 'bold', color));
    const outcome = await session.react(step.react);
    if (outcome.skipped) throw new StepSkipped(outcome.skipped);
    return;
  }
  if ('click' in step) {
    const n = session.findAction(step.click, step.onlyHere ? { channel: session.channel } : {});
    if (n === undefined) throw new StepSkipped(`no ${String(step.click)} element to click`);
    const label = describeTarget(session, n);
    print(
      paint(
        `\n${who}> /click ${n}   (${label}${step.option ? ` → ${step.option}` : ''}${step.user ? ` → ${step.user}` : ''})`,
        'bold',
        color,
      ),
    );
    const outcome = await session.click(n, { option: step.option, user: step.user });
    if (outcome.skipped) throw new StepSkipped(outcome.skipped);
    return;
  }
  if ('submit' in step) {
    const modal = session.openModal;
    if (!modal || (step.form && modal.view.callback_id !== step.form)) {
      if (step.optional) return;
      throw new StepSkipped(`the ${step.form ?? ''} form did not open`.replace('  ', ' '));
    }
    const values: Record<string, unknown> = {};
    for (const [key, raw] of Object.entries(step.submit))
      values[key] = resolveValue(session, typeof raw === 'function' ? (raw as (d: DemoContext) => unknown)(d) : raw);
    const inputs = new Map<string, any>(
      (modal.view.blocks ?? []).filter((b: any) => b.type === 'input').map((b: any) => [b.element?.action_id, b]),
    );
    const inputIds = new Set(inputs.keys());
    const shown = Object.entries(values)
      .filter(([k]) => inputIds.has(k))
      .map(([k, v]) => `${inputs.get(k)?.label?.text ?? k}: ${shownValue(session, inputs.get(k)?.element, v)}`);
    print(
      paint(
        `\n${who} fills in the form${shown.length ? `:\n    ${shown.join('\n    ')}` : ''}\n    and presses [${modal.view.submit?.text ?? 'Submit'}]`,
        'bold',
        color,
      ),
    );
    const known = Object.fromEntries(Object.entries(values).filter(([k]) => inputIds.has(k)));
    const outcome = await session.submit(modal, known);
    if (outcome.errors) throw new StepSkipped(`the form was refused: ${Object.values(outcome.errors).join('; ')}`);
  }
}

function describeTarget(session: SandboxSession, n: number): string {
  const element = session.target(n)?.element;
  return String(element?.text?.text ?? element?.placeholder?.text ?? element?.action_id ?? n);
}

/** A submitted value as the person would have seen it in the form. */
function shownValue(session: SandboxSession, element: any, value: unknown): string {
  const one = (v: unknown): string => {
    if (element?.type === 'datetimepicker' && typeof v === 'number')
      return formatWhen(v * 1000, { timeZone: session.options.timeZone });
    if (typeof v === 'string' && /^[UW][A-Z0-9]{6,}$/.test(v) && session.fake.users.has(v))
      return `@${session.names.user(v)}`;
    const option = element ? optionsOf(element).find((o) => o.value === v) : undefined;
    return option ? String(option.text?.text ?? v) : String(v);
  };
  return Array.isArray(value) ? value.map(one).join(', ') : one(value);
}

/** `@name` → the person's ID, in strings and lists. */
function resolveValue(session: SandboxSession, value: unknown): unknown {
  if (typeof value === 'string' && value.startsWith('@')) return session.personId(value) ?? value;
  if (Array.isArray(value)) return value.map((v) => resolveValue(session, v));
  return value;
}

function latestKey(session: SandboxSession, prefix: string): string | undefined {
  const pattern = new RegExp(`\\b${prefix}-\\d+\\b`, 'g');
  for (let i = session.fake.calls.length - 1; i >= 0; i--) {
    const call = session.fake.calls[i]!;
    if (call.method !== 'chat.postMessage' && call.method !== 'chat.update') continue;
    const found = String(call.args.text ?? '').match(pattern);
    if (found) return found.at(-1);
  }
  return undefined;
}
