import { form, type AppDeps, type FormArgs } from '../kit.js';
import { TICKET_FIELDS as F, TICKET_VIEWS as V } from '../../views/tickets/ids.js';
import { beforeYouFileModal } from '../../views/tickets/modals.js';
import {
  parseJson,
  parseTicketForm,
  sourceMeta,
  ticketSourceFrom,
  type TicketInput,
} from '../../views/tickets/parse.js';
import { userText } from '../../views/text.js';
import { ok, refuse } from '../../src/services/context.js';
import {
  checkBeforeFiling,
  fileTicket,
  type Precheck,
  type Requester,
  type TicketSource,
} from '../../src/services/tickets/file.js';
import { shortcutSourceOfSubmission } from '../../src/services/shortcuts.js';
import { catalogOf, onField } from './shared.js';

/** Inbox kind of a submitted /it-help form. */
const FILE_TICKET = 'ticket.file';

interface Checked {
  check: Precheck;
  /** The submission's identity: a second delivery of the same form files nothing. */
  key: string;
  requester: Requester;
  input: TicketInput;
  source: TicketSource;
}

/**
 * The source message is the one the shortcut was invoked on, recorded when the form opened; a message
 * named only in the form's metadata is ignored (and audited). The link is the one Slack gave then.
 */
async function sourceOf(
  { view }: FormArgs,
  requester: { id: string; name?: string },
  { ctx }: AppDeps,
): Promise<TicketSource> {
  const claimed = ticketSourceFrom(parseJson(sourceMeta, view.private_metadata));
  const origin = await shortcutSourceOfSubmission(ctx, {
    viewId: view.id,
    actor: requester,
    callbackId: V.file,
    claimed: claimed.kind === 'shortcut' ? { channel: claimed.channel, ts: claimed.ts } : undefined,
    recordType: 'ticket',
  });
  return origin
    ? {
        ...ticketSourceFrom({ kind: 'shortcut', channel: origin.channel, ts: origin.ts }),
        ...(origin.permalink ? { permalink: origin.permalink } : {}),
      }
    : {
        kind: 'command' as const,
        ...(claimed.channel && claimed.kind === 'command' ? { channel: claimed.channel } : {}),
      };
}

/** Refuses a message already filed and a second delivery; finds what to offer before filing. */
async function checkRequest(input: TicketInput, args: FormArgs, deps: AppDeps) {
  const requester = { id: args.body.user.id, name: args.body.user.name };
  const source = await sourceOf(args, requester, deps);
  const key = `ticket.file:${args.view.id}:${args.view.hash}`;
  const check = await checkBeforeFiling(deps.ctx, requester, input, source);
  if (!check.ok) return onField<Checked>(F.summary, check);
  if (await deps.inbox.seen(key)) return refuse('This form was already submitted.', F.summary);
  return ok<Checked>({ check: check.value, key, requester, input, source });
}

/**
 * Matching answers or an open incident are offered first, in place of the form. Otherwise the request
 * is stored before the form closes and filed right after (and after a restart, if it comes to that):
 * the confirmation arrives by DM a moment later.
 */
/** What a submitted /it-help form stores before its ack. */
type StoredFiling = Pick<Checked, 'requester' | 'input' | 'source'>;

async function fileOrSuggest(
  { check, key, requester, input, source }: Checked,
  { ack }: FormArgs,
  { inbox }: AppDeps,
): Promise<void> {
  if (check.kind === 'suggest')
    return void (await ack({
      response_action: 'update',
      view: beforeYouFileModal(check.draftId, input.summary, check.suggestion),
    }));
  await inbox.receive({
    key,
    kind: FILE_TICKET,
    userId: requester.id,
    payload: { requester, input, source } satisfies StoredFiling,
  });
  await ack();
  await inbox.process(key);
}

/** The /it-help form (from the command or the message shortcut); a refusal is shown on its summary. */
export const requestForm = form(V.file, {
  parse: (view, _args, deps) => parseTicketForm(view.state.values, catalogOf(deps)),
  run: checkRequest,
  fieldBlocks: { [F.summary]: F.summary },
  done: fileOrSuggest,
});

/** Files a stored request after its ack; what the person is told if it is refused or keeps failing. */
export function setupFiling({ ctx, inbox }: AppDeps): void {
  inbox.handle<StoredFiling>(FILE_TICKET, {
    run: (item) => fileTicket(ctx, item.data.requester, item.data.input, item.data.source, item.key),
    refusalText: (item, message) =>
      `Your request “${userText(item.data.input.summary, 150)}” was not filed: ${message}`,
    failureText: (item) =>
      `:warning: Sorry, your request “${userText(item.data.input.summary, 150)}” could not be filed (Switchboard kept failing to record it), so there is no ticket. Please type \`/it-help\` and send it again.`,
  });
}
