/**
 * Block Kit as Slack checks it, for the fake Slack: every documented length and count limit of
 * /work/shared/slack-reference.md §1 (blocks, text objects, elements, options, confirm dialogs, views).
 * A problem is returned as Slack's error code plus a JSON-pointer-like reason, the way Slack's
 * `response_metadata.messages` names the offending field.
 *
 * Lengths are counted in UTF-16 code units (JavaScript's `length`). Slack documents "characters"
 * without saying which; python-slack-sdk counts code points. UTF-16 units are never fewer than code
 * points, so a builder that fits here fits in Slack either way (views/text.ts counts the same way).
 */
export interface BlockProblem {
  error: 'invalid_blocks' | 'invalid_blocks_format' | 'msg_blocks_too_long' | 'invalid_arguments';
  reason: string;
}

export type Surface = 'message' | 'modal' | 'home';

const MAX_BLOCKS: Record<Surface, number> = { message: 50, modal: 100, home: 100 };
const len = (s: unknown): number => (typeof s === 'string' ? s.length : 0);

class Problem extends Error {
  constructor(
    readonly code: BlockProblem['error'],
    readonly reason: string,
  ) {
    super(reason);
  }
}

function fail(path: string, why: string, code: BlockProblem['error'] = 'invalid_blocks'): never {
  throw new Problem(code, `${why} [json-pointer:${path}]`);
}

function textObject(value: any, path: string, max: number, opts: { plainOnly?: boolean; min?: number } = {}): number {
  if (!value || typeof value !== 'object') fail(path, 'must be a text object');
  if (value.type !== 'plain_text' && value.type !== 'mrkdwn') fail(`${path}/type`, 'must be plain_text or mrkdwn');
  if (opts.plainOnly && value.type !== 'plain_text') fail(`${path}/type`, 'must be plain_text');
  if (typeof value.text !== 'string') fail(`${path}/text`, 'must be a string');
  const n = len(value.text);
  if (n < (opts.min ?? 1)) fail(`${path}/text`, 'must be at least 1 character');
  if (n > max) fail(`${path}/text`, `must be at most ${max} characters (is ${n})`);
  return n;
}

function maxLen(value: unknown, path: string, max: number): void {
  if (value === undefined) return;
  if (typeof value !== 'string') fail(path, 'must be a string');
  if (len(value) > max) fail(path, `must be at most ${max} characters (is ${len(value)})`);
}

function option(o: any, path: string, plainOnly: boolean): void {
  if (!o || typeof o !== 'object') fail(path, 'must be an option object');
  textObject(o.text, `${path}/text`, 75, { plainOnly });
  if (typeof o.value !== 'string' || o.value.length === 0) fail(`${path}/value`, 'must be a non-empty string');
  maxLen(o.value, `${path}/value`, 150);
  if (o.description !== undefined) textObject(o.description, `${path}/description`, 75, { plainOnly });
  maxLen(o.url, `${path}/url`, 3000);
}

function sameOption(a: any, b: any): boolean {
  return a?.value === b?.value && a?.text?.text === b?.text?.text && a?.text?.type === b?.text?.type;
}

function confirm(c: any, path: string): void {
  if (c === undefined) return;
  textObject(c.title, `${path}/title`, 100, { plainOnly: true });
  textObject(c.text, `${path}/text`, 300);
  textObject(c.confirm, `${path}/confirm`, 30, { plainOnly: true });
  textObject(c.deny, `${path}/deny`, 30, { plainOnly: true });
  if (c.style !== undefined && c.style !== 'primary' && c.style !== 'danger')
    fail(`${path}/style`, 'must be primary or danger');
}

function placeholder(p: any, path: string): void {
  if (p !== undefined) textObject(p, path, 150, { plainOnly: true });
}

/** Options (or option groups) of a select, checkbox group, radio group or overflow menu. */
function optionList(e: any, path: string, min: number, max: number, plainOnly: boolean): any[] {
  if (e.option_groups !== undefined) {
    if (e.options !== undefined) fail(path, 'options and option_groups are mutually exclusive');
    if (!Array.isArray(e.option_groups) || e.option_groups.length < 1 || e.option_groups.length > 100)
      fail(`${path}/option_groups`, 'must have 1 to 100 groups');
    const all: any[] = [];
    e.option_groups.forEach((g: any, i: number) => {
      textObject(g.label, `${path}/option_groups/${i}/label`, 75, { plainOnly: true });
      if (!Array.isArray(g.options) || g.options.length < 1 || g.options.length > 100)
        fail(`${path}/option_groups/${i}/options`, 'must have 1 to 100 options');
      g.options.forEach((o: any, j: number) => option(o, `${path}/option_groups/${i}/options/${j}`, true));
      all.push(...g.options);
    });
    return all;
  }
  if (!Array.isArray(e.options)) fail(`${path}/options`, 'is required');
  if (e.options.length < min || e.options.length > max)
    fail(`${path}/options`, `must have ${min} to ${max} options (has ${e.options.length})`);
  e.options.forEach((o: any, i: number) => option(o, `${path}/options/${i}`, plainOnly));
  const values = new Set<string>();
  for (const o of e.options) {
    if (values.has(o.value)) fail(`${path}/options`, `duplicate option value ${o.value}`);
    values.add(o.value);
  }
  return e.options;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const TIME = /^([01]\d|2[0-3]):[0-5]\d$/;

/** One interactive or input element; `where` says what may hold it. */
function element(e: any, path: string, where: 'actions' | 'input' | 'accessory'): void {
  if (!e || typeof e !== 'object' || typeof e.type !== 'string') fail(path, 'must be an element');
  maxLen(e.action_id, `${path}/action_id`, 255);
  confirm(e.confirm, `${path}/confirm`);
  switch (e.type) {
    case 'button':
      if (where === 'input') fail(path, 'a button cannot be an input element');
      textObject(e.text, `${path}/text`, 75, { plainOnly: true });
      maxLen(e.value, `${path}/value`, 2000);
      maxLen(e.url, `${path}/url`, 3000);
      maxLen(e.accessibility_label, `${path}/accessibility_label`, 75);
      if (e.style !== undefined && e.style !== 'primary' && e.style !== 'danger')
        fail(`${path}/style`, 'must be primary or danger');
      return;
    case 'static_select':
    case 'multi_static_select': {
      placeholder(e.placeholder, `${path}/placeholder`);
      const options = optionList(e, path, 1, 100, true);
      if (e.initial_option !== undefined) {
        if (e.type !== 'static_select') fail(`${path}/initial_option`, 'only for static_select');
        if (!options.some((o) => sameOption(o, e.initial_option)))
          fail(`${path}/initial_option`, 'must be one of the options');
      }
      if (e.initial_options !== undefined) {
        if (e.type !== 'multi_static_select') fail(`${path}/initial_options`, 'only for multi_static_select');
        if (!Array.isArray(e.initial_options)) fail(`${path}/initial_options`, 'must be an array');
        e.initial_options.forEach((io: any, i: number) => {
          if (!options.some((o) => sameOption(o, io)))
            fail(`${path}/initial_options/${i}`, 'must be one of the options');
        });
      }
      if (e.max_selected_items !== undefined && (!Number.isInteger(e.max_selected_items) || e.max_selected_items < 1))
        fail(`${path}/max_selected_items`, 'must be at least 1');
      return;
    }
    case 'external_select':
    case 'multi_external_select':
      placeholder(e.placeholder, `${path}/placeholder`);
      return;
    case 'users_select':
    case 'multi_users_select':
    case 'conversations_select':
    case 'multi_conversations_select':
    case 'channels_select':
    case 'multi_channels_select':
      placeholder(e.placeholder, `${path}/placeholder`);
      if (e.initial_users !== undefined && !Array.isArray(e.initial_users))
        fail(`${path}/initial_users`, 'must be an array');
      return;
    case 'overflow':
      if (where === 'input') fail(path, 'an overflow menu cannot be an input element');
      optionList(e, path, 1, 5, true);
      return;
    case 'checkboxes':
    case 'radio_buttons': {
      const options = optionList(e, path, 1, 10, false);
      if (e.initial_option !== undefined && !options.some((o) => sameOption(o, e.initial_option)))
        fail(`${path}/initial_option`, 'must be one of the options');
      if (e.initial_options !== undefined) {
        if (!Array.isArray(e.initial_options)) fail(`${path}/initial_options`, 'must be an array');
        e.initial_options.forEach((io: any, i: number) => {
          if (!options.some((o) => sameOption(o, io)))
            fail(`${path}/initial_options/${i}`, 'must be one of the options');
        });
      }
      return;
    }
    case 'datepicker':
      placeholder(e.placeholder, `${path}/placeholder`);
      if (e.initial_date !== undefined && !DATE.test(String(e.initial_date)))
        fail(`${path}/initial_date`, 'must be YYYY-MM-DD');
      return;
    case 'timepicker':
      placeholder(e.placeholder, `${path}/placeholder`);
      if (e.initial_time !== undefined && !TIME.test(String(e.initial_time)))
        fail(`${path}/initial_time`, 'must be HH:mm');
      return;
    case 'datetimepicker':
      if (e.initial_date_time !== undefined && !Number.isInteger(e.initial_date_time))
        fail(`${path}/initial_date_time`, 'must be Unix seconds');
      return;
    case 'plain_text_input': {
      if (where !== 'input') fail(path, 'a plain_text_input belongs in an input block');
      placeholder(e.placeholder, `${path}/placeholder`);
      const max = e.max_length ?? 3000;
      if (!Number.isInteger(max) || max < 1 || max > 3000) fail(`${path}/max_length`, 'must be 1 to 3000');
      if (
        e.min_length !== undefined &&
        (!Number.isInteger(e.min_length) || e.min_length < 0 || e.min_length > 3000 || e.min_length > max)
      )
        fail(`${path}/min_length`, 'must be 0 to 3000 and at most max_length');
      maxLen(e.initial_value, `${path}/initial_value`, max);
      return;
    }
    case 'number_input':
      if (where !== 'input') fail(path, 'a number_input belongs in an input block');
      if (typeof e.is_decimal_allowed !== 'boolean') fail(`${path}/is_decimal_allowed`, 'is required');
      placeholder(e.placeholder, `${path}/placeholder`);
      return;
    case 'url_text_input':
    case 'email_text_input':
      if (where !== 'input') fail(path, `a ${e.type} belongs in an input block`);
      placeholder(e.placeholder, `${path}/placeholder`);
      return;
    case 'image':
      if (where !== 'accessory') fail(path, 'an image is not interactive');
      maxLen(e.image_url, `${path}/image_url`, 3000);
      if (typeof e.alt_text !== 'string' || e.alt_text.length === 0) fail(`${path}/alt_text`, 'is required');
      maxLen(e.alt_text, `${path}/alt_text`, 2000);
      return;
    case 'file_input':
    case 'rich_text_input':
      if (where !== 'input') fail(path, `a ${e.type} belongs in an input block`);
      return;
    default:
      fail(`${path}/type`, `unknown element type ${e.type}`);
  }
}

/** Checks blocks for a surface; throws a Problem. Returns the total text length (for messages). */
function blocksOf(blocks: unknown, surface: Surface, base: string): number {
  if (!Array.isArray(blocks))
    throw new Problem('invalid_blocks_format', `blocks must be an array [json-pointer:${base}]`);
  if (blocks.length > MAX_BLOCKS[surface])
    fail(base, `no more than ${MAX_BLOCKS[surface]} blocks in a ${surface} (has ${blocks.length})`);
  const blockIds = new Set<string>();
  let total = 0;
  blocks.forEach((block: any, i: number) => {
    const path = `${base}/${i}`;
    if (!block || typeof block !== 'object' || typeof block.type !== 'string') fail(path, 'must be a block');
    if (block.block_id !== undefined) {
      maxLen(block.block_id, `${path}/block_id`, 255);
      if (blockIds.has(block.block_id)) fail(`${path}/block_id`, `duplicate block_id ${block.block_id}`);
      blockIds.add(block.block_id);
    }
    const actionIds = new Set<string>();
    const uniqueAction = (e: any, p: string) => {
      if (e?.action_id === undefined) return;
      if (actionIds.has(e.action_id)) fail(`${p}/action_id`, `duplicate action_id ${e.action_id} in one block`);
      actionIds.add(e.action_id);
    };
    switch (block.type) {
      case 'section': {
        if (block.text === undefined && block.fields === undefined) fail(path, 'a section needs text or fields');
        if (block.text !== undefined) total += textObject(block.text, `${path}/text`, 3000);
        if (block.fields !== undefined) {
          if (!Array.isArray(block.fields) || block.fields.length < 1 || block.fields.length > 10)
            fail(`${path}/fields`, 'must have 1 to 10 items');
          block.fields.forEach((f: any, j: number) => (total += textObject(f, `${path}/fields/${j}`, 2000)));
        }
        if (block.accessory !== undefined) {
          element(block.accessory, `${path}/accessory`, 'accessory');
          uniqueAction(block.accessory, `${path}/accessory`);
        }
        return;
      }
      case 'header':
        total += textObject(block.text, `${path}/text`, 150, { plainOnly: true });
        return;
      case 'divider':
        return;
      case 'context':
        if (!Array.isArray(block.elements) || block.elements.length < 1 || block.elements.length > 10)
          fail(`${path}/elements`, 'must have 1 to 10 elements');
        block.elements.forEach((e: any, j: number) => {
          if (e?.type === 'image') {
            maxLen(e.image_url, `${path}/elements/${j}/image_url`, 3000);
            if (typeof e.alt_text !== 'string' || e.alt_text.length === 0)
              fail(`${path}/elements/${j}/alt_text`, 'is required');
            maxLen(e.alt_text, `${path}/elements/${j}/alt_text`, 2000);
          } else total += textObject(e, `${path}/elements/${j}`, 3000);
        });
        return;
      case 'actions':
        if (!Array.isArray(block.elements) || block.elements.length < 1 || block.elements.length > 25)
          fail(`${path}/elements`, 'must have 1 to 25 elements');
        block.elements.forEach((e: any, j: number) => {
          element(e, `${path}/elements/${j}`, 'actions');
          uniqueAction(e, `${path}/elements/${j}`);
        });
        return;
      case 'input':
        if (surface === 'message') fail(path, 'input blocks are for modals and the Home tab');
        textObject(block.label, `${path}/label`, 2000, { plainOnly: true });
        if (block.hint !== undefined) textObject(block.hint, `${path}/hint`, 2000, { plainOnly: true });
        if (block.element === undefined) fail(`${path}/element`, 'is required');
        element(block.element, `${path}/element`, 'input');
        return;
      case 'image':
        maxLen(block.image_url, `${path}/image_url`, 3000);
        if (block.image_url === undefined && block.slack_file === undefined)
          fail(path, 'an image needs image_url or slack_file');
        if (typeof block.alt_text !== 'string' || block.alt_text.length === 0) fail(`${path}/alt_text`, 'is required');
        maxLen(block.alt_text, `${path}/alt_text`, 2000);
        if (block.title !== undefined) textObject(block.title, `${path}/title`, 2000, { plainOnly: true });
        return;
      case 'markdown':
        if (surface !== 'message') fail(path, 'markdown blocks are for messages');
        if (typeof block.text !== 'string' || block.text.length === 0) fail(`${path}/text`, 'is required');
        maxLen(block.text, `${path}/text`, 12_000);
        total += len(block.text);
        return;
      case 'rich_text':
      case 'file':
      case 'video':
        return;
      default:
        fail(`${path}/type`, `unknown block type ${block.type}`);
    }
  });
  return total;
}

function check(run: () => void): BlockProblem | undefined {
  try {
    run();
    return undefined;
  } catch (error) {
    if (error instanceof Problem) return { error: error.code, reason: error.reason };
    throw error;
  }
}

/** Message blocks (chat.postMessage, chat.update, chat.postEphemeral, response_url bodies). */
export function checkMessageBlocks(blocks: unknown): BlockProblem | undefined {
  if (blocks === undefined) return undefined;
  return check(() => {
    const total = blocksOf(blocks, 'message', '/blocks');
    // Undocumented but real: the text across one message's blocks (see the reference, §1).
    if (total > 12_000) throw new Problem('msg_blocks_too_long', `blocks hold ${total} characters of text`);
  });
}

/** A modal or Home tab view (views.open, views.push, views.update, views.publish, response_action). */
export function checkView(view: any): BlockProblem | undefined {
  return check(() => {
    if (!view || typeof view !== 'object') fail('/view', 'is required', 'invalid_arguments');
    if (view.type !== 'modal' && view.type !== 'home') fail('/view/type', 'must be modal or home', 'invalid_arguments');
    maxLen(view.private_metadata, '/view/private_metadata', 3000);
    maxLen(view.callback_id, '/view/callback_id', 255);
    maxLen(view.external_id, '/view/external_id', 255);
    const asArgument = (run: () => void) => {
      try {
        run();
      } catch (error) {
        if (error instanceof Problem) throw new Problem('invalid_arguments', error.reason);
        throw error;
      }
    };
    if (view.type === 'modal') {
      asArgument(() => textObject(view.title, '/view/title', 24, { plainOnly: true }));
      if (view.submit !== undefined) asArgument(() => textObject(view.submit, '/view/submit', 24, { plainOnly: true }));
      if (view.close !== undefined) asArgument(() => textObject(view.close, '/view/close', 24, { plainOnly: true }));
      if (Array.isArray(view.blocks) && view.blocks.some((b: any) => b?.type === 'input') && view.submit === undefined)
        fail('/view/submit', 'is required when the view has input blocks', 'invalid_arguments');
    }
    blocksOf(view.blocks, view.type, '/view/blocks');
  });
}
