/**
 * Text a person typed, as Switchboard keeps it. Characters that never carry meaning in a ticket, an
 * incident or a change but can disguise one are removed before anything is stored or repeated:
 * - C0 controls except tab and newline (NUL included) and C1 controls (U+0080–U+009F), DEL;
 * - bidirectional overrides, embeddings and isolates (U+202A–U+202E, U+2066–U+2069), which make text
 *   read differently from how it is stored ("Trojan Source");
 * - zero-width characters (U+200B–U+200D, U+2060, U+FEFF), which split or hide words and mentions.
 * One rule, applied once where Slack's payloads enter (commands/typed-text.ts) and to message text
 * read back from Slack.
 */
const INVISIBLE = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u200B-\u200D\u2060\uFEFF\u202A-\u202E\u2066-\u2069]/g;

export function cleanTyped(text: string): string {
  return text.replace(INVISIBLE, '');
}

/** Every string inside a JSON-like value, cleaned in place (objects and arrays walked, depth-bounded). */
export function cleanTypedDeep(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return cleanTyped(value);
  if (depth > 32 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = cleanTypedDeep(value[i], depth + 1);
    return value;
  }
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) record[key] = cleanTypedDeep(record[key], depth + 1);
  return value;
}

/**
 * Message text as Slack delivers it (events, conversations.history/replies, a shortcut's message,
 * slash-command text) has `&`, `<` and `>` escaped. Decoded once where it enters, so "R&D" is kept as
 * typed and escaped once when shown again (views/text.ts). `&amp;` last, so a typed "&lt;" stays "&lt;".
 */
export function decodeSlackText(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

/**
 * Still-escaped Slack text without its mentions and links (`<@U…>`, `<#C…|name>`, `<https://…|label>`).
 * Only markup has raw angle brackets before decoding (a typed "<3rd floor>" arrives as
 * `&lt;3rd floor&gt;`), so this must run before `decodeSlackText`.
 */
export function withoutSlackMarkup(escaped: string): string {
  return escaped.replace(/<[^<>]*>/g, '');
}
