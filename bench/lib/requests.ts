import { SlackRequests } from '../../devkit/slack-requests.js';
import { SIGNING_SECRET, channels } from '../../devkit/workspace.js';
import { fileTicketModal } from '../../views/tickets/modals.js';
import type { Settings } from '../../src/config/settings.js';
import type { SlackBody } from './load.js';

/** Slack-shaped bodies for the service-desk flow, one distinct requester per index. */
export class TicketRequests {
  private readonly slack: SlackRequests;

  constructor(
    private readonly settings: Settings,
    fakeBaseUrl: string,
    private readonly prefix = 'UBENCH',
  ) {
    this.slack = new SlackRequests('http://unused', SIGNING_SECRET, fakeBaseUrl);
  }

  user(i: number) {
    return { id: `${this.prefix}${String(i).padStart(6, '0')}`, name: `bench${i}` };
  }

  /** `/it-help <summary>`: acks, then opens the form. */
  command(i: number): SlackBody {
    const body = new URLSearchParams(
      this.slack.commandBody('/it-help', `Printer ${i} jams on every job`, this.user(i), channels.general),
    ).toString();
    return { body, contentType: 'application/x-www-form-urlencoded' };
  }

  /** Submitting the `ticket.file` modal, values built from the modal itself. */
  fileSubmission(i: number, values: { service?: string; category?: string } = {}): SlackBody {
    const view = {
      id: `VBENCH${i}`,
      ...fileTicketModal({
        categories: this.settings.service_desk.categories,
        services: this.settings.service_catalog,
        source: { kind: 'command', channel: channels.general },
      }),
    };
    const payload = this.slack.viewSubmissionPayload(this.user(i), view as never, {
      summary: `Printer ${i} jams on every job`,
      details: 'Paper tray 2, error E-204 since this morning.',
      category: values.category ?? 'hardware',
      ...(values.service ? { service: values.service } : {}),
    });
    return {
      body: new URLSearchParams({ payload: JSON.stringify(payload) }).toString(),
      contentType: 'application/x-www-form-urlencoded',
    };
  }

  /** "File ticket" on the before-you-file step the app answered with (`response_action: update`). */
  confirmSubmission(i: number, view: { callback_id: string; private_metadata?: string; blocks: any[] }): SlackBody {
    const payload = this.slack.viewSubmissionPayload(this.user(i), { id: `VBENCH${i}`, ...view }, {});
    return {
      body: new URLSearchParams({ payload: JSON.stringify(payload) }).toString(),
      contentType: 'application/x-www-form-urlencoded',
    };
  }
}
