import type net from 'node:net';
import type { Duplex } from 'node:stream';
import ssh2 from 'ssh2';
import type { AuthenticationType, Client as Ssh2Client, ClientChannel, ConnectConfig } from 'ssh2';
import { InfraError } from '../types';
import { loadCredentials } from './credentials';
import { lostError, setupError, SshError, type Ssh2Error, type SshErrorCode } from './errors';
import { decideHostKey, hostKeyAlgorithms, readKnownHosts } from './host-key-policy';
import { openTransport } from './jump';
import { fingerprintSha256 } from './known-hosts';
import { hostLabel, resolveTarget, type SshTarget } from './target';

const { Client } = ssh2;

export type { PinnedKey } from './known-hosts';
export type { JumpHost } from './proxy-jump';
export type { SshTarget } from './target';

/**
 * An SSH connection: connectSsh resolves the target (target.ts), loads the
 * credentials (credentials.ts), opens the transport (jump.ts), checks the host
 * key before authenticating (host-key-policy.ts) and maps ssh2's errors to
 * SshErrors (errors.ts).
 */

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

  const { transport, socket, jump } = await openTransport(target, resolved, (t) => connectSsh(t, opts));
  const client = new Client();
  const label = resolved.label;
  return await new Promise<SshConnection>((resolve, reject) => {
    let settled = false;
    let hostKeyError: SshError | undefined;
    let accepted: Buffer | undefined;
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
        if (accepted?.equals(key)) {
          verify(true); // a re-key presenting the key accepted at first: answered at once
          return;
        }
        const settle = (refusal: SshError | null) => {
          if (refusal) hostKeyError = refusal;
          else accepted = key;
          verify(refusal === null);
        };
        const decision = decideHostKey(target, resolved, known, key);
        if (decision instanceof Promise) void decision.then(settle);
        else settle(decision);
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
