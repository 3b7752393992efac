import { readFileSync } from 'node:fs';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { formatIssues, type ConfigResult } from './env.js';
import { settingsSchema, type Settings } from './settings.js';

/** Parses settings from YAML text (or an already-parsed object); problems come back one per line. */
export function parseSettings(input: unknown): ConfigResult<Settings> {
  const result = settingsSchema.safeParse(input ?? {});
  return result.success ? { ok: true, value: result.data } : { ok: false, problems: formatIssues(result.error, 'settings ') };
}

export function loadSettings(path: string | undefined): ConfigResult<Settings> {
  if (!path) return parseSettings({});
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    return { ok: false, problems: [`ITOPS_CONFIG: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? String(error)})`] };
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
