import type {
  AllMiddlewareArgs,
  App,
  BlockAction,
  MessageShortcut,
  SlackActionMiddlewareArgs,
  SlackCommandMiddlewareArgs,
  SlackEventMiddlewareArgs,
  SlackShortcutMiddlewareArgs,
  SlackViewMiddlewareArgs,
  ViewSubmitAction,
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
 * zod, call one use case from src/services, render with views/. They never read the database: reads
 * go through read use cases (src/services/<area>/read.ts).
 *
 * `slash`, `button` and `form` hold the one ack / failure / "out of date" policy (CLICK_FAILED in ./reply.ts); `raw` is for the few
 * handlers that need Bolt's arguments as they are (say why where it is used).
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
export type MessageShortcutArgs = SlackShortcutMiddlewareArgs<MessageShortcut> & AllMiddlewareArgs;
export type EventArgs<E extends string> = SlackEventMiddlewareArgs<E> & AllMiddlewareArgs;

type Handler<A> = (args: A, deps: AppDeps) => Promise<unknown>;

/** One thing a person can do, answered by one named handler. */
export type Interaction =
  | { kind: 'command'; name: string; handle: Handler<CommandArgs> }
  | { kind: 'button'; id: string | RegExp; handle: Handler<ButtonArgs> }
  | { kind: 'form'; callbackId: string | RegExp; handle: Handler<FormArgs> }
  | { kind: 'messageShortcut'; callbackId: string; handle: Handler<MessageShortcutArgs> }
  | { kind: 'event'; name: string; handle: Handler<EventArgs<string>> };

export interface Area {
  name: string;
  /**
   * What the area needs besides Slack listeners (inbox handlers, event-failure texts), run before they
   * are registered. Slack's client is for stored requests processed later (the inbox sweep), when no
   * listener's client is at hand.
   */
  setup?(deps: AppDeps, client: App['client']): void;
  interactions: Interaction[];
}

/** A click on a button whose record is gone or whose value is not one Switchboard made. */
export const OUT_OF_DATE = 'That button is out of date. Nothing was changed.';

/** A use case's answer as the shell sees it (src/services/context.ts `Outcome`). */
export type Result<T = unknown> = { ok: true; value: T } | { ok: false; message: string; field?: string };

/** A form parser's answer: the domain input, or inline errors keyed by block id. */
export type Parsed<T> = { ok: true; value: T } | { ok: false; errors: Record<string, string> };

/** One subcommand of a slash command: the words after the command name, minus the subcommand itself. */
export type Route = (args: CommandArgs, deps: AppDeps, rest: string[]) => Promise<unknown>;

/**
 * A slash command: acked at once (Slack shows an error after 3 seconds), then routed by its first
 * word to one named handler; `''` is the bare command, `'*'` anything not listed (e.g. a usage text).
 */
export function slash(name: string, routes: Record<string, Route>): Interaction {
  return {
    kind: 'command',
    name,
    handle: async (args, deps) => {
      await args.ack();
      const words = args.command.text.trim().split(/\s+/).filter(Boolean);
      const first = (words[0] ?? '').toLowerCase();
      // Own keys only: `/change constructor` is an unknown subcommand, not Object.prototype's.
      const listed = Object.hasOwn(routes, first);
      const route = listed ? routes[first] : routes['*'];
      if (route) await route(args, deps, listed ? words.slice(1) : words);
    },
  };
}

/**
 * A button, select or other block action: acked at once; `input` reads what the click carries (an id,
 * an option) and anything it cannot read is "out of date"; `run` calls the use case, whose refusal is
 * told to the clicker; `done` shows the result. A failure is told to the clicker and logged.
 */
export function button<I, T>(
  id: string | RegExp,
  steps: {
    input: (action: ButtonArgs['action']) => I | undefined;
    run: (input: I, args: ButtonArgs, deps: AppDeps) => Promise<Result<T> | void>;
    done?: (value: T, args: ButtonArgs, deps: AppDeps) => Promise<unknown>;
  },
): Interaction {
  return {
    kind: 'button',
    id,
    handle: async (args, deps) => {
      await args.ack();
      const input = steps.input(args.action);
      if (input === undefined) return tell(args, OUT_OF_DATE, deps.logger);
      await tellClickerOnFailure(
        { body: args.body, respond: args.respond, client: args.client, logger: deps.logger },
        async () => {
          const result = await steps.run(input, args, deps);
          if (!result) return;
          if (!result.ok) return tell(args, result.message, deps.logger);
          await steps.done?.(result.value, args, deps);
        },
      );
    },
  };
}

/**
 * A modal submission, answered in its ack after the use case has stored it (store before ack): `parse`
 * turns the view's state into the domain input or inline errors; `run` calls the use case; a refusal
 * naming a field is shown on that field's block (`fieldBlocks`), any other on the first input block;
 * `done` may answer with a view update instead of closing, and do work after the ack.
 */
export function form<I, T>(
  callbackId: string | RegExp,
  steps: {
    parse: (view: FormArgs['view'], args: FormArgs, deps: AppDeps) => Parsed<I> | Promise<Parsed<I>>;
    run: (input: I, args: FormArgs, deps: AppDeps) => Promise<Result<T>>;
    fieldBlocks?: Record<string, string>;
    done?: (value: T, args: FormArgs, deps: AppDeps) => Promise<unknown>;
  },
): Interaction {
  return {
    kind: 'form',
    callbackId,
    handle: async (args, deps) => {
      const parsed = await steps.parse(args.view, args, deps);
      if (!parsed.ok) return args.ack({ response_action: 'errors', errors: parsed.errors });
      const result = await steps.run(parsed.value, args, deps);
      if (!result.ok) {
        const block = (result.field && steps.fieldBlocks?.[result.field]) ?? firstInputBlock(args.view);
        if (block) return args.ack({ response_action: 'errors', errors: { [block]: result.message } });
        await args.ack();
        return tell({ body: { user: args.body.user }, client: args.client }, result.message, deps.logger);
      }
      if (steps.done) return steps.done(result.value, args, deps);
      await args.ack();
    },
  };
}

/** A form's first input block: where a refusal not tied to one field is shown. */
function firstInputBlock(view: FormArgs['view']): string | undefined {
  return view.blocks.find((b) => b.type === 'input' && b.block_id)?.block_id;
}

/** A handler that needs Bolt's arguments as they are (a form that answers with a view update, an event). */
export function raw(kind: 'button', id: string | RegExp, handle: Handler<ButtonArgs>): Interaction;
export function raw(kind: 'form', callbackId: string | RegExp, handle: Handler<FormArgs>): Interaction;
export function raw(
  kind: 'button' | 'form',
  id: string | RegExp,
  handle: Handler<ButtonArgs> | Handler<FormArgs>,
): Interaction {
  return kind === 'button'
    ? { kind, id, handle: handle as Handler<ButtonArgs> }
    : { kind, callbackId: id, handle: handle as Handler<FormArgs> };
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

/** An Events API event (Bolt acks events itself). */
export function event<E extends string>(name: E, handle: Handler<EventArgs<E>>): Interaction {
  return { kind: 'event', name, handle: handle as Handler<EventArgs<string>> };
}

/** Tells the person behind an interaction something only they see (ephemeral where possible, else DM). */
export function tell(
  args: {
    body: { user: { id: string }; response_url?: string };
    respond?: ButtonArgs['respond'];
    client: ButtonArgs['client'];
  },
  text: string,
  logger: Logger,
): Promise<void> {
  return tellClicker({ body: args.body, respond: args.respond, client: args.client, text }).catch((error: unknown) =>
    logger.warn({ err: error }, 'could not tell a person about their click'),
  );
}

/** Registers every interaction of every area with Bolt: the only place the shell meets Bolt's API. */
export function registerAreas(app: App, deps: AppDeps, areas: Area[]): void {
  for (const area of areas) {
    area.setup?.(deps, app.client);
    for (const i of area.interactions) {
      switch (i.kind) {
        case 'command':
          app.command(i.name, (args) => i.handle(args, deps).then(() => undefined));
          break;
        case 'button':
          app.action<BlockAction>(i.id, (args) => i.handle(args, deps).then(() => undefined));
          break;
        case 'form':
          app.view<ViewSubmitAction>({ callback_id: i.callbackId, type: 'view_submission' }, (args) =>
            i.handle(args, deps).then(() => undefined),
          );
          break;
        case 'messageShortcut':
          app.shortcut<MessageShortcut>({ callback_id: i.callbackId, type: 'message_action' }, (args) =>
            i.handle(args, deps).then(() => undefined),
          );
          break;
        case 'event':
          app.event(i.name, (args) => i.handle(args as EventArgs<string>, deps).then(() => undefined));
          break;
      }
    }
  }
}
