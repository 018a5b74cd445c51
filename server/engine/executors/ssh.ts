import { randomBytes } from 'node:crypto';
import type net from 'node:net';
import type { ClientChannel } from 'ssh2';
import {
  type CommandSpec,
  type DedicatedConnectionOptions,
  type ExecEvent,
  type Executor,
  type ExitStatus,
  InfraError,
  type OutputStream,
} from '../types';
import { connectSsh, type PinnedKey, type SshConnection, type SshTarget } from '../ssh/connection';
import { SshError, isSshError, type SshErrorCode } from '../ssh/errors';
import { LineSplitter } from '../util/line-splitter';
import { releaseLease, writeRemoteLease, type RemoteLease } from './leases';
import {
  buildKillCommand,
  buildRemoteCommand,
  cwdFailedMarker,
  envFailedMarker,
  parseProcessGroupLine,
  type ProcessGroupInfo,
} from '../ssh/remote-command';

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

/** Lines per output event at most. */
const MAX_BATCH_LINES = 1000;
/** Above this many queued characters the channel is paused (backpressure to the remote). */
const HIGH_WATER_CHARS = 1 << 20;
const LOW_WATER_CHARS = 256 << 10;
/** How long to wait for the process-group line before giving up on killing. */
const PGID_WAIT_MS = 5_000;
/** How long the kill command and the killed command's channel may take to finish. */
const KILL_SETTLE_MS = 10_000;
/** setTimeout's maximum delay; longer timeouts would fire at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

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
      onNewKeyPinned: (key) => {
        onNew?.(key);
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
    const run = new RemoteRun(opened.conn, opened.channel, nonce, cmd.timeoutMs, signal, { cwd: cmd.cwd, hasEnv: remote.stdin !== '' }, onGroup);
    try {
      for (;;) {
        const event = await run.next();
        if (!event) return;
        yield event;
      }
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
    if (!Number.isInteger(lease.pgid) || lease.pgid <= 1 || !/^[0-9a-zA-Z-]+$/.test(sessionId)) return false;
    const conn = await this.connection();
    const script = `if tr '\\0' '\\n' < /proc/${lease.pgid}/environ 2>/dev/null | grep -qx 'BISECT_SESSION=${sessionId}'; then kill -s KILL -- -${lease.pgid} 2>/dev/null; echo reaped; fi; exit 0`;
    const channel = await conn.exec(script);
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

/** One remote command: turns channel events into a pull-based queue of ExecEvents. */
class RemoteRun {
  private readonly queue: ExecEvent[] = [];
  private queuedChars = 0;
  private paused = false;
  private wake: (() => void) | undefined;
  private failure: Error | undefined;
  private finished = false; // exit event queued (or failure set)
  private channelClosed = false;
  private readonly splitters = { stdout: new LineSplitter(), stderr: new LineSplitter() };
  private group: ProcessGroupInfo | undefined;
  private groupWaiters: Array<() => void> = [];
  /** Why the wrapper could not start the command (its marker line was seen), if it could not. */
  private setupFailed: 'cwd' | 'env' | undefined;
  private exitCode: number | null = null;
  private exitSignal: string | null = null;
  private ending: { kind: 'timedOut'; afterMs: number } | { kind: 'cancelled' } | undefined;
  private killing: Promise<void> | undefined;
  private readonly started = Date.now();
  private readonly timer: NodeJS.Timeout;
  /** Called once the run ends either way (exit queued or failure). */
  private settledWaiters: Array<() => void> = [];
  private readonly offLost: () => void;
  private readonly onAbort = () => this.terminate({ kind: 'cancelled' });

  constructor(
    private readonly conn: SshConnection,
    private readonly channel: ClientChannel,
    private readonly nonce: string,
    timeoutMs: number,
    private readonly signal: AbortSignal,
    private readonly setup: { cwd: string | undefined; hasEnv: boolean },
    /** Told the remote process group as soon as it is known (for crash-recovery leases). */
    private readonly onGroup?: (info: ProcessGroupInfo) => void,
  ) {
    channel.on('data', (chunk: Buffer) => this.output('stdout', chunk));
    channel.stderr.on('data', (chunk: Buffer) => this.output('stderr', chunk));
    channel.on('exit', (code: number | null, sig?: string) => {
      if (typeof code === 'number') this.exitCode = code;
      else if (sig) this.exitSignal = sig.startsWith('SIG') ? sig : `SIG${sig}`;
    });
    channel.on('error', () => {
      /* surfaced through close / connection loss */
    });
    channel.on('close', () => this.closed());
    this.offLost = conn.onLost((err) => this.fail(err));
    this.timer = setTimeout(
      () => this.terminate({ kind: 'timedOut', afterMs: Date.now() - this.started }),
      Math.min(Math.max(timeoutMs, 0), MAX_TIMER_MS),
    );
    signal.addEventListener('abort', this.onAbort, { once: true });
    if (signal.aborted) this.onAbort();
  }

  /** Next event, or null after the exit event. Throws after the queued output if the run failed. */
  async next(): Promise<ExecEvent | null> {
    for (;;) {
      const event = this.queue.shift();
      if (event) {
        if (event.type === 'output') this.queuedChars -= charsOf(event.lines);
        if (this.paused && this.queuedChars < LOW_WATER_CHARS) {
          this.paused = false;
          this.channel.resume();
          this.channel.stderr.resume();
        }
        return event;
      }
      if (this.failure) throw this.failure;
      if (this.finished) return null;
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  /** Stops timers and listeners; kills the remote command if iteration stopped while it still runs. */
  async dispose(): Promise<void> {
    if (!this.channelClosed && !this.failure && this.conn.alive) {
      this.terminate({ kind: 'cancelled' });
    }
    if (this.killing) await this.killing;
    this.cleanup();
  }

  private cleanup(): void {
    for (const w of this.settledWaiters.splice(0)) w();
    clearTimeout(this.timer);
    this.signal.removeEventListener('abort', this.onAbort);
    this.offLost();
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  private output(stream: OutputStream, chunk: Buffer): void {
    let lines = this.splitters[stream].push(chunk);
    if (stream === 'stderr') lines = this.filterMarkers(lines);
    this.enqueueLines(stream, lines);
  }

  /** Strips our marker lines from stderr; lines before them (login scripts) pass through. */
  private filterMarkers(lines: string[]): string[] {
    if (this.group && this.setup.cwd === undefined && !this.setup.hasEnv) return lines;
    const cwdMarker = cwdFailedMarker(this.nonce);
    const envMarker = envFailedMarker(this.nonce);
    return lines.filter((line) => {
      if (!this.group) {
        const info = parseProcessGroupLine(line, this.nonce);
        if (info) {
          this.group = info;
          this.onGroup?.(info);
          for (const w of this.groupWaiters.splice(0)) w();
          return false;
        }
      }
      if (line === cwdMarker || line === envMarker) {
        this.setupFailed = line === cwdMarker ? 'cwd' : 'env';
        return false;
      }
      return true;
    });
  }

  private enqueueLines(stream: OutputStream, lines: string[]): void {
    if (lines.length === 0 || this.finished) return;
    for (let i = 0; i < lines.length; ) {
      const last = this.queue[this.queue.length - 1];
      if (last?.type === 'output' && last.stream === stream && last.lines.length < MAX_BATCH_LINES) {
        const take = lines.slice(i, i + (MAX_BATCH_LINES - last.lines.length));
        last.lines.push(...take);
        this.queuedChars += charsOf(take);
        i += take.length;
      } else {
        const take = lines.slice(i, i + MAX_BATCH_LINES);
        this.queue.push({ type: 'output', stream, lines: take });
        this.queuedChars += charsOf(take);
        i += take.length;
      }
    }
    if (!this.paused && this.queuedChars > HIGH_WATER_CHARS) {
      this.paused = true;
      this.channel.pause();
      this.channel.stderr.pause();
    }
    this.notify();
  }

  private closed(): void {
    if (this.channelClosed) return;
    this.channelClosed = true;
    clearTimeout(this.timer);
    this.enqueueLines('stdout', this.splitters.stdout.flush());
    this.enqueueLines('stderr', this.filterMarkers(this.splitters.stderr.flush()));
    if (this.finished) return;
    if (this.setupFailed === 'cwd') {
      this.fail(new InfraError(`remote working directory ${this.setup.cwd ?? ''} does not exist or is not accessible`));
      return;
    }
    if (this.setupFailed === 'env') {
      this.fail(
        new InfraError(
          'the remote shell could not take the environment sent to it on stdin: is `dd` missing, does a login script (.bashrc) read stdin, or was the connection cut?',
        ),
      );
      return;
    }
    const status = this.status();
    if (!status) {
      // Closed without an exit status: the connection died under us.
      this.fail(
        this.conn.lostError ??
          new SshError('CONNECTION_LOST', 'the remote command ended without an exit status (connection lost?)'),
      );
      return;
    }
    this.finish(status);
  }

  private status(): ExitStatus | null {
    if (this.ending) return this.ending;
    if (this.exitSignal) return { kind: 'signaled', signal: this.exitSignal };
    if (this.exitCode !== null) return { kind: 'exited', code: this.exitCode };
    return null;
  }

  private finish(status: ExitStatus): void {
    if (this.finished) return;
    this.finished = true;
    this.queue.push({ type: 'exit', status });
    this.cleanup();
    this.notify();
  }

  private fail(err: Error): void {
    if (this.finished) return;
    this.finished = true;
    this.failure = err;
    this.cleanup();
    this.notify();
  }

  /** Timeout or abort: kill the remote process group, then report `status` once the channel closes. */
  private terminate(status: { kind: 'timedOut'; afterMs: number } | { kind: 'cancelled' }): void {
    if (this.ending || this.finished || this.channelClosed) return;
    if (this.exitCode !== null || this.exitSignal !== null) return; // already exited, close is on its way
    this.ending = status;
    clearTimeout(this.timer);
    this.killing = this.killRemote();
  }

  private async killRemote(): Promise<void> {
    const group = await this.waitForGroup();
    if (group && this.conn.alive) {
      try {
        const killer = await this.conn.exec(buildKillCommand(group));
        await settleWithin(
          new Promise<void>((resolve) => {
            killer.on('close', () => resolve());
            killer.resume();
            killer.stderr.resume();
          }),
          KILL_SETTLE_MS,
        );
      } catch {
        /* connection lost: reported through onLost */
      }
    }
    if (this.channelClosed || this.failure) return;
    // Wait for the killed command's channel to close; if it does not, close it ourselves.
    await new Promise<void>((resolve) => {
      const force = setTimeout(() => {
        try {
          this.channel.close();
        } catch {
          /* ignore */
        }
        this.closed();
      }, KILL_SETTLE_MS);
      this.settledWaiters.push(() => {
        clearTimeout(force);
        resolve();
      });
    });
  }

  private waitForGroup(): Promise<ProcessGroupInfo | undefined> {
    if (this.group || this.channelClosed) return Promise.resolve(this.group);
    return new Promise((resolve) => {
      const t = setTimeout(() => resolve(this.group), PGID_WAIT_MS);
      this.groupWaiters.push(() => {
        clearTimeout(t);
        resolve(this.group);
      });
    });
  }
}

function charsOf(lines: readonly string[]): number {
  let n = 0;
  for (const l of lines) n += l.length + 1;
  return n;
}

function settleWithin(promise: Promise<void>, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    void promise.finally(() => {
      clearTimeout(t);
      resolve();
    });
  });
}

/** Result of "test connection". `fingerprint` is set whenever the server's key was seen (also on host key errors). */
export interface ProbeResult {
  ok: boolean;
  fingerprint: string | null;
  /** `uname -r` of the host. */
  kernel: string | null;
  /** Wall time of connect + command, in milliseconds. */
  ms: number;
  error?: string;
  code?: SshErrorCode;
  /** For HOST_KEY_CHANGED: the fingerprints known for the host. */
  expectedFingerprints?: string[];
}

/** Connects, runs `uname -r`, disconnects. Never throws. */
export async function probe(target: SshTarget, options: { timeoutMs?: number } = {}): Promise<ProbeResult> {
  const started = performance.now();
  const ms = () => Math.round(performance.now() - started);
  let conn: SshConnection | undefined;
  try {
    conn = await connectSsh(target);
    const channel = await conn.exec('uname -r');
    const chunks: Buffer[] = [];
    let code: number | null = null;
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(
        () => reject(new SshError('TIMEOUT', 'uname -r did not finish in time')),
        options.timeoutMs ?? 15_000,
      );
      const off = (conn as SshConnection).onLost((err) => {
        clearTimeout(t);
        reject(err);
      });
      channel.on('data', (c: Buffer) => chunks.push(c));
      channel.stderr.resume();
      channel.on('exit', (c: number | null) => (code = c));
      channel.on('close', () => {
        clearTimeout(t);
        off();
        resolve();
      });
    });
    if (code !== 0) throw new InfraError(`uname -r failed on the host (exit ${String(code)})`);
    return { ok: true, fingerprint: conn.fingerprint, kernel: Buffer.concat(chunks).toString('utf8').trim(), ms: ms() };
  } catch (err) {
    const e = err as Error;
    const result: ProbeResult = {
      ok: false,
      fingerprint: err instanceof SshError ? (err.fingerprint ?? conn?.fingerprint ?? null) : (conn?.fingerprint ?? null),
      kernel: null,
      ms: ms(),
      error: e.message,
    };
    if (err instanceof SshError) {
      result.code = err.code;
      if (err.expectedFingerprints) result.expectedFingerprints = err.expectedFingerprints;
    }
    return result;
  } finally {
    conn?.close();
  }
}
