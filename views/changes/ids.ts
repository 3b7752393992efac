/** Block Kit ids of the change area. `change.approve` / `change.reject` are also rendered by the App Home. */
export const CHANGE_ACTIONS = {
  /** Button value: the change id as a string. */
  approve: 'change.approve',
  /** Button value: the change id as a string; opens the reason modal. */
  reject: 'change.reject',
  ask: 'change.ask',
  start: 'change.start',
  postpone: 'change.postpone',
  closeout: 'change.closeout',
} as const;

export const CHANGE_VIEWS = {
  request: 'change.request',
  pickTemplate: 'change.pick_template',
  rejectReason: 'change.reject_reason',
  question: 'change.question',
  postpone: 'change.postpone_window',
  closeout: 'change.closeout_form',
} as const;

/** Input block ids of the request modal (action ids are the same strings). */
export const REQUEST_FIELDS = {
  title: 'change_title',
  description: 'change_description',
  type: 'change_type',
  services: 'change_services',
  risk: 'change_risk',
  impact: 'risk_impact',
  blastRadius: 'risk_blast_radius',
  tested: 'risk_tested',
  rollbackReady: 'risk_rollback_ready',
  start: 'window_start',
  end: 'window_end',
  implementer: 'change_implementer',
  implementationPlan: 'implementation_plan',
  rollbackPlan: 'rollback_plan',
  linked: 'linked_record',
  freezeOverride: 'freeze_override',
  freezeReason: 'freeze_override_reason',
  template: 'standard_template',
  /** The requester's note on a standard change. */
  requesterNote: 'standard_note',
  reason: 'reason',
  question: 'question',
  outcome: 'closeout_outcome',
  notes: 'closeout_notes',
} as const;
