import { describe, expect, it } from 'vitest';
import { ansiPaletteColor, parseAnsi, stripAnsi, truncateSpans, xterm256Color, type AnsiSpan } from './ansi';

const E = '\x1b';
const red = ansiPaletteColor(1);
const green = ansiPaletteColor(2);
const brightBlue = ansiPaletteColor(12);
const bgYellow = ansiPaletteColor(3);
const bgBrightWhite = ansiPaletteColor(15);

describe('ansiPaletteColor', () => {
  it('uses CSS variables with a fallback', () => {
    expect(ansiPaletteColor(1)).toMatch(/^var\(--ansi-red, #[0-9a-f]{6}\)$/);
    expect(ansiPaletteColor(9)).toMatch(/^var\(--ansi-bright-red, #[0-9a-f]{6}\)$/);
    expect(ansiPaletteColor(0)).toContain('--ansi-black');
    expect(ansiPaletteColor(15)).toContain('--ansi-bright-white');
  });
});

describe('xterm256Color', () => {
  it.each([
    [0, ansiPaletteColor(0)],
    [9, ansiPaletteColor(9)],
    [16, '#000000'],
    [21, '#0000ff'],
    [196, '#ff0000'],
    [231, '#ffffff'],
    [67, '#5f87af'],
    [232, '#080808'],
    [255, '#eeeeee'],
  ])('%i → %s', (n, color) => {
    expect(xterm256Color(n)).toBe(color);
  });

  it.each([-1, 256, 1.5, Number.NaN])('rejects %s', (n) => {
    expect(xterm256Color(n)).toBeUndefined();
  });
});

describe('parseAnsi: SGR', () => {
  const cases: Array<[string, string, AnsiSpan[]]> = [
    ['plain text', 'hello world', [{ text: 'hello world' }]],
    ['empty line', '', []],
    ['only escapes', `${E}[31m${E}[0m`, []],
    ['red then reset', `${E}[31merror${E}[0m: x`, [{ text: 'error', fg: red }, { text: ': x' }]],
    ['ESC[m resets', `${E}[1mA${E}[mB`, [{ text: 'A', bold: true }, { text: 'B' }]],
    ['empty param is 0', `${E}[1;;32mA`, [{ text: 'A', fg: green }]],
    ['bold', `${E}[1mB`, [{ text: 'B', bold: true }]],
    ['dim', `${E}[2mD`, [{ text: 'D', dim: true }]],
    ['italic', `${E}[3mI`, [{ text: 'I', italic: true }]],
    ['underline', `${E}[4mU`, [{ text: 'U', underline: true }]],
    ['curly underline 4:3', `${E}[4:3mU`, [{ text: 'U', underline: true }]],
    ['underline off 4:0', `${E}[4mA${E}[4:0mB`, [{ text: 'A', underline: true }, { text: 'B' }]],
    ['double underline 21', `${E}[21mU`, [{ text: 'U', underline: true }]],
    ['22 clears bold and dim', `${E}[1;2mA${E}[22mB`, [{ text: 'A', bold: true, dim: true }, { text: 'B' }]],
    ['23 clears italic', `${E}[3;1mA${E}[23mB`, [{ text: 'A', italic: true, bold: true }, { text: 'B', bold: true }]],
    ['24 clears underline', `${E}[4mA${E}[24mB`, [{ text: 'A', underline: true }, { text: 'B' }]],
    ['combined params', `${E}[1;4;31mX`, [{ text: 'X', bold: true, underline: true, fg: red }]],
    ['bright fg 94', `${E}[94mX`, [{ text: 'X', fg: brightBlue }]],
    ['bg 43', `${E}[43mX`, [{ text: 'X', bg: bgYellow }]],
    ['bright bg 107', `${E}[107mX`, [{ text: 'X', bg: bgBrightWhite }]],
    ['39 default fg keeps bg', `${E}[31;43mA${E}[39mB`, [{ text: 'A', fg: red, bg: bgYellow }, { text: 'B', bg: bgYellow }]],
    ['49 default bg keeps fg', `${E}[31;43mA${E}[49mB`, [{ text: 'A', fg: red, bg: bgYellow }, { text: 'B', fg: red }]],
    ['fg changes', `${E}[31mA${E}[32mB`, [{ text: 'A', fg: red }, { text: 'B', fg: green }]],
    ['256 fg', `${E}[38;5;196mX`, [{ text: 'X', fg: '#ff0000' }]],
    ['256 fg low index uses palette', `${E}[38;5;1mX`, [{ text: 'X', fg: red }]],
    ['256 bg', `${E}[48;5;232mX`, [{ text: 'X', bg: '#080808' }]],
    ['256 then more params', `${E}[38;5;21;1mX`, [{ text: 'X', fg: '#0000ff', bold: true }]],
    ['truecolor fg', `${E}[38;2;255;128;0mX`, [{ text: 'X', fg: '#ff8000' }]],
    ['truecolor bg then bold', `${E}[48;2;1;2;3;1mX`, [{ text: 'X', bg: '#010203', bold: true }]],
    ['truecolor colon form', `${E}[38:2:10:20:30mX`, [{ text: 'X', fg: '#0a141e' }]],
    ['truecolor colon form with colourspace', `${E}[38:2::10:20:30mX`, [{ text: 'X', fg: '#0a141e' }]],
    ['256 colon form', `${E}[38:5:196mX`, [{ text: 'X', fg: '#ff0000' }]],
    ['invalid 256 index ignored', `${E}[31m${E}[38;5;300mX`, [{ text: 'X', fg: red }]],
    ['invalid truecolor ignored', `${E}[38;2;300;0;0mX`, [{ text: 'X' }]],
    ['truncated truecolor ignored', `${E}[38;2;1mX`, [{ text: 'X' }]],
    ['unknown 38 mode skips only the mode', `${E}[38;7;1mX`, [{ text: 'X', bold: true }]],
    ['unknown codes ignored (blink, inverse)', `${E}[5;7;31mX`, [{ text: 'X', fg: red }]],
    ['same style merges spans', `${E}[31mA${E}[31mB${E}[1m${E}[22mC`, [{ text: 'ABC', fg: red }]],
    ['style persists across reset-less lines of text', `a${E}[1mb${E}[0mc`, [{ text: 'a' }, { text: 'b', bold: true }, { text: 'c' }]],
    ['tab kept', `a\tb`, [{ text: 'a\tb' }]],
    ['private SGR-like (ESC[?1m) is not SGR', `${E}[?1mX`, [{ text: 'X' }]],
    ['SGR with intermediate byte is not SGR', `${E}[1 mX`, [{ text: 'X' }]],
    ['C1 CSI SGR', `\x9b31mX`, [{ text: 'X', fg: red }]],
  ];

  it.each(cases)('%s', (_name, input, expected) => {
    expect(parseAnsi(input)).toStrictEqual(expected);
  });

  it('never sets a style key to false/undefined', () => {
    for (const span of parseAnsi(`${E}[1;31mA${E}[22;39mB${E}[4mC${E}[24mD`)) {
      for (const value of Object.values(span)) expect(value).not.toBeUndefined();
      for (const value of Object.values(span)) expect(value).not.toBe(false);
    }
  });

  it('does not share span objects between calls', () => {
    const a = parseAnsi(`${E}[31mA`);
    a[0]!.text = 'changed';
    expect(parseAnsi(`${E}[31mA`)).toStrictEqual([{ text: 'A', fg: red }]);
  });
});

describe('parseAnsi / stripAnsi: removed sequences', () => {
  const cases: Array<[string, string, string]> = [
    ['erase line ESC[K', `abc${E}[Kdef`, 'abcdef'],
    ['erase line ESC[2K', `${E}[2Kabc`, 'abc'],
    ['clear screen ESC[2J and home ESC[H', `${E}[2J${E}[Hx`, 'x'],
    ['cursor movement', `${E}[1A${E}[10;20Hx${E}[3C`, 'x'],
    ['private mode ESC[?25l', `${E}[?25lhidden cursor${E}[?25h`, 'hidden cursor'],
    ['OSC title ended by BEL', `${E}]0;my title\x07text`, 'text'],
    ['OSC ended by ST', `${E}]0;title${E}\\text`, 'text'],
    ['OSC 8 hyperlink keeps link text', `${E}]8;;https://x.org${E}\\link${E}]8;;${E}\\ after`, 'link after'],
    ['unterminated OSC swallows the rest', `before${E}]0;never ends`, 'before'],
    ['DCS string', `${E}Pq#0;2;0;0;0${E}\\ok`, 'ok'],
    ['APC string', `${E}_G a=T\x07ok`, 'ok'],
    ['C1 OSC', `\x9d0;t\x07ok`, 'ok'],
    ['charset designation ESC(B', `${E}(Bok${E})0`, 'ok'],
    ['two-byte escapes ESC7 ESC8 ESC=', `${E}7a${E}8b${E}=c`, 'abc'],
    ['lone ESC at end', `abc${E}`, 'abc'],
    ['lone ESC before a control char', `a${E}\x01b`, 'ab'],
    ['cut-off CSI at end', `abc${E}[31`, 'abc'],
    ['CSI broken by a control char', `a${E}[31\x07b`, 'ab'],
    ['NUL, BEL, backspace, form feed, vertical tab', `a\x00b\x07c\x08d\x0ce\x0bf`, 'abcdef'],
    ['newline is stripped', `a\nb`, 'ab'],
    ['DEL and C1 controls', `a\x7fb\x85c\x9cd`, 'abcd'],
    ['unicode kept', `${E}[32m✓${E}[0m café 日本 🎉`, '✓ café 日本 🎉'],
    ['HTML is just text', `<script>alert(1)</script>`, '<script>alert(1)</script>'],
  ];

  it.each(cases)('%s', (_name, input, expected) => {
    expect(stripAnsi(input)).toBe(expected);
    expect(
      parseAnsi(input)
        .map((s) => s.text)
        .join(''),
    ).toBe(expected);
  });

  it('removed sequences do not split spans', () => {
    expect(parseAnsi(`${E}[31mab${E}[Kcd${E}]0;t\x07ef`)).toStrictEqual([{ text: 'abcdef', fg: red }]);
  });
});

describe('parseAnsi: carriage return', () => {
  const cases: Array<[string, string, AnsiSpan[]]> = [
    ['progress bar keeps the last redraw', ' 10%\r 50%\r100%', [{ text: '100%' }]],
    ['trailing CR (CRLF) changes nothing', 'done\r', [{ text: 'done' }]],
    ['several trailing CRs', 'done\r\r', [{ text: 'done' }]],
    ['CR followed only by escapes changes nothing', `done\r${E}[K${E}[0m`, [{ text: 'done' }]],
    ['leading CR', '\rtext', [{ text: 'text' }]],
    [
      'style set before CR carries over',
      `${E}[32mold\rnew`,
      [{ text: 'new', fg: green }],
    ],
    [
      'styled redraw after erase',
      `${E}[1mBuilding 1/3${E}[0m\r${E}[K${E}[1mBuilding 3/3${E}[0m ok`,
      [{ text: 'Building 3/3', bold: true }, { text: ' ok' }],
    ],
    ['CR then text then trailing CR', 'a\rb\r', [{ text: 'b' }]],
  ];

  it.each(cases)('%s', (_name, input, expected) => {
    expect(parseAnsi(input)).toStrictEqual(expected);
  });
});

describe('parseAnsi: robustness', () => {
  it('handles a long line quickly', () => {
    const chunk = `${E}[31merror${E}[0m: something ${E}[1mbold${E}[22m `;
    const line = chunk.repeat(20_000);
    const start = performance.now();
    const spans = parseAnsi(line);
    expect(performance.now() - start).toBeLessThan(2_000);
    expect(spans.length).toBe(20_000 * 4);
  });

  it('never throws on arbitrary input', () => {
    let seed = 42;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed;
    };
    const alphabet = ['\x1b', '[', ']', ';', ':', 'm', '3', '8', '5', '2', '\x07', '\\', '\r', 'a', ' ', '\x9b', '?', 'K'];
    for (let n = 0; n < 2_000; n++) {
      let s = '';
      const len = rand() % 40;
      for (let k = 0; k < len; k++) s += alphabet[rand() % alphabet.length];
      const spans = parseAnsi(s);
      for (const span of spans) {
        expect(span.text.length).toBeGreaterThan(0);
        expect(span.text).not.toMatch(/[\x00-\x08\x0a-\x1f\x7f-\x9f]/);
      }
    }
  });
});

describe('truncateSpans', () => {
  const spans: AnsiSpan[] = [{ text: 'abc', fg: red }, { text: 'defg' }];
  it.each([
    [10, [{ text: 'abc', fg: red }, { text: 'defg' }], 0],
    [7, [{ text: 'abc', fg: red }, { text: 'defg' }], 0],
    [5, [{ text: 'abc', fg: red }, { text: 'de' }], 2],
    [3, [{ text: 'abc', fg: red }], 4],
    [2, [{ text: 'ab', fg: red }], 5],
    [0, [], 7],
  ] as Array<[number, AnsiSpan[], number]>)('max %i', (max, kept, omitted) => {
    expect(truncateSpans(spans, max)).toStrictEqual({ spans: kept, omitted });
  });

  it('does not modify its input', () => {
    truncateSpans(spans, 1);
    expect(spans).toStrictEqual([{ text: 'abc', fg: red }, { text: 'defg' }]);
  });
});
