import { describe, expect, it } from 'vitest';
import { escapeMrkdwn, fallbackText, truncate, userText } from '../../views/text.js';

const HOSTILE = [
  '<!channel>',
  '<!here>',
  '<!everyone>',
  '<@U123>',
  '<#C123>',
  '<https://evil.example|bank>',
  '<!subteam^S123>',
  '<!date^1^{date}|x>',
];

/** No Slack control sequence can survive: no raw < or >, and every & starts an entity we made. */
function assertInert(text: string): void {
  expect(text).not.toMatch(/[<>]/);
  expect(text.replace(/&(amp|lt|gt);/g, '')).not.toContain('&');
}

const codeUnitsAreWellFormed = (s: string): boolean => {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = s.charCodeAt(i + 1);
      if (!(d >= 0xdc00 && d <= 0xdfff)) return false;
      i++;
    } else if (c >= 0xdc00 && c <= 0xdfff) return false;
  }
  return true;
};

describe('escapeMrkdwn', () => {
  it.each(HOSTILE)('neutralises %s', (input) => {
    const out = escapeMrkdwn(input);
    assertInert(out);
    expect(out).toBe(input.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;'));
  });

  it('shows the exact forms Slack would otherwise act on', () => {
    expect(escapeMrkdwn('<!channel> please')).toBe('&lt;!channel&gt; please');
    expect(escapeMrkdwn('hi <@U123> in <#C123>')).toBe('hi &lt;@U123&gt; in &lt;#C123&gt;');
    expect(escapeMrkdwn('<https://evil.example|bank>')).toBe('&lt;https://evil.example|bank&gt;');
  });

  it('escapes an ampersand first, so already-escaped text shows as typed', () => {
    expect(escapeMrkdwn('&lt;!channel&gt;')).toBe('&amp;lt;!channel&amp;gt;');
    expect(escapeMrkdwn('R&D & <ops>')).toBe('R&amp;D &amp; &lt;ops&gt;');
  });

  it('leaves ordinary text alone', () => {
    expect(escapeMrkdwn('VPN down in Leeds, 50% of staff — *urgent* 🎉')).toBe(
      'VPN down in Leeds, 50% of staff — *urgent* 🎉',
    );
    expect(escapeMrkdwn('')).toBe('');
  });
});

describe('truncate', () => {
  it('keeps text that fits, cuts the rest with an ellipsis within max', () => {
    expect(truncate('hello', 5)).toBe('hello');
    expect(truncate('hello!', 5)).toBe('hell…');
    expect(truncate('x'.repeat(5000), 3000)).toHaveLength(3000);
  });

  it('counts UTF-16 units as Slack does: an emoji counts 2', () => {
    expect(truncate('😀'.repeat(100), 150)).toHaveLength(149);
    expect(userText('😀'.repeat(100), 150).length).toBeLessThanOrEqual(150);
    expect(fallbackText('😀'.repeat(3000)).length).toBeLessThanOrEqual(4000);
  });

  it('never splits a surrogate pair at the cut point', () => {
    const text = 'ab😀😀😀';
    for (let max = 1; max <= 6; max++) {
      const out = truncate(text, max);
      expect(codeUnitsAreWellFormed(out)).toBe(true);
      expect(out.length).toBeLessThanOrEqual(max);
    }
    expect(truncate(text, 5)).toBe('ab😀…');
    expect(truncate(text, 4)).toBe('ab…');
    expect(truncate('😀'.repeat(10), 5)).toBe('😀😀…');
  });
});

describe('userText', () => {
  it('escapes hostile text that fits', () => {
    for (const h of HOSTILE) assertInert(userText(h, 3000));
    expect(userText('<!channel>', 100)).toBe('&lt;!channel&gt;');
  });

  it('never cuts an entity in half', () => {
    // Escaped, "<<<<" is 16 characters; cut to 10 the result must still be whole entities.
    const out = userText('<<<<', 10);
    expect(out.length).toBeLessThanOrEqual(10);
    expect(out).toMatch(/^(&lt;)*…$/);
    assertInert(out);
  });

  it('keeps the escaped length within max for every cut, whatever the input', () => {
    const inputs = [
      '<!channel>'.repeat(50),
      '&'.repeat(200),
      '&lt;'.repeat(100),
      '<@U123> <#C123> <https://evil.example|bank> '.repeat(20),
      '😀<'.repeat(100),
      'a😀&b>'.repeat(80),
      '👨‍👩‍👧 <!here> '.repeat(40),
    ];
    for (const input of inputs) {
      for (const max of [1, 2, 3, 4, 5, 6, 7, 9, 10, 17, 75, 150, 151, 2000, 3000]) {
        const out = userText(input, max);
        expect(out.length, `${JSON.stringify(input.slice(0, 12))}… at ${max}`).toBeLessThanOrEqual(max);
        expect(codeUnitsAreWellFormed(out)).toBe(true);
        assertInert(out);
        // What is kept is a prefix of the escaped original (plus the ellipsis when cut).
        const escaped = escapeMrkdwn(input);
        if (out !== escaped) {
          expect(out.endsWith('…')).toBe(true);
          expect(escaped.startsWith(out.slice(0, -1))).toBe(true);
        }
      }
    }
  });

  it('keeps as much as fits rather than cutting early', () => {
    // 10 raw "<" are 40 escaped characters; max 21 fits five entities and the ellipsis.
    expect(userText('<'.repeat(10), 21)).toBe('&lt;'.repeat(5) + '…');
    expect(userText('abcdef', 4)).toBe('abc…');
    // A link-heavy description: its raw length fits, its escaped length does not. It keeps all it can.
    expect(userText('&'.repeat(1000), 3000)).toBe('&amp;'.repeat(599) + '…');
    const url = 'https://intranet.example/search?a=1&b=2&c=3&d=4 ';
    const long = url.repeat(60); // 3000 raw characters, 3720 escaped
    const out = userText(long, 3000);
    expect([...out].length).toBeGreaterThanOrEqual(2995);
    expect([...out].length).toBeLessThanOrEqual(3000);
  });
});

describe('fallbackText', () => {
  it("keeps a message's fallback within 4,000 characters, never cutting a mention or an entity in half", () => {
    expect(fallbackText('short')).toBe('short');
    const mentionAtCut = `${'a'.repeat(3995)}<@UAGENT01> more`;
    const cut = fallbackText(mentionAtCut);
    expect([...cut].length).toBeLessThanOrEqual(4000);
    expect(cut).toBe(`${'a'.repeat(3995)}…`);
    const entityAtCut = `${'a'.repeat(3997)}&amp;&amp;`;
    expect(fallbackText(entityAtCut)).toBe(`${'a'.repeat(3997)}…`);
  });
});
