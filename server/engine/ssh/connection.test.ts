import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InfraError } from '../types';
import { startSshAgent, startSshd, type TestHost } from '../testing/sshd';
import { connectSsh, type PinnedKey, type SshConnection, type SshTarget } from './connection';
import { SshError } from './errors';
import { fingerprintSha256 } from './known-hosts';

const execFileP = promisify(execFile);

let host: TestHost;
let tmp: string;
let knownHosts: string;
let otherKey: { type: string; b64: string };

beforeAll(async () => {
  host = await startSshd();
  tmp = mkdtempSync(path.join(os.tmpdir(), 'ssh-conn-test-'));
  knownHosts = path.join(tmp, 'known_hosts');
  writeFileSync(knownHosts, `# test\n${host.knownHostsLine}\n`);
  const other = path.join(tmp, 'other');
  await execFileP('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', other]);
  const [type, b64] = readFileSync(`${other}.pub`, 'utf8').split(' ');
  otherKey = { type: type!, b64: b64! };
});

afterAll(async () => {
  await host?.dispose();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

function target(over: Partial<SshTarget> = {}): SshTarget {
  return {
    host: host.host,
    port: host.port,
    user: host.user,
    identityFile: host.clientKey,
    hostKeyPolicy: 'strict',
    knownHostsFiles: [knownHosts],
    pinnedKeys: [],
    sshConfigPath: null,
    readyTimeoutMs: 5000,
    keepaliveIntervalMs: 1000,
    ...over,
  };
}

async function run(conn: SshConnection, command: string): Promise<string> {
  const ch = await conn.exec(command);
  const chunks: Buffer[] = [];
  ch.on('data', (c: Buffer) => chunks.push(c));
  ch.stderr.resume();
  await new Promise((r) => ch.on('close', r));
  return Buffer.concat(chunks).toString();
}

async function expectSshError(p: Promise<unknown>, code: SshError['code']): Promise<SshError> {
  const err = await p.then(
    () => {
      throw new Error('expected a failure');
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(SshError);
  expect(err).toBeInstanceOf(InfraError);
  expect((err as SshError).code).toBe(code);
  return err as SshError;
}

function acceptedLogins(): number {
  return host.log().split('Accepted publickey').length - 1;
}

describe('connectSsh against a real sshd', () => {
  it('authenticates with a key and matches known_hosts', async () => {
    const conn = await connectSsh(target());
    try {
      expect(conn.fingerprint).toBe(host.fingerprint);
      expect(await run(conn, 'echo hello; whoami')).toBe('hello\nroot\n');
      expect(conn.socket).toBeInstanceOf(net.Socket);
      expect(conn.socket.bytesWritten).toBeGreaterThan(0);
    } finally {
      conn.close();
    }
  });

  it('authenticates with a passphrase-protected key, and refuses a wrong passphrase', async () => {
    const conn = await connectSsh(target({ identityFile: host.clientKeyWithPassphrase, passphrase: host.passphrase }));
    conn.close();
    const bad = await expectSshError(
      connectSsh(target({ identityFile: host.clientKeyWithPassphrase, passphrase: 'wrong' })),
      'AUTH_FAILED',
    );
    expect(bad.message).toContain(host.clientKeyWithPassphrase);
    await expectSshError(connectSsh(target({ identityFile: host.clientKeyWithPassphrase })), 'AUTH_FAILED');
  });

  it('authenticates through ssh-agent', async () => {
    const agent = await startSshAgent([host.clientKey], tmp);
    try {
      const conn = await connectSsh(target({ identityFile: undefined, useAgent: true, agentSocket: agent.socket }));
      expect(await run(conn, 'echo via-agent')).toBe('via-agent\n');
      conn.close();
    } finally {
      await agent.stop();
    }
  });

  it('refuses a key the server does not accept', async () => {
    const other = path.join(tmp, 'other');
    const err = await expectSshError(connectSsh(target({ identityFile: other })), 'AUTH_FAILED');
    expect(err.message).toContain('tried:');
  });

  it('strict: refuses an unknown host key before authenticating, naming the fingerprint', async () => {
    const before = acceptedLogins();
    const err = await expectSshError(connectSsh(target({ knownHostsFiles: [path.join(tmp, 'empty')] })), 'HOST_KEY_UNKNOWN');
    expect(err.fingerprint).toBe(host.fingerprint);
    expect(err.message).toContain(`host key for 127.0.0.1:${host.port} is not known: ${host.fingerprint}`);
    expect(err.message).toContain('accept it in Hosts');
    expect(acceptedLogins()).toBe(before);
  });

  it('accept-new: pins a new host key, which then matches under strict', async () => {
    const pins: PinnedKey[] = [];
    const conn = await connectSsh(
      target({ knownHostsFiles: [], hostKeyPolicy: 'accept-new', onNewKeyPinned: (k) => pins.push(k) }),
    );
    conn.close();
    expect(pins).toEqual([
      { host: '127.0.0.1', port: host.port, keyType: 'ssh-ed25519', keyBase64: host.hostKeyPub.split(' ')[1] },
    ]);
    expect(fingerprintSha256(Buffer.from(pins[0]!.keyBase64, 'base64'))).toBe(host.fingerprint);
    const again = await connectSsh(target({ knownHostsFiles: [], pinnedKeys: pins }));
    expect(again.fingerprint).toBe(host.fingerprint);
    again.close();
  });

  it('refuses a changed host key with both fingerprints, even under accept-new', async () => {
    const changed = path.join(tmp, 'known_hosts_changed');
    writeFileSync(changed, `[127.0.0.1]:${host.port} ${otherKey.type} ${otherKey.b64}\n`);
    const expected = fingerprintSha256(Buffer.from(otherKey.b64, 'base64'));
    for (const policy of ['strict', 'accept-new'] as const) {
      const err = await expectSshError(
        connectSsh(target({ knownHostsFiles: [changed], hostKeyPolicy: policy })),
        'HOST_KEY_CHANGED',
      );
      expect(err.fingerprint).toBe(host.fingerprint);
      expect(err.expectedFingerprints).toEqual([expected]);
      expect(err.message).toContain(host.fingerprint);
      expect(err.message).toContain(expected);
    }
    // A pinned key of the same type counts the same way.
    const pinned: PinnedKey = { host: '127.0.0.1', port: host.port, keyType: otherKey.type, keyBase64: otherKey.b64 };
    await expectSshError(connectSsh(target({ knownHostsFiles: [], pinnedKeys: [pinned] })), 'HOST_KEY_CHANGED');
  });

  it('refuses a revoked host key', async () => {
    const revoked = path.join(tmp, 'known_hosts_revoked');
    writeFileSync(revoked, `${host.knownHostsLine}\n@revoked * ${host.hostKeyPub}\n`);
    await expectSshError(connectSsh(target({ knownHostsFiles: [revoked] })), 'HOST_KEY_REVOKED');
  });

  it('fails closed when a known_hosts file cannot be read', async () => {
    const err = await expectSshError(connectSsh(target({ knownHostsFiles: [knownHosts, tmp] })), 'HOST_KEY_UNKNOWN');
    expect(err.message).toContain('cannot read known_hosts');
  });

  it('reports UNREACHABLE for a closed port and TIMEOUT for a silent server', async () => {
    const srv = net.createServer(() => {
      /* accept and say nothing */
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const silentPort = (srv.address() as net.AddressInfo).port;
    try {
      const started = Date.now();
      await expectSshError(connectSsh(target({ port: silentPort, readyTimeoutMs: 400 })), 'TIMEOUT');
      expect(Date.now() - started).toBeLessThan(3000);
    } finally {
      srv.close();
    }
    await expectSshError(connectSsh(target({ port: silentPort })), 'UNREACHABLE');
  });

  it('resolves an alias through an ssh config file', async () => {
    const config = path.join(tmp, 'ssh_config');
    writeFileSync(
      config,
      `Host testbox\n  HostName 127.0.0.1\n  Port ${host.port}\n  User root\n  IdentityFile ${host.clientKey}\n`,
    );
    const conn = await connectSsh({
      host: 'testbox',
      hostKeyPolicy: 'strict',
      knownHostsFiles: [knownHosts],
      pinnedKeys: [],
      sshConfigPath: config,
    });
    expect(conn.host).toBe('127.0.0.1');
    expect(conn.port).toBe(host.port);
    expect(await run(conn, 'echo aliased')).toBe('aliased\n');
    conn.close();
  });

  it('connects through a ProxyJump host (forwardOut as transport)', async () => {
    const conn = await connectSsh(target({ proxyJump: `root@127.0.0.1:${host.port}` }));
    expect(await run(conn, 'echo jumped')).toBe('jumped\n');
    expect(conn.socket.bytesWritten).toBeGreaterThan(0);
    conn.close();
  });

  it('refuses a FIFO or /dev/zero identity file at once, with a clear error, while the event loop stays responsive', async () => {
    const fifo = path.join(tmp, 'key-fifo');
    execFileSync('mkfifo', [fifo]);
    const big = path.join(tmp, 'key-huge');
    writeFileSync(big, Buffer.alloc(65 * 1024, 'A'));
    let ticks = 0;
    const ticker = setInterval(() => ticks++, 5);
    try {
      const started = Date.now();
      const cases: Array<[string, RegExp]> = [
        [fifo, /cannot read identity file .*key-fifo: it is a named pipe \(FIFO\), not a regular file/],
        ['/dev/zero', /cannot read identity file \/dev\/zero: it is a character device, not a regular file/],
        [tmp, /cannot read identity file .*: it is a directory, not a regular file/],
        [big, /cannot read identity file .*key-huge: it is larger than 64 KiB/],
      ];
      const errors = await Promise.all(cases.map(([file]) => expectSshError(connectSsh(target({ identityFile: file })), 'AUTH_FAILED')));
      errors.forEach((err, i) => expect(err.message).toMatch(cases[i]![1]));
      expect(Date.now() - started).toBeLessThan(1000);
      // A known_hosts (or ssh config) FIFO fails closed just as fast.
      const khErr = await expectSshError(connectSsh(target({ knownHostsFiles: [fifo] })), 'HOST_KEY_UNKNOWN');
      expect(khErr.message).toMatch(/cannot read known_hosts file .*key-fifo: it is a named pipe/);
      await expect(connectSsh({ ...target(), host: 'alias', sshConfigPath: fifo })).rejects.toThrow(/cannot read ssh config .*named pipe/);
    } finally {
      clearInterval(ticker);
    }
    expect(ticks).toBeGreaterThan(0);
    // Nothing was left waiting on the FIFO: a normal connection still works.
    const conn = await connectSsh(target());
    expect(await run(conn, 'echo still here')).toBe('still here\n');
    conn.close();
  });

  it('tells listeners when the connection is lost', async () => {
    const conn = await connectSsh(target());
    const lost = new Promise<SshError>((r) => conn.onLost(r));
    conn.socket.destroy();
    const err = await lost;
    expect(err.code).toBe('CONNECTION_LOST');
    expect(conn.alive).toBe(false);
    await expectSshError(conn.exec('true'), 'CONNECTION_LOST');
  });
});
