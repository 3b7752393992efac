import type { Generated } from 'kysely';

export interface TicketDraftTable {
  id: Generated<number>;
  user_id: string;
  /** JSON of the validated ticket input. */
  input: string;
  created_at: number;
  used_at: number | null;
}

export interface ServiceDeskTables {
  ticket_drafts: TicketDraftTable;
}
