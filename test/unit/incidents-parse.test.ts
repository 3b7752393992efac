import { describe, expect, it } from 'vitest';
import { parseIncidentCommand } from '../../commands/incidents/parse.js';

const ctx = {
  now: Date.parse('2026-03-10T10:00:00Z'),
  timeZone: 'Europe/London',
  actionDueTime: '17:00',
  customRoles: [],
};

describe('/incident text', () => {
  it('echoes an unknown verb or role escaped', () => {
    const verb = parseIncidentCommand('<!channel> now', ctx);
    expect(verb.kind).toBe('error');
    const role = parseIncidentCommand('role <@U123ABC|bob> <!here>', ctx);
    expect(role.kind).toBe('error');
    for (const parsed of [verb, role]) {
      const message = (parsed as { message: string }).message;
      expect(message).not.toMatch(/<!/);
      expect(message).toContain('&lt;!');
    }
  });
});
