import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

/**
 * Real OpenSSH test hosts for vitest and e2e. Everything lives in a fresh temp
 * directory with absolute paths; nothing touches the system sshd config.
 * Every process started here is killed by `stop()` / `close()`, and — as a
 * safety net — when the Node process exits.
 */

const execFileP = promisify(execFile);
const SSHD = '/usr/sbin/sshd';

export interface TestHost {
  host: '127.0.0.1';
  port: number;
  user: 'root';
  /** Private key without passphrase (path). */
  clientKey: string;
  /** Private key protected by `passphrase` (path). */
  clientKeyWithPassphrase: string;
  passphrase: string;
  /** Host public key line (`ssh-ed25519 AAAA... comment`). */
  hostKeyPub: string;
  /** `SHA256:...` of the host key, as `ssh-keygen -lf` prints it. */
  fingerprint: string;
  /** `[127.0.0.1]:PORT ssh-ed25519 AAAA...` */
  knownHostsLine: string;
  /** Temp directory holding config, keys and logs. */
  dir: string;
  /** sshd's stderr (-e) so far, for debugging failed tests. */
  log(): string;
  /** Graceful: SIGTERM sshd and every session it spawned, wait; removes nothing. */
  stop(): Promise<void>;
  /** stop() (if running), then start again on the same port with the same keys. */
  restart(): Promise<void>;
  /** Simulates a crash: SIGKILL sshd and all its descendants (open sessions die too). */
  kill(): void;
  /** stop() and delete the temp directory. */
  dispose(): Promise<void>;
}

const liveTrees = new Set<number>();
const livePorts = new Set<number>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const pid of liveTrees) killTree(pid, 'SIGKILL');
    for (const port of livePorts) killSessions(port);
  });
}

/** Descendant pids of `root` (not including it), from /proc. */
export function descendantPids(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${name}/stat`, 'utf8');
    } catch {
      continue;
    }
    const afterComm = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ppid = Number(afterComm[1]);
    const list = children.get(ppid) ?? [];
    list.push(Number(name));
    children.set(ppid, list);
  }
  const out: number[] = [];
  const stack = [root];
  while (stack.length > 0) {
    const pid = stack.pop() as number;
    for (const c of children.get(pid) ?? []) {
      out.push(c);
      stack.push(c);
    }
  }
  return out;
}

/** Signals `pid` and all its descendants (children first found, then the root). */
export function killTree(pid: number, signal: NodeJS.Signals): void {
  const pids = descendantPids(pid);
  for (const p of [pid, ...pids]) {
    try {
      process.kill(p, signal);
    } catch {
      /* already gone */
    }
  }
}

/**
 * Pids of processes started by sessions of the sshd on `port`: their
 * environment has `SSH_CONNECTION=<client> <cport> <server> <port>`. Catches
 * session processes that outlived their sshd process (reparented to init).
 */
export function sessionPidsForPort(port: number): number[] {
  const suffix = ` ${port}`;
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    let env: string;
    try {
      env = readFileSync(`/proc/${name}/environ`, 'latin1');
    } catch {
      continue;
    }
    for (const entry of env.split('\0')) {
      if (entry.startsWith('SSH_CONNECTION=') && entry.endsWith(suffix) && entry.split(' ').length === 4) {
        out.push(Number(name));
        break;
      }
    }
  }
  return out;
}

function killSessions(port: number): void {
  for (const pid of sessionPidsForPort(port)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
}

/** A TCP port that was free a moment ago. */
export async function freePort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

async function keygen(file: string, passphrase: string, comment: string): Promise<void> {
  await execFileP('ssh-keygen', ['-q', '-t', 'ed25519', '-N', passphrase, '-C', comment, '-f', file]);
}

/** `SHA256:...` of a public key file, from `ssh-keygen -lf`. */
export async function sshKeygenFingerprint(pubFile: string): Promise<string> {
  const { stdout } = await execFileP('ssh-keygen', ['-lf', pubFile]);
  const fp = stdout.split(' ')[1];
  if (!fp?.startsWith('SHA256:')) throw new Error(`unexpected ssh-keygen -lf output: ${stdout}`);
  return fp;
}

export async function startSshd(opts: { port?: number; /** More sshd_config lines (Ciphers, RekeyLimit…). */ extraConfig?: string[] } = {}): Promise<TestHost> {
  installExitHook();
  mkdirSync('/run/sshd', { recursive: true });
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bisect-sshd-'));
  const hostKey = path.join(dir, 'ssh_host_ed25519_key');
  const clientKey = path.join(dir, 'client_ed25519');
  const clientKeyWithPassphrase = path.join(dir, 'client_ed25519_pass');
  const passphrase = 'correct horse battery staple';
  await Promise.all([
    keygen(hostKey, '', 'test-host'),
    keygen(clientKey, '', 'test-client'),
    keygen(clientKeyWithPassphrase, passphrase, 'test-client-pass'),
  ]);
  const authorizedKeys = path.join(dir, 'authorized_keys');
  writeFileSync(
    authorizedKeys,
    readFileSync(`${clientKey}.pub`, 'utf8') + readFileSync(`${clientKeyWithPassphrase}.pub`, 'utf8'),
  );
  const port = opts.port ?? (await freePort());
  const configFile = writeSshdConfig(dir, { port, listen: '127.0.0.1', hostKey, authorizedKeys, extra: opts.extraConfig });
  const hostKeyPub = readFileSync(`${hostKey}.pub`, 'utf8').trim();
  const fingerprint = await sshKeygenFingerprint(`${hostKey}.pub`);
  const [keyType, keyB64] = hostKeyPub.split(' ');
  const knownHostsLine = `[127.0.0.1]:${port} ${keyType} ${keyB64}`;

  let child: ChildProcess | undefined;
  let logText = '';

  const start = async (): Promise<void> => {
    livePorts.add(port);
    const proc = spawn(SSHD, ['-D', '-e', '-f', configFile], { stdio: ['ignore', 'ignore', 'pipe'] });
    child = proc;
    if (proc.pid !== undefined) liveTrees.add(proc.pid);
    await new Promise<void>((resolve, reject) => {
      let seen = '';
      const timer = setTimeout(() => reject(new Error(`sshd did not start:\n${seen}`)), 10_000);
      proc.stderr?.setEncoding('utf8');
      proc.stderr?.on('data', (text: string) => {
        logText = (logText + text).slice(-200_000);
        seen += text;
        if (seen.includes('Server listening on')) {
          clearTimeout(timer);
          resolve();
        }
      });
      proc.once('exit', (code, sig) => {
        if (proc.pid !== undefined) liveTrees.delete(proc.pid);
        clearTimeout(timer);
        reject(new Error(`sshd exited (${code ?? sig}) before listening:\n${seen}`));
      });
      proc.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
  };

  const stop = async (): Promise<void> => {
    const proc = child;
    child = undefined;
    if (!proc || proc.pid === undefined || proc.exitCode !== null || proc.signalCode !== null) {
      if (proc?.pid !== undefined) killTree(proc.pid, 'SIGKILL');
      killSessions(port);
      return;
    }
    const pid = proc.pid;
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    const descendants = descendantPids(pid);
    killTree(pid, 'SIGTERM');
    const timer = setTimeout(() => killTree(pid, 'SIGKILL'), 3000);
    await exited;
    clearTimeout(timer);
    for (const p of descendants) {
      try {
        process.kill(p, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    killSessions(port);
    liveTrees.delete(pid);
  };

  const host: TestHost = {
    host: '127.0.0.1',
    port,
    user: 'root',
    clientKey,
    clientKeyWithPassphrase,
    passphrase,
    hostKeyPub,
    fingerprint,
    knownHostsLine,
    dir,
    log: () => logText,
    stop,
    restart: async () => {
      await stop();
      await start();
    },
    kill: () => {
      // sshd processes first, so none of them can still report an exit status
      // for a session; then any session process left over.
      const proc = child;
      child = undefined;
      if (proc?.pid !== undefined) {
        killTree(proc.pid, 'SIGKILL');
        liveTrees.delete(proc.pid);
      }
      killSessions(port);
    },
    dispose: async () => {
      await stop();
      livePorts.delete(port);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await start();
  return host;
}

export interface TcpProxy {
  port: number;
  /** Stops forwarding in both directions without closing anything: the link "hangs". */
  pause(): void;
  resume(): void;
  /** Bytes forwarded so far (both directions). */
  bytes(): number;
  close(): Promise<void>;
}

/**
 * A TCP proxy on 127.0.0.1 for simulating link failures (this kernel has no
 * netem). `pause()` makes the link hang; `stopAfterBytes` hangs it by itself
 * once that many bytes (both directions) were forwarded.
 */
export async function startTcpProxy(opts: {
  target: { host: string; port: number };
  stopAfterBytes?: number;
}): Promise<TcpProxy> {
  const sockets = new Set<net.Socket>();
  let paused = false;
  let forwarded = 0;
  const limit = opts.stopAfterBytes ?? Infinity;

  const hang = () => {
    paused = true;
    for (const s of sockets) s.pause();
  };

  const pipe = (from: net.Socket, to: net.Socket) => {
    from.on('data', (chunk: Buffer) => {
      if (paused) return; // data that raced with pause() is dropped, like on a dead link
      let data = chunk;
      if (forwarded + data.length > limit) {
        data = data.subarray(0, Math.max(0, limit - forwarded));
      }
      forwarded += data.length;
      if (data.length > 0) to.write(data);
      if (forwarded >= limit) hang();
    });
    from.on('end', () => to.end());
  };

  const server = net.createServer((client) => {
    const upstream = net.connect(opts.target.port, opts.target.host);
    sockets.add(client);
    sockets.add(upstream);
    const drop = () => {
      sockets.delete(client);
      sockets.delete(upstream);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    if (paused) {
      client.pause();
      upstream.pause();
    }
    pipe(client, upstream);
    pipe(upstream, client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    pause: hang,
    resume: () => {
      paused = false;
      for (const s of sockets) s.resume();
    },
    bytes: () => forwarded,
    close: async () => {
      for (const s of sockets) s.destroy();
      sockets.clear();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export interface TestAgent {
  socket: string;
  stop(): Promise<void>;
}

/** Starts `ssh-agent -D -a SOCKET` (foreground, so we own its pid) and `ssh-add`s the given keys. */
export async function startSshAgent(keys: string[], dir?: string): Promise<TestAgent> {
  installExitHook();
  const base = dir ?? mkdtempSync(path.join(os.tmpdir(), 'bisect-agent-'));
  const socket = path.join(base, `agent-${process.pid}-${Date.now()}.sock`);
  const proc = spawn('ssh-agent', ['-D', '-a', socket], { stdio: ['ignore', 'ignore', 'ignore'] });
  if (proc.pid !== undefined) liveTrees.add(proc.pid);
  const deadline = Date.now() + 5000;
  for (;;) {
    try {
      await execFileP('ssh-add', ['-l'], { env: { ...process.env, SSH_AUTH_SOCK: socket } });
      break;
    } catch (err) {
      // exit 1 = "no identities": the agent is up
      if ((err as { code?: number }).code === 1) break;
      if (Date.now() > deadline) throw new Error('ssh-agent did not start', { cause: err });
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  for (const key of keys) {
    await execFileP('ssh-add', ['-q', key], { env: { ...process.env, SSH_AUTH_SOCK: socket } });
  }
  return {
    socket,
    stop: async () => {
      if (proc.exitCode === null && proc.signalCode === null) {
        const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
        proc.kill('SIGTERM');
        await exited;
      }
      if (proc.pid !== undefined) liveTrees.delete(proc.pid);
      if (!dir) rmSync(base, { recursive: true, force: true });
    },
  };
}

/** Writes a test host's sshd_config (absolute paths only: a relative one makes sshd reset connections). */
export function writeSshdConfig(
  dir: string,
  o: { port: number; listen: string; hostKey: string; authorizedKeys: string; extra?: string[] },
): string {
  const configFile = path.join(dir, 'sshd_config');
  const lines = [
    `Port ${o.port}`,
    `ListenAddress ${o.listen}`,
    `HostKey ${o.hostKey}`,
    `PidFile ${path.join(dir, 'sshd.pid')}`,
    `AuthorizedKeysFile ${o.authorizedKeys}`,
    'PermitRootLogin prohibit-password',
    'PubkeyAuthentication yes',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'UsePAM no',
    'StrictModes no',
    'UseDNS no',
    'PrintMotd no',
    'MaxStartups 100',
    'MaxSessions 50',
    'LogLevel INFO',
    // This machine's ~/.bashrc runs `pyenv rehash`, which waits up to 60 s on a lock file that a
    // session killed mid-rehash leaves behind: every later remote command hung. Wait 1 s at most.
    'SetEnv PYENV_REHASH_TIMEOUT=1',
    ...(o.extra ?? []),
    '',
  ];
  writeFileSync(configFile, lines.join('\n'));
  return configFile;
}
