import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { loadSettings, parseSettings } from '../../src/config/load.js';

describe('config.example.yml', () => {
  it('is valid: what the README tells people to copy actually loads', () => {
    const result = loadSettings(join(import.meta.dirname, '../../config.example.yml'));
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
});
