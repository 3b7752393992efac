import { z } from 'zod';
import { LIMITS } from './modals.js';
import { TICKET_FIELDS as F } from './ids.js';

/**
 * Parsers for the service-desk modals: view.state.values in, typed input or per-block errors out
 * (returned to Slack as response_action: errors, so the person sees them beside the field).
 */
export type FieldErrors = Record<string, string>;
export type Parsed<T> = { ok: true; value: T } | { ok: false; errors: FieldErrors };

type StateValues = Record<
  string,
  Record<string, { type: string; value?: string | null; selected_option?: { value: string } | null }>
>;

const text = (values: StateValues, id: string): string => (values[id]?.[id]?.value ?? '').trim();
const selected = (values: StateValues, id: string): string | undefined =>
  values[id]?.[id]?.selected_option?.value ?? undefined;

export interface TicketInput {
  summary: string;
  details: string;
  category: string;
  service: string | null;
  impact: 'high' | 'medium' | 'low';
  urgency: 'high' | 'medium' | 'low';
  attachmentUrl: string | null;
}

const level = z.enum(['high', 'medium', 'low']);

export function parseTicketForm(
  values: StateValues,
  catalog: { categories: string[]; services: string[] },
): Parsed<TicketInput> {
  const errors: FieldErrors = {};
  const summary = text(values, F.summary);
  const details = text(values, F.details);
  const category = selected(values, F.category);
  const service = selected(values, F.service) ?? null;
  const impact = level.safeParse(selected(values, F.impact));
  const urgency = level.safeParse(selected(values, F.urgency));
  const attachment = text(values, F.attachment);

  if (!summary) errors[F.summary] = 'Tell us in a few words what you need help with.';
  else if ([...summary].length > LIMITS.summary)
    errors[F.summary] = `Keep the summary under ${LIMITS.summary} characters; put the rest in Details.`;
  if ([...details].length > LIMITS.details) errors[F.details] = `Details can be at most ${LIMITS.details} characters.`;
  if (!category || !catalog.categories.includes(category)) errors[F.category] = 'Pick one of the listed categories.';
  if (service !== null && !catalog.services.includes(service))
    errors[F.service] = 'Pick a service from the list, or leave it empty.';
  if (!impact.success) errors[F.impact] = 'Say who is affected.';
  if (!urgency.success) errors[F.urgency] = 'Say how urgent it is.';
  if (attachment && !/^https?:\/\/\S+$/i.test(attachment)) errors[F.attachment] = 'Use a link starting with https://';
  if (attachment.length > LIMITS.attachment) errors[F.attachment] = 'That link is too long.';

  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return {
    ok: true,
    value: {
      summary,
      details,
      category: category!,
      service,
      impact: impact.data!,
      urgency: urgency.data!,
      attachmentUrl: attachment || null,
    },
  };
}

export function parseResolveForm(values: StateValues, codes: string[]): Parsed<{ note: string; code: string }> {
  const note = text(values, F.resolutionNote);
  const code = selected(values, F.resolutionCode);
  const errors: FieldErrors = {};
  if (!note) errors[F.resolutionNote] = 'Tell the requester how it was resolved.';
  else if ([...note].length > LIMITS.note) errors[F.resolutionNote] = `At most ${LIMITS.note} characters.`;
  if (!code || !codes.includes(code)) errors[F.resolutionCode] = 'Pick a resolution code.';
  return Object.keys(errors).length > 0 ? { ok: false, errors } : { ok: true, value: { note, code: code! } };
}

export function parseCommentForm(values: StateValues): Parsed<{ comment: string }> {
  const comment = text(values, F.comment);
  if (!comment) return { ok: false, errors: { [F.comment]: 'Write something to send.' } };
  if ([...comment].length > LIMITS.comment)
    return { ok: false, errors: { [F.comment]: `At most ${LIMITS.comment} characters.` } };
  return { ok: true, value: { comment } };
}

export function parseWaitForm(values: StateValues): Parsed<{ question: string }> {
  const question = text(values, F.question);
  if (!question) return { ok: false, errors: { [F.question]: 'Say what you need from the requester.' } };
  if ([...question].length > LIMITS.question)
    return { ok: false, errors: { [F.question]: `At most ${LIMITS.question} characters.` } };
  return { ok: true, value: { question } };
}

export function parseKbForm(values: StateValues): Parsed<{ title: string; body: string; url: string | null }> {
  const title = text(values, F.kbTitle);
  const body = text(values, F.kbBody);
  const url = text(values, F.kbUrl);
  const errors: FieldErrors = {};
  if (!title) errors[F.kbTitle] = 'Give the article a title.';
  if (!body) errors[F.kbBody] = 'Write the answer.';
  if (url && !/^https?:\/\/\S+$/i.test(url)) errors[F.kbUrl] = 'Use a link starting with https://';
  return Object.keys(errors).length > 0
    ? { ok: false, errors }
    : { ok: true, value: { title, body, url: url || null } };
}

/** private_metadata of the modals, parsed defensively: a tampered or stale value is refused, not trusted. */
export const ticketRef = z.object({ ticketId: z.number().int().positive() });
export const draftRef = z.object({ draftId: z.number().int().positive() });
export const sourceMeta = z.object({
  kind: z.enum(['command', 'shortcut']),
  channel: z.string().optional(),
  ts: z.string().optional(),
});
/**
 * Where a ticket form came from, from its metadata: only "which message" is taken (a well-formed
 * channel id and ts); a link is never copied from the form (Slack's is kept on the server).
 */
export function ticketSourceFrom(meta: z.infer<typeof sourceMeta> | undefined): {
  kind: 'command' | 'shortcut';
  channel?: string;
  ts?: string;
} {
  if (!meta) return { kind: 'command' };
  const channel = meta.channel && /^[CGD][A-Z0-9]{2,}$/.test(meta.channel) ? meta.channel : undefined;
  const ts = meta.ts && /^\d{1,12}\.\d{1,8}$/.test(meta.ts) ? meta.ts : undefined;
  if (meta.kind === 'shortcut' && channel && ts) return { kind: 'shortcut', channel, ts };
  return { kind: 'command', ...(channel ? { channel } : {}) };
}

export const suggestionValue = z.object({
  draftId: z.number().int().positive(),
  incidentId: z.number().int().positive().optional(),
  articleId: z.number().int().positive().optional(),
});

export function parseJson<T>(schema: z.ZodType<T>, raw: string | undefined): T | undefined {
  try {
    const result = schema.safeParse(JSON.parse(raw ?? ''));
    return result.success ? result.data : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A summary taken from longer text (a message, the /it-help text): its first line, kept whole when it
 * fits, else cut at the last word boundary before `max` with an ellipsis, never mid-word.
 */
export function summaryFrom(text: string, max: number = LIMITS.summary): string {
  const first = (text.split('\n').find((line) => line.trim()) ?? '').trim().replace(/\s+/g, ' ');
  const chars = [...first];
  if (chars.length <= max) return first;
  const head = chars.slice(0, max - 1).join('');
  const space = head.lastIndexOf(' ');
  return `${(space > max / 2 ? head.slice(0, space) : head).trimEnd()}…`;
}
