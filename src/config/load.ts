import { readFileSync } from 'node:fs';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import type { z } from 'zod';
import { formatIssues, type ConfigResult } from './env.js';
import { nearestName } from './nearest.js';
import { settingsSchema, type Settings } from './settings.js';

/** Parses settings from YAML text (or an already-parsed object); problems come back one per line. */
export function parseSettings(input: unknown): ConfigResult<Settings> {
  const result = settingsSchema.safeParse(input ?? {});
  if (result.success) return { ok: true, value: result.data };
  // Unknown keys first: a misspelt section makes everything under it look missing.
  const unknown = result.error.issues.filter((issue) => issue.code === 'unrecognized_keys');
  // A required key reported missing beside an unknown one is the same typo: name it once.
  const sameObject = (issue: z.core.$ZodIssue) =>
    unknown.some((u) => issue.path.length === u.path.length + 1 && u.path.every((k, i) => issue.path[i] === k));
  const others = result.error.issues.filter(
    (issue) => issue.code !== 'unrecognized_keys' && !(issue.code === 'invalid_type' && sameObject(issue)),
  );
  const problems = unknown.flatMap((issue) => unknownKeyProblems(issue.path, (issue as { keys: string[] }).keys));
  problems.push(...formatIssues({ issues: others }, 'settings '));
  return { ok: false, problems };
}

/** One line per unknown key: its full path and the nearest valid key at that level (or the valid keys). */
function unknownKeyProblems(path: PropertyKey[], keys: string[]): string[] {
  const prefix = path.map(String).join('.');
  const at = (key: string) => (prefix ? `${prefix}.${key}` : key);
  const valid = validKeysAt(settingsSchema, path);
  return keys.map((key) => {
    const nearest = nearestName(key, valid);
    if (nearest) return `unknown setting ${at(key)} — did you mean ${at(nearest)}?`;
    return `unknown setting ${at(key)} — the settings ${prefix ? `under ${prefix}` : 'at the top level'} are ${valid.join(', ')}`;
  });
}

/** The keys an object (or an enum-keyed record) in the settings schema accepts at `path`. */
function validKeysAt(schema: z.ZodType, path: PropertyKey[]): string[] {
  // zod's definition tree (`_zod.def`) has no public type to walk.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  let node: any = schema;
  const step = (key?: PropertyKey): boolean => {
    for (;;) {
      const def = node?._zod?.def;
      if (!def) return false;
      if (['default', 'prefault', 'optional', 'nullable', 'readonly', 'catch', 'nonoptional'].includes(def.type))
        node = def.innerType;
      else if (def.type === 'pipe') node = def.in;
      else break;
    }
    if (key === undefined) return true;
    const def = node._zod.def;
    if (def.type === 'object') node = def.shape[String(key)];
    else if (def.type === 'record') node = def.valueType;
    else if (def.type === 'array') node = def.element;
    else return false;
    return true;
  };
  for (const key of path) if (!step(key)) return [];
  if (!step()) return [];
  const def = node._zod.def;
  if (def.type === 'object') return Object.keys(def.shape);
  if (def.type === 'record' && def.keyType?._zod?.def?.type === 'enum')
    return Object.values(def.keyType._zod.def.entries).map(String);
  return [];
}

export function loadSettings(path: string | undefined): ConfigResult<Settings> {
  if (!path) return parseSettings({});
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    return {
      ok: false,
      problems: [`ITOPS_CONFIG: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? String(error)})`],
    };
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (error) {
    const detail = error instanceof YAMLParseError ? error.message.split('\n')[0]!.replace(/:$/, '') : String(error);
    return { ok: false, problems: [`ITOPS_CONFIG: ${path} is not valid YAML: ${detail}`] };
  }
  const parsed = parseSettings(doc);
  return parsed.ok ? parsed : { ok: false, problems: parsed.problems.map((p) => `${path}: ${p}`) };
}
