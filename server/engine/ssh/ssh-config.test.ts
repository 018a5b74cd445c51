import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSshG } from './openssh-config';
import { parseProxyJump } from './proxy-jump';
import { resolveSshConfig } from './ssh-config';
import { resolveSshConfigText } from './ssh-config-text';

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

describe('resolveSshConfig asks OpenSSH (ssh -G)', () => {
  let dir: string;
  let main: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'ssh-config-g-'));
    mkdirSync(path.join(dir, 'config.d'));
    main = path.join(dir, 'config');
    // An absolute Include: OpenSSH resolves relative ones under the passwd entry's ~/.ssh, whatever $HOME says.
    writeFileSync(main, `Include ${dir}/config.d/*\nMatch host matched\n  User from-match\n  IdentityFile ~/.ssh/m_%h\nHost *\n  Port 2200\n`);
    writeFileSync(
      path.join(dir, 'config.d', 'lab'),
      'Host lab\n  HostName lab.example\n  User labuser\n  Port 2022\n  IdentityFile %d/.ssh/lab_%r\n  ProxyJump jumper@gw:2222,bastion\n',
    );
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('applies Include config.d/* and Match host, as ssh would', async () => {
    expect(await resolveSshConfig('lab', { configPath: main, ...opts })).toEqual({
      alias: 'lab',
      hostName: 'lab.example',
      user: 'labuser',
      port: 2022,
      identityFiles: ['/home/tester/.ssh/lab_labuser'],
      proxyJump: [{ host: 'gw', user: 'jumper', port: 2222 }, { host: 'bastion' }],
    });
    const matched = await resolveSshConfig('matched', { configPath: main, ...opts });
    expect(matched).toMatchObject({ hostName: 'matched', user: 'from-match', port: 2200, identityFiles: ['/home/tester/.ssh/m_matched'] });
    expect(matched.proxyJump).toBeUndefined();
    // No IdentityFile configured: OpenSSH's built-in list means "none", the connection picks its defaults.
    const other = await resolveSshConfig('Other.Example', { configPath: main, ...opts });
    expect(other).toMatchObject({ hostName: 'Other.Example', identityFiles: [] }); // as the user spelled it
  });

  it('sees an edited included file and a file added to config.d at the next lookup', async () => {
    const extra = path.join(dir, 'config.d', 'zz-new');
    expect((await resolveSshConfig('fresh', { configPath: main, ...opts })).hostName).toBe('fresh');
    writeFileSync(extra, 'Host fresh\n  HostName fresh.example\n');
    expect((await resolveSshConfig('fresh', { configPath: main, ...opts })).hostName).toBe('fresh.example');
    writeFileSync(extra, 'Host fresh\n  HostName fresh2.example\n'); // same size, same directory listing
    expect((await resolveSshConfig('fresh', { configPath: main, ...opts })).hostName).toBe('fresh2.example');
    rmSync(extra);
    expect((await resolveSshConfig('fresh', { configPath: main, ...opts })).hostName).toBe('fresh');
  });

  it('asks ssh once per alias while the files stay as they are', async () => {
    const calls = path.join(dir, 'calls');
    const counting = path.join(dir, 'counting-ssh');
    writeFileSync(counting, `#!/bin/sh\necho "$*" >> '${calls}'\nexec ssh "$@"\n`, { mode: 0o755 });
    const o = { configPath: main, ...opts, sshBinary: counting };
    for (let i = 0; i < 3; i++) expect((await resolveSshConfig('lab', o)).hostName).toBe('lab.example');
    await resolveSshConfig('matched', o);
    expect(readFileSync(calls, 'utf8').trim().split('\n')).toHaveLength(2);
    writeFileSync(path.join(dir, 'config.d', 'lab'), 'Host lab\n  HostName lab2.example\n');
    expect((await resolveSshConfig('lab', o)).hostName).toBe('lab2.example');
    expect(readFileSync(calls, 'utf8').trim().split('\n')).toHaveLength(3);
  });

  it('says what ssh refused, and never passes an alias ssh would read as an option', async () => {
    const bad = path.join(dir, 'bad-config');
    writeFileSync(bad, 'Host x\n  NoSuchOption yes\n');
    await expect(resolveSshConfig('x', { configPath: bad, ...opts })).rejects.toThrow(/ssh -G .*failed: .*NoSuchOption/i);
    await expect(resolveSshConfig('-oProxyCommand=touch /tmp/pwned', { configPath: main, ...opts })).rejects.toThrow(/starts with "-"/);
    await expect(resolveSshConfig('a b', { configPath: main, ...opts })).rejects.toThrow(/white space/);
  });

  it('falls back to the hand parser (no Include, no Match) when there is no ssh client', async () => {
    const r = await resolveSshConfig('matched', { configPath: main, ...opts, sshBinary: path.join(dir, 'no-ssh-here') });
    expect(r).toEqual({ alias: 'matched', hostName: 'matched', port: 2200, identityFiles: [] });
  });

  it('parseSshG expands ~ and % tokens in IdentityFile and ignores `none`', () => {
    const out = 'hostname h.example\nuser u\nport 22\nidentityfile ~/.ssh/k_%n_%p\nidentityfile none\nidentityfile /k/%%x\n';
    expect(parseSshG(out, 'al', { homeDir: home, localUser: 'me' })).toEqual({
      alias: 'al',
      hostName: 'h.example',
      user: 'u',
      port: 22,
      identityFiles: ['/home/tester/.ssh/k_al_22', '/k/%x'],
    });
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
