/** Action, block and callback ids of the incident area (all prefixed `incident.`). */
export const ACTIONS = {
  ack: 'incident.ack',
  status: 'incident.status',
  severity: 'incident.severity',
  assignRole: 'incident.assign_role',
  postUpdate: 'incident.post_update',
  subscribe: 'incident.subscribe',
  unsubscribe: 'incident.unsubscribe',
  resolve: 'incident.resolve',
  close: 'incident.close',
  addAction: 'incident.add_action',
  actionDone: 'incident.action_done',
  exportReview: 'incident.export_review',
  declare: 'incident.declare_open',
  openChannel: 'incident.open_channel',
} as const;

export const CALLBACKS = {
  declare: 'incident.declare',
  update: 'incident.update',
  resolve: 'incident.resolve',
  role: 'incident.role',
  action: 'incident.action',
} as const;

/** Input blocks (block_id) and their elements (action_id) in the incident modals. */
export const FIELDS = {
  title: 'incident.f.title',
  severity: 'incident.f.severity',
  services: 'incident.f.services',
  impact: 'incident.f.impact',
  commander: 'incident.f.commander',
  started: 'incident.f.started',
  status: 'incident.f.status',
  actions: 'incident.f.actions',
  workaround: 'incident.f.workaround',
  nextUpdate: 'incident.f.next_update',
  audience: 'incident.f.audience',
  resolution: 'incident.f.resolution',
  role: 'incident.f.role',
  user: 'incident.f.user',
  actionText: 'incident.f.action_text',
  owner: 'incident.f.owner',
  dueDate: 'incident.f.due_date',
} as const;
