import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { quoteArgv, quotePosix } from './shell-quote';

/** Runs a real POSIX shell and returns the arguments it received, NUL-separated. */
function shellArgs(script: string): string[] {
  const out = execFileSync('/bin/sh', ['-c', `set -- ${script}; for a; do printf '%s\\0' "$a"; done`]);
  const parts = out.toString('utf8').split('\0');
  parts.pop();
  return parts;
}

describe('quotePosix', () => {
  it('quotes simple values', () => {
    expect(quotePosix('abc')).toBe(`'abc'`);
    expect(quotePosix('')).toBe(`''`);
    expect(quotePosix("it's")).toBe(`'it'\\''s'`);
  });

  const nasty = [
    '',
    ' ',
    'plain',
    "single ' quote",
    "''",
    "'",
    'double " quote',
    '$HOME $(id) `id` ${x}',
    'back\\slash\\',
    'new\nline',
    'tab\there',
    '*?[a-z]',
    '-n',
    '--',
    '; rm -rf / #',
    'a|b&c>d<e',
    '~',
    'ünïcödé ✓',
    '!event',
  ];

  it('round-trips through a real /bin/sh', () => {
    expect(shellArgs(quoteArgv(nasty))).toEqual(nasty);
  });

  it.each(nasty.map((s) => [JSON.stringify(s), s]))('round-trips %s alone', (_label, s) => {
    expect(shellArgs(quotePosix(s))).toEqual([s]);
  });

  it('refuses NUL', () => {
    expect(() => quotePosix('a\0b')).toThrow(/NUL/);
  });
});
