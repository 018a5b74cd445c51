import { describe, expect, it } from 'vitest';
import { matchPattern, matchPatternList } from './patterns';

describe('host patterns', () => {
  it.each([
    ['host', 'host', true],
    ['HOST', 'host', true],
    ['host', 'hos', false],
    ['a.example.com', '*.example.com', true],
    ['example.com', '*.example.com', false],
    ['h1', 'h?', true],
    ['h12', 'h?', false],
    ['abcabc', '*abc', true],
    ['[10.0.0.1]:2222', '[10.0.0.*]:2222', true],
    ['[10.0.0.1]:22', '[10.0.0.*]:2222', false],
    ['anything', '*', true],
  ] as const)('%s vs %s → %s', (name, pattern, expected) => {
    expect(matchPattern(name, pattern)).toBe(expected);
  });

  it('negation vetoes the list', () => {
    expect(matchPatternList('a.example.com', ['*.example.com', '!a.example.com'])).toBe(false);
    expect(matchPatternList('b.example.com', ['*.example.com', '!a.example.com'])).toBe(true);
    expect(matchPatternList('b.example.com', ['!a.example.com'])).toBe(false);
  });
});
