/**
 * Turns what the bot sends to Slack (messages, ephemeral replies, modals, the Home tab) into lines of
 * terminal text: who and where, headers, sections, fields, context, and every interactive element
 * with a number the person can type to click it. Pure: the caller supplies names and numbering.
 */

export interface Names {
  user(id: string): string;
  channel(id: string): string;
  group(id: string): string;
}

/** Registers an interactive element and returns the number shown for it. */
export type NumberElement = (element: any, blockId: string | undefined) => number;

export interface RenderOptions {
  names: Names;
  number: NumberElement;
  color?: boolean;
  /** Time zone for Slack dates (<!date^…>). */
  timeZone?: string;
  /** Now, for showing today's dates as a bare time. */
  now?: Date;
}

const EMOJI: Record<string, string> = {
  white_check_mark: '✅',
  heavy_check_mark: '✔',
  warning: '⚠️',
  rotating_light: '🚨',
  new: '🆕',
  hammer_and_wrench: '🛠',
  hourglass_flowing_sand: '⏳',
  lock: '🔒',
  heavy_multiplication_x: '✖',
  red_circle: '🔴',
  large_orange_circle: '🟠',
  large_yellow_circle: '🟡',
  large_green_circle: '🟢',
  white_circle: '⚪',
  double_vertical_bar: '⏸',
  ticket: '🎫',
  construction: '🚧',
  link: '🔗',
  mag: '🔍',
  pushpin: '📌',
  telephone_receiver: '📞',
  bell: '🔔',
  no_entry: '⛔',
  x: '❌',
  tada: '🎉',
  memo: '📝',
  calendar: '📅',
  chart_with_upwards_trend: '📈',
  bar_chart: '📊',
  fire: '🔥',
  eyes: '👀',
  clock3: '🕒',
  alarm_clock: '⏰',
  star: '⭐',
  information_source: 'ℹ️',
  arrow_right: '→',
  thumbsup: '👍',
  speech_balloon: '💬',
  mega: '📣',
  loudspeaker: '📢',
  busts_in_silhouette: '👥',
  large_blue_circle: '🔵',
  black_circle: '⚫',
  snowflake: '❄️',
  repeat: '🔁',
  rewind: '⏪',
  calling: '📲',
  house: '🏠',
  bulb: '💡',
  inbox_tray: '📥',
  outbox_tray: '📤',
  checkered_flag: '🏁',
  wrench: '🔧',
  hourglass: '⌛',
  white_check_mark_button: '✅',
  stopwatch: '⏱',
  traffic_light: '🚦',
  page_facing_up: '📄',
  clipboard: '📋',
  arrow_up: '↑',
  arrow_down: '↓',
  green_heart: '💚',
  broken_heart: '💔',
  sos: '🆘',
  bust_in_silhouette: '👤',
  ballot_box_with_check: '☑️',
};

const ANSI = {
  bold: '\x1b[1m',
  dim: '\x1b[2m',
  italic: '\x1b[3m',
  red: '\x1b[31m',
  green: '\x1b[32m',
  yellow: '\x1b[33m',
  cyan: '\x1b[36m',
  magenta: '\x1b[35m',
  reset: '\x1b[0m',
};
export type Style = keyof typeof ANSI;

export function paint(text: string, style: Style, color: boolean | undefined): string {
  return color ? `${ANSI[style]}${text}${ANSI.reset}` : text;
}

/** Formats a Slack date token the way a person reads it: today's as a time, others with the day. */
export function formatWhen(epochMs: number, options: { timeZone?: string; now?: Date } = {}): string {
  const date = new Date(epochMs);
  const tz = options.timeZone;
  const day = (d: Date) =>
    new Intl.DateTimeFormat('en-GB', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit' }).format(d);
  const time = new Intl.DateTimeFormat('en-GB', {
    timeZone: tz,
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hour12: false,
  }).format(date);
  if (day(date) === day(options.now ?? new Date())) return time;
  const dayText = new Intl.DateTimeFormat('en-GB', {
    timeZone: tz,
    weekday: 'short',
    day: 'numeric',
    month: 'short',
  }).format(date);
  return `${dayText} ${time}`;
}

/** Slack mrkdwn → terminal text: mentions, links, dates, entities, emoji, bold and italics. */
export function mrkdwnToText(
  text: string,
  options: Pick<RenderOptions, 'names' | 'color' | 'timeZone' | 'now'>,
): string {
  const { names, color } = options;
  let out = text.replace(/<([^<>]+)>/g, (_match, inner: string) => {
    const [target, label] = splitLabel(inner);
    if (target.startsWith('@')) return paint(`@${label ?? names.user(target.slice(1))}`, 'cyan', color);
    if (target.startsWith('#')) return paint(`#${label ?? names.channel(target.slice(1))}`, 'cyan', color);
    if (target.startsWith('!subteam^'))
      return paint(
        label ? (label.startsWith('@') ? label : `@${label}`) : `@${names.group(target.slice('!subteam^'.length))}`,
        'cyan',
        color,
      );
    if (target.startsWith('!date^')) {
      const [, epoch] = target.split('^');
      const when = Number(epoch);
      return Number.isFinite(when) ? formatWhen(when * 1000, options) : (label ?? target);
    }
    if (target.startsWith('!')) return paint(`@${target.slice(1)}`, 'cyan', color);
    if (/^(https?|mailto|slack):/.test(target)) return label && label !== target ? `${label} (${target})` : target;
    return `<${inner}>`;
  });
  out = out.replace(/:([a-z0-9_+-]+):/g, (match, name: string) => EMOJI[name] ?? match);
  out = out.replace(
    /(^|[\s(>])\*([^*\n]+)\*(?=$|[\s.,:;!?)’”'"])/gm,
    (_m, before: string, inner: string) => `${before}${paint(inner, 'bold', color)}`,
  );
  out = out.replace(
    /(^|[\s(])_([^_\n]+)_(?=$|[\s.,:;!?)])/gm,
    (_m, before: string, inner: string) => `${before}${paint(inner, 'italic', color)}`,
  );
  return out.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

function splitLabel(inner: string): [string, string | undefined] {
  const bar = inner.indexOf('|');
  return bar < 0 ? [inner, undefined] : [inner.slice(0, bar), inner.slice(bar + 1)];
}

/** A text object (plain_text or mrkdwn) as terminal text. */
export function textOf(object: any, options: RenderOptions): string {
  if (!object) return '';
  if (typeof object === 'string') return mrkdwnToText(object, options);
  if (object.type === 'plain_text')
    return String(object.text ?? '').replace(/:([a-z0-9_+-]+):/g, (m, name: string) =>
      object.emoji === false ? m : (EMOJI[name] ?? m),
    );
  return mrkdwnToText(String(object.text ?? ''), options);
}

const indent = (text: string, prefix: string) => text.split('\n').map((line) => `${prefix}${line}`);

/** One interactive element as `[N] Label`, with what a select currently shows. */
function elementLabel(element: any, blockId: string | undefined, options: RenderOptions): string {
  const n = options.number(element, blockId);
  const tag = paint(`[${n}]`, 'yellow', options.color);
  const placeholder = element.placeholder ? textOf(element.placeholder, options) : undefined;
  switch (element.type) {
    case 'button': {
      const label = textOf(element.text, options);
      const styled =
        element.style === 'danger'
          ? paint(label, 'red', options.color)
          : element.style === 'primary'
            ? paint(label, 'green', options.color)
            : label;
      return `${tag} ${styled}${element.url ? ` (${element.url})` : ''}`;
    }
    case 'static_select':
    case 'external_select': {
      const current = element.initial_option ? textOf(element.initial_option.text, options) : undefined;
      return `${tag} ${placeholder ?? 'Choose'} ▾${current ? ` (${current})` : ''}`;
    }
    case 'users_select':
      return `${tag} ${placeholder ?? 'Pick a person'} ▾${element.initial_user ? ` (@${options.names.user(element.initial_user)})` : ''}`;
    case 'conversations_select':
    case 'channels_select':
      return `${tag} ${placeholder ?? 'Pick a channel'} ▾`;
    case 'overflow':
      return `${tag} ⋯ (${(element.options ?? []).map((o: any) => textOf(o.text, options)).join(' / ')})`;
    case 'datepicker':
      return `${tag} 📅 ${element.initial_date ?? placeholder ?? 'Pick a date'}`;
    default:
      return `${tag} ${placeholder ?? element.type}`;
  }
}

const INTERACTIVE = new Set([
  'button',
  'static_select',
  'external_select',
  'users_select',
  'conversations_select',
  'channels_select',
  'overflow',
  'datepicker',
  'multi_static_select',
  'multi_users_select',
  'checkboxes',
  'radio_buttons',
  'timepicker',
  'datetimepicker',
]);

/** Blocks as lines of text; interactive elements numbered through `options.number`. */
export function renderBlocks(blocks: any[] | undefined, options: RenderOptions, prefix = '  '): string[] {
  const lines: string[] = [];
  for (const block of blocks ?? []) {
    switch (block.type) {
      case 'header':
        lines.push(`${prefix}${paint(`▌ ${textOf(block.text, options)}`, 'bold', options.color)}`);
        break;
      case 'section': {
        if (block.text) lines.push(...indent(textOf(block.text, options), prefix));
        if (block.fields?.length) lines.push(...renderFields(block.fields, options, prefix));
        if (block.accessory && INTERACTIVE.has(block.accessory.type))
          lines.push(`${prefix}  ${elementLabel(block.accessory, block.block_id, options)}`);
        else if (block.accessory?.type === 'image') lines.push(`${prefix}  [image: ${block.accessory.alt_text ?? ''}]`);
        break;
      }
      case 'context': {
        const parts = (block.elements ?? []).map((e: any) =>
          e.type === 'image' ? `[${e.alt_text ?? 'image'}]` : textOf(e, options),
        );
        lines.push(...indent(paint(parts.join(' · '), 'dim', options.color), prefix));
        break;
      }
      case 'divider':
        lines.push(`${prefix}${paint('────────────────────────────────', 'dim', options.color)}`);
        break;
      case 'actions': {
        const labels = (block.elements ?? []).map((e: any) => elementLabel(e, block.block_id, options));
        lines.push(`${prefix}${labels.join('  ')}`);
        break;
      }
      case 'input': {
        const optional = block.optional ? paint(' (optional)', 'dim', options.color) : '';
        lines.push(
          `${prefix}${paint('▸', 'cyan', options.color)} ${textOf(block.label, options)}${optional}: ${describeInput(block.element, options)}`,
        );
        if (block.hint) lines.push(`${prefix}    ${paint(textOf(block.hint, options), 'dim', options.color)}`);
        break;
      }
      case 'image':
        lines.push(
          `${prefix}[image: ${block.title ? textOf(block.title, options) : (block.alt_text ?? '')}] ${block.image_url ?? ''}`,
        );
        break;
      case 'rich_text':
        lines.push(...indent(richText(block, options), prefix));
        break;
      case 'file':
        lines.push(`${prefix}[file ${block.external_id ?? ''}]`);
        break;
      default:
        lines.push(`${prefix}[${block.type} block]`);
    }
  }
  return lines;
}

/** Fields two to a line when they are short; `*Label*\nvalue` read as "Label: value". */
function renderFields(fields: any[], options: RenderOptions, prefix: string): string[] {
  const items = fields.map((f) => {
    const raw = String(f.text ?? '');
    const labelled = /^\*([^*\n]+)\*\n([\s\S]*)$/.exec(raw);
    if (labelled)
      return `${paint(`${labelled[1]}:`, 'dim', options.color)} ${textOf({ ...f, text: labelled[2]!.replace(/\n/g, ' ') }, options)}`;
    return textOf(f, options).replace(/\n/g, ' ');
  });
  const lines: string[] = [];
  const visible = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, '').length;
  for (let i = 0; i < items.length; i += 2) {
    const a = items[i]!;
    const b = items[i + 1];
    if (b !== undefined && visible(a) <= 38 && visible(b) <= 38)
      lines.push(`${prefix}${a}${' '.repeat(40 - visible(a))}${b}`);
    else {
      lines.push(`${prefix}${a}`);
      if (b !== undefined) lines.push(`${prefix}${b}`);
    }
  }
  return lines;
}

function describeInput(element: any, options: RenderOptions): string {
  if (!element) return '';
  const initial = initialText(element, options);
  const kind: Record<string, string> = {
    plain_text_input: element.multiline ? 'text (multi-line)' : 'text',
    url_text_input: 'link',
    email_text_input: 'email',
    number_input: 'number',
    static_select: 'choose one',
    radio_buttons: 'choose one',
    multi_static_select: 'choose any',
    checkboxes: 'tick any',
    users_select: 'a person',
    multi_users_select: 'people',
    conversations_select: 'a channel',
    channels_select: 'a channel',
    datepicker: 'a date',
    timepicker: 'a time',
    datetimepicker: 'date and time',
  };
  return `${kind[element.type] ?? element.type}${initial ? ` = ${initial}` : ''}`;
}

/** What an input shows before anyone touches it, as text; undefined when it starts empty. */
export function initialText(element: any, options: RenderOptions): string | undefined {
  switch (element.type) {
    case 'plain_text_input':
    case 'url_text_input':
    case 'email_text_input':
    case 'number_input':
      return element.initial_value ? oneLine(String(element.initial_value)) : undefined;
    case 'static_select':
    case 'radio_buttons':
      return element.initial_option ? textOf(element.initial_option.text, options) : undefined;
    case 'multi_static_select':
    case 'checkboxes':
      return element.initial_options?.length
        ? element.initial_options.map((o: any) => textOf(o.text, options)).join(', ')
        : undefined;
    case 'users_select':
      return element.initial_user ? `@${options.names.user(element.initial_user)}` : undefined;
    case 'multi_users_select':
      return element.initial_users?.length
        ? element.initial_users.map((u: string) => `@${options.names.user(u)}`).join(', ')
        : undefined;
    case 'conversations_select':
    case 'channels_select': {
      const id = element.initial_conversation ?? element.initial_channel;
      return id ? `#${options.names.channel(id)}` : undefined;
    }
    case 'datepicker':
      return element.initial_date;
    case 'timepicker':
      return element.initial_time;
    case 'datetimepicker':
      return element.initial_date_time ? formatWhen(element.initial_date_time * 1000, options) : undefined;
    default:
      return undefined;
  }
}

function oneLine(text: string): string {
  const line = text.replace(/\n/g, ' ⏎ ');
  return line.length > 80 ? `${line.slice(0, 79)}…` : line;
}

function richText(block: any, options: Pick<RenderOptions, 'names' | 'color'>): string {
  const walk = (node: any): string => {
    if (!node) return '';
    if (node.type === 'text') return node.text ?? '';
    if (node.type === 'link') return node.text ?? node.url ?? '';
    if (node.type === 'user') return paint(`@${options.names.user(node.user_id)}`, 'cyan', options.color);
    if (node.type === 'channel') return paint(`#${options.names.channel(node.channel_id)}`, 'cyan', options.color);
    if (Array.isArray(node.elements)) return node.elements.map(walk).join(node.type === 'rich_text_list' ? '\n• ' : '');
    return '';
  };
  return walk(block);
}

/** A message: a heading line (who said it where) then its blocks, or its text when it has none. */
export function renderMessage(
  heading: string,
  message: { text?: string; blocks?: any[] },
  options: RenderOptions,
): string[] {
  const body = message.blocks?.length
    ? renderBlocks(message.blocks, options)
    : indent(mrkdwnToText(message.text ?? '', options), '  ');
  return [heading, ...body];
}

/** A modal or Home tab: title bar, blocks, and its submit/close buttons. */
export function renderView(heading: string, view: any, options: RenderOptions): string[] {
  const title = view.title ? textOf(view.title, options) : view.type === 'home' ? 'Home' : '';
  const lines = [
    heading,
    `  ${paint(`┏━ ${title} ━━━━━━━━━━━━━━━━━━━━`, 'bold', options.color)}`,
    ...renderBlocks(view.blocks, options, '  ┃ '),
  ];
  const buttons = [
    view.submit ? `[${textOf(view.submit, options)}]` : undefined,
    view.close ? `[${textOf(view.close, options)}]` : undefined,
  ].filter(Boolean);
  lines.push(
    `  ${paint('┗━━━━━━━━━━━━━━━━━━━━━━━━━━━━━', 'bold', options.color)}${buttons.length ? ` ${buttons.join(' ')}` : ''}`,
  );
  return lines;
}

/** Options of a select-like element, flattened from option groups. */
export function optionsOf(element: any): any[] {
  return (element.options ?? element.option_groups?.flatMap((g: any) => g.options ?? []) ?? []) as any[];
}
