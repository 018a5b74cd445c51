import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { PinnedKey, SshTarget } from '../ssh/connection';
import { killTree, sshKeygenFingerprint, writeSshdConfig } from './sshd';

/**
 * SSH test hosts in network namespaces, for tests that need a real link:
 * a namespace with a veth pair to the test process's namespace, an address on
 * each end, and its own sshd (`ip netns exec NS /usr/sbin/sshd -D`, absolute
 * paths, its own host key). On the host end of the link:
 * - `setRate(mbit)`: a `tc tbf` rate limit (this kernel has no netem);
 * - `dropAfterBytes(n)`: an nftables `quota` rule in the namespace that drops
 *   SSH traffic to the guest after n more bytes: the link "hangs";
 * - `linkDown()` / `linkUp()`: the cable is pulled and plugged back.
 * Needs root (CAP_NET_ADMIN); `netnsUnavailable()` says why not, for skipping.
 * Namespaces, links and sshd are removed by `dispose()` and, as a safety net,
 * when the process exits; leftovers of dead test processes are removed on start.
 */

const execFileP = promisify(execFile);
const SSHD = '/usr/sbin/sshd';
const PREFIX = 'bdt';

export interface NetnsHost {
  /** Namespace name. */
  ns: string;
  /** The host end of the veth pair (in the test's namespace), where rate limits and link faults apply. */
  hostVeth: string;
  /** The guest's address, where its sshd listens on port 22. */
  host: string;
  port: 22;
  user: 'root';
  clientKey: string;
  hostKeyPub: string;
  fingerprint: string;
  dir: string;
  /** An SshTarget with the host key pinned; keepalives short enough for tests. */
  target(over?: Partial<SshTarget>): SshTarget;
  /** Runs argv inside the namespace; resolves with stdout. */
  inNs(argv: string[]): Promise<string>;
  /** tbf rate limit on traffic towards the guest; null removes it. */
  setRate(mbit: number | null): Promise<void>;
  /** From now, SSH traffic towards the guest is dropped after `bytes` more bytes (IP packet bytes). */
  dropAfterBytes(bytes: number): Promise<void>;
  /** Removes the nftables fault (the link works again). */
  clearFaults(): Promise<void>;
  linkDown(): Promise<void>;
  linkUp(): Promise<void>;
  /** sshd's log so far. */
  log(): string;
  dispose(): Promise<void>;
}

const live = new Map<string, { sshd: ChildProcess | undefined; hostVeth: string; dir: string }>();
let hookInstalled = false;
let counter = 0;

function installExitHook(): void {
  if (hookInstalled) return;
  hookInstalled = true;
  process.on('exit', () => {
    for (const [ns, h] of live) destroySync(ns, h.sshd, h.hostVeth, h.dir);
  });
}

function destroySync(ns: string, sshd: ChildProcess | undefined, hostVeth: string, dir: string): void {
  if (sshd?.pid !== undefined) killTree(sshd.pid, 'SIGKILL');
  for (const argv of [
    ['link', 'del', hostVeth],
    ['netns', 'del', ns],
  ]) {
    try {
      execFileSync('ip', argv, { stdio: 'ignore' });
    } catch {
      /* already gone */
    }
  }
  rmSync(dir, { recursive: true, force: true });
}

async function ip(...argv: string[]): Promise<string> {
  const { stdout } = await execFileP('ip', argv);
  return stdout;
}

/** Null when network namespaces can be made here; otherwise why not (tests skip with it). */
export async function netnsUnavailable(): Promise<string | null> {
  const probe = `${PREFIX}-probe-${process.pid}`;
  try {
    await ip('netns', 'add', probe);
    await ip('netns', 'del', probe);
    await execFileP('tc', ['-V']);
    await execFileP('nft', ['--version']);
    return null;
  } catch (err) {
    return `network namespaces, tc or nft are not usable here (needs root and iproute2/nftables): ${(err as Error).message.split('\n')[0]}`;
  }
}

/** Removes namespaces and links left by test processes that no longer run. */
async function removeStale(): Promise<void> {
  let names: string[];
  try {
    names = (await ip('netns', 'list')).split('\n').map((l) => l.split(' ')[0] ?? '');
  } catch {
    return;
  }
  for (const name of names) {
    const m = new RegExp(`^${PREFIX}-(\\d+)-(\\d+)$`).exec(name);
    if (!m) continue;
    const pid = Number(m[1]);
    try {
      process.kill(pid, 0);
      continue; // its owner still runs
    } catch {
      /* dead: clean up */
    }
    await ip('-n', name, 'link', 'show').catch(() => '');
    try {
      // Processes left inside (an sshd of a killed run) keep the namespace alive: kill them first.
      const { stdout } = await execFileP('ip', ['netns', 'pids', name]);
      for (const p of stdout.split('\n').filter(Boolean)) killTree(Number(p), 'SIGKILL');
    } catch {
      /* ignore */
    }
    await ip('netns', 'del', name).catch(() => '');
    await ip('link', 'del', vethNames(pid, Number(m[2])).host).catch(() => '');
  }
}

function vethNames(pid: number, n: number): { host: string; guest: string } {
  const id = `${pid.toString(36)}x${n.toString(36)}`;
  return { host: `bdh${id}`, guest: `bdg${id}` }; // ≤ 15 characters
}

/** A /30 in 10.231.0.0/16 that no interface here uses yet. */
async function freeSubnet(): Promise<{ hostIp: string; guestIp: string }> {
  const used = await ip('-4', '-o', 'addr', 'show');
  for (let attempt = 0; attempt < 200; attempt++) {
    const third = Math.floor(Math.random() * 256);
    const fourth = Math.floor(Math.random() * 64) * 4;
    const hostIp = `10.231.${third}.${fourth + 1}`;
    const guestIp = `10.231.${third}.${fourth + 2}`;
    if (!used.includes(`10.231.${third}.${fourth + 1}/`) && !used.includes(`10.231.${third}.${fourth + 2}/`)) return { hostIp, guestIp };
  }
  throw new Error('no free test subnet in 10.231.0.0/16');
}

async function keygen(file: string, comment: string): Promise<void> {
  await execFileP('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', file]);
}

export async function startNetnsHost(opts: { rateMbit?: number } = {}): Promise<NetnsHost> {
  installExitHook();
  await removeStale();
  const n = counter++;
  const ns = `${PREFIX}-${process.pid}-${n}`;
  const veth = vethNames(process.pid, n);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bisect-netns-'));
  const entry: { sshd: ChildProcess | undefined; hostVeth: string; dir: string } = { sshd: undefined, hostVeth: veth.host, dir };
  live.set(ns, entry);
  const { hostIp, guestIp } = await freeSubnet();
  try {
    await ip('netns', 'add', ns);
    await ip('link', 'add', veth.host, 'type', 'veth', 'peer', 'name', veth.guest);
    await ip('link', 'set', veth.guest, 'netns', ns);
    await ip('addr', 'add', `${hostIp}/30`, 'dev', veth.host);
    await ip('link', 'set', veth.host, 'up');
    await ip('-n', ns, 'addr', 'add', `${guestIp}/30`, 'dev', veth.guest);
    await ip('-n', ns, 'link', 'set', veth.guest, 'up');
    await ip('-n', ns, 'link', 'set', 'lo', 'up');
  } catch (err) {
    destroySync(ns, undefined, veth.host, dir);
    live.delete(ns);
    throw err;
  }

  mkdirSync('/run/sshd', { recursive: true });
  const hostKey = path.join(dir, 'ssh_host_ed25519_key');
  const clientKey = path.join(dir, 'client_ed25519');
  await Promise.all([keygen(hostKey, 'netns-host'), keygen(clientKey, 'netns-client')]);
  const authorizedKeys = path.join(dir, 'authorized_keys');
  writeFileSync(authorizedKeys, readFileSync(`${clientKey}.pub`, 'utf8'));
  const configFile = writeSshdConfig(dir, { port: 22, listen: guestIp, hostKey, authorizedKeys });
  const hostKeyPub = readFileSync(`${hostKey}.pub`, 'utf8').trim();
  const fingerprint = await sshKeygenFingerprint(`${hostKey}.pub`);

  let logText = '';
  const sshd = spawn('ip', ['netns', 'exec', ns, SSHD, '-D', '-e', '-f', configFile], { stdio: ['ignore', 'ignore', 'pipe'] });
  entry.sshd = sshd;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`sshd in ${ns} did not start:\n${logText}`)), 10_000);
    sshd.stderr?.setEncoding('utf8');
    sshd.stderr?.on('data', (t: string) => {
      logText = (logText + t).slice(-100_000);
      if (logText.includes('Server listening on')) {
        clearTimeout(timer);
        resolve();
      }
    });
    sshd.once('exit', (code, sig) => {
      clearTimeout(timer);
      reject(new Error(`sshd in ${ns} exited (${code ?? sig}):\n${logText}`));
    });
  }).catch((err: unknown) => {
    destroySync(ns, sshd, veth.host, dir);
    live.delete(ns);
    throw err;
  });

  const [keyType, keyBase64] = hostKeyPub.split(' ');
  const pin: PinnedKey = { host: guestIp, port: 22, keyType: keyType as string, keyBase64: keyBase64 as string };
  const inNs = async (argv: string[]) => (await execFileP('ip', ['netns', 'exec', ns, ...argv])).stdout;
  let disposed = false;

  const h: NetnsHost = {
    ns,
    hostVeth: veth.host,
    host: guestIp,
    port: 22,
    user: 'root',
    clientKey,
    hostKeyPub,
    fingerprint,
    dir,
    target: (over = {}) => ({
      host: guestIp,
      port: 22,
      user: 'root',
      identityFile: clientKey,
      hostKeyPolicy: 'strict',
      knownHostsFiles: [],
      pinnedKeys: [pin],
      sshConfigPath: null,
      readyTimeoutMs: 5000,
      keepaliveIntervalMs: 1000,
      keepaliveCountMax: 3,
      ...over,
    }),
    inNs,
    setRate: async (mbit) => {
      if (mbit === null) {
        await execFileP('tc', ['qdisc', 'del', 'dev', veth.host, 'root']).catch(() => undefined);
        return;
      }
      await execFileP('tc', ['qdisc', 'replace', 'dev', veth.host, 'root', 'tbf', 'rate', `${mbit}mbit`, 'burst', '256kb', 'latency', '50ms']);
    },
    dropAfterBytes: async (bytes) => {
      await h.clearFaults();
      const script = [
        'table inet bisect_fault {',
        '  chain input {',
        '    type filter hook input priority 0; policy accept;',
        `    tcp dport 22 quota over ${Math.max(1, Math.round(bytes))} bytes drop`,
        '  }',
        '}',
        '',
      ].join('\n');
      const file = path.join(dir, 'fault.nft');
      writeFileSync(file, script);
      await inNs(['nft', '-f', file]);
    },
    clearFaults: async () => {
      await inNs(['nft', 'delete', 'table', 'inet', 'bisect_fault']).catch(() => undefined);
    },
    linkDown: async () => {
      await ip('link', 'set', veth.host, 'down');
    },
    linkUp: async () => {
      await ip('link', 'set', veth.host, 'up');
    },
    log: () => logText,
    dispose: async () => {
      if (disposed) return;
      disposed = true;
      destroySync(ns, sshd, veth.host, dir);
      live.delete(ns);
    },
  };
  if (opts.rateMbit !== undefined) await h.setRate(opts.rateMbit);
  return h;
}
