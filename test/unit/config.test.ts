import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { durationMs, formatDuration, parseDuration } from '../../src/config/duration.js';
import { databaseLocation, parseEnv } from '../../src/config/env.js';
import { loadSettings, parseSettings } from '../../src/config/load.js';

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;

describe('durations', () => {
  it.each([
    ['90s', 90 * S],
    ['30m', 30 * M],
    ['4h', 4 * H],
    ['2d', 2 * D],
    ['1w', 7 * D],
    ['500ms', 500],
    ['1h30m', 90 * M],
    ['2d4h', 2 * D + 4 * H],
    ['1.5h', 90 * M],
    ['0s', 0],
    [' 30m ', 30 * M],
    ['PT30M', 30 * M],
    ['P1DT2H', D + 2 * H],
    ['PT1H30M15S', H + 30 * M + 15 * S],
    ['P2D', 2 * D],
    ['P1W', 7 * D],
    ['pt30m', 30 * M],
  ])('%s is %d ms', (input, ms) => {
    expect(parseDuration(input)).toBe(ms);
  });

  it.each(['30', 'abc', 'PT', 'P', 'P1DT', '', '   ', '1h 30m', '-5m', '30x', 'h', 'm30', '30M', 'PT-5M', '1,5h'])(
    'refuses %j',
    (input) => {
      expect(parseDuration(input)).toBeUndefined();
    },
  );

  it('the zod schema turns a bad duration into a message that shows the accepted forms', () => {
    expect(durationMs.parse('4h')).toBe(4 * H);
    const result = durationMs.safeParse('30');
    expect(result.success).toBe(false);
    expect(result.error!.issues[0]!.message).toBe(
      '"30" is not a duration (use 90s, 30m, 4h, 2d or ISO-8601 like PT30M)',
    );
  });

  it.each([
    [0, '0ms'],
    [500, '500ms'],
    [S, '1s'],
    [45 * S, '45s'],
    [90 * S, '1m 30s'],
    [30 * M, '30m'],
    [90 * M, '1h 30m'],
    [4 * H, '4h'],
    [D, '1d'],
    [D + 2 * H, '1d 2h'],
    // Only the two largest parts: people read "1d 2h", not "1d 2h 3m 4s".
    [D + 2 * H + 3 * M + 4 * S, '1d 2h'],
    [-5, '0ms'],
  ])('formatDuration(%d) is %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it('formatDuration reads back as the same duration for whole units', () => {
    for (const text of ['45s', '30m', '4h', '2d']) expect(formatDuration(parseDuration(text)!)).toBe(text);
    expect(parseDuration(formatDuration(90 * M).replace(' ', ''))).toBe(90 * M);
  });
});

describe('environment', () => {
  const TOKEN_MISSING =
    'SLACK_BOT_TOKEN is not set: copy the Bot User OAuth Token (xoxb-…) from your app\'s "OAuth & Permissions" page at https://api.slack.com/apps';
  const SECRET_MISSING =
    'SLACK_SIGNING_SECRET is not set: copy the Signing Secret from your app\'s "Basic Information" page at https://api.slack.com/apps (or set SLACK_APP_TOKEN to use Socket Mode instead)';
  const good = { SLACK_BOT_TOKEN: 'xoxb-1-2-3', SLACK_SIGNING_SECRET: 'secret' };

  it('an empty environment names both secrets and where to find them, one line each', () => {
    expect(parseEnv({})).toEqual({ ok: false, problems: [TOKEN_MISSING, SECRET_MISSING] });
  });

  it('empty strings count as unset', () => {
    expect(parseEnv({ SLACK_BOT_TOKEN: '', SLACK_SIGNING_SECRET: '' })).toEqual({
      ok: false,
      problems: [TOKEN_MISSING, SECRET_MISSING],
    });
  });

  it('a missing signing secret alone is reported alone', () => {
    expect(parseEnv({ SLACK_BOT_TOKEN: 'xoxb-1' })).toEqual({ ok: false, problems: [SECRET_MISSING] });
    expect(parseEnv({ SLACK_SIGNING_SECRET: 's' })).toEqual({ ok: false, problems: [TOKEN_MISSING] });
  });

  it('a token of the wrong kind says which kind is needed', () => {
    expect(parseEnv({ ...good, SLACK_BOT_TOKEN: 'xapp-1' })).toEqual({
      ok: false,
      problems: [
        'SLACK_BOT_TOKEN must be a bot token starting with xoxb- (OAuth & Permissions page of your Slack app)',
      ],
    });
    expect(parseEnv({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: 'xoxb-2' })).toEqual({
      ok: false,
      problems: [
        'SLACK_APP_TOKEN must be an app-level token starting with xapp- ("Basic Information" → App-Level Tokens, scope connections:write)',
      ],
    });
  });

  it('Socket Mode needs no signing secret', () => {
    const result = parseEnv({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: 'xapp-1-A-1' });
    expect(result.ok).toBe(true);
  });

  it('applies defaults', () => {
    const result = parseEnv(good);
    expect(result).toEqual({
      ok: true,
      value: { ...good, PORT: 3000, DATABASE_URL: 'file:./data/switchboard.db', LOG_LEVEL: 'info' },
    });
  });

  it.each(['abc', '70000', '-1', '80.5'])('refuses PORT=%s with the accepted range', (port) => {
    expect(parseEnv({ ...good, PORT: port })).toEqual({
      ok: false,
      problems: ['PORT must be a whole number from 0 to 65535'],
    });
  });

  it('accepts PORT=0 (any free port) and PORT=8080', () => {
    expect(parseEnv({ ...good, PORT: '0' })).toMatchObject({ ok: true, value: { PORT: 0 } });
    expect(parseEnv({ ...good, PORT: '8080' })).toMatchObject({ ok: true, value: { PORT: 8080 } });
  });

  it.each(['not a url', 'localhost:3000', 'ftp://files.example/api/', 'slack.com/api'])(
    'refuses SLACK_API_URL=%s',
    (url) => {
      expect(parseEnv({ ...good, SLACK_API_URL: url })).toEqual({
        ok: false,
        problems: ['SLACK_API_URL must be an http(s) URL such as https://slack.com/api/'],
      });
    },
  );

  it('SLACK_API_URL always ends with a slash, as the WebClient expects', () => {
    expect(parseEnv({ ...good, SLACK_API_URL: 'http://127.0.0.1:9999/api' })).toMatchObject({
      ok: true,
      value: { SLACK_API_URL: 'http://127.0.0.1:9999/api/' },
    });
    expect(parseEnv({ ...good, SLACK_API_URL: 'https://slack.com/api/' })).toMatchObject({
      ok: true,
      value: { SLACK_API_URL: 'https://slack.com/api/' },
    });
  });

  it('refuses an unknown LOG_LEVEL', () => {
    const result = parseEnv({ ...good, LOG_LEVEL: 'verbose' });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems).toHaveLength(1);
    if (!result.ok) expect(result.problems[0]).toMatch(/^LOG_LEVEL: /);
  });

  it('reports every problem in one go', () => {
    const result = parseEnv({ PORT: 'x', SLACK_API_URL: 'nope' });
    expect(result.ok).toBe(false);
    if (!result.ok)
      expect(result.problems).toEqual([
        TOKEN_MISSING,
        'PORT must be a whole number from 0 to 65535',
        'SLACK_API_URL must be an http(s) URL such as https://slack.com/api/',
        SECRET_MISSING,
      ]);
  });

  it('databaseLocation reads file: URLs and in-memory databases', () => {
    expect(databaseLocation({ DATABASE_URL: 'file:./x.db' })).toBe('./x.db');
    expect(databaseLocation({ DATABASE_URL: 'file:/var/lib/switchboard/db.sqlite' })).toBe(
      '/var/lib/switchboard/db.sqlite',
    );
    expect(databaseLocation({ DATABASE_URL: './plain.db' })).toBe('./plain.db');
    expect(databaseLocation({ DATABASE_URL: ':memory:' })).toBe(':memory:');
    expect(databaseLocation({ DATABASE_URL: 'file::memory:' })).toBe(':memory:');
  });
});

describe('settings', () => {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-config-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, text: string): string => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };

  it('starts from defaults with no file', () => {
    const result = loadSettings(undefined);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const s = result.value;
    expect(s.timezone).toBe('UTC');
    expect(Object.keys(s.calendars).sort()).toEqual(['24x7', 'business']);
    expect(s.sla.warn_at).toBe(0.75);
    expect(s.sla.policies.P1).toEqual({
      first_response: { days: 0, ms: 15 * M },
      resolution: { days: 0, ms: 4 * H },
      calendar: '24x7',
    });
    expect(s.sla.policies.P4).toEqual({
      first_response: { days: 1, ms: 0 },
      resolution: { days: 5, ms: 0 },
      calendar: 'business',
    });
    expect(
      Object.entries(s.sla.pause_reasons)
        .filter(([, r]) => r.pauses)
        .map(([k]) => k),
    ).toEqual(['waiting_on_requester', 'waiting_on_vendor', 'waiting_on_problem', 'waiting_on_incident']);
    expect(s.incidents.severities.P1.update_cadence).toBe(30 * M);
    expect(s.incidents.severities.P4.update_cadence).toBeNull();
    expect(s.incidents.overdue_grace).toBe(10 * M);
    expect(s.service_desk.close_after).toBe(5 * D);
    expect(s.changes.approvals_by_risk).toEqual({ low: 1, medium: 1, high: 2 });
    expect(s.jobs.sweep_cron).toBe('*/5 * * * * *');
    expect(s.slack).toEqual({
      per_channel_rate: 1,
      per_channel_burst: 4,
      role_cache_ttl: 5 * M,
      request_timeout: 10 * S,
    });
    expect(s.roles.agents).toEqual([]);
    expect(s.channels).toEqual({});
  });

  it('an empty file is the defaults', () => {
    const result = loadSettings(file('empty.yml', ''));
    expect(result.ok).toBe(true);
    expect(result).toEqual(loadSettings(undefined));
  });

  it('a missing file names the path and the reason', () => {
    const path = join(dir, 'nope.yml');
    expect(loadSettings(path)).toEqual({ ok: false, problems: [`ITOPS_CONFIG: cannot read ${path} (ENOENT)`] });
  });

  it('invalid YAML is one clear line naming the path and where it broke', () => {
    const path = file('broken.yml', 'sla:\n  policies: [unclosed\n  warn_at: 0.5\n');
    const result = loadSettings(path);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems).toHaveLength(1);
    const [line] = result.problems;
    expect(line).toContain(path);
    expect(line).toMatch(/^ITOPS_CONFIG: .* is not valid YAML: .*line \d+, column \d+$/);
    expect(line).not.toContain('\n');
  });

  it('a valid file with bad values names the path and each field', () => {
    const path = file('bad-values.yml', 'timezone: Mars/Olympus\nchannels:\n  triage: "#it-help"\n');
    expect(loadSettings(path)).toEqual({
      ok: false,
      problems: [
        `${path}: settings timezone: must be an IANA time zone such as Europe/London`,
        `${path}: settings channels.triage: must be a Slack channel ID (C… or G…), not a #name`,
      ],
    });
  });

  it('an unknown or misspelt key at any level is refused: one line with its path and the nearest valid key', () => {
    const path = file(
      'typos.yml',
      [
        'chanels:',
        '  triage: C0TRIAGE01',
        'roles:',
        '  agent: [S0DESK]',
        'sla:',
        '  policies:',
        '    P1: { first_response: 1h, resolution: 4h, calender: 24x7 }',
        '    P5: { first_response: 1h, resolution: 4h, calendar: 24x7 }',
        'changes:',
        '  freeze_windows:',
        '    - { nmae: Year end, start: "2026-12-20T18:00:00Z", end: "2026-12-21T18:00:00Z" }',
        'colour: blue',
        '',
      ].join('\n'),
    );
    const result = loadSettings(path);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect([...result.problems].sort()).toEqual(
      [
        `${path}: unknown setting chanels — did you mean channels?`,
        `${path}: unknown setting roles.agent — did you mean roles.agents?`,
        `${path}: unknown setting sla.policies.P1.calender — did you mean sla.policies.P1.calendar?`,
        `${path}: unknown setting sla.policies.P5 — the settings under sla.policies are P1, P2, P3, P4`,
        `${path}: unknown setting changes.freeze_windows.0.nmae — did you mean changes.freeze_windows.0.name?`,
        `${path}: unknown setting colour — the settings at the top level are timezone, channels, roles, calendars, service_catalog, service_desk, sla, incidents, changes, reports, jobs, slack`,
      ].sort(),
    );
  });

  it.each([
    [{ channels: { triagee: 'C0TRIAGE01' } }, 'unknown setting channels.triagee — did you mean channels.triage?'],
    [
      { incidents: { severities: { P1: { label: 'x', description: 'y', update_cadence: '30m', brige: true } } } },
      'unknown setting incidents.severities.P1.brige — did you mean incidents.severities.P1.bridge?',
    ],
    [
      { calendars: { '24x7': { always: true }, business: { start: '08:00', ends: '18:00' } } },
      'unknown setting calendars.business.ends — did you mean calendars.business.end?',
    ],
    [
      { changes: { approvals_by_risk: { low: 1, medium: 1, hihg: 2 } } },
      'unknown setting changes.approvals_by_risk.hihg — did you mean changes.approvals_by_risk.high?',
    ],
    [
      { slack: { per_channel_rates: 2 } },
      'unknown setting slack.per_channel_rates — did you mean slack.per_channel_rate?',
    ],
  ])('refuses %j', (input, problem) => {
    expect(parseSettings(input)).toEqual({ ok: false, problems: [problem] });
  });

  it('reads a real YAML file with durations and overrides', () => {
    const path = file(
      'good.yml',
      [
        'timezone: Europe/London',
        'channels:',
        '  triage: C0123TRIAGE',
        'service_desk:',
        '  close_after: P3D',
        'jobs:',
        '  sweep_cron: "*/10 * * * * *"',
        '',
      ].join('\n'),
    );
    const result = loadSettings(path);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value.channels.triage).toBe('C0123TRIAGE');
    expect(result.value.service_desk.close_after).toBe(3 * D);
    expect(result.value.service_desk.reopen_window).toBe(5 * D);
  });

  it('an SLA policy naming an unknown calendar is refused with the field path', () => {
    expect(
      parseSettings({ sla: { policies: { P2: { first_response: '1h', resolution: '8h', calendar: 'weekdays' } } } }),
    ).toEqual({
      ok: false,
      problems: ['settings sla.policies.P2.calendar: names calendar "weekdays", which is not under calendars'],
    });
  });

  it('an SLA policy may name a calendar defined in the same file', () => {
    const result = parseSettings({
      calendars: {
        '24x7': { always: true },
        business: {},
        weekdays: { days: ['mon', 'tue'], start: '08:00', end: '18:00' },
      },
      sla: { policies: { P2: { first_response: '1h', resolution: '8h', calendar: 'weekdays' } } },
    });
    expect(result.ok).toBe(true);
  });

  it('replacing calendars without the ones default policies use is refused', () => {
    const result = parseSettings({ calendars: { office: {} } });
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.problems).toContain(
        'settings sla.policies.P1.calendar: names calendar "24x7", which is not under calendars',
      );
      expect(result.problems).toContain(
        'settings changes.calendar: names calendar "business", which is not under calendars',
      );
    }
  });

  it.each(['#triage', 'triage', 'U0123ABCD', 'c0123abc'])('refuses channel %j', (channel) => {
    expect(parseSettings({ channels: { triage: channel } })).toEqual({
      ok: false,
      problems: ['settings channels.triage: must be a Slack channel ID (C… or G…), not a #name'],
    });
  });

  it('accepts public and private channel ids', () => {
    expect(parseSettings({ channels: { triage: 'C0123ABC', incidents: 'G0123ABC' } }).ok).toBe(true);
  });

  it('refuses a role entry that is not a user or user-group id', () => {
    expect(parseSettings({ roles: { agents: ['@alice'] } })).toEqual({
      ok: false,
      problems: ['settings roles.agents.0: must be a Slack user ID (U… or W…) or user-group ID (S…)'],
    });
  });

  it.each(['every monday', '61 * * * *', '* * *', '0 9 * * 8'])('refuses cron %j', (expr) => {
    expect(parseSettings({ reports: { weekly_cron: expr } })).toEqual({
      ok: false,
      problems: ['settings reports.weekly_cron: must be a cron expression (5 fields, or 6 with seconds first)'],
    });
  });

  it('accepts cron with a seconds field', () => {
    const result = parseSettings({ jobs: { sweep_cron: '*/10 * * * * *' }, reports: { weekly_cron: '0 0 9 * * 1' } });
    expect(result).toMatchObject({
      ok: true,
      value: { jobs: { sweep_cron: '*/10 * * * * *' }, reports: { weekly_cron: '0 0 9 * * 1' } },
    });
  });

  it('a partial sla.policies override keeps the other priorities at their defaults', () => {
    const result = parseSettings({
      sla: { policies: { P2: { first_response: '2h', resolution: '1d', calendar: '24x7' } } },
    });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value.sla.policies).toEqual({
      P1: { first_response: { days: 0, ms: 15 * M }, resolution: { days: 0, ms: 4 * H }, calendar: '24x7' },
      P2: { first_response: { days: 0, ms: 2 * H }, resolution: { days: 1, ms: 0 }, calendar: '24x7' },
      P3: { first_response: { days: 0, ms: 4 * H }, resolution: { days: 3, ms: 0 }, calendar: 'business' },
      P4: { first_response: { days: 1, ms: 0 }, resolution: { days: 5, ms: 0 }, calendar: 'business' },
    });
    expect(result.value.sla.warn_at).toBe(0.75);
  });

  it('keeps SLA targets as written: 24h is 24 working hours, not one business day; weeks are refused', () => {
    const result = parseSettings({
      sla: { policies: { P3: { first_response: '24h', resolution: '1.5d', calendar: 'business' } } },
    });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value.sla.policies.P3).toEqual({
      first_response: { days: 0, ms: 24 * H },
      resolution: { days: 1.5, ms: 0 },
      calendar: 'business',
    });
    const weeks = parseSettings({
      sla: { policies: { P3: { first_response: '4h', resolution: '1w', calendar: 'business' } } },
    });
    expect(weeks.ok).toBe(false);
    if (!weeks.ok) expect(weeks.problems.join('\n')).toMatch(/sla\.policies\.P3\.resolution: .*weeks/);
  });

  it('refuses a calendar whose day ends at or before it starts', () => {
    const result = parseSettings({
      calendars: { '24x7': { always: true }, business: { start: '18:00', end: '09:00' } },
    });
    expect(result.ok).toBe(false);
    if (!result.ok)
      expect(result.problems).toEqual([
        'settings calendars.business.end: (09:00) is at or before start (18:00); a working day must end after it starts',
      ]);
    const equal = parseSettings({
      calendars: { '24x7': { always: true }, business: { start: '09:00', end: '09:00' } },
    });
    expect(equal.ok).toBe(false);
    expect(
      parseSettings({ calendars: { '24x7': { always: true }, business: { start: '00:00', end: '23:59' } } }).ok,
    ).toBe(true);
  });

  it('pause reasons: configurable, each pausing or not; waiting_on_requester is required', () => {
    const result = parseSettings({
      sla: {
        pause_reasons: {
          waiting_on_requester: { label: 'Waiting on you', pauses: true },
          waiting_on_parts: { label: 'Parts on order', pauses: false },
        },
      },
    });
    expect(result.ok).toBe(true);
    if (result.ok)
      expect(result.value.sla.pause_reasons).toEqual({
        waiting_on_requester: { label: 'Waiting on you', pauses: true },
        waiting_on_parts: { label: 'Parts on order', pauses: false },
      });
    const missing = parseSettings({ sla: { pause_reasons: { waiting_on_parts: { label: 'Parts', pauses: false } } } });
    expect(missing.ok).toBe(false);
    if (!missing.ok) expect(missing.problems.join('\n')).toMatch(/pause_reasons.*waiting_on_requester/);
  });

  it('a partial severity override keeps the other severities', () => {
    const result = parseSettings({
      incidents: { severities: { P3: { label: 'Minor', description: 'd', update_cadence: '2h' } } },
    });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value.incidents.severities.P3).toEqual({
      label: 'Minor',
      description: 'd',
      update_cadence: 2 * H,
      bridge: false,
    });
    expect(result.value.incidents.severities.P1.update_cadence).toBe(30 * M);
  });

  it('a bad duration in settings names the field and the accepted forms', () => {
    expect(parseSettings({ service_desk: { close_after: '5' } })).toEqual({
      ok: false,
      problems: [
        'settings service_desk.close_after: "5" is not a duration (use 90s, 30m, 4h, 2d or ISO-8601 like PT30M)',
      ],
    });
  });
});
