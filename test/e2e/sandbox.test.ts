import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/logger.js';
import { runDemo, type DemoSection } from '../../sandbox/demo.js';
import type { SandboxIo } from '../../sandbox/session.js';
import { startSandbox, type Sandbox } from '../../sandbox/start.js';
import { commandEscapes, messageMentions, slashCommandText, type SlackNames } from '../../devkit/slack-requests.js';

const root = join(import.meta.dirname, '..', '..');

/** The sandbox as a person runs it: a child process, lines on stdin, the screen on stdout. */
class Terminal {
  output = '';
  readonly exited: Promise<number | null>;
  private readonly child: ChildProcessWithoutNullStreams;

  constructor(args: string[]) {
    this.child = spawn(process.execPath, ['--import', 'tsx', 'sandbox/main.ts', ...args], {
      cwd: root,
      env: { ...process.env, NO_COLOR: '1' },
    });
    this.child.stdout.setEncoding('utf8').on('data', (chunk: string) => (this.output += chunk));
    this.child.stderr.setEncoding('utf8').on('data', (chunk: string) => (this.output += chunk));
    this.exited = new Promise((resolve) => this.child.on('exit', resolve));
  }

  type(...lines: string[]): void {
    this.child.stdin.write(lines.map((l) => `${l}\n`).join(''));
  }

  /** Waits for `pattern` in what was printed after `from`; returns the match. */
  async waitFor(pattern: RegExp, from = 0, timeoutMs = 15_000): Promise<RegExpMatchArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const match = this.output.slice(from).match(pattern);
      if (match) return match;
      if (Date.now() > deadline)
        throw new Error(`timed out waiting for ${pattern}; screen so far:\n${this.output.slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  kill(): void {
    if (this.child.exitCode === null) this.child.kill('SIGKILL');
  }
}

describe('sandbox in a terminal', () => {
  let dir: string;
  let terminal: Terminal | undefined;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'switchboard-sandbox-'));
  });
  afterAll(() => {
    terminal?.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it('files a ticket as @rita, claims and resolves it as @alice, and shows every step on screen', async () => {
    terminal = new Terminal(['--fresh', '--db', join(dir, 'sandbox.db')]);
    const t = terminal;
    await t.waitFor(/@rita in #general> /, 0, 20_000);
    expect(t.output).toContain('Switchboard sandbox');

    // The form opens with the typed text as its summary; Enter keeps defaults, optional fields are skipped.
    t.type('/it-help printer on 3rd floor jams', '', '', 'hardware', '', '', '', '');
    await t.waitFor(/✓ Submit: the form closed/);
    expect(t.output).toContain('┏━ Get IT help');
    expect(t.output).toContain('What do you need help with? [printer on 3rd floor jams]: ');
    expect(t.output).toMatch(/Category:\n\s+1\) access\n\s+2\) hardware/);
    expect(t.output).toContain('💬 Switchboard in #it-triage');
    expect(t.output).toContain('▌ IT-1 · printer on 3rd floor jams');
    expect(t.output).toContain('💬 Switchboard in DM with @rita');
    expect(t.output).toContain("Thanks, we've got it: IT-1");
    const claim = (await t.waitFor(/\[(\d+)\] Claim/))[1]!;

    // An outsider cannot claim; the agent can.
    let mark = t.output.length;
    t.type(claim);
    await t.waitFor(/Only service-desk agents/, mark);
    expect(t.output.slice(mark)).toContain('👁  only @rita sees, in #it-triage');

    t.type('/as @alice', '/in #it-triage');
    await t.waitFor(/@alice in #it-triage> /, mark);
    mark = t.output.length;
    t.type(claim);
    await t.waitFor(/Switchboard updated its message in #it-triage[\s\S]*Assignee: @alice/, mark);
    expect(t.output.slice(mark)).toContain('@alice claimed the ticket');
    expect(t.output.slice(mark)).toContain('@alice is working on your request.');
    const updated = t.output.slice(t.output.indexOf('updated its message', mark));
    const resolve = updated.match(/\[(\d+)\] Resolve/)![1]!;

    // Resolve: a modal with a required note; an empty answer is asked again.
    mark = t.output.length;
    t.type(resolve, '', 'Cleared a torn sheet from the fuser', 'fixed');
    await t.waitFor(/✓ Resolve: the form closed/, mark);
    const screen = t.output.slice(mark);
    expect(screen).toContain('┏━ Resolve IT-1');
    expect(screen).toContain('This field is required.');
    expect(screen).toContain('IT-1 is resolved: printer on 3rd floor jams');
    expect(screen).toMatch(/\[\d+\] 5 ★★★★★/);
    expect(screen).toMatch(/Status: ✅ Resolved\s+Assignee: @alice/);
    expect(screen).toContain('Resolved: ');
    expect(screen).toContain('by @alice');

    t.type('/quit');
    expect(await t.exited).toBe(0);
    expect(t.output).toContain('Bye.');
  }, 60_000);
});

/** Input as a script of lines; output collected. */
function scriptedIo(lines: string[] = []): SandboxIo & { screen: string[]; text(): string } {
  const screen: string[] = [];
  return {
    screen,
    text: () => screen.join('\n'),
    print: (text) => void screen.push(text),
    ask: async (prompt) => {
      const line = lines.shift();
      screen.push(`${prompt}${line ?? ''}`);
      return line;
    },
  };
}

describe('sandbox session and demo', () => {
  let sandbox: Sandbox;
  afterEach(() => sandbox?.stop());

  it('plays the ticket part of the demo day and skips parts whose command is missing', async () => {
    const io = scriptedIo();
    sandbox = await startSandbox({ dbPath: ':memory:', io, logger: silentLogger });
    const missing: DemoSection = {
      title: 'Something from the future',
      needs: '/incident',
      steps: [{ say: 'never shown' }],
    };
    const broken: DemoSection = {
      title: 'A button that is not there',
      steps: [{ as: 'alice', click: 'nothing.here' }, { say: 'never shown either' }],
    };
    const { DEMO_DAY } = await import('../../sandbox/demo.js');
    const options = sandbox.session.options;
    const real = options.available;
    options.available = (command) => command !== '/incident' && (real?.(command) ?? true);
    const result = await runDemo(sandbox.session, [DEMO_DAY[0]!, missing, broken]);
    expect(result.completed).toEqual([DEMO_DAY[0]!.title]);
    const screen = io.text();
    expect(screen).toContain('skipped: /incident not available in this build of Switchboard');
    expect(screen).toContain('skipped: the rest of “A button that is not there”: no nothing.here element to click');
    expect(screen).not.toContain('never shown');
    expect(screen).toContain('@alice claimed the ticket');
    expect(screen).toContain('Thanks for rating IT-1 ★★★★★');
    const ticket = await sandbox.switchboard.db.selectFrom('tickets').selectAll().executeTakeFirstOrThrow();
    expect(ticket).toMatchObject({
      key: 'IT-1',
      status: 'resolved',
      assignee_id: 'UALICE001',
      csat_score: 5,
      resolution_code: 'fixed',
    });
  });

  it('files a ticket from a :ticket: reaction and from the message shortcut, and re-asks a field the app refuses', async () => {
    const io = scriptedIo([
      // the shortcut's form: keep the summary and details, pick a category, bad link, then fix it
      '',
      '',
      'network',
      '',
      '',
      '',
      'javascript:alert(1)',
      'https://example.com/shot.png',
    ]);
    sandbox = await startSandbox({ dbPath: ':memory:', io, logger: silentLogger });
    const { session } = sandbox;
    await session.handle('Wi-Fi in room 4 keeps dropping');
    await session.handle('/as @alice');
    await session.handle('/react :ticket:');
    expect(io.text()).toContain('▌ IT-1 · Wi-Fi in room 4 keeps dropping');

    await session.handle('/as @bob');
    await session.handle('VPN drops every hour <!channel>');
    await session.handle('/shortcut ticket');
    const screen = io.text();
    // The app refused the link inline: the error is shown once, naming the field; only that field was asked again.
    const warnings = screen.split('\n').filter((line) => line.includes('⚠'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^ {2}⚠ Link to a screenshot or file: .*link/i);
    expect(screen.match(/Link to a screenshot or file/g)!.length).toBe(4); // the form, the first ask, the error, the re-ask
    // Slack shows escaped text as typed, and so does the sandbox.
    expect(screen).toContain('▌ IT-2 · VPN drops every hour <!channel>');
    const tickets = await sandbox.switchboard.db
      .selectFrom('tickets')
      .select(['key', 'source', 'requester_id', 'attachment_url'])
      .orderBy('id')
      .execute();
    expect(tickets).toEqual([
      { key: 'IT-1', source: 'reaction', requester_id: 'URITA0001', attachment_url: null },
      { key: 'IT-2', source: 'shortcut', requester_id: 'UBOB00001', attachment_url: 'https://example.com/shot.png' },
    ]);
  });
});

describe('sandbox: what a person types is sent as Slack sends it', () => {
  let sandbox: Sandbox;
  afterEach(() => sandbox?.stop());

  it('mentions in /incident role, /incident action and /itops report arrive as IDs, so the commands work as in Slack', async () => {
    const io = scriptedIo();
    sandbox = await startSandbox({ dbPath: ':memory:', io, logger: silentLogger });
    const { session, switchboard, fake } = sandbox;
    const { db } = switchboard;

    session.as('@carla');
    session.in('#incidents');
    const declared = await session.command('/incident', 'declare Email is down for everyone');
    expect(declared.modal).toBeDefined();
    const submitted = await session.submit(declared.modal!, {
      'incident.f.title': 'Email is down for everyone',
      'incident.f.severity': 'P2',
      'incident.f.services': ['Email'],
      'incident.f.impact': 'Nobody gets mail.',
    });
    expect(submitted.errors).toBeUndefined();
    const incidentChannel = fake.callsTo('conversations.create').at(-1)?.answer.channel?.name as string;
    expect(incidentChannel).toBeTruthy();
    session.in(`#${incidentChannel}`);

    const role = await session.command('/incident', 'role @ivan comms');
    expect(role.skipped).toBeUndefined();
    const action = await session.command('/incident', 'action Add an expiry alert for the relay certificate @alice 3d');
    expect(action.skipped).toBeUndefined();

    const incident = await db.selectFrom('incidents').select(['id']).executeTakeFirstOrThrow();
    expect(
      await db
        .selectFrom('incident_roles')
        .select(['role', 'user_id'])
        .where('incident_id', '=', incident.id)
        .where('role', '=', 'comms_lead')
        .execute(),
    ).toEqual([{ role: 'comms_lead', user_id: 'UIVAN0001' }]);
    expect(io.text()).toContain('@ivan is now Communications lead of INC-1');
    const actions = await db
      .selectFrom('incident_actions')
      .select(['text', 'owner_id'])
      .where('incident_id', '=', incident.id)
      .execute();
    expect(actions).toEqual([{ text: 'Add an expiry alert for the relay certificate', owner_id: 'UALICE001' }]);

    // The IT manager posts the 30-day scorecard to #it-reports by naming it.
    session.as('@mona');
    session.in('#general');
    const postsBefore = fake.callsTo('chat.postMessage').filter((c) => c.answer.channel === 'CITREPORT1').length;
    await session.command('/itops', 'report 30d #it-reports');
    expect(io.text()).not.toMatch(/could not tell which channel/);
    expect(fake.callsTo('chat.postMessage').filter((c) => c.answer.channel === 'CITREPORT1').length).toBe(
      postsBefore + 1,
    );
    const audit = await db
      .selectFrom('audit_log')
      .select(['action', 'actor_id'])
      .where('action', '=', 'report.post')
      .execute();
    expect(audit).toEqual([{ action: 'report.post', actor_id: 'UMONA0001' }]);
  });

  it('text typed with &, < and > arrives escaped and reaches the forms as typed, once', async () => {
    const io = scriptedIo();
    sandbox = await startSandbox({ dbPath: ':memory:', io, logger: silentLogger });
    const { session } = sandbox;
    const ticket = await session.command('/it-help', 'R&D printer <3rd floor> jams');
    expect(ticket.modal?.view.blocks.find((b: any) => b.type === 'input')?.element.initial_value).toBe(
      'R&D printer <3rd floor> jams',
    );
    session.as('@carla');
    session.in('#incidents');
    const incident = await session.command('/incident', 'declare R&D mail <down>');
    expect(incident.modal?.view.blocks.find((b: any) => b.type === 'input')?.element.initial_value).toBe(
      'R&D mail <down>',
    );
  });

  it('escapes &, < and > in command text as Slack does, and encodes mentions only for should_escape commands', () => {
    const names: SlackNames = {
      userId: (n) => ({ ivan: 'UIVAN0001', alice: 'UALICE001' })[n],
      channelId: (n) => ({ 'it-reports': 'CITREPORT1' })[n],
      groupId: (h) => ({ cab: 'SCAB000001' })[h],
    };
    expect(slashCommandText('role @ivan comms', names, true)).toBe('role <@UIVAN0001|ivan> comms');
    expect(slashCommandText('report 30d #it-reports', names, true)).toBe('report 30d <#CITREPORT1|it-reports>');
    expect(slashCommandText('ask @cab, @here and @nobody.', names, true)).toBe(
      'ask <!subteam^SCAB000001|@cab>, <!here> and @nobody.',
    );
    expect(slashCommandText('action ping @alice. R&D <b> 3d', names, true)).toBe(
      'action ping <@UALICE001|alice>. R&amp;D &lt;b&gt; 3d',
    );
    expect(slashCommandText('printer for @ivan in R&D', names, false)).toBe('printer for @ivan in R&amp;D');
    expect(slashCommandText('note see https://status.example.com/a?b=1&c=2 now', names, true)).toBe(
      'note see <https://status.example.com/a?b=1&amp;c=2> now',
    );
    expect(messageMentions('@ivan see #it-reports', names)).toBe('<@UIVAN0001> see <#CITREPORT1|it-reports>');
    expect(commandEscapes('/incident')).toBe(true);
    expect(commandEscapes('/itops')).toBe(true);
    expect(commandEscapes('/it-help')).toBe(false);
  });
});

describe('sandbox: a refused form can always be answered or closed', () => {
  let sandbox: Sandbox;
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'switchboard-sandbox-freeze-'));
  });
  afterEach(() => sandbox?.stop());
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('an emergency change inside a freeze: the refusal is answered, the reason is asked for by name, and the change goes through', async () => {
    const settings = parseYaml(readFileSync(join(root, 'sandbox/config.yml'), 'utf8'));
    settings.changes.freeze_windows = [
      {
        name: 'Year-end freeze',
        start: new Date(Date.now() - 3_600_000).toISOString(),
        end: new Date(Date.now() + 7 * 86_400_000).toISOString(),
      },
    ];
    const configPath = join(dir, 'freeze.yml');
    writeFileSync(configPath, toYaml(settings));
    // Title, description, type (Emergency), services, risk, four risk questions, start, end, implementer,
    // plans, linked record, override, reason.
    const firstPass = [
      'Restart the mail relay',
      '',
      '',
      'Email',
      'low',
      '',
      '',
      '',
      '',
      '',
      '',
      '',
      'Restart the relay service',
      'Start the old relay again',
      '',
      '',
      '',
    ];
    const io = scriptedIo([
      ...firstPass, // not ticked: the app refuses on the override field
      '', // the override asked again, left unticked: the same refusal
      ...Array(15).fill(''), // so every field is asked again, each keeping its answer…
      '1', // …the override is ticked
      '', // with no reason: the reason is asked for by name
      'The relay certificate expired: nobody gets mail',
    ]);
    sandbox = await startSandbox({ dbPath: ':memory:', configPath, io, logger: silentLogger });
    const { session, switchboard } = sandbox;
    session.as('@carla');
    await session.handle('/change emergency');

    const screen = io.text();
    expect(screen).toContain('✓ Submit: the form closed');
    const warnings = screen.split('\n').filter((line) => line.includes('⚠'));
    expect(warnings).toEqual([
      expect.stringMatching(
        /^ {2}⚠ Freeze override \(emergency changes only\): The window overlaps a change freeze: “Year-end freeze”.*tick the override and give a reason/,
      ),
      expect.stringMatching(/^ {2}⚠ Freeze override \(emergency changes only\): The window overlaps a change freeze/),
      '  ⚠ Override reason (needed with the override): Give the reason for overriding the freeze: why the change cannot wait. It is recorded.',
    ]);
    expect(screen).toContain(
      'Refused again for the same reason: every field is asked again (Enter keeps your answer, /cancel closes the form).',
    );
    // A field asked again offers the answer given before.
    expect(screen).toContain('  Title [Restart the mail relay]: ');
    const change = await switchboard.db
      .selectFrom('changes')
      .select(['title', 'type', 'freeze_override', 'freeze_override_reason', 'implementation_plan'])
      .executeTakeFirstOrThrow();
    expect(change).toEqual({
      title: 'Restart the mail relay',
      type: 'emergency',
      freeze_override: 1,
      freeze_override_reason: 'The relay certificate expired: nobody gets mail',
      implementation_plan: 'Restart the relay service',
    });
  });

  it('/cancel at a field asked again closes the form without submitting', async () => {
    const io = scriptedIo(['', '', 'hardware', '', '', '', 'javascript:alert(1)', '/cancel']);
    sandbox = await startSandbox({ dbPath: ':memory:', io, logger: silentLogger });
    await sandbox.session.handle('/it-help printer jams');
    expect(io.text()).toContain('Form closed without submitting.');
    expect(await sandbox.switchboard.db.selectFrom('tickets').selectAll().execute()).toEqual([]);
  });
});

describe('sandbox: files the bot uploads', () => {
  let sandbox: Sandbox;
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'switchboard-sandbox-files-'));
  });
  afterEach(() => sandbox?.stop());
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('are saved to disk with their path shown, and a PNG chart gets an [Open] that opens it', async () => {
    const io = scriptedIo();
    const opened: string[] = [];
    sandbox = await startSandbox({
      dbPath: ':memory:',
      io,
      logger: silentLogger,
      filesDir: join(dir, 'files'),
      openFile: (path) => void opened.push(path),
    });
    const { session, fake } = sandbox;
    session.as('@mona');
    await session.handle('/itops export tickets 30d');
    await session.handle('/itops report 7d chart');
    await session.settle();
    session.collect();

    const screen = io.text();
    const csv = fake.uploads.find((u) => u.filename.endsWith('.csv'))!;
    const png = fake.uploads.find((u) => u.filename.endsWith('.png'))!;
    expect(csv).toBeDefined();
    expect(png).toBeDefined();
    const csvPath = join(dir, 'files', `${csv.file_id}-${csv.filename}`);
    const pngPath = join(dir, 'files', `${png.file_id}-${png.filename}`);
    expect(readFileSync(csvPath)).toEqual(csv.content);
    expect(readFileSync(pngPath)).toEqual(png.content);
    expect(png.content.subarray(1, 4).toString()).toBe('PNG');
    expect(screen).toContain(`file: ${csvPath} (`);
    expect(screen).not.toMatch(new RegExp(`${csv.file_id}.*\\[\\d+\\] Open`));
    const open = screen.match(
      new RegExp(`file: ${pngPath.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\([\\d.]+ KB, PNG\\)  \\[(\\d+)\\] Open`),
    );
    expect(open).not.toBeNull();
    await session.handle(open![1]!);
    expect(opened).toEqual([pngPath]);
  });
});
