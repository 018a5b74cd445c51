/**
 * bench/transfer: the transfer phase's copy rate against OpenSSH
 * `ssh host 'cat > /dev/null'`, same cipher (aes128-gcm@openssh.com), same
 * test host, same payload size, in one run, alternating rounds. Prints every
 * round, the medians and their ratio (phase / OpenSSH). Target: ≥ 0.95.
 *
 *   npx tsx bench/transfer.ts [--rounds 5] [--mib 2048] [--host netns|loopback]
 *
 * The test host is an sshd in a network namespace reached over a veth pair
 * (needs root; `--host loopback` uses an sshd on 127.0.0.1 instead). Every
 * side copies over one established connection, one channel per copy, timed
 * from opening the channel to the remote `cat` exiting: OpenSSH through a
 * ControlMaster socket (reading the payload from a file in /dev/shm), the
 * phase as a recipe runs it (one phase of rounds + 1 copies over its own
 * connection; the first copy, on a fresh connection, is shown but not
 * counted). Its copies alternate with the others': before each phase copy,
 * one OpenSSH copy and one "ssh2 alone" copy
 * (the generated payload written straight into a channel of a connection set
 * up as the phase sets up its own: the library's ceiling, so the phase's
 * overhead and the library's gap to OpenSSH can be told apart). A second pass
 * does the same with the phase reading the file OpenSSH reads. Each copy also
 * shows its process's CPU per GiB and the whole machine's (every process and
 * the kernel, from /proc/stat).
 */
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs, promisify } from 'node:util';
import type { EngineEvent } from '../server/engine/events';
import { SshExecutor } from '../server/engine/executors/ssh';
import { runTransferPhase } from '../server/engine/phases/transfer';
import { SocketBatcher, tuneForBulkData } from '../server/engine/phases/transfer-payload';
import { MiB } from '../server/engine/phases/transfer-stats';
import { transferPhaseSchema } from '../server/engine/recipe';
import { connectSsh, type SshConnection, type SshTarget } from '../server/engine/ssh/connection';
import { usesSlabPackets } from '../server/engine/ssh/packet-slab';
import { netnsUnavailable, startNetnsHost } from '../server/engine/testing/netns-host';
import { startSshd } from '../server/engine/testing/sshd';

const execFileP = promisify(execFile);
const CIPHER = 'aes128-gcm@openssh.com';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '5' },
    mib: { type: 'string', default: '2048' },
    host: { type: 'string', default: 'netns' },
  },
});
const rounds = Number(values.rounds);
const bytes = Number(values.mib) * MiB;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const mbps = (ms: number) => bytes / 1e6 / (ms / 1000);

interface Host {
  target: SshTarget;
  address: string;
  port: number;
  key: string;
  knownHostsLine: string;
  dispose(): Promise<void>;
}

async function startHost(kind: string): Promise<Host> {
  if (kind === 'netns') {
    const why = await netnsUnavailable();
    if (why) throw new Error(`${why}; run with --host loopback`);
    const h = await startNetnsHost();
    return {
      target: h.target({ keepaliveIntervalMs: 5000 }),
      address: h.host,
      port: 22,
      key: h.clientKey,
      knownHostsLine: `${h.host} ${h.hostKeyPub}`,
      dispose: () => h.dispose(),
    };
  }
  const h = await startSshd();
  const [keyType, keyBase64] = h.hostKeyPub.split(' ');
  return {
    target: {
      host: '127.0.0.1',
      port: h.port,
      user: 'root',
      identityFile: h.clientKey,
      hostKeyPolicy: 'strict',
      knownHostsFiles: [],
      pinnedKeys: [{ host: '127.0.0.1', port: h.port, keyType: keyType as string, keyBase64: keyBase64 as string }],
      sshConfigPath: null,
    },
    address: '127.0.0.1',
    port: h.port,
    key: h.clientKey,
    knownHostsLine: h.knownHostsLine,
    dispose: () => h.dispose(),
  };
}

/** The cipher ssh2 negotiates with this host (from its handshake debug lines). */
async function ssh2Cipher(target: SshTarget): Promise<string> {
  let cipher = '?';
  const conn = await connectSsh(target, {
    debug: (line) => {
      const m = /C->S cipher: (\S+)/i.exec(line);
      if (m?.[1]) cipher = m[1];
    },
  });
  conn.close();
  return cipher;
}

/** CPU time (user + system, ms) a process has used so far, from /proc. */
function procCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(f[11]) + Number(f[12])) * 1000) / 100; // utime + stime in clock ticks (USER_HZ = 100)
}

interface Round {
  ms: number;
  cpuMs: number;
  machineMs: number;
}

type Copy = () => Promise<Omit<Round, 'machineMs'>>;

/** Busy CPU time of the whole machine so far (ms): user, nice, system, irq, softirq, steal. */
function machineBusyMs(): number {
  const f = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '').trim().split(/\s+/).slice(1).map(Number);
  return ((f[0] ?? 0) + (f[1] ?? 0) + (f[2] ?? 0) + (f[5] ?? 0) + (f[6] ?? 0) + (f[7] ?? 0)) * 10;
}

/** Runs `copy` and adds the machine's busy time meanwhile to its round. */
async function measured(copy: Copy): Promise<Round> {
  const m0 = machineBusyMs();
  const r = await copy();
  return { ...r, machineMs: machineBusyMs() - m0 };
}

/** A connection set up as the transfer phase sets up its own. */
async function ssh2Connection(exec: SshExecutor): Promise<SshConnection> {
  const conn = await exec.openConnection({ signal: new AbortController().signal });
  tuneForBulkData(conn);
  if (!usesSlabPackets(conn.client)) throw new Error('slab packets unavailable');
  return conn;
}

/** The generated payload straight into a new channel of `conn`, batched as the phase batches. */
async function ssh2Copy(conn: SshConnection): Promise<Omit<Round, 'machineMs'>> {
  const batcher = new SocketBatcher(conn.socket);
  const buf = randomBytes(256 * 1024);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  try {
    await new Promise<void>((resolve, reject) => {
      conn.client.exec('cat > /dev/null', (err, ch) => {
        if (err) return reject(err);
        let code: number | null = null;
        ch.on('exit', (c: number | null) => (code = c));
        ch.on('close', () => (code === 0 ? resolve() : reject(new Error(`cat exited ${code}`))));
        ch.resume();
        let left = bytes;
        const more = () => {
          while (left > 0) {
            const n = Math.min(left, buf.length);
            left -= n;
            batcher.batch();
            if (!ch.write(n === buf.length ? buf : buf.subarray(0, n))) return void ch.once('drain', more);
          }
          ch.end();
        };
        more();
      });
    });
  } finally {
    batcher.stop();
  }
  const cpu = process.cpuUsage(cpu0);
  return { ms: performance.now() - t0, cpuMs: (cpu.user + cpu.system) / 1000 };
}

/**
 * One transfer phase of `copies` copies over its one connection, as a recipe
 * runs it. Before each copy after the first, `between` runs (the other
 * columns' copies of that round), so columns alternate copy by copy. The first
 * copy warms the connection up and is not counted.
 */
async function phaseRun(
  exec: SshExecutor,
  over: Record<string, unknown>,
  copies: number,
  between: () => Promise<void>,
  onCopy: (round: Round, copy: number) => void,
): Promise<void> {
  const phase = transferPhaseSchema.parse({ name: 'bench', kind: 'transfer', on: 'bench', copies, stallSec: 30, copyTimeoutSec: 600, ...over });
  let cpu0 = process.cpuUsage();
  let machine0 = 0;
  const ctx = {
    sessionId: 'bench',
    step: 1,
    phase: 0,
    sha: '0'.repeat(40),
    worktree: os.tmpdir(),
    terms: { old: 'good', new: 'bad' },
    envFile: '/dev/null',
    stepEnv: {},
    executor: exec,
    signal: new AbortController().signal,
    leaseFile: path.join(os.tmpdir(), 'bench-transfer-lease'),
    emit: async (e: EngineEvent) => {
      if (e.type === 'copyStarted') {
        if (e.copy > 1) await between();
        cpu0 = process.cpuUsage();
        machine0 = machineBusyMs();
      } else if (e.type === 'copyFinished') {
        if (e.outcome !== 'ok') throw new Error(`copy failed: ${e.detail}`);
        const cpu = process.cpuUsage(cpu0);
        onCopy({ ms: e.ms, cpuMs: (cpu.user + cpu.system) / 1000, machineMs: machineBusyMs() - machine0 }, e.copy);
      }
    },
  };
  for await (const e of runTransferPhase(phase, ctx)) {
    if (e.type === 'exit' && !(e.status.kind === 'exited' && e.status.code === 0)) throw new Error(`phase failed: ${JSON.stringify(e)}`);
  }
}

async function main() {
  const host = await startHost(values.host ?? 'netns');
  const dir = mkdtempSync(path.join('/dev/shm', 'bench-transfer-'));
  const exec = new SshExecutor(host.target, { name: 'bench' });
  const control = path.join(dir, 'ctl.sock');
  const knownHosts = path.join(dir, 'known_hosts');
  writeFileSync(knownHosts, `${host.knownHostsLine}\n`);
  const sshBase = ['-c', CIPHER, '-i', host.key, '-p', String(host.port), '-o', `UserKnownHostsFile=${knownHosts}`, '-o', 'StrictHostKeyChecking=yes', '-o', 'BatchMode=yes', '-S', control];
  try {
    // The payload file for OpenSSH (and the phase's file column): random, in RAM.
    const payload = path.join(dir, 'payload.bin');
    const fd = openSync(payload, 'w');
    const chunk = randomBytes(4 * MiB);
    for (let left = bytes; left > 0; left -= chunk.length) writeSync(fd, chunk, 0, Math.min(left, chunk.length));
    closeSync(fd);

    await execFileP('ssh', [...sshBase, '-M', '-f', '-N', '-o', 'ControlPersist=yes', `root@${host.address}`]);
    const { stderr } = await execFileP('ssh', [...sshBase, '-v', `root@${host.address}`, 'true']).catch((e: { stderr: string }) => e);
    const opensshCipher = /cipher: (\S+) MAC/.exec(stderr)?.[1] ?? `${CIPHER} (forced with -c)`;
    console.log(`host: ${values.host} (${host.address}:${host.port}), payload ${bytes / MiB} MiB, ${rounds} rounds`);
    console.log(`cipher: phase (ssh2) ${await ssh2Cipher(host.target)}, OpenSSH ${opensshCipher}`);

    // With a ControlMaster the master process does the crypto: its CPU is OpenSSH's side.
    const check = await execFileP('ssh', [...sshBase, '-O', 'check', `root@${host.address}`]).catch((e: { stderr: string }) => e);
    const masterPid = Number(/pid=(\d+)/.exec(check.stderr)?.[1] ?? NaN);
    const opensshFromFile = () =>
      new Promise<Omit<Round, 'machineMs'>>((resolve, reject) => {
        const src = openSync(payload, 'r');
        const cpu0 = Number.isFinite(masterPid) ? procCpuMs(masterPid) : NaN;
        const t = performance.now();
        const child = spawn('ssh', [...sshBase, `root@${host.address}`, 'cat > /dev/null'], { stdio: [src, 'ignore', 'inherit'] });
        child.on('error', reject);
        child.on('exit', (code) => {
          const ms = performance.now() - t;
          closeSync(src);
          const cpuMs = Number.isFinite(masterPid) ? procCpuMs(masterPid) - cpu0 : NaN;
          if (code === 0) resolve({ ms, cpuMs });
          else reject(new Error(`ssh exited ${code}`));
        });
      });

    // Warm up (page cache, the master connection, JIT); the phases' first copies warm their own connections.
    await opensshFromFile();
    const direct = await ssh2Connection(exec);
    await ssh2Copy(direct);

    const gib = bytes / (1024 * MiB);
    const show = (x: Round) => `${mbps(x.ms).toFixed(1)} MB/s (CPU ${Math.round(x.cpuMs / gib)}, machine ${Math.round(x.machineMs / gib)} ms/GiB)`;
    const results = new Map<string, Round[]>();
    const record = (name: string, x: Round) => {
      results.set(name, [...(results.get(name) ?? []), x]);
      console.log(`  ${name}: ${show(x)}`);
    };
    const m = (name: string) => mbps(median((results.get(name) ?? []).map((x) => x.ms)));
    let round = 0;
    const others = (suffix: string) => async () => {
      console.log(`round ${++round}:`);
      record(`OpenSSH${suffix}`, await measured(opensshFromFile));
      record(`ssh2 alone${suffix}`, await measured(() => ssh2Copy(direct)));
    };
    try {
      console.log('generated payload: each phase copy after one OpenSSH and one ssh2-alone copy');
      await phaseRun(exec, { bytes }, rounds + 1, others(''), (x, copy) => (copy === 1 ? console.log(`  phase copy 1 (fresh connection, not counted): ${show(x)}`) : record('phase', x)));
      console.log('file payload (the file OpenSSH reads):');
      round = 0;
      await phaseRun(exec, { file: payload }, rounds + 1, others(' (file pass)'), (x, copy) => (copy > 1 ? record('phase, file payload', x) : undefined));
    } finally {
      direct.close();
    }
    console.log(`median: ${[...results.keys()].map((k) => `${k} ${m(k).toFixed(1)} MB/s`).join(', ')}`);
    const ratio = m('phase') / m('OpenSSH');
    console.log(`ratio phase / OpenSSH: ${ratio.toFixed(3)} (target ≥ 0.95) ${ratio >= 0.95 ? 'OK' : 'BELOW TARGET'}`);
    console.log(`ratio phase (file payload) / OpenSSH: ${(m('phase, file payload') / m('OpenSSH (file pass)')).toFixed(3)}`);
    console.log(`ratio ssh2 alone / OpenSSH: ${(m('ssh2 alone') / m('OpenSSH')).toFixed(3)}; phase / ssh2 alone: ${(m('phase') / m('ssh2 alone')).toFixed(3)}`);
  } finally {
    await execFileP('ssh', [...sshBase, '-O', 'exit', `root@${host.address}`]).catch(() => undefined);
    exec.close();
    rmSync(dir, { recursive: true, force: true });
    await host.dispose();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
