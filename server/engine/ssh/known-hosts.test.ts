import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  checkHostKey,
  entryMatchesHost,
  fingerprintSha256,
  keyTypeOf,
  knownHostsName,
  loadKnownHosts,
  parseKnownHosts,
  type PinnedKey,
} from './known-hosts';

const execFileP = promisify(execFile);

interface TestKey {
  type: string;
  b64: string;
  blob: Buffer;
  pubFile: string;
}

let dir: string;
let k1: TestKey; // ed25519
let k2: TestKey; // ed25519
let k3: TestKey; // ecdsa

async function makeKey(name: string, type: string): Promise<TestKey> {
  const file = path.join(dir, name);
  await execFileP('ssh-keygen', ['-q', '-t', type, '-N', '', '-f', file]);
  const [keyType, b64] = readFileSync(`${file}.pub`, 'utf8').trim().split(' ');
  return { type: keyType!, b64: b64!, blob: Buffer.from(b64!, 'base64'), pubFile: `${file}.pub` };
}

function write(name: string, text: string): string {
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
}

async function check(host: string, port: number, key: TestKey, files: string[], pinned: PinnedKey[] = []) {
  return checkHostKey({ host, port, key: key.blob, knownHosts: await loadKnownHosts(files), pinned });
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'known-hosts-'));
  [k1, k2, k3] = await Promise.all([makeKey('k1', 'ed25519'), makeKey('k2', 'ed25519'), makeKey('k3', 'ecdsa')]);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('fingerprints', () => {
  it('equal ssh-keygen -lf', async () => {
    for (const k of [k1, k3]) {
      const { stdout } = await execFileP('ssh-keygen', ['-lf', k.pubFile]);
      expect(fingerprintSha256(k.blob)).toBe(stdout.split(' ')[1]);
    }
  });

  it('reads the key type from the blob', () => {
    expect(keyTypeOf(k1.blob)).toBe('ssh-ed25519');
    expect(keyTypeOf(k3.blob)).toBe('ecdsa-sha2-nistp256');
    expect(() => keyTypeOf(Buffer.from([0, 0]))).toThrow();
  });
});

describe('parseKnownHosts', () => {
  it('skips comments, blanks, malformed lines and unknown markers', () => {
    const entries = parseKnownHosts(
      [
        '# comment',
        '',
        `host1,host2 ${k1.type} ${k1.b64} a comment`,
        `@revoked * ${k2.type} ${k2.b64}`,
        `@cert-authority *.example.com ${k3.type} ${k3.b64}`,
        `@bogus host ${k1.type} ${k1.b64}`,
        'host-without-key ssh-ed25519',
        `host ${k1.type} !!notbase64!!`,
        `host ${k3.type} ${k1.b64}`, // type field does not match blob
      ].join('\n'),
    );
    expect(entries.map((e) => e.marker)).toEqual([null, 'revoked', 'cert-authority']);
    expect(entries[0]!.hosts).toEqual({ kind: 'patterns', patterns: ['host1', 'host2'] });
  });

  it('names non-22 ports [host]:port', () => {
    expect(knownHostsName('Example.COM', 22)).toBe('example.com');
    expect(knownHostsName('10.0.0.1', 2222)).toBe('[10.0.0.1]:2222');
  });
});

describe('checkHostKey', async () => {
  it('table', async () => {
    const file = write(
      'table',
      [
        `plain.example,alias ${k1.type} ${k1.b64}`,
        `[ported.example]:2222 ${k1.type} ${k1.b64}`,
        `*.wild.example,!bad.wild.example ${k1.type} ${k1.b64}`,
        `h?.q.example ${k1.type} ${k1.b64}`,
        `changed.example ${k2.type} ${k2.b64}`,
        `revoked.example ${k1.type} ${k1.b64}`,
        `@revoked revoked.example ${k1.type} ${k1.b64}`,
        `@cert-authority ca.example ${k1.type} ${k1.b64}`,
        `othertype.example ${k3.type} ${k3.b64}`,
      ].join('\n'),
    );
    const files = [file, path.join(dir, 'missing-file')];
    const cases: Array<[string, number, TestKey, string]> = [
      ['plain.example', 22, k1, 'match'],
      ['ALIAS', 22, k1, 'match'],
      ['plain.example', 2222, k1, 'unknown'], // port matters
      ['ported.example', 2222, k1, 'match'],
      ['ported.example', 22, k1, 'unknown'],
      ['a.wild.example', 22, k1, 'match'],
      ['bad.wild.example', 22, k1, 'unknown'], // negated
      ['h1.q.example', 22, k1, 'match'],
      ['h12.q.example', 22, k1, 'unknown'],
      ['plain.example', 22, k2, 'changed'],
      ['changed.example', 22, k1, 'changed'],
      ['revoked.example', 22, k1, 'revoked'],
      ['ca.example', 22, k1, 'unknown'], // cert-authority lines do not vouch for plain keys
      ['othertype.example', 22, k1, 'unknown'],
      ['nowhere.example', 22, k1, 'unknown'],
    ];
    for (const [host, port, key, status] of cases) {
      expect({ host, port, status: (await check(host, port, key, files)).status }).toEqual({ host, port, status });
    }
  });

  it('changed lists the expected fingerprints; unknown lists other known types', async () => {
    const file = write('changed', `h ${k1.type} ${k1.b64}\nh ${k3.type} ${k3.b64}\n`);
    const r = await check('h', 22, k2, [file]);
    expect(r).toEqual({
      status: 'changed',
      fingerprint: fingerprintSha256(k2.blob),
      expectedFingerprints: [fingerprintSha256(k1.blob)],
    });
    const only3 = write('only3', `h ${k3.type} ${k3.b64}\n`);
    expect(await check('h', 22, k1, [only3])).toEqual({
      status: 'unknown',
      fingerprint: fingerprintSha256(k1.blob),
      knownKeyTypes: ['ecdsa-sha2-nistp256'],
    });
  });

  it('hashed entries produced by ssh-keygen -H', async () => {
    const file = write(
      'hashed',
      `hashed.example ${k1.type} ${k1.b64}\n[10.1.2.3]:2200 ${k1.type} ${k1.b64}\n`,
    );
    await execFileP('ssh-keygen', ['-H', '-f', file]);
    const text = readFileSync(file, 'utf8');
    expect(text).not.toContain('hashed.example');
    const entries = parseKnownHosts(text);
    expect(entries.map((e) => e.hosts.kind)).toEqual(['hashed', 'hashed']);
    expect(entries.some((e) => entryMatchesHost(e, 'hashed.example'))).toBe(true);
    expect((await check('hashed.example', 22, k1, [file])).status).toBe('match');
    expect((await check('HASHED.example', 22, k1, [file])).status).toBe('match');
    expect((await check('10.1.2.3', 2200, k1, [file])).status).toBe('match');
    expect((await check('10.1.2.3', 22, k1, [file])).status).toBe('unknown');
    expect((await check('hashed.example', 22, k2, [file])).status).toBe('changed');
  });

  it('pinned keys count like known_hosts lines, by host and port', async () => {
    const pinned: PinnedKey[] = [{ host: 'pinned.example', port: 2222, keyType: k1.type, keyBase64: k1.b64 }];
    expect((await check('pinned.example', 2222, k1, [], pinned)).status).toBe('match');
    expect((await check('pinned.example', 22, k1, [], pinned)).status).toBe('unknown');
    expect((await check('pinned.example', 2222, k2, [], pinned)).status).toBe('changed');
  });

  it('fails closed on an unreadable known_hosts file, treats a missing one as empty', async () => {
    const asDir = path.join(dir, 'a-directory');
    mkdirSync(asDir);
    await expect(check('h', 22, k1, [asDir])).rejects.toThrow(/cannot read known_hosts/);
    expect((await check('h', 22, k1, [path.join(dir, 'nope', 'known_hosts')])).status).toBe('unknown');
  });
});
