import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { TEST_PRINCIPAL } from '../../test/auth';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { DbHandle } from '../../db/client';
import { getHostRow, hostKeysOf, insertHost, listHostRows } from '../../db/queries/hosts';
import { dbKind, openTestDb } from '../../test/db';
import { makeTestRuntime } from '../../test/test-runtime';
import { appRouter } from '../api/root';
import { createCallerFactory } from '../api/trpc';
import { LocalExecutor } from '../engine/executors/local';
import { makeTempDir, removeDir } from '../engine/testing/scripts';
import { startSshAgent, startSshd, type TestAgent, type TestHost } from '../engine/testing/sshd';
import { isUserInputError, type ExecEvent } from '../engine/types';
import type { Runtime } from '../runtime';
import { SecretBox } from '../secrets/box';
import { SEALED_PREFIX, sealStoredPassphrases } from './passphrases';
import { HostService } from './service';

let tmp: string;
let handle: DbHandle;
let sshd: TestHost;
let agent: TestAgent;
let hosts: HostService;
let rt: Runtime;
const local = new LocalExecutor();
const box = SecretBox.forKey(randomBytes(32));
const caller = () => createCallerFactory(appRouter)({ runtime: rt, principal: TEST_PRINCIPAL });

beforeAll(async () => {
  tmp = await makeTempDir('hosts-service-');
  [handle, sshd] = await Promise.all([openTestDb(), startSshd()]);
  agent = await startSshAgent([sshd.clientKey]);
  const sshConfig = path.join(tmp, 'ssh_config');
  writeFileSync(sshConfig, `Host testalias\n  HostName 127.0.0.1\n  Port ${sshd.port}\n  User root\n  IdentityFile ${sshd.clientKey}\n`);
  hosts = new HostService({
    db: handle.db,
    local,
    knownHostsFiles: [path.join(tmp, 'known_hosts')],
    sshConfigPath: sshConfig,
    agentSocket: agent.socket,
    timing: { readyTimeoutMs: 3000, keepaliveIntervalMs: 500, keepaliveCountMax: 2 },
    secretBox: box,
  });
  await hosts.load();
  ({ rt } = makeTestRuntime(handle, tmp, { hosts }));
});

afterAll(async () => {
  hosts?.close();
  await agent?.stop();
  await sshd?.dispose();
  await handle?.close();
  await removeDir(tmp);
});

async function run(executor: ReturnType<HostService['executorFor']>, argv: string[]): Promise<string[]> {
  const out: string[] = [];
  for await (const ev of executor.run({ argv, timeoutMs: 10_000 }, new AbortController().signal) as AsyncIterable<ExecEvent>) {
    if (ev.type === 'output') out.push(...ev.lines);
  }
  return out;
}

/**
 * A TCP proxy that sends each new connection to the next of `ports` in turn:
 * one address that answers with two different machines (two host keys).
 */
async function startAlternatingProxy(ports: number[]): Promise<{ port: number; close(): Promise<void> }> {
  let next = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(ports[next++ % ports.length] as number, '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => s.destroy()).on('close', () => {
        sockets.delete(s);
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** The stored passphrase is sealed: no clear text in the row, and it opens to `passphrase`. */
async function expectSealed(id: string, passphrase: string): Promise<void> {
  const stored = (await getHostRow(handle.db, id))?.passphrase ?? '';
  expect(stored.startsWith(SEALED_PREFIX)).toBe(true);
  expect(stored).not.toContain(passphrase);
  expect(box.unseal(stored.slice(SEALED_PREFIX.length))).toBe(passphrase);
  const all = JSON.stringify(await listHostRows(handle.db));
  expect(all).not.toContain(passphrase);
}

const base = () => ({ address: '127.0.0.1', port: sshd.port, user: 'root', identityFile: sshd.clientKey });

describe(`hosts (${dbKind()})`, () => {
  it('creates, lists, updates and removes hosts; the passphrase goes in but never comes out', async () => {
    const { id } = await caller().hosts.create({
      name: 'builder',
      ...base(),
      identityFile: sshd.clientKeyWithPassphrase,
      passphrase: sshd.passphrase,
      powerCycle: 'virsh reset builder',
    });
    let list = await caller().hosts.list();
    const h = list.find((x) => x.id === id);
    expect(h).toMatchObject({
      name: 'builder',
      address: '127.0.0.1',
      port: sshd.port,
      user: 'root',
      hasPassphrase: true,
      useAgent: false,
      hostKeyPolicy: 'strict',
      powerCycle: { on: 'local', run: 'virsh reset builder' },
      pinnedKeys: [],
    });
    expect(JSON.stringify(list)).not.toContain(sshd.passphrase);
    expect(Object.keys(h ?? {})).not.toContain('passphrase');
    await expectSealed(id, sshd.passphrase);

    // Leaving the passphrase out keeps it; '' clears it (and then the key cannot be loaded).
    await caller().hosts.update({ id, name: 'builder-1', powerCycle: { on: 'local', run: 'ipmitool power cycle' } });
    list = await caller().hosts.list();
    expect(list.find((x) => x.id === id)).toMatchObject({ name: 'builder-1', hasPassphrase: true, powerCycle: { on: 'local', run: 'ipmitool power cycle' } });
    await expectSealed(id, sshd.passphrase);
    await expect(caller().hosts.update({ id, passphrase: '' })).rejects.toThrow(/protected by a passphrase/);
    // Setting it again seals it again (a fresh IV: another stored value).
    const before = (await getHostRow(handle.db, id))?.passphrase;
    await caller().hosts.update({ id, passphrase: sshd.passphrase });
    await expectSealed(id, sshd.passphrase);
    expect((await getHostRow(handle.db, id))?.passphrase).not.toBe(before);

    expect(await caller().hosts.remove({ id })).toEqual({ removed: true });
    expect((await caller().hosts.list()).some((x) => x.id === id)).toBe(false);
  });

  it('rejects bad input with errors that name the field', async () => {
    await caller().hosts.create({ name: 'dup', ...base() });
    const fifo = path.join(tmp, 'key-fifo'); // would stall every request if it were read synchronously
    execFileSync('mkfifo', [fifo]);
    const cases: Array<[Record<string, unknown>, RegExp, string]> = [
      [{ name: 'dup' }, /a host named dup already exists/, 'name'],
      [{ name: 'local' }, /reserved/, 'name'],
      [{ name: 'bad name' }, /use letters, digits/, 'name'],
      [{ address: 'root@10.0.0.1' }, /put the user name in the User field/, 'address'],
      [{ address: '10.0.0.1:2222' }, /put the port in the Port field/, 'address'],
      [{ address: 'host; rm -rf /' }, /not a host name, IP address or ssh config alias/, 'address'],
      [{ port: 70000 }, /port/, 'port'],
      [{ identityFile: '/no/such/key' }, /cannot read identity file \/no\/such\/key.*no such file/, 'identityFile'],
      [{ identityFile: 'relative/key' }, /absolute path/, 'identityFile'],
      [{ identityFile: fifo }, /cannot read identity file .*key-fifo on the dashboard's machine: it is a named pipe \(FIFO\), not a regular file/, 'identityFile'],
      [{ identityFile: '/dev/zero' }, /cannot read identity file \/dev\/zero.*character device, not a regular file/, 'identityFile'],
      [{ identityFile: sshd.clientKeyWithPassphrase, passphrase: 'wrong' }, /passphrase does not unlock/, 'passphrase'],
      [{ identityFile: `${sshd.clientKey}.pub` }, /not a private key|public key/, 'identityFile'],
      [{ powerCycle: { on: 'nohost', run: 'virsh reset x' } }, /power cycle runs on unknown host `nohost`/, 'powerCycle'],
    ];
    for (const [over, message, field] of cases) {
      const err = await caller()
        .hosts.create({ name: 'fresh', ...base(), ...over } as Parameters<ReturnType<typeof caller>['hosts']['create']>[0])
        .then(
          () => null,
          (e: unknown) => e,
        );
      expect(err, JSON.stringify(over)).toMatchObject({ code: 'BAD_REQUEST', message: expect.stringMatching(message) });
      expect((err as { cause?: { field?: string } }).cause?.field, JSON.stringify(over)).toBe(field);
    }
    expect((await caller().hosts.list()).map((h) => h.name)).toEqual(['dup']);
  });

  it('an unknown key (strict) is refused with its fingerprint; accepting pins it; a later test passes', async () => {
    const { id } = await caller().hosts.create({ name: 'strict-host', ...base() });
    const first = await caller().hosts.test({ id });
    expect(first).toMatchObject({ ok: false, code: 'HOST_KEY_UNKNOWN', fingerprint: sshd.fingerprint, kernel: null });
    expect(first.error).toContain(sshd.fingerprint);

    await expect(caller().hosts.acceptKey({ id, fingerprint: 'SHA256:somethingelse' })).rejects.toThrow(
      new RegExp(`now presents ${sshd.fingerprint.replace(/[+/]/g, '\\$&')}, not SHA256:somethingelse`),
    );
    expect(await caller().hosts.acceptKey({ id, fingerprint: sshd.fingerprint })).toEqual({
      fingerprint: sshd.fingerprint,
      host: '127.0.0.1',
      port: sshd.port,
    });
    const list = await caller().hosts.list();
    expect(list.find((h) => h.id === id)?.pinnedKeys).toEqual([
      { host: '127.0.0.1', port: sshd.port, keyType: 'ssh-ed25519', fingerprint: sshd.fingerprint, addedAt: expect.any(Date) },
    ]);

    const second = await caller().hosts.test({ id });
    expect(second).toMatchObject({ ok: true, fingerprint: sshd.fingerprint, kernel: os.release() });
    expect(second.ms).toBeGreaterThan(0);
    expect(second.ms).toBeLessThan(5000);
    await expect(caller().hosts.acceptKey({ id, fingerprint: sshd.fingerprint })).rejects.toThrow(/already trusted/);
  });

  it('accept-new pins a new host’s key on first contact; a changed key is refused with both fingerprints', async () => {
    const other = await startSshd();
    try {
      const { id } = await caller().hosts.create({
        name: 'tofu',
        address: '127.0.0.1',
        port: other.port,
        user: 'root',
        identityFile: other.clientKey,
        hostKeyPolicy: 'accept-new',
      });
      const first = await caller().hosts.test({ id });
      expect(first).toMatchObject({ ok: true, pinned: true, fingerprint: other.fingerprint, kernel: os.release() });
      expect((await caller().hosts.list()).find((h) => h.id === id)?.pinnedKeys.map((k) => k.fingerprint)).toEqual([other.fingerprint]);

      // The host is "reinstalled": same address and port, a new host key.
      const oldFingerprint = other.fingerprint;
      await other.dispose();
      const reinstalled = await startSshd({ port: other.port });
      try {
        await caller().hosts.update({ id, identityFile: reinstalled.clientKey });
        const changed = await caller().hosts.test({ id });
        expect(changed).toMatchObject({
          ok: false,
          code: 'HOST_KEY_CHANGED',
          fingerprint: reinstalled.fingerprint,
          expectedFingerprints: [oldFingerprint],
        });
        expect(changed.error).toContain(reinstalled.fingerprint);
        expect(changed.error).toContain(oldFingerprint);
        await expect(caller().hosts.acceptKey({ id, fingerprint: reinstalled.fingerprint })).rejects.toThrow(/a changed key is not accepted here/);

        // Forgetting the pinned keys makes it a new host again.
        await caller().hosts.update({ id, forgetPinnedKeys: true });
        expect(await caller().hosts.test({ id })).toMatchObject({ ok: true, pinned: true, fingerprint: reinstalled.fingerprint });
      } finally {
        await reinstalled.dispose();
      }
    } finally {
      await other.dispose();
    }
  });

  it('accept-new: concurrent first contacts to one address answered by two machines pin one key; the other is a changed key', async () => {
    const second = await startSshd();
    appendFileSync(path.join(second.dir, 'authorized_keys'), readFileSync(`${sshd.clientKey}.pub`)); // one client key for both
    const proxy = await startAlternatingProxy([sshd.port, second.port]);
    try {
      const { id } = await caller().hosts.create({ name: 'flip', ...base(), port: proxy.port, hostKeyPolicy: 'accept-new' });
      const results = await Promise.all(Array.from({ length: 6 }, () => caller().hosts.test({ id })));
      expect(new Set(results.map((r) => r.fingerprint))).toEqual(new Set([sshd.fingerprint, second.fingerprint]));
      const pinned = results.filter((r) => r.pinned);
      expect(pinned).toHaveLength(1);
      const winner = pinned[0]?.fingerprint;
      for (const r of results) {
        if (r.fingerprint === winner) expect(r, r.error).toMatchObject({ ok: true, kernel: os.release() });
        else expect(r).toMatchObject({ ok: false, code: 'HOST_KEY_CHANGED', expectedFingerprints: [winner] });
      }
      expect((await hostKeysOf(handle.db, id)).map((k) => k.fingerprint)).toEqual([winner]);
      expect((await caller().hosts.list()).find((h) => h.id === id)?.pinnedKeys.map((k) => k.fingerprint)).toEqual([winner]);
      // Later contacts: the pinned machine is trusted, the other one stays refused; Accept cannot add it either.
      const later = await Promise.all([caller().hosts.test({ id }), caller().hosts.test({ id })]);
      expect(later.map((r) => (r.fingerprint === winner ? r.ok : r.code)).sort()).toEqual(['HOST_KEY_CHANGED', true].sort());
      const loser = winner === sshd.fingerprint ? second.fingerprint : sshd.fingerprint;
      // (Accept meets either machine: the pinned one is already trusted, the other one is a changed key.)
      await expect(caller().hosts.acceptKey({ id, fingerprint: loser })).rejects.toThrow(/already trusted|a changed key is not accepted here/);
      expect((await hostKeysOf(handle.db, id)).map((k) => k.fingerprint)).toEqual([winner]);
      await caller().hosts.remove({ id });
    } finally {
      await proxy.close();
      await second.dispose();
    }
  });

  it('a key in known_hosts is trusted; a different key there for the host is refused as changed', async () => {
    const kh = path.join(tmp, 'known_hosts');
    writeFileSync(kh, `${sshd.knownHostsLine}\n`);
    const { id } = await caller().hosts.create({ name: 'known', ...base() });
    expect(await caller().hosts.test({ id })).toMatchObject({ ok: true, fingerprint: sshd.fingerprint });

    const fake = path.join(tmp, 'fake_key');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', fake]);
    const fakePub = execFileSync('cat', [`${fake}.pub`]).toString().trim().split(' ');
    writeFileSync(kh, `[127.0.0.1]:${sshd.port} ${fakePub[0]} ${fakePub[1]}\n`);
    const fakeFingerprint = execFileSync('ssh-keygen', ['-lf', `${fake}.pub`]).toString().split(' ')[1];
    const r = await caller().hosts.test({ id });
    expect(r).toMatchObject({ ok: false, code: 'HOST_KEY_CHANGED', fingerprint: sshd.fingerprint, expectedFingerprints: [fakeFingerprint] });
    writeFileSync(kh, '');
  });

  it('authenticates with ssh-agent, with a passphrase-protected key, and through an ~/.ssh/config alias', async () => {
    const viaAgent = await caller().hosts.create({ name: 'agent-host', address: '127.0.0.1', port: sshd.port, user: 'root', useAgent: true });
    const viaPassphrase = await caller().hosts.create({
      name: 'pass-host',
      ...base(),
      identityFile: sshd.clientKeyWithPassphrase,
      passphrase: sshd.passphrase,
    });
    const viaAlias = await caller().hosts.create({ name: 'alias-host', address: 'testalias' });
    for (const { id } of [viaAgent, viaPassphrase, viaAlias]) {
      await caller().hosts.acceptKey({ id, fingerprint: sshd.fingerprint });
      const r = await caller().hosts.test({ id });
      expect(r, r.error).toMatchObject({ ok: true, kernel: os.release() });
    }
    // Without the agent the agent-only host has no way in.
    await caller().hosts.update({ id: viaAgent.id, useAgent: false, identityFile: null });
    const noAgent = await caller().hosts.test({ id: viaAgent.id });
    expect(noAgent).toMatchObject({ ok: false, code: 'AUTH_FAILED' });
  });

  it('seals passphrases an older version stored in clear (idempotent), and connects with them', async () => {
    const id = '0b6f3c1e-2f7a-4e55-9a0c-5d9e8f7a6b41';
    await insertHost(handle.db, { id, name: 'legacy', ...base(), identityFile: sshd.clientKeyWithPassphrase, passphrase: sshd.passphrase });
    expect((await getHostRow(handle.db, id))?.passphrase).toBe(sshd.passphrase);
    expect(await sealStoredPassphrases(handle.db, box)).toBe(1);
    await expectSealed(id, sshd.passphrase);
    const sealed = (await getHostRow(handle.db, id))?.passphrase;
    expect(await sealStoredPassphrases(handle.db, box)).toBe(0);
    expect((await getHostRow(handle.db, id))?.passphrase).toBe(sealed);
    await hosts.load();
    await caller().hosts.acceptKey({ id, fingerprint: sshd.fingerprint });
    const r = await caller().hosts.test({ id });
    expect(r, r.error).toMatchObject({ ok: true, kernel: os.release() });
    // Under another key (secret.key replaced) the host says what to do.
    const other = new HostService({ db: handle.db, knownHostsFiles: [], secretBox: SecretBox.forKey(randomBytes(32)) });
    await other.load();
    expect(() => other.executorFor('legacy')).toThrow(/enter the passphrase again in Edit/);
    await caller().hosts.remove({ id });
  });

  it('resolves phase hosts to one cached executor per host; local stays local; unknown names are user errors', async () => {
    const { id } = await caller().hosts.create({ name: 'runner', ...base() });
    await caller().hosts.acceptKey({ id, fingerprint: sshd.fingerprint });
    expect(hosts.executorFor('local')).toBe(local);
    const e1 = hosts.executorFor('runner');
    expect(hosts.executorFor('runner')).toBe(e1);
    expect(await run(e1, ['echo', 'hello'])).toEqual(['hello']);
    const socket = (e1.remote && (e1 as unknown as { ssh: { socket: unknown } }).ssh.socket) ?? null;
    expect(await run(e1, ['echo', 'again'])).toEqual(['again']);
    expect((e1 as unknown as { ssh: { socket: unknown } }).ssh.socket).toBe(socket); // the connection was reused

    let err: unknown;
    try {
      hosts.executorFor('nohost');
    } catch (e) {
      err = e;
    }
    expect(isUserInputError(err)).toBe(true);
    expect((err as Error).message).toMatch(/unknown host `nohost`: add it on the Hosts page.*runner/);

    await caller().hosts.update({ id, address: '127.0.0.1' });
    expect(hosts.executorFor('runner')).not.toBe(e1);
  });

  it("sees another process's hosts: added (by polling), edited, given keys, removed", async () => {
    const other = new HostService({ db: handle.db, knownHostsFiles: [path.join(tmp, 'known_hosts')], secretBox: box, refreshIntervalMs: 50 });
    await other.load();
    try {
      expect(() => other.executorFor('shared')).toThrow(/unknown host `shared`/);
      const { id } = await caller().hosts.create({ name: 'shared', ...base() });
      const e1 = await vi.waitFor(() => other.executorFor('shared'), { timeout: 2000, interval: 20 });
      // The key pinned here reaches the other process's executor (the host is strict).
      await caller().hosts.acceptKey({ id, fingerprint: sshd.fingerprint });
      await other.refresh();
      const e2 = other.executorFor('shared');
      expect(e2).not.toBe(e1);
      expect(await run(e2, ['echo', 'from the other process'])).toEqual(['from the other process']);
      await caller().hosts.update({ id, port: sshd.port });
      await other.refresh();
      expect(other.executorFor('shared')).not.toBe(e2);
      await caller().hosts.remove({ id });
      await other.refresh();
      expect(() => other.executorFor('shared')).toThrow(/unknown host `shared`/);
    } finally {
      other.close();
    }
  });

  it('a key its own executor pinned (accept-new, during a phase) keeps that executor and its connection', async () => {
    const fresh = await startSshd();
    try {
      const { id } = await caller().hosts.create({ name: 'tofu-phase', address: '127.0.0.1', port: fresh.port, user: 'root', identityFile: fresh.clientKey, hostKeyPolicy: 'accept-new' });
      const e1 = hosts.executorFor('tofu-phase');
      expect(await run(e1, ['echo', 'first contact'])).toEqual(['first contact']);
      await vi.waitFor(async () => expect((await hostKeysOf(handle.db, id)).map((k) => k.fingerprint)).toEqual([fresh.fingerprint]));
      const socket = (e1 as unknown as { ssh: { socket: unknown } }).ssh.socket;
      await hosts.refresh();
      expect(hosts.executorFor('tofu-phase')).toBe(e1);
      expect(await run(e1, ['echo', 'again'])).toEqual(['again']);
      expect((e1 as unknown as { ssh: { socket: unknown } }).ssh.socket).toBe(socket);
      await caller().hosts.remove({ id });
    } finally {
      await fresh.dispose();
    }
  });

  it('accept-new across processes: first contacts from two services to two machines at one address pin one key', async () => {
    const second = await startSshd();
    appendFileSync(path.join(second.dir, 'authorized_keys'), readFileSync(`${sshd.clientKey}.pub`));
    const proxy = await startAlternatingProxy([sshd.port, second.port]);
    const other = new HostService({ db: handle.db, knownHostsFiles: [], secretBox: box });
    try {
      const { id } = await caller().hosts.create({ name: 'flip-procs', ...base(), port: proxy.port, hostKeyPolicy: 'accept-new' });
      await other.load();
      // Two phases, one per service, connect at once: one reaches each machine, and neither
      // service has a pin in its memory: only the database can keep the second key out.
      const outcomes = await Promise.allSettled([hosts, other].map((s) => run(s.executorFor('flip-procs'), ['echo', 'hi'])));
      const pins = await hostKeysOf(handle.db, id);
      expect(pins).toHaveLength(1);
      expect(outcomes.map((o) => o.status).sort()).toEqual(['fulfilled', 'rejected']);
      const refused = outcomes.find((o) => o.status === 'rejected') as PromiseRejectedResult;
      expect(refused.reason).toMatchObject({ code: 'HOST_KEY_CHANGED', expectedFingerprints: [pins[0]?.fingerprint] });
      await caller().hosts.remove({ id });
    } finally {
      other.close();
      await proxy.close();
      await second.dispose();
    }
  });
});
