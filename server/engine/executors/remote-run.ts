import type { ClientChannel } from 'ssh2';
import type { SshConnection } from '../ssh/connection';
import { SshError } from '../ssh/errors';
import { buildKillCommand, type ProcessGroupInfo } from '../ssh/remote-command';
import { WrapperStderr } from '../ssh/wrapper-stderr';
import { InfraError, type ExecEvent, type ExitStatus, type OutputStream } from '../types';
import { AsyncQueue } from '../util/async-queue';
import { LineSplitter } from '../util/line-splitter';

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

type Ending = { kind: 'timedOut'; afterMs: number } | { kind: 'cancelled' };

export interface RemoteRunOptions {
  nonce: string;
  timeoutMs: number;
  signal: AbortSignal;
  /** What the wrapper was asked to set up (its failure markers can appear only then). */
  cwd: string | undefined;
  hasEnv: boolean;
  /** Told the remote process group as soon as it is known (for crash-recovery leases). */
  onGroup?: (info: ProcessGroupInfo) => void;
}

/**
 * One remote command on its channel, as ExecEvents in an AsyncQueue: output
 * batches in order per stream, then `exit`; a lost connection or a wrapper
 * that could not start the command fails the queue after the output so far.
 * A timeout or abort kills the remote process group from a second channel
 * (see buildKillCommand) and then reports `timedOut` / `cancelled`.
 */
export class RemoteRun {
  private readonly queue = new AsyncQueue<ExecEvent>();
  private readonly pressure: ChannelPressure;
  private readonly splitters = { stdout: new LineSplitter(), stderr: new LineSplitter() };
  private readonly wrapper: WrapperStderr;
  /** The exit status the channel reported, if it did. */
  private exit: ExitStatus | null = null;
  /** Set once a timeout or abort started killing the remote command. */
  private ending: { status: Ending; killing: Promise<void> } | undefined;
  private outcome: 'running' | 'finished' | 'failed' = 'running';
  private channelClosed = false;
  private readonly closed = deferred();
  private readonly settled = deferred();
  private readonly started = Date.now();
  private readonly timer: NodeJS.Timeout;
  private readonly offLost: () => void;
  private readonly onAbort = () => this.terminate({ kind: 'cancelled' });

  constructor(
    private readonly conn: SshConnection,
    private readonly channel: ClientChannel,
    private readonly o: RemoteRunOptions,
  ) {
    this.pressure = new ChannelPressure(channel);
    this.wrapper = new WrapperStderr(o.nonce, o.cwd !== undefined || o.hasEnv, o.onGroup);
    channel.on('data', (chunk: Buffer) => this.output('stdout', this.splitters.stdout.push(chunk)));
    channel.stderr.on('data', (chunk: Buffer) => this.output('stderr', this.splitters.stderr.push(chunk)));
    channel.on('exit', (code: number | null, sig?: string) => {
      if (typeof code === 'number') this.exit = { kind: 'exited', code };
      else if (sig) this.exit = { kind: 'signaled', signal: sig.startsWith('SIG') ? sig : `SIG${sig}` };
    });
    channel.on('error', () => {
      /* surfaced through close / connection loss */
    });
    channel.on('close', () => this.onClose());
    this.offLost = conn.onLost((err) => this.fail(err));
    this.timer = setTimeout(
      () => this.terminate({ kind: 'timedOut', afterMs: Date.now() - this.started }),
      Math.min(Math.max(o.timeoutMs, 0), MAX_TIMER_MS),
    );
    o.signal.addEventListener('abort', this.onAbort, { once: true });
    if (o.signal.aborted) this.onAbort();
  }

  /** The events; throws after the queued output if the run failed. */
  async *events(): AsyncGenerator<ExecEvent, void, undefined> {
    for await (const event of this.queue) {
      if (event.type === 'output') this.pressure.taken(event.lines);
      yield event;
    }
  }

  /** Stops timers and listeners; kills the remote command if iteration stopped while it still runs. */
  async dispose(): Promise<void> {
    if (!this.channelClosed && this.outcome !== 'failed' && this.conn.alive) this.terminate({ kind: 'cancelled' });
    await this.ending?.killing;
    this.cleanup();
  }

  private output(stream: OutputStream, lines: string[]): void {
    const shown = stream === 'stderr' ? this.wrapper.filter(lines) : lines;
    if (shown.length === 0 || this.outcome !== 'running') return;
    for (let i = 0; i < shown.length; i += MAX_BATCH_LINES) {
      const batch = shown.slice(i, i + MAX_BATCH_LINES);
      this.queue.push({ type: 'output', stream, lines: batch });
      this.pressure.queued(batch);
    }
  }

  private onClose(): void {
    if (this.channelClosed) return;
    this.channelClosed = true;
    this.closed.resolve();
    clearTimeout(this.timer);
    this.output('stdout', this.splitters.stdout.flush());
    this.output('stderr', this.splitters.stderr.flush());
    if (this.outcome !== 'running') return;
    const setupError = this.setupError();
    if (setupError) return this.fail(setupError);
    const status = this.ending?.status ?? this.exit;
    // Closed without an exit status: the connection died under us.
    if (!status) {
      return this.fail(this.conn.lostError ?? new SshError('CONNECTION_LOST', 'the remote command ended without an exit status (connection lost?)'));
    }
    this.outcome = 'finished';
    this.queue.push({ type: 'exit', status });
    this.queue.close();
    this.cleanup();
  }

  private setupError(): InfraError | null {
    switch (this.wrapper.setupFailed) {
      case 'cwd':
        return new InfraError(`remote working directory ${this.o.cwd ?? ''} does not exist or is not accessible`);
      case 'env':
        return new InfraError(
          'the remote shell could not take the environment sent to it on stdin: is `dd` missing, does a login script (.bashrc) read stdin, or was the connection cut?',
        );
      case undefined:
        return null;
    }
  }

  private fail(err: Error): void {
    if (this.outcome !== 'running') return;
    this.outcome = 'failed';
    this.queue.fail(err);
    this.cleanup();
  }

  private cleanup(): void {
    this.settled.resolve();
    clearTimeout(this.timer);
    this.o.signal.removeEventListener('abort', this.onAbort);
    this.offLost();
  }

  /** Timeout or abort: kill the remote process group, then report `status` once the channel closes. */
  private terminate(status: Ending): void {
    if (this.ending || this.outcome !== 'running' || this.channelClosed) return;
    if (this.exit !== null) return; // already exited, close is on its way
    clearTimeout(this.timer);
    this.ending = { status, killing: this.killRemote() };
  }

  private async killRemote(): Promise<void> {
    const group = await this.wrapper.groupWithin(PGID_WAIT_MS, this.closed.promise);
    if (group && this.conn.alive) {
      try {
        const killer = await this.conn.exec(buildKillCommand(group));
        killer.resume();
        killer.stderr.resume();
        await settleWithin(new Promise<void>((resolve) => killer.on('close', () => resolve())), KILL_SETTLE_MS);
      } catch {
        /* connection lost: reported through onLost */
      }
    }
    if (this.channelClosed || this.outcome === 'failed') return;
    // Wait for the killed command's channel to close; if it does not, close it ourselves.
    const force = setTimeout(() => {
      try {
        this.channel.close();
      } catch {
        /* ignore */
      }
      this.onClose();
    }, KILL_SETTLE_MS);
    await this.settled.promise;
    clearTimeout(force);
  }
}

/** Pauses a channel while too much of its output waits for the consumer, resumes it once enough was taken. */
class ChannelPressure {
  private chars = 0;
  private paused = false;

  constructor(private readonly channel: ClientChannel) {}

  queued(lines: readonly string[]): void {
    this.chars += charsOf(lines);
    if (this.paused || this.chars <= HIGH_WATER_CHARS) return;
    this.paused = true;
    this.channel.pause();
    this.channel.stderr.pause();
  }

  taken(lines: readonly string[]): void {
    this.chars -= charsOf(lines);
    if (!this.paused || this.chars >= LOW_WATER_CHARS) return;
    this.paused = false;
    this.channel.resume();
    this.channel.stderr.resume();
  }
}

function charsOf(lines: readonly string[]): number {
  let n = 0;
  for (const l of lines) n += l.length + 1;
  return n;
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
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
