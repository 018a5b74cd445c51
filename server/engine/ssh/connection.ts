import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Duplex } from 'node:stream';
import ssh2 from 'ssh2';
import type { AuthenticationType, Client as Ssh2Client, ClientChannel, ConnectConfig, ParsedKey } from 'ssh2';
import { InfraError } from '../types';
import {
  HostKeyChangedError,
  HostKeyRevokedError,
  HostKeyUnknownError,
  SshError,
  type SshErrorCode,
} from './errors';
import { FileReadError, MAX_KEY_FILE_BYTES, readRegularFile } from './files';
import { checkHostKey, fingerprintSha256, keyTypeOf, knownKeyTypesForHost, loadKnownHosts, type KnownHostEntry, type PinnedKey } from './known-hosts';
import { parseProxyJump, resolveSshConfig, safeLocalUser, type JumpHost } from './ssh-config';

const { Client, utils } = ssh2;

export type { PinnedKey } from './known-hosts';
export type { JumpHost } from './ssh-config';

/**
 * Where and how to connect. Explicit fields win over `~/.ssh/config`, which is
 * consulted for `host` as an alias (HostName, User, Port, IdentityFile, ProxyJump).
 */
export interface SshTarget {
  host: string;
  port?: number;
  user?: string;
  /** Private key file. When unset: IdentityFile from ssh config, else ~/.ssh/id_{ed25519,ecdsa,rsa}. */
  identityFile?: string;
  passphrase?: string;
  /** Try keys from ssh-agent first (OpenSSH order). */
  useAgent?: boolean;
  /** Agent socket; defaults to $SSH_AUTH_SOCK. */
  agentSocket?: string;
  /** `strict`: unknown keys are refused. `accept-new`: a new host's key is pinned; changed keys are always refused. */
  hostKeyPolicy: 'strict' | 'accept-new';
  knownHostsFiles: string[];
  /** Keys accepted in the app. Matched by resolved HostName and port. */
  pinnedKeys: PinnedKey[];
  /**
   * Called (before authentication) when accept-new would pin a key the
   * target's `pinnedKeys` snapshot does not know; the caller stores it.
   * Throwing refuses the host: an SshError as it is (HOST_KEY_CHANGED when a
   * concurrent first contact pinned another key: see claimFirstContact), any
   * other error as HOST_KEY_UNKNOWN.
   */
  onNewKeyPinned?: (key: PinnedKey) => void;
  /** Bound on TCP connect + handshake + authentication. Default 20000. */
  readyTimeoutMs?: number;
  /** Default 5000. A dead link is detected within (count + 1) × interval. */
  keepaliveIntervalMs?: number;
  /** Default 3. */
  keepaliveCountMax?: number;
  /** ssh client config to read; undefined = ~/.ssh/config, null = none. */
  sshConfigPath?: string | null;
  /**
   * Jump hosts, first hop first (like `ssh -J a,b`): a string in ProxyJump
   * syntax, `'none'`, or parsed entries. Overrides ProxyJump from ssh config.
   * Jump hosts use the same credentials and host key settings as the target.
   */
  proxyJump?: string | JumpHost[];
}

export interface ConnectOptions {
  /** Aborting rejects with the signal's reason and tears the attempt down. */
  signal?: AbortSignal;
  /** ssh2 debug lines, for troubleshooting. */
  debug?: (line: string) => void;
}

/** An authenticated SSH connection. Commands reuse it; once lost it stays dead (reconnect = connect again). */
export interface SshConnection {
  readonly client: Ssh2Client;
  /** The TCP socket of the first hop: sample `bytesWritten` for smooth throughput graphs. */
  readonly socket: net.Socket;
  /** Resolved HostName, port and user of the target. */
  readonly host: string;
  readonly port: number;
  readonly username: string;
  /** SHA256 fingerprint of the target's host key. */
  readonly fingerprint: string;
  readonly alive: boolean;
  /** Why the connection died (undefined while alive or after close()). */
  readonly lostError: SshError | undefined;
  /** Runs `command` through the remote login shell, without a pty. Rejects with CONNECTION_LOST when the link dies. */
  exec(command: string): Promise<ClientChannel>;
  /** Called once when the connection dies or is closed. Returns an unsubscribe function. */
  onLost(listener: (err: SshError) => void): () => void;
  close(): void;
}

const DEFAULT_READY_TIMEOUT_MS = 20_000;
const DEFAULT_KEEPALIVE_INTERVAL_MS = 5_000;
const DEFAULT_KEEPALIVE_COUNT_MAX = 3;
const RSA_SIG_ALGOS = ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'];
const HOST_KEY_ALGOS_SSH2 = new Set([
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  ...RSA_SIG_ALGOS,
  'ssh-dss',
]);

interface ResolvedTarget {
  hostName: string;
  port: number;
  user: string;
  identityFiles: string[];
  /** True when identityFiles came from `target.identityFile`: problems loading it are errors. */
  identityExplicit: boolean;
  jumps: JumpHost[];
  label: string;
}

function hostLabel(host: string, port: number): string {
  return port === 22 ? host : `${host}:${port}`;
}

async function resolveTarget(target: SshTarget): Promise<ResolvedTarget> {
  let config: Awaited<ReturnType<typeof resolveSshConfig>>;
  try {
    config =
      target.sshConfigPath === null
        ? { alias: target.host, hostName: target.host, identityFiles: [] }
        : await resolveSshConfig(target.host, target.sshConfigPath === undefined ? {} : { configPath: target.sshConfigPath });
  } catch (err) {
    throw new InfraError((err as Error).message, { cause: err });
  }
  const hostName = config.hostName;
  const port = target.port ?? config.port ?? 22;
  const user = target.user ?? config.user ?? safeLocalUser();
  let identityFiles: string[];
  let identityExplicit = false;
  if (target.identityFile) {
    identityFiles = [target.identityFile];
    identityExplicit = true;
  } else if (config.identityFiles.length > 0) {
    identityFiles = config.identityFiles;
  } else {
    const home = os.homedir();
    identityFiles = ['id_ed25519', 'id_ecdsa', 'id_rsa'].map((f) => path.join(home, '.ssh', f));
  }
  let jumps: JumpHost[];
  if (target.proxyJump !== undefined) {
    try {
      jumps = typeof target.proxyJump === 'string' ? parseProxyJump(target.proxyJump) : target.proxyJump;
    } catch (err) {
      throw new SshError('UNREACHABLE', `invalid ProxyJump: ${(err as Error).message}`, { cause: err });
    }
  } else {
    jumps = config.proxyJump ?? [];
  }
  return { hostName, port, user, identityFiles, identityExplicit, jumps, label: hostLabel(hostName, port) };
}

type AuthMethod =
  | { type: 'agent'; username: string; agent: string }
  | { type: 'publickey'; username: string; key: ParsedKey };

/**
 * Builds the ordered list of auth attempts. Key files are read asynchronously,
 * must be regular files of at most 64 KiB (a FIFO or /dev/zero is refused at
 * once). Throws AUTH_FAILED for an unusable explicit key.
 */
async function loadCredentials(target: SshTarget, resolved: ResolvedTarget): Promise<{ methods: AuthMethod[]; tried: string[] }> {
  const methods: AuthMethod[] = [];
  const tried: string[] = [];
  const username = resolved.user;
  if (target.useAgent) {
    const agent = target.agentSocket; // the server's $SSH_AUTH_SOCK arrives here through HostService (config.sshAuthSock)
    if (agent) {
      methods.push({ type: 'agent', username, agent });
      tried.push('ssh-agent');
    }
  }
  for (const file of resolved.identityFiles) {
    let data: Buffer;
    try {
      data = await readRegularFile(file, MAX_KEY_FILE_BYTES);
    } catch (err) {
      if (resolved.identityExplicit) {
        const why = err instanceof FileReadError ? err.detail : (err as Error).message;
        throw new SshError('AUTH_FAILED', `cannot read identity file ${file}: ${why}`, { cause: err, host: resolved.label });
      }
      continue;
    }
    const parsed = utils.parseKey(data, target.passphrase);
    const key = Array.isArray(parsed) ? parsed[0] : parsed;
    if (key instanceof Error || key === undefined) {
      if (resolved.identityExplicit) {
        const why = key instanceof Error ? key.message : 'no key found';
        throw new SshError('AUTH_FAILED', `cannot load identity file ${file}: ${why}`, { host: resolved.label });
      }
      continue;
    }
    methods.push({ type: 'publickey', username, key });
    tried.push(`key ${file}`);
  }
  if (methods.length === 0) {
    throw new SshError(
      'AUTH_FAILED',
      `no credentials to log in to ${resolved.label}: set an identity file or use ssh-agent` +
        (target.useAgent ? ' (no agent socket: SSH_AUTH_SOCK is not set)' : ''),
      { host: resolved.label },
    );
  }
  return { methods, tried };
}

/** The known_hosts entries for a connection, or why they could not be read (the host key check then fails closed). */
type KnownHosts = { entries: KnownHostEntry[] } | { error: Error };

async function readKnownHosts(target: SshTarget): Promise<KnownHosts> {
  try {
    return { entries: await loadKnownHosts(target.knownHostsFiles) };
  } catch (err) {
    return { error: err as Error };
  }
}

/** Server host key algorithms to offer: those of key types we already know first (OpenSSH does the same). */
function hostKeyAlgorithms(target: SshTarget, resolved: ResolvedTarget, known: KnownHosts): string[] {
  if ('error' in known) return []; // unreadable known_hosts: the host key check itself fails closed
  const types = knownKeyTypesForHost({ host: resolved.hostName, port: resolved.port, knownHosts: known.entries, pinned: target.pinnedKeys });
  const algos = types.flatMap((t) => (t === 'ssh-rsa' ? RSA_SIG_ALGOS : [t]));
  return [...new Set(algos)].filter((a) => HOST_KEY_ALGOS_SSH2.has(a));
}

/**
 * Decides on a host key. Returns null to accept, or the error to refuse with.
 * Runs inside ssh2's hostVerifier, i.e. after key exchange and before any
 * credentials are sent.
 */
function decideHostKey(target: SshTarget, resolved: ResolvedTarget, known: KnownHosts, key: Buffer): SshError | null {
  const fingerprint = fingerprintSha256(key);
  const host = resolved.label;
  let check;
  try {
    if ('error' in known) throw known.error;
    check = checkHostKey({ host: resolved.hostName, port: resolved.port, key, knownHosts: known.entries, pinned: target.pinnedKeys });
  } catch (err) {
    return new HostKeyUnknownError(`cannot verify the host key of ${host}: ${(err as Error).message}`, {
      cause: err,
      host,
      fingerprint,
    });
  }
  switch (check.status) {
    case 'match':
      return null;
    case 'revoked':
      return new HostKeyRevokedError(`host key for ${host} is revoked in known_hosts: ${fingerprint}`, {
        host,
        fingerprint,
      });
    case 'changed':
      return new HostKeyChangedError(
        `host key for ${host} has changed: the server presented ${fingerprint}, expected ` +
          `${check.expectedFingerprints.join(' or ')} — possible man-in-the-middle; if the host was reinstalled, ` +
          `replace its key in Hosts`,
        { host, fingerprint, expectedFingerprints: check.expectedFingerprints },
      );
    case 'unknown': {
      if (target.hostKeyPolicy === 'accept-new' && check.knownKeyTypes.length === 0) {
        const pin: PinnedKey = {
          host: resolved.hostName,
          port: resolved.port,
          keyType: keyTypeOf(key),
          keyBase64: key.toString('base64'),
        };
        try {
          target.onNewKeyPinned?.(pin);
        } catch (err) {
          if (err instanceof SshError) return err;
          return new HostKeyUnknownError(`could not pin the host key of ${host} (${fingerprint}): ${(err as Error).message}`, {
            cause: err,
            host,
            fingerprint,
          });
        }
        return null;
      }
      const other =
        check.knownKeyTypes.length > 0
          ? ` (keys of other types are known for it: ${check.knownKeyTypes.join(', ')}; not accepted automatically)`
          : '';
      return new HostKeyUnknownError(`host key for ${host} is not known: ${fingerprint}${other} — accept it in Hosts to pin it`, {
        host,
        fingerprint,
      });
    }
  }
}

type Ssh2Error = Error & { level?: string; code?: string | number };

/** Maps an ssh2 error during connection setup to an SshError. */
function setupError(err: Ssh2Error, label: string): SshError {
  const level = err.level;
  if (level === 'client-authentication') {
    return new SshError('AUTH_FAILED', `authentication to ${label} failed: ${err.message}`, { cause: err, host: label });
  }
  if (level === 'client-timeout') {
    return new SshError('TIMEOUT', `timed out connecting to ${label}: ${err.message}`, { cause: err, host: label });
  }
  return new SshError('UNREACHABLE', `cannot connect to ${label}: ${err.message}`, { cause: err, host: label });
}

/** Maps an ssh2 error on an established connection to CONNECTION_LOST. */
function lostError(err: Ssh2Error, label: string): SshError {
  const what = err.level === 'client-timeout' ? 'no answer to keepalives' : err.message;
  return new SshError('CONNECTION_LOST', `connection to ${label} lost: ${what}`, { cause: err, host: label });
}

class Connection implements SshConnection {
  private _alive = true;
  private _lostError: SshError | undefined;
  private readonly listeners = new Set<(err: SshError) => void>();

  constructor(
    readonly client: Ssh2Client,
    readonly socket: net.Socket,
    private readonly transport: Duplex,
    readonly host: string,
    readonly port: number,
    readonly username: string,
    readonly fingerprint: string,
    private readonly jump: SshConnection | undefined,
  ) {
    const label = hostLabel(host, port);
    client.on('error', (err: Ssh2Error) => this.die(lostError(err, label)));
    client.on('close', () => this.die(new SshError('CONNECTION_LOST', `connection to ${label} closed`, { host: label })));
    jump?.onLost((err) =>
      this.die(new SshError('CONNECTION_LOST', `connection to ${label} lost: jump host: ${err.message}`, { cause: err, host: label })),
    );
  }

  get alive(): boolean {
    return this._alive;
  }

  get lostError(): SshError | undefined {
    return this._lostError;
  }

  onLost(listener: (err: SshError) => void): () => void {
    if (!this._alive) {
      const err = this._lostError ?? new SshError('CONNECTION_LOST', 'connection is closed');
      queueMicrotask(() => listener(err));
      return () => {};
    }
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  exec(command: string): Promise<ClientChannel> {
    if (!this._alive) {
      return Promise.reject(this._lostError ?? new SshError('CONNECTION_LOST', 'connection is closed'));
    }
    return new Promise((resolve, reject) => {
      let settled = false;
      const off = this.onLost((err) => {
        if (settled) return;
        settled = true;
        reject(err);
      });
      try {
        this.client.exec(command, (err, channel) => {
          off();
          if (settled) {
            if (!err) channel.close();
            return;
          }
          settled = true;
          if (err) {
            reject(
              this._alive
                ? new InfraError(`cannot start a remote command on ${hostLabel(this.host, this.port)}: ${err.message}`, { cause: err })
                : (this._lostError ?? new SshError('CONNECTION_LOST', 'connection is closed')),
            );
          } else {
            resolve(channel);
          }
        });
      } catch (err) {
        off();
        settled = true;
        reject(new InfraError(`cannot start a remote command: ${(err as Error).message}`, { cause: err }));
      }
    });
  }

  close(): void {
    this.die(new SshError('CONNECTION_LOST', 'connection closed by us'), true);
  }

  private die(err: SshError, byUs = false): void {
    if (!this._alive) return;
    this._alive = false;
    this._lostError = byUs ? undefined : err;
    const listeners = [...this.listeners];
    this.listeners.clear();
    for (const l of listeners) l(err);
    try {
      this.client.end();
    } catch {
      /* already gone */
    }
    // end() is polite; make sure the transport goes away even if the peer is hung.
    setTimeout(() => this.transport.destroy(), byUs ? 1000 : 0).unref();
    this.jump?.close();
  }
}

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('aborted', 'AbortError');
}

/** Opens a direct-tcpip channel through `jump` to host:port, to use as the next hop's transport. */
function forwardThrough(jump: SshConnection, host: string, port: number): Promise<ClientChannel> {
  return new Promise((resolve, reject) => {
    const off = jump.onLost(reject);
    jump.client.forwardOut('127.0.0.1', 0, host, port, (err, stream) => {
      off();
      if (err) {
        reject(
          new SshError('UNREACHABLE', `jump host ${hostLabel(jump.host, jump.port)} cannot reach ${hostLabel(host, port)}: ${err.message}`, {
            cause: err,
            host: hostLabel(host, port),
          }),
        );
      } else {
        resolve(stream);
      }
    });
  });
}

/**
 * Connects and authenticates. The host key is checked in ssh2's hostVerifier,
 * before authentication; refusals are SshErrors with code HOST_KEY_UNKNOWN /
 * HOST_KEY_CHANGED / HOST_KEY_REVOKED carrying the fingerprint(s). Other
 * failures: AUTH_FAILED, UNREACHABLE, TIMEOUT (readyTimeoutMs).
 */
export async function connectSsh(target: SshTarget, opts: ConnectOptions = {}): Promise<SshConnection> {
  const { signal } = opts;
  if (signal?.aborted) throw abortReason(signal);
  const resolved = await resolveTarget(target);
  const [{ methods, tried }, known] = await Promise.all([loadCredentials(target, resolved), readKnownHosts(target)]);
  if (signal?.aborted) throw abortReason(signal);

  // Transport: our own TCP socket, or a channel through the last jump host.
  let jump: SshConnection | undefined;
  let transport: Duplex;
  let socket: net.Socket;
  if (resolved.jumps.length > 0) {
    const last = resolved.jumps[resolved.jumps.length - 1] as JumpHost;
    const before = resolved.jumps.slice(0, -1);
    const jumpTarget: SshTarget = { ...target, host: last.host, proxyJump: before };
    if (last.port !== undefined) jumpTarget.port = last.port;
    else delete jumpTarget.port;
    if (last.user !== undefined) jumpTarget.user = last.user;
    else delete jumpTarget.user;
    jump = await connectSsh(jumpTarget, opts);
    try {
      transport = await forwardThrough(jump, resolved.hostName, resolved.port);
    } catch (err) {
      jump.close();
      throw err;
    }
    socket = jump.socket;
  } else {
    socket = new net.Socket();
    socket.connect({ host: resolved.hostName, port: resolved.port });
    transport = socket;
  }

  const client = new Client();
  const label = resolved.label;
  return await new Promise<SshConnection>((resolve, reject) => {
    let settled = false;
    let hostKeyError: SshError | undefined;
    let fingerprint = '';

    const onAbort = () => fail(abortReason(signal as AbortSignal));
    const fail = (err: unknown) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      try {
        client.end();
      } catch {
        /* ignore */
      }
      transport.destroy();
      jump?.close();
      reject(err);
    };
    signal?.addEventListener('abort', onAbort, { once: true });

    // ssh2 may emit 'error' more than once (e.g. socket error, then close): settle once, keep listening.
    client.on('error', (err: Ssh2Error) => fail(hostKeyError ?? setupError(err, label)));
    client.on('close', () =>
      fail(hostKeyError ?? new SshError('UNREACHABLE', `connection to ${label} closed during setup`, { host: label })),
    );
    client.once('ready', () => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      resolve(new Connection(client, socket, transport, resolved.hostName, resolved.port, resolved.user, fingerprint, jump));
    });

    const algos = hostKeyAlgorithms(target, resolved, known);
    const config: ConnectConfig = {
      sock: transport,
      username: resolved.user,
      readyTimeout: target.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS,
      keepaliveInterval: target.keepaliveIntervalMs ?? DEFAULT_KEEPALIVE_INTERVAL_MS,
      keepaliveCountMax: target.keepaliveCountMax ?? DEFAULT_KEEPALIVE_COUNT_MAX,
      authHandler: methods as unknown as AuthenticationType[],
      hostVerifier: (key: Buffer, verify: (ok: boolean) => void) => {
        fingerprint = fingerprintSha256(key);
        const refusal = decideHostKey(target, resolved, known, key);
        if (refusal) hostKeyError = refusal;
        verify(refusal === null);
      },
      ...(algos.length > 0 ? { algorithms: { serverHostKey: { remove: algos, prepend: algos } } } : {}),
      ...(opts.debug ? { debug: opts.debug } : {}),
    } as ConnectConfig;
    try {
      client.connect(config);
    } catch (err) {
      fail(new SshError('UNREACHABLE', `cannot connect to ${label}: ${(err as Error).message}`, { cause: err, host: label }));
    }
  }).catch((err: unknown) => {
    if (err instanceof SshError && err.code === 'AUTH_FAILED' && !err.message.includes('tried:')) {
      throw new SshError('AUTH_FAILED', `${err.message} (as ${resolved.user}; tried: ${tried.join(', ')})`, {
        cause: err.cause,
        host: label,
      });
    }
    throw err;
  });
}

export type { SshErrorCode };
