import { describe, expect, it } from 'vitest';
import { cutLine, LineSplitter, MAX_LINE_LENGTH } from './line-splitter';

const b = (s: string) => Buffer.from(s);

describe('LineSplitter (local output)', () => {
  it('splits on newlines, strips a trailing CR and keeps the partial line', () => {
    const s = new LineSplitter();
    expect(s.push(b('a\r\nb'))).toEqual(['a']);
    expect(s.push(b('c\n\nd'))).toEqual(['bc', '']);
    expect(s.flush()).toEqual(['d']);
    expect(s.flush()).toEqual([]);
  });

  it('hands on the first part of an over-long line at once and drops the rest of it', () => {
    const s = new LineSplitter(4);
    expect(s.push(b('abcdefghij'))).toEqual(['abcd']);
    expect(s.push(b('kl\nmn'))).toEqual([]);
    expect(s.push(b('opq\nrstu\nvwxyz12\n'))).toEqual(['mnop', 'rstu', 'vwxy']);
    expect(s.push(b('abcdefg'))).toEqual(['abcd']);
    expect(s.flush()).toEqual([]);
  });

  it('cutLine marks lines over the stored length', () => {
    expect(cutLine('short')).toBe('short');
    const long = 'x'.repeat(MAX_LINE_LENGTH + 10);
    expect(cutLine(long)).toBe(`${'x'.repeat(MAX_LINE_LENGTH)} … [line cut at ${MAX_LINE_LENGTH} characters]`);
  });
});
