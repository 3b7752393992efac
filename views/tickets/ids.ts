/** Slack ids of the service desk: actions on messages, modals and their blocks. */
export const TICKET_ACTIONS = {
  claim: 'ticket.claim',
  assign: 'ticket.assign',
  priority: 'ticket.priority',
  wait: 'ticket.wait',
  hold: 'ticket.hold',
  resume: 'ticket.resume',
  resolve: 'ticket.resolve',
  escalate: 'ticket.escalate',
  comment: 'ticket.comment',
  reopen: 'ticket.reopen',
  cancel: 'ticket.cancel',
  rate: 'ticket.rate',
  kbHelped: 'ticket.kb_helped',
  subscribeIncident: 'ticket.subscribe_incident',
  kbRemove: 'ticket.kb_remove',
  /** Another page of `/it-help kb list`; value: the offset of its first article. */
  kbPage: 'ticket.kb_page',
  /** Confirms a claim of a ticket someone else has; value: {"ticketId":…,"from":"U…"}. */
  takeOver: 'ticket.take_over',
  /** Declines that claim. */
  keepAssignee: 'ticket.keep_assignee',
  /** Unlinks a ticket from the incident it follows (triage post). */
  unlink: 'ticket.unlink',
  /** A link button to the triage post (the App Home queue); the click only needs an ack. */
  openLink: 'ticket.open_link',
} as const;

/**
 * Block ids (before `.<ticket id>`) of the button rows DMs about a ticket carry, by the button set of
 * src/domain/tickets/dm-buttons.ts each row is: how a DM's buttons, and a click on one, are recognised.
 */
export const TICKET_DM_BLOCKS = {
  requester: 'ticket.requester',
  agent: 'ticket.agent',
  csat: 'ticket.csat',
  reopen: 'ticket.reopen',
} as const;

export const TICKET_VIEWS = {
  file: 'ticket.file',
  confirm: 'ticket.confirm',
  resolve: 'ticket.resolve_modal',
  comment: 'ticket.comment_modal',
  /** Waiting on requester: what the agent needs from them. */
  wait: 'ticket.wait_modal',
  kbAdd: 'ticket.kb_add',
} as const;

/** Input blocks: block_id and action_id are the same name, so errors and values line up. */
export const TICKET_FIELDS = {
  summary: 'summary',
  details: 'details',
  category: 'category',
  service: 'service',
  impact: 'impact',
  urgency: 'urgency',
  attachment: 'attachment',
  resolutionNote: 'resolution_note',
  resolutionCode: 'resolution_code',
  comment: 'comment',
  question: 'question',
  kbTitle: 'kb_title',
  kbBody: 'kb_body',
  kbUrl: 'kb_url',
} as const;
