import type {
  AllMiddlewareArgs,
  App,
  BlockAction,
  MessageShortcut,
  GlobalShortcut,
  SlackActionMiddlewareArgs,
  SlackCommandMiddlewareArgs,
  SlackEventMiddlewareArgs,
  SlackShortcutMiddlewareArgs,
  SlackViewMiddlewareArgs,
  ViewSubmitAction,
  ViewClosedAction,
} from '@slack/bolt';
import type { Logger } from '../src/logger.js';
import type { Settings } from '../src/config/settings.js';
import type { ServiceContext } from '../src/services/context.js';
import type { Directory } from '../src/slack/directory.js';
import type { Inbox } from '../src/jobs/inbox.js';
import type { EventFailureTexts } from '../src/slack/event-failures.js';
import { tellClicker, tellClickerOnFailure } from './reply.js';

/**
 * The shell's one shape. Every thing a person can do in Slack is a named interaction: a constant with
 * the Slack id it answers and one named handler, so "where does Approve live?" ends at a function
 * (`approve` in commands/changes/approve.ts) that can be jumped to, unit-tested and profiled. An area
 * is a list of interactions; `registerAreas` is the only code that talks to Bolt's registration API.
 *
 * Handlers stay thin: ack within 3 seconds (the builders ack buttons and commands first), parse with
 * zod, call one use case from src/services, render with views/. They never read the database.
 */

/** What handlers get: the use-case context and the Slack-side directory of people and roles. */
export interface AppDeps {
  ctx: ServiceContext;
  directory: Directory;
  settings: Settings;
  logger: Logger;
  /** Requests stored before their ack and processed after it (src/jobs/inbox.ts). */
  inbox: Inbox;
  /** What the person behind an event is told if handling it finally fails. */
  eventFailures: EventFailureTexts;
}

export type CommandArgs = SlackCommandMiddlewareArgs & AllMiddlewareArgs;
export type ButtonArgs = SlackActionMiddlewareArgs<BlockAction> & AllMiddlewareArgs;
export type FormArgs = SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs;
export type ClosedArgs = SlackViewMiddlewareArgs<ViewClosedAction> & AllMiddlewareArgs;
export type MessageShortcutArgs = SlackShortcutMiddlewareArgs<MessageShortcut> & AllMiddlewareArgs;
export type GlobalShortcutArgs = SlackShortcutMiddlewareArgs<GlobalShortcut> & AllMiddlewareArgs;
export type EventArgs<E extends string> = SlackEventMiddlewareArgs<E> & AllMiddlewareArgs;

type Handler<A> = (args: A, deps: AppDeps) => Promise<unknown>;

/** One thing a person can do, answered by one named handler. */
export type Interaction =
  | { kind: 'command'; name: string; handle: Handler<CommandArgs> }
  | { kind: 'button'; id: string | RegExp; handle: Handler<ButtonArgs> }
  | { kind: 'form'; callbackId: string | RegExp; handle: Handler<FormArgs> }
  | { kind: 'closed'; callbackId: string | RegExp; handle: Handler<ClosedArgs> }
  | { kind: 'messageShortcut'; callbackId: string; handle: Handler<MessageShortcutArgs> }
  | { kind: 'globalShortcut'; callbackId: string; handle: Handler<GlobalShortcutArgs> }
  | { kind: 'event'; name: string; handle: Handler<EventArgs<string>> };

export interface Area {
  name: string;
  interactions: Interaction[];
}

/** The listener-level safety net for a click: a failure after the ack is told to the clicker, never swallowed. */
export const CLICK_FAILED = 'Sorry, that did not go through (Slack or Switchboard had a problem). Please try again in a moment.';

/** A click on a button whose record is gone or whose value is not one Switchboard made. */
export const OUT_OF_DATE = 'That button is out of date. Nothing was changed.';

/**
 * A slash command: acked at once (Slack shows an error after 3 seconds), then handled. A command that
 * needs to answer in its ack (none today) would be its own kind.
 */
export function slash(name: string, handle: Handler<CommandArgs>): Interaction {
  return {
    kind: 'command',
    name,
    handle: async (args, deps) => {
      await args.ack();
      await handle(args, deps);
    },
  };
}

/**
 * A button, select or other block action: acked at once, then handled; a failure is told to the
 * clicker (ephemerally where the click came from a message, else by DM) and logged.
 */
export function button(id: string | RegExp, handle: Handler<ButtonArgs>): Interaction {
  return {
    kind: 'button',
    id,
    handle: async (args, deps) => {
      await args.ack();
      await tellClickerOnFailure({ body: args.body, respond: args.respond, client: args.client, logger: deps.logger }, () => handle(args, deps));
    },
  };
}

/**
 * A modal submission. Not acked here: a form answers in its ack (inline errors, an update, a close),
 * after its use case has stored what was submitted (store before ack). The handler must ack once.
 */
export function form(callbackId: string | RegExp, handle: Handler<FormArgs>): Interaction {
  return { kind: 'form', callbackId, handle };
}

/** A modal the person closed (only views built with notify_on_close): acked at once. */
export function closed(callbackId: string | RegExp, handle: Handler<ClosedArgs>): Interaction {
  return {
    kind: 'closed',
    callbackId,
    handle: async (args, deps) => {
      await args.ack();
      await handle(args, deps);
    },
  };
}

/** A message shortcut (the "…" menu on a message): acked at once, then handled. */
export function messageShortcut(callbackId: string, handle: Handler<MessageShortcutArgs>): Interaction {
  return {
    kind: 'messageShortcut',
    callbackId,
    handle: async (args, deps) => {
      await args.ack();
      await handle(args, deps);
    },
  };
}

/** A global shortcut (the composer's shortcut menu): acked at once, then handled. */
export function globalShortcut(callbackId: string, handle: Handler<GlobalShortcutArgs>): Interaction {
  return {
    kind: 'globalShortcut',
    callbackId,
    handle: async (args, deps) => {
      await args.ack();
      await handle(args, deps);
    },
  };
}

/** An Events API event (Bolt acks events itself). */
export function event<E extends string>(name: E, handle: Handler<EventArgs<E>>): Interaction {
  return { kind: 'event', name, handle: handle as Handler<EventArgs<string>> };
}

/** Tells the person behind an interaction something only they see (ephemeral where possible, else DM). */
export function tell(args: Pick<ButtonArgs, 'body' | 'respond' | 'client'>, text: string, logger: Logger): Promise<void> {
  return tellClicker({ body: args.body, respond: args.respond, client: args.client, text }).catch((error: unknown) =>
    logger.warn({ err: error }, 'could not tell a person about their click'),
  );
}

/** Registers every interaction of every area with Bolt: the only place the shell meets Bolt's API. */
export function registerAreas(app: App, deps: AppDeps, areas: Area[]): void {
  for (const area of areas) {
    for (const i of area.interactions) {
      switch (i.kind) {
        case 'command':
          app.command(i.name, (args) => i.handle(args, deps).then(() => undefined));
          break;
        case 'button':
          app.action<BlockAction>(i.id, (args) => i.handle(args, deps).then(() => undefined));
          break;
        case 'form':
          app.view<ViewSubmitAction>({ callback_id: i.callbackId, type: 'view_submission' }, (args) => i.handle(args, deps).then(() => undefined));
          break;
        case 'closed':
          app.view<ViewClosedAction>({ callback_id: i.callbackId, type: 'view_closed' }, (args) => i.handle(args, deps).then(() => undefined));
          break;
        case 'messageShortcut':
          app.shortcut<MessageShortcut>({ callback_id: i.callbackId, type: 'message_action' }, (args) => i.handle(args, deps).then(() => undefined));
          break;
        case 'globalShortcut':
          app.shortcut<GlobalShortcut>({ callback_id: i.callbackId, type: 'shortcut' }, (args) => i.handle(args, deps).then(() => undefined));
          break;
        case 'event':
          app.event(i.name, (args) => i.handle(args as EventArgs<string>, deps).then(() => undefined));
          break;
      }
    }
  }
}
