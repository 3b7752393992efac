/** The priority scale, most urgent first: tickets' priorities and incidents' severities. */
export const PRIORITIES = ['P1', 'P2', 'P3', 'P4'] as const;
export type Priority = (typeof PRIORITIES)[number];

export type Level = 'high' | 'medium' | 'low';
export const LEVELS: readonly Level[] = ['high', 'medium', 'low'];

/** ITIL impact × urgency matrix folded to four priorities (itops-reference.md). */
const MATRIX: Record<Level, Record<Level, Priority>> = {
  high: { high: 'P1', medium: 'P2', low: 'P3' },
  medium: { high: 'P2', medium: 'P3', low: 'P4' },
  low: { high: 'P3', medium: 'P4', low: 'P4' },
};

export function priorityOf(impact: Level, urgency: Level): Priority {
  return MATRIX[impact][urgency];
}

export const IMPACT_LABELS: Record<Level, string> = {
  high: 'High – many people or a whole team blocked',
  medium: 'Medium – a few people, or degraded',
  low: 'Low – just me, or a workaround exists',
};

export const URGENCY_LABELS: Record<Level, string> = {
  high: 'High – work has stopped',
  medium: 'Medium – work is slowed',
  low: 'Low – it can wait',
};
