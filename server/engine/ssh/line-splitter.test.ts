import { describe, expect, it } from 'vitest';
import { LineSplitter } from './line-splitter';

describe('LineSplitter', () => {
  it('splits on newlines and keeps the partial line', () => {
    const s = new LineSplitter();
    expect(s.push(Buffer.from('a\nb'))).toEqual(['a']);
    expect(s.push(Buffer.from('c\n\nd'))).toEqual(['bc', '']);
    expect(s.end()).toEqual(['d']);
    expect(s.end()).toEqual([]);
  });

  it('decodes UTF-8 split across chunks', () => {
    const s = new LineSplitter();
    const bytes = Buffer.from('ü✓\n');
    const out = [...s.push(bytes.subarray(0, 1)), ...s.push(bytes.subarray(1, 3)), ...s.push(bytes.subarray(3))];
    expect(out).toEqual(['ü✓']);
  });

  it('hands on the first part of an over-long line at once and drops the rest of it', () => {
    const s = new LineSplitter(4);
    expect(s.push('abcdefghij')).toEqual(['abcd']);
    expect(s.push('kl\nmn')).toEqual([]);
    expect(s.push('opq\nrstu\n')).toEqual(['mnop', 'rstu']);
    expect(s.push('vwxyz')).toEqual(['vwxy']);
    expect(s.end()).toEqual([]);
  });
});
