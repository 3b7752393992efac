/** Where a ticket stands; the lifecycle rule (lifecycle.ts) says which moves between them are allowed. */
export type TicketStatus = 'new' | 'in_progress' | 'waiting_on_requester' | 'resolved' | 'closed' | 'cancelled';
