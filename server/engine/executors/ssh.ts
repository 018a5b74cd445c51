import { randomBytes } from 'node:crypto';
import type net from 'node:net';
import type { ClientChannel } from 'ssh2';
import { type CommandSpec, type DedicatedConnectionOptions, type ExecEvent, type Executor, InfraError } from '../types';
import { connectSsh, type PinnedKey, type SshConnection, type SshTarget } from '../ssh/connection';
import { isSshError } from '../ssh/errors';
import { buildReapCommand, buildRemoteCommand, type ProcessGroupInfo } from '../ssh/remote-command';
import { releaseLease, writeRemoteLease, type RemoteLease } from './leases';
import { RemoteRun } from './remote-run';

/**
 * Runs commands on a remote host over one reused SSH connection (reconnected
 * lazily when it dropped). See `buildRemoteCommand` for the remote wrapper.
 *
 * Contract (see `Executor`):
 * - output arrives as line batches per stream, in order per stream;
 * - the last event is `exit`; timeout/abort SIGKILL the remote process group
 *   (from a second channel) and then report `timedOut` / `cancelled`;
 * - a lost connection (keepalive failure, reset, host gone) throws
 *   `SshError` code CONNECTION_LOST within about (count + 1) × interval; the
 *   remote processes cannot be killed then and may keep running;
 * - a missing remote `cwd` throws InfraError; connect failures throw SshError.
 * - stopping iteration early (break / return) kills the remote command too.
 */

export interface SshExecutorOptions {
  /** Executor name; default `ssh:HOST`. */
  name?: string;
  /** Connection factory (default `connectSsh`). */
  connect?: (target: SshTarget) => Promise<SshConnection>;
}

export class SshExecutor implements Executor {
  readonly name: string;
  private readonly target: SshTarget;
  private readonly connectFn: (target: SshTarget) => Promise<SshConnection>;
  private conn: SshConnection | undefined;
  private connecting: Promise<SshConnection> | undefined;
  private closed = false;

  constructor(target: SshTarget, options: SshExecutorOptions = {}) {
    // Keys pinned by accept-new are remembered here too, so a reconnect checks
    // against them even if the caller does not hand the updated list back.
    const pinned: PinnedKey[] = [...target.pinnedKeys];
    const onNew = target.onNewKeyPinned;
    this.target = {
      ...target,
      pinnedKeys: pinned,
      onNewKeyPinned: async (key) => {
        await onNew?.(key);
        pinned.push(key);
      },
    };
    this.name = options.name ?? `ssh:${target.host}`;
    this.connectFn = options.connect ?? ((t) => connectSsh(t));
  }

  /** TCP socket of the current connection (sample `bytesWritten`); undefined when not connected. */
  get socket(): net.Socket | undefined {
    return this.conn?.alive ? this.conn.socket : undefined;
  }

  /** The live connection, connecting if needed. Concurrent callers share one attempt. */
  connection(): Promise<SshConnection> {
    if (this.closed) return Promise.reject(new InfraError(`${this.name}: executor is closed`));
    if (this.conn?.alive) return Promise.resolve(this.conn);
    this.connecting ??= this.connectFn(this.target)
      .then((conn) => {
        if (this.closed) {
          conn.close();
          throw new InfraError(`${this.name}: executor is closed`);
        }
        this.conn = conn;
        return conn;
      })
      .finally(() => {
        this.connecting = undefined;
      });
    return this.connecting;
  }

  /**
   * A new connection the caller owns and closes (see `Executor.openConnection`),
   * with this executor's target and pinned keys. Rejects with the signal's
   * reason when aborted (a connection that arrives later is closed).
   */
  async openConnection(o: DedicatedConnectionOptions): Promise<SshConnection> {
    if (this.closed) throw new InfraError(`${this.name}: executor is closed`);
    const target: SshTarget = { ...this.target };
    if (o.keepaliveIntervalMs !== undefined) target.keepaliveIntervalMs = o.keepaliveIntervalMs;
    if (o.keepaliveCountMax !== undefined) target.keepaliveCountMax = o.keepaliveCountMax;
    const attempt = this.connectFn(target);
    const conn = await untilAborted(attempt, o.signal);
    if (!conn) {
      attempt.then((c) => c.close(), () => undefined);
      throw o.signal.reason ?? new DOMException('aborted', 'AbortError');
    }
    return conn;
  }

  /** The live connection, if there is one (never connects). */
  get current(): SshConnection | undefined {
    return this.conn?.alive ? this.conn : undefined;
  }

  /** Drops the current connection but stays usable: the next command connects afresh. */
  disconnect(): void {
    this.conn?.close();
    this.conn = undefined;
  }

  /** Closes the connection; running commands fail with CONNECTION_LOST. */
  close(): void {
    this.closed = true;
    this.conn?.close();
    this.conn = undefined;
  }

  async *run(cmd: CommandSpec, signal: AbortSignal): AsyncGenerator<ExecEvent, void, undefined> {
    const nonce = randomBytes(8).toString('hex');
    const remote = buildRemoteCommand(cmd, nonce); // throws UserInputError before any I/O
    if (signal.aborted) {
      yield { type: 'exit', status: { kind: 'cancelled' } };
      return;
    }
    const opened = await this.openChannel(remote.script, signal);
    if (!opened) {
      yield { type: 'exit', status: { kind: 'cancelled' } };
      return;
    }
    // The environment (secrets included) goes over the channel, never on the remote command line.
    opened.channel.end(remote.stdin);
    const lease = cmd.leaseFile;
    let reported = false;
    const onGroup =
      lease || cmd.onRemoteLease
        ? (g: ProcessGroupInfo) => {
            const l = { executor: this.name, pgid: g.pgid, sid: g.sid };
            if (lease) writeRemoteLease(lease, l);
            cmd.onRemoteLease?.(l);
            reported = true;
          }
        : undefined;
    const run = new RemoteRun(opened.conn, opened.channel, {
      nonce,
      timeoutMs: cmd.timeoutMs,
      signal,
      cwd: cmd.cwd,
      hasEnv: remote.stdin !== '',
      ...(onGroup ? { onGroup } : {}),
    });
    try {
      yield* run.events();
    } finally {
      await run.dispose();
      if (lease) releaseLease(lease);
      if (reported) cmd.onRemoteLease?.(null);
    }
  }

  /**
   * Kills a process group a previous server process left running on this host,
   * but only if its leader still carries this session's environment (the host
   * may have rebooted and reused the pid).
   */
  async reapGroup(lease: RemoteLease, sessionId: string): Promise<boolean> {
    let command: string;
    try {
      command = buildReapCommand(lease.pgid, sessionId);
    } catch {
      return false; // a pgid ≤ 1 or a session id no session of ours has: nothing of ours to reap
    }
    const conn = await this.connection();
    const channel = await conn.exec(command);
    let out = '';
    await new Promise<void>((resolve) => {
      channel.on('data', (d: Buffer) => (out += d.toString()));
      channel.stderr.resume();
      channel.on('close', () => resolve());
    });
    return out.includes('reaped');
  }

  /** Opens the command's channel; null if aborted while connecting. Retries once on a stale reused connection. */
  private async openChannel(
    script: string,
    signal: AbortSignal,
  ): Promise<{ conn: SshConnection; channel: ClientChannel } | null> {
    for (let attempt = 0; ; attempt++) {
      const reused = this.conn?.alive === true;
      const conn = await untilAborted(this.connection(), signal);
      if (!conn) return null;
      try {
        return { conn, channel: await conn.exec(script) };
      } catch (err) {
        // A reused connection may have died without us noticing yet (host
        // restarted): the channel never opened, so trying a fresh one is safe.
        if (attempt === 0 && reused && isSshError(err, 'CONNECTION_LOST')) continue;
        throw err;
      }
    }
  }
}

/** An executor whose dedicated connections are SSH connections (SSH hosts, the demo guest). */
export interface OpensSshConnections extends Executor {
  openConnection(options: DedicatedConnectionOptions): Promise<SshConnection>;
}

/** Whether `e` offers dedicated connections: only SSH executors do (the contract of `Executor.openConnection`). */
export function opensSshConnections(e: Executor): e is OpensSshConnections {
  return typeof e.openConnection === 'function';
}

/** Resolves to the promise's value, or null as soon as `signal` aborts (the promise keeps running). */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T | null> {
  if (signal.aborted) return Promise.resolve(null);
  return new Promise<T | null>((resolve, reject) => {
    const onAbort = () => resolve(null);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}
