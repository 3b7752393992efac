import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { loadSettings } from '../../src/config/load.js';

describe('config.example.yml', () => {
  it('is valid: what the README tells people to copy actually loads', () => {
    const result = loadSettings(join(import.meta.dirname, '../../config.example.yml'));
    expect(result.ok ? [] : result.problems).toEqual([]);
  });

  it('sandbox/config.yml is valid under the same strict schema', () => {
    const result = loadSettings(join(import.meta.dirname, '../../sandbox/config.yml'));
    expect(result.ok ? [] : result.problems).toEqual([]);
  });
});
