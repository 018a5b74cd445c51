import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseProxyJump, resolveSshConfig, resolveSshConfigText } from './ssh-config';

const home = '/home/tester';
const opts = { homeDir: home, localUser: 'me' };

const config = `
# global defaults apply to all hosts
IdentityFile ~/.ssh/global_key

Host build-* !build-secret
  User builder
  Port 2200
  IdentityFile ~/.ssh/build_%r@%h
  IdentityFile "/keys/with space"

Host build-1
  HostName 10.0.0.%h.internal
  User ignored-because-first-wins
  ProxyJump jumper@gw.example:2022,[::1]:23

Host=build-2
  HostName=build2.example.com
  ProxyJump none

Match host build-1
  User from-match

Include ~/.ssh/config.d/*

Host *
  User fallback
  Port 22
`;

describe('resolveSshConfigText', () => {
  it('first obtained value wins; IdentityFile accumulates with ~ and % tokens', () => {
    const r = resolveSshConfigText(config, 'build-1', opts);
    expect(r).toEqual({
      alias: 'build-1',
      hostName: '10.0.0.build-1.internal',
      user: 'builder',
      port: 2200,
      identityFiles: [
        '/home/tester/.ssh/global_key',
        '/home/tester/.ssh/build_builder@10.0.0.build-1.internal',
        '/keys/with space',
      ],
      proxyJump: [
        { host: 'gw.example', user: 'jumper', port: 2022 },
        { host: '::1', port: 23 },
      ],
    });
  });

  it('Keyword=value form and ProxyJump none', () => {
    const r = resolveSshConfigText(config, 'build-2', opts);
    expect(r.hostName).toBe('build2.example.com');
    expect(r.proxyJump).toEqual([]);
  });

  it('negated patterns exclude a host; Host * applies last', () => {
    const r = resolveSshConfigText(config, 'build-secret', opts);
    expect(r).toEqual({
      alias: 'build-secret',
      hostName: 'build-secret',
      user: 'fallback',
      port: 22,
      identityFiles: ['/home/tester/.ssh/global_key'],
    });
  });

  it('unknown host: only global options', () => {
    const r = resolveSshConfigText('Host other\n  User x\n', 'mine', opts);
    expect(r).toEqual({ alias: 'mine', hostName: 'mine', identityFiles: [] });
  });
});

describe('resolveSshConfig (file)', () => {
  it('reads the given path; a missing file means no options; an edit is seen at the next lookup', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ssh-config-'));
    try {
      const file = path.join(dir, 'config');
      writeFileSync(file, 'Host alias\n  HostName real.example\n  Port 2022\n');
      expect(await resolveSshConfig('alias', { configPath: file, ...opts })).toMatchObject({ hostName: 'real.example', port: 2022 });
      expect((await resolveSshConfig('alias', { configPath: path.join(dir, 'nope'), ...opts })).hostName).toBe('alias');
      writeFileSync(file, 'Host alias\n  HostName other.example\n  Port 2022\n'); // same size: the cache must still notice
      expect(await resolveSshConfig('alias', { configPath: file, ...opts })).toMatchObject({ hostName: 'other.example' });
      await expect(resolveSshConfig('alias', { configPath: '/dev/zero', ...opts })).rejects.toThrow(/ssh config \/dev\/zero.*character device, not a regular file/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('parseProxyJump', () => {
  it.each([
    ['gw', [{ host: 'gw' }]],
    ['u@gw:2200', [{ host: 'gw', user: 'u', port: 2200 }]],
    ['ssh://u@gw:2200', [{ host: 'gw', user: 'u', port: 2200 }]],
    ['a, b@c', [{ host: 'a' }, { host: 'c', user: 'b' }]],
    ['[fe80::1]:22', [{ host: 'fe80::1', port: 22 }]],
    ['none', []],
  ])('%s', (value, expected) => {
    expect(parseProxyJump(value)).toEqual(expected);
  });

  it('rejects bad ports', () => {
    expect(() => parseProxyJump('gw:99999')).toThrow(/port/);
    expect(() => parseProxyJump('@gw')).toThrow();
  });
});
