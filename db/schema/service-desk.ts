import type { Generated } from 'kysely';

export interface TicketDraftTable {
  id: Generated<number>;
  user_id: string;
  /** JSON of the validated ticket input. */
  input: string;
  created_at: number;
  used_at: number | null;
}

/** A DM about a ticket that carries buttons (2026-12-03-410). */
export interface TicketDmButtonsTable {
  id: Generated<number>;
  ticket_id: number;
  /** Who the DM went to. */
  user_id: string;
  /** The outbox ref of the post: its channel and ts are in slack_refs once it is sent. */
  ref_key: string;
  /** JSON array of the button sets the message still shows. */
  buttons: string;
  /** JSON `{text, blocks}` of the message once every edit owed has landed. */
  message: string;
  created_at: number;
  updated_at: number;
}

export interface ServiceDeskTables {
  ticket_drafts: TicketDraftTable;
  ticket_dm_buttons: TicketDmButtonsTable;
}
