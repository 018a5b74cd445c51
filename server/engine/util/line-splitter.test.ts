import { describe, expect, it } from 'vitest';
import { cutLine, LineSplitter, MAX_LINE_LENGTH } from './line-splitter';

/** Feeds `chunks` (strings are sent as their UTF-8 bytes) and returns every line, the flushed ones last. */
function split(chunks: Array<string | Uint8Array>, limit?: number): string[] {
  const s = new LineSplitter(limit);
  const lines = chunks.flatMap((c) => s.push(typeof c === 'string' ? Buffer.from(c) : c));
  return [...lines, ...s.flush()];
}

const utf8 = Buffer.from('ü✓\n');

describe('LineSplitter (local and remote output)', () => {
  it.each<[string, Array<string | Uint8Array>, string[], number?]>([
    ['plain lines and a partial last one', ['a\nb', 'c\n\nd'], ['a', 'bc', '', 'd']],
    ['CRLF ends a line like LF', ['a\r\nb\r\n'], ['a', 'b']],
    ['CRLF split across chunks', ['a\r', '\nb'], ['a', 'b']],
    ['a lone CR stays in the line (progress redraws)', ['10%\r20%\r30%\n'], ['10%\r20%\r30%']],
    ['a CR at the end of the stream is dropped', ['last\r'], ['last']],
    ['UTF-8 split across chunks', [utf8.subarray(0, 1), utf8.subarray(1, 3), utf8.subarray(3)], ['ü✓']],
    ['an invalid byte becomes U+FFFD', [Buffer.from([0x61, 0xff, 0x0a])], ['a\uFFFD']],
    ['over-long lines: first part at once, rest dropped', ['abcdefghij', 'kl\nmn', 'opq\nrstu\nvwxyz12\n', 'abcdefg'], ['abcd', 'mnop', 'rstu', 'vwxy', 'abcd'], 4],
    ['a line of exactly the limit is whole', ['abcd\nef'], ['abcd', 'ef'], 4],
    ['CRLF after a line at the limit', ['abcd\r\n'], ['abcd'], 4],
  ])('%s', (_name, chunks, expected, limit) => {
    expect(split(chunks, limit)).toEqual(expected);
  });

  it('hands on lines as they complete and flushes only the partial one', () => {
    const s = new LineSplitter(4);
    expect(s.push('abcdefghij')).toEqual(['abcd']);
    expect(s.push('kl\nmn')).toEqual([]);
    expect(s.push('opq\nrstu\n')).toEqual(['mnop', 'rstu']);
    expect(s.flush()).toEqual([]);
    expect(s.flush()).toEqual([]);
  });

  it('cutLine marks lines over the stored length', () => {
    expect(cutLine('short')).toBe('short');
    const long = 'x'.repeat(MAX_LINE_LENGTH + 10);
    expect(cutLine(long)).toBe(`${'x'.repeat(MAX_LINE_LENGTH)} … [line cut at ${MAX_LINE_LENGTH} characters]`);
  });
});
