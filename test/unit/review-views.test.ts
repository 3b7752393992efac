import { describe, expect, it } from 'vitest';
import { parseItops } from '../../views/reports/command.js';

describe('text people typed, repeated back', () => {
  it('/itops report escapes a word it did not understand', () => {
    const odd = parseItops('report <!channel>');
    expect(odd).toMatchObject({ kind: 'invalid' });
    const message = (odd as { message: string }).message;
    expect(message).toContain('&lt;!channel&gt;');
    expect(message).not.toContain('<!channel>');
    const channel = parseItops('report #<@U123>');
    expect((channel as { message: string }).message).toContain('#&lt;@U123&gt;');
  });
});
