import { describe, expect, it } from 'vitest';
import { safeNext } from './safe-next';

describe('safeNext', () => {
  it.each([
    ['/sessions/abc', '/sessions/abc'],
    ['/sessions/abc?tab=log#step-3', '/sessions/abc?tab=log#step-3'],
    ['/', '/'],
    ['/%5Chost', '/%5Chost'],
    ['/a/../b', '/b'],
    ['/ /host', '/%20/host'],
  ])('keeps the same-site path %j', (input, output) => {
    expect(safeNext(input)).toBe(output);
  });

  it.each([
    null,
    undefined,
    '',
    '//host',
    '//host/path',
    '/\\host',
    '/\\127.0.0.1:9/phish',
    '\\/host',
    '\\\\host',
    '/\\/host',
    'https:',
    'https://evil.example/',
    'https:evil.example',
    'javascript:alert(1)',
    'data:text/html,x',
    'host/path',
    './/host',
    '/\t/host',
    '/\n/host',
    '/\r//host',
    '\t//host',
    '/\u0000/host',
    '/..//host',
    '/a/..//host',
    '/.//host',
    '/%2e%2e//host',
    '///host',
    '/\u0085/host',
  ])('refuses %j', (input) => {
    expect(safeNext(input)).toBe('/');
  });
});
