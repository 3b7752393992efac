/**
 * The pretend company the sandbox plays in: people (with the roles sandbox/config.yml gives them),
 * channels and user groups. IDs look like Slack's so the settings validate as they would in production.
 */
export interface SandboxPerson {
  id: string;
  name: string;
  /** What the person does, shown by /people. */
  role: string;
}

export interface SandboxChannel {
  id: string;
  name: string;
}

export interface SandboxGroup {
  id: string;
  handle: string;
  members: string[];
}

export interface SandboxWorld {
  people: SandboxPerson[];
  channels: SandboxChannel[];
  groups: SandboxGroup[];
}

const person = (id: string, name: string, role: string): SandboxPerson => ({ id, name, role });

export const PEOPLE = {
  rita: person('URITA0001', 'rita', 'employee'),
  bob: person('UBOB00001', 'bob', 'employee'),
  alice: person('UALICE001', 'alice', 'service-desk agent'),
  arnold: person('UARNOLD01', 'arnold', 'service-desk agent'),
  carla: person('UCARLA001', 'carla', 'incident commander'),
  ivan: person('UIVAN0001', 'ivan', 'incident manager, escalation'),
  bea: person('UBEA00001', 'bea', 'CAB approver'),
  ben: person('UBEN00001', 'ben', 'CAB approver'),
  eve: person('UEVE00001', 'eve', 'emergency approver (ECAB)'),
  mona: person('UMONA0001', 'mona', 'IT manager'),
} as const;

export const CHANNELS = {
  general: { id: 'CGENERAL01', name: 'general' },
  triage: { id: 'CITTRIAGE1', name: 'it-triage' },
  incidents: { id: 'CINCIDENT1', name: 'incidents' },
  exec: { id: 'CEXEC00001', name: 'exec' },
  changes: { id: 'CCHANGES01', name: 'changes' },
  reports: { id: 'CITREPORT1', name: 'it-reports' },
} as const;

const GROUPS = {
  agents: { id: 'SAGENTS001', handle: 'it-agents', members: [PEOPLE.alice.id, PEOPLE.arnold.id] },
  escalation: { id: 'SESCALATE1', handle: 'it-escalation', members: [PEOPLE.ivan.id] },
  incidentManagers: { id: 'SINCMGRS01', handle: 'incident-managers', members: [PEOPLE.ivan.id] },
  cab: { id: 'SCAB000001', handle: 'cab', members: [PEOPLE.bea.id, PEOPLE.ben.id] },
  ecab: { id: 'SECAB00001', handle: 'ecab', members: [PEOPLE.eve.id] },
} as const;

export function defaultWorld(): SandboxWorld {
  return {
    people: Object.values(PEOPLE).map((p) => ({ ...p })),
    channels: Object.values(CHANNELS).map((c) => ({ ...c })),
    groups: Object.values(GROUPS).map((g) => ({ ...g, members: [...g.members] })),
  };
}
