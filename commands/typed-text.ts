import type { AnyMiddlewareArgs, Middleware } from '@slack/bolt';
import { cleanTypedDeep } from '../src/domain/typed-text.js';

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
