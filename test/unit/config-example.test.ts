import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { loadSettings, parseSettings } from '../../src/config/load.js';
import { ROLE_NAMES, settingsSchema } from '../../src/config/settings.js';

const examplePath = join(import.meta.dirname, '../../config.example.yml');

describe('config.example.yml', () => {
  it('is valid: what the README tells people to copy actually loads', () => {
    const result = loadSettings(examplePath);
    expect(result.ok ? [] : result.problems).toEqual([]);
  });

  it('sandbox/config.yml is valid under the same strict schema', () => {
    const result = loadSettings(join(import.meta.dirname, '../../sandbox/config.yml'));
    expect(result.ok ? [] : result.problems).toEqual([]);
  });

  it('documents the pause reasons the app ships with, each saying whether it pauses the clock', () => {
    const example = loadSettings(join(import.meta.dirname, '../../config.example.yml'));
    const defaults = parseSettings({});
    if (!example.ok || !defaults.ok) throw new Error('settings do not load');
    expect(example.value.sla.pause_reasons).toEqual(defaults.value.sla.pause_reasons);
    expect(example.value.sla.policies).toEqual(defaults.value.sla.policies);
  });

  it('documents every setting of every section that src/config/settings.ts knows', () => {
    const example = readFileSync(examplePath, 'utf8');
    const defaults = settingsSchema.parse({}) as unknown as Record<string, Record<string, unknown>>;
    const missing: string[] = [];
    for (const section of ['roles', 'service_desk', 'sla', 'incidents', 'changes', 'reports', 'jobs', 'slack']) {
      for (const key of Object.keys(defaults[section]!)) {
        if (!new RegExp(`^\\s*#?\\s*${key}:`, 'm').test(example)) missing.push(`${section}.${key}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('shows the security settings with their defaults', () => {
    const result = loadSettings(examplePath);
    if (!result.ok) throw new Error(result.problems.join('\n'));
    const defaults = settingsSchema.parse({});
    expect(result.value.reports.post_roles).toEqual(defaults.reports.post_roles);
    expect(defaults.reports.post_roles).toEqual([...ROLE_NAMES]);
    expect(result.value.reports.own_scorecard_for_everyone).toBe(true);
    expect(result.value.service_desk.reaction_private_channels).toEqual([]);
    expect(result.value.changes.standard_templates[0]).toMatchObject({ id: 'monthly-os-patches', version: 1 });
  });
});
