import type { AnyMiddlewareArgs, Middleware } from '@slack/bolt';
import { cleanTypedDeep, decodeSlackText } from '../src/domain/typed-text.js';

/**
 * The edge where people's text enters: every string of a command, a form submission, a click or a
 * shortcut payload (command text, view.state.values, the shortcut's message) is cleaned of invisible
 * and direction-changing characters before any listener parses it. Bolt hands listeners the same
 * objects (command, view, action, shortcut are parts of body), so cleaning body in place covers them.
 * The signature was already checked on the raw bytes.
 */
export const cleanTypedText: Middleware<AnyMiddlewareArgs> = async ({ body, next }) => {
  cleanTypedDeep(body);
  await next();
};

/**
 * Slash-command text arrives escaped as Slack escapes all text (`&amp;`, `&lt;`, `&gt;`), with mentions
 * and links as markup (`<@U…|name>`, `<#C…|name>`) for commands that ask for it. Decoded here, once, so
 * `/it-help R&D printer` files "R&D printer", not "R&amp;D printer"; the markup is left for the parsers,
 * and everything repeated to Slack is escaped again on the way out (views/text.ts).
 */
export const decodeCommandText: Middleware<AnyMiddlewareArgs> = async ({ body, next }) => {
  const command = body as { command?: unknown; text?: unknown };
  if (typeof command.command === 'string' && typeof command.text === 'string') {
    command.text = decodeSlackText(command.text);
  }
  await next();
};
