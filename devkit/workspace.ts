import { parseSettings } from '../src/config/load.js';
import type { Settings } from '../src/config/settings.js';
import { BOT_USER_ID, type FakeSlack } from './fake-slack/server.js';

/**
 * The workspace the tests, the sandbox and the benchmark run in: its people, channels and user
 * groups in the fake Slack, and the settings that name them.
 */

export const SIGNING_SECRET = 'test-signing-secret-0123456789';

/** People and places every end-to-end test can use. */
export const people = {
  requester: { id: 'UREQ0001', name: 'rita' },
  requester2: { id: 'UREQ0002', name: 'ron' },
  agent: { id: 'UAGENT01', name: 'alice' },
  agent2: { id: 'UAGENT02', name: 'arnold' },
  outsider: { id: 'UOUTSID1', name: 'oscar' },
  commander: { id: 'UCOMMAN1', name: 'carla' },
  manager: { id: 'UIMGR001', name: 'ivan' },
  approver: { id: 'UCAB0001', name: 'bea' },
  approver2: { id: 'UCAB0002', name: 'ben' },
  emergency: { id: 'UECAB001', name: 'eve' },
  itManager: { id: 'UMANAGE1', name: 'mona' },
} as const;

export const channels = {
  general: 'CGENERAL',
  triage: 'CTRIAGE01',
  incidents: 'CINCIDNT1',
  executives: 'CEXECS001',
  changes: 'CCHANGES1',
  reports: 'CREPORTS1',
  stakeholders: 'CSTAKEHO1',
} as const;

export const groups = {
  agents: 'SAGENTS01',
  escalation: 'SESCALAT1',
  managers: 'SIMGRS001',
  cab: 'SCAB00001',
  ecab: 'SECAB0001',
} as const;

/** Test settings: the shipped defaults plus channels and roles; `overrides` as in YAML. */
export function testSettings(overrides: Record<string, any> = {}): Settings {
  const base: Record<string, any> = {
    timezone: 'Europe/London',
    channels: {
      triage: channels.triage,
      incidents: channels.incidents,
      executives: channels.executives,
      changes: channels.changes,
      reports: channels.reports,
    },
    roles: {
      agents: [groups.agents],
      escalation: [groups.escalation],
      incident_commanders: [people.commander.id],
      incident_managers: [groups.managers],
      change_approvers: [groups.cab],
      emergency_approvers: [groups.ecab],
      managers: [people.itManager.id],
    },
    jobs: { sweep_cron: '* * * * * *' },
    slack: { per_channel_rate: 1000, per_channel_burst: 1000 },
  };
  const merged = deepMerge(base, overrides);
  const parsed = parseSettings(merged);
  if (!parsed.ok) throw new Error(parsed.problems.join('\n'));
  return parsed.value;
}

function deepMerge(a: Record<string, any>, b: Record<string, any>): Record<string, any> {
  const out: Record<string, any> = { ...a };
  for (const [k, v] of Object.entries(b)) {
    out[k] =
      v && typeof v === 'object' && !Array.isArray(v) && a[k] && typeof a[k] === 'object' ? deepMerge(a[k], v) : v;
  }
  return out;
}

/** The people, channels and user groups above, in a fake Slack. */
export function populateFake(fake: FakeSlack): FakeSlack {
  for (const person of Object.values(people)) fake.addUser(person.id, person.name);
  // Everyone is in the shared channels, and so is the bot (it was invited where it posts).
  const everyone = [...Object.values(people).map((p) => p.id), BOT_USER_ID];
  for (const [name, id] of Object.entries(channels)) fake.addChannel(id, name, everyone);
  fake.setUsergroup(groups.agents, [people.agent.id, people.agent2.id]);
  fake.setUsergroup(groups.escalation, [people.manager.id]);
  fake.setUsergroup(groups.managers, [people.manager.id]);
  fake.setUsergroup(groups.cab, [people.approver.id, people.approver2.id]);
  fake.setUsergroup(groups.ecab, [people.emergency.id]);
  return fake;
}
