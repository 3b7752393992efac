import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { changesArea } from '../../commands/changes/index.js';
import type { Interaction } from '../../commands/kit.js';
import { COMMANDS } from '../../views/ids.js';
import { CHANGE_ACTIONS, CHANGE_VIEWS } from '../../views/changes/ids.js';

const DIR = join(import.meta.dirname, '../../commands/changes');
const idOf = (i: Interaction) => String('id' in i ? i.id : 'callbackId' in i ? i.callbackId : i.name);

describe('the change area as named interactions', () => {
  it('answers /change, every change button and every change form, each once', () => {
    expect(changesArea.interactions.map(idOf).sort()).toEqual(
      [COMMANDS.change, ...Object.values(CHANGE_ACTIONS), ...Object.values(CHANGE_VIEWS)].sort(),
    );
    expect(changesArea.setup).toBeTypeOf('function');
  });

  it('reads through src/services, never db/, with no casts to any, in files small enough to read', () => {
    for (const file of readdirSync(DIR).filter((f) => f.endsWith('.ts'))) {
      const source = readFileSync(join(DIR, file), 'utf8');
      expect(source, file).not.toMatch(/from '(\.\.\/)+db\//);
      expect(source, file).not.toMatch(/as (any|never)\b/);
      expect(source.split('\n').length, file).toBeLessThanOrEqual(150);
    }
  });
});
