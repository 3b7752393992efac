import type { Risk } from './types.js';

/**
 * The short risk questionnaire: four answers, scored and folded to low / medium / high. A change that
 * is untested with no rollback is high risk whatever else is true.
 */
export interface RiskAnswers {
  impact: 'low' | 'medium' | 'high';
  blast_radius: 'single' | 'team' | 'site' | 'company';
  tested: boolean;
  rollback_ready: boolean;
}

const IMPACT = { low: 0, medium: 1, high: 2 } as const;
const BLAST = { single: 0, team: 1, site: 2, company: 3 } as const;

export function riskScore(a: RiskAnswers): number {
  return IMPACT[a.impact] + BLAST[a.blast_radius] + (a.tested ? 0 : 2) + (a.rollback_ready ? 0 : 2);
}

export function riskFromAnswers(a: RiskAnswers): Risk {
  if (!a.tested && !a.rollback_ready) return 'high';
  const score = riskScore(a);
  if (score >= 5) return 'high';
  if (score >= 2) return 'medium';
  return 'low';
}
