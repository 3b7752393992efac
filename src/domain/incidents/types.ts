import type { Severity, Status } from './rules.js';

/** What the views need to show an incident: loaded by the services, rendered by views/incidents. */
export interface IncidentSnapshot {
  id: number;
  key: string;
  title: string;
  severity: Severity;
  severityLabel: string;
  status: Status;
  impact: string;
  services: string[];
  declaredBy: string;
  commanderId: string | null;
  roles: { role: string; userId: string }[];
  declaredAt: number;
  acknowledgedAt: number | null;
  resolvedAt: number | null;
  nextUpdateDueAt: number | null;
  lastUpdateAt: number | null;
  bridgeUrl: string | null;
  channelId: string | null;
  resolutionSummary: string | null;
}

/** A stakeholder update as published. */
export interface UpdateContent {
  status: Status;
  impact: string;
  actions: string;
  workaround: string | null;
  nextUpdateAt: number | null;
  postedBy: string;
  at: number;
}

export interface ActionItem {
  id: number;
  incidentKey: string;
  incidentTitle: string;
  text: string;
  ownerId: string;
  dueAt: number;
  status: 'open' | 'done';
}
