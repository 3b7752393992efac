import { z } from 'zod';

/**
 * Durations in settings: compact `90s`, `30m`, `4h`, `2d`, `1h30m`, `500ms`, or ISO-8601 `PT30M`, `P1DT2H`.
 * Parsed to milliseconds. A bare number is refused: "30" could mean seconds or minutes.
 */
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
const COMPACT = /^(\d+(?:\.\d+)?(?:ms|s|m|h|d|w))+$/;
const COMPACT_PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/g;
const ISO =
  /^P(?:(\d+(?:\.\d+)?)W)?(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;

export function parseDuration(input: string): number | undefined {
  const text = input.trim();
  if (COMPACT.test(text)) {
    let total = 0;
    for (const [, amount, unit] of text.matchAll(COMPACT_PART)) total += Number(amount) * UNIT_MS[unit!]!;
    return Math.round(total);
  }
  const iso = ISO.exec(text.toUpperCase());
  if (iso && text.length > 1 && !text.toUpperCase().endsWith('T')) {
    const [, w, d, h, m, s] = iso.map((v) => (v === undefined ? 0 : Number(v)));
    return Math.round(w! * UNIT_MS.w! + d! * UNIT_MS.d! + h! * UNIT_MS.h! + m! * UNIT_MS.m! + s! * UNIT_MS.s!);
  }
  return undefined;
}

/** zod schema: a duration string → milliseconds. */
export const durationMs = z.string().transform((value, ctx) => {
  const ms = parseDuration(value);
  if (ms === undefined) {
    ctx.addIssue({
      code: 'custom',
      message: `"${value}" is not a duration (use 90s, 30m, 4h, 2d or ISO-8601 like PT30M)`,
    });
    return z.NEVER;
  }
  return ms;
});

/** Renders milliseconds the way people read them: 1h 30m, 45s, 2d. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))}ms`;
  const parts: string[] = [];
  let rest = Math.round(ms / 1000);
  for (const [unit, size] of [
    ['d', 86400],
    ['h', 3600],
    ['m', 60],
    ['s', 1],
  ] as const) {
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    }
  }
  return parts.slice(0, 2).join(' ');
}

/**
 * Working time as written: a target on a business calendar keeps its units until the calendar reads
 * it, so `24h` is 24 working hours and `3d` three business days (never "72 hours of which 8 a day
 * count"). `days` may be fractional (`1.5d` = one and a half business days); `ms` holds the hours,
 * minutes and seconds. Weeks are refused: on a business calendar "1w" could mean 5 or 7 days.
 */
export interface WorkingDuration {
  days: number;
  ms: number;
}

const WORKING_UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

export function parseWorkingDuration(input: string): WorkingDuration | undefined {
  const text = input.trim();
  if (COMPACT.test(text)) {
    let days = 0;
    let ms = 0;
    for (const [, amount, unit] of text.matchAll(COMPACT_PART)) {
      if (unit === 'w') return undefined;
      if (unit === 'd') days += Number(amount);
      else ms += Number(amount) * WORKING_UNIT_MS[unit!]!;
    }
    return { days, ms: Math.round(ms) };
  }
  const iso = ISO.exec(text.toUpperCase());
  if (iso && text.length > 1 && !text.toUpperCase().endsWith('T')) {
    const [, w, d, h, m, s] = iso.map((v) => (v === undefined ? 0 : Number(v)));
    if (w) return undefined;
    return { days: d!, ms: Math.round(h! * UNIT_MS.h! + m! * UNIT_MS.m! + s! * UNIT_MS.s!) };
  }
  return undefined;
}

/** zod schema: a duration string → working time as written (see WorkingDuration). */
export const workingDuration = z.string().transform((value, ctx) => {
  const parsed = parseWorkingDuration(value);
  if (parsed === undefined) {
    ctx.addIssue({
      code: 'custom',
      message: /w/i.test(value)
        ? `"${value}" uses weeks, which are ambiguous on a business calendar (5 or 7 days?); write days, e.g. 5d`
        : `"${value}" is not a duration (use 30m, 4h, 3d, 1d4h or ISO-8601 like PT30M, P3D)`,
    });
    return z.NEVER;
  }
  return parsed;
});
