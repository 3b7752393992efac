import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { COMMANDS, EVENTS, SHORTCUTS } from '../../views/ids.js';

const schemaDir = join(import.meta.dirname, '../fixtures/slack-manifest-schema');
const manifest = parse(readFileSync(join(import.meta.dirname, '../../manifest.yml'), 'utf8'));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? sourceFiles(join(dir, entry.name))
      : entry.name.endsWith('.ts')
        ? [join(dir, entry.name)]
        : [],
  );
}

describe('manifest.yml', () => {
  it("validates against Slack's published manifest schema (v1)", () => {
    const schema = JSON.parse(readFileSync(join(schemaDir, 'manifest.schema.1.0.0.json'), 'utf8'));
    delete schema.$schema;
    const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: false });
    const validate = ajv.compile(schema);
    const valid = validate(manifest);
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  });

  it('declares exactly the slash commands, shortcuts and events the code registers', () => {
    expect(manifest.features.slash_commands.map((c: { command: string }) => c.command).sort()).toEqual(
      Object.values(COMMANDS).sort(),
    );
    expect(manifest.features.shortcuts.map((s: { callback_id: string }) => s.callback_id).sort()).toEqual(
      Object.values(SHORTCUTS).sort(),
    );
    expect([...manifest.settings.event_subscriptions.bot_events].sort()).toEqual([...EVENTS].sort());
  });

  it('registers listeners only through the ids the manifest declares', () => {
    // Every app.command / app.shortcut / app.event in commands/ must use the shared constants.
    const code = sourceFiles(join(import.meta.dirname, '../../commands'))
      .map((f) => readFileSync(f, 'utf8'))
      .join('\n');
    for (const match of code.matchAll(/app\.(command|shortcut|event)\(\s*(['"`])([^'"`]+)\2/g)) {
      throw new Error(`app.${match[1]}('${match[3]}') uses a literal; use COMMANDS/SHORTCUTS/EVENTS from views/ids.ts`);
    }
  });

  it('asks for every scope the Web API methods it calls need', () => {
    const code = [
      ...sourceFiles(join(import.meta.dirname, '../../src')),
      ...sourceFiles(join(import.meta.dirname, '../../commands')),
    ]
      .map((f) => readFileSync(f, 'utf8'))
      .join('\n');
    const needs: Record<string, string> = {
      'chat.postMessage': 'chat:write',
      'conversations.create': 'channels:manage',
      'conversations.invite': 'channels:manage',
      'conversations.setTopic': 'channels:manage',
      'pins.add': 'pins:write',
      'bookmarks.add': 'bookmarks:write',
      'users.info': 'users:read',
      'usergroups.users.list': 'usergroups:read',
      'conversations.history': 'channels:history',
      'files.uploadV2': 'files:write',
      'conversations.open': 'im:write',
      'conversations.info': 'channels:read',
    };
    const scopes: string[] = manifest.oauth_config.scopes.bot;
    for (const [method, scope] of Object.entries(needs)) {
      const [group, name] = method.split('.');
      const used = code.includes(`'${method}'`) || code.includes(`${group}.${name}(`);
      if (used) expect(scopes, `${method} needs ${scope}`).toContain(scope);
    }
    // A direct message whose answer was lost is looked for in the DM's history.
    expect(scopes).toEqual(expect.arrayContaining(['im:history', 'channels:history', 'groups:history']));
  });
});
