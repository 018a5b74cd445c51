import type net from 'node:net';
import { performance } from 'node:perf_hooks';
import type { ClientChannel } from 'ssh2';
import type { EngineEvent } from '../events';
import type { TransferPhaseSpec } from '../recipe';
import type { SshConnection } from '../ssh/connection';
import { opensSshConnections } from '../executors/ssh';
import { quotePosix } from '../ssh/shell-quote';
import { type ExecEvent, type ExitStatus, type PhaseOutcome, UserInputError } from '../types';
import type { PhaseContext } from './context';
import { openPayload, type Payload, SocketBatcher, tuneForBulkData } from './transfer-payload';
import {
  connectionErrorDetail,
  CopyMeter,
  copyLine,
  type CopyOutcome,
  type CopySummary,
  formatMiB,
  formatSeconds,
  formatSize,
  phaseSummaryLine,
  rateStats,
  sinkErrorDetail,
  stallDetail,
  timeoutDetail,
  type TransferSample,
} from './transfer-stats';

/** How often the bytes sent on the socket are read. */
export const SAMPLE_INTERVAL_MS = 250;
/** Most stderr of the sink command kept for the failure message. */
const STDERR_TAIL_CHARS = 2000;

/** The remote sink: `exec cat > PATH` (the path quoted for the remote shell). */
export function sinkCommand(sink: string): string {
  return `exec cat > ${quotePosix(sink)}`;
}

/**
 * Bytes of the connection the kernel has accepted: `bytesWritten` counts what
 * is still queued in Node too (ssh2 writes a whole channel window at once), so
 * the queued part is taken off. This moves smoothly with the link, not in
 * window-sized jumps.
 */
export function socketBytesSent(socket: net.Socket): number {
  return (socket.bytesWritten ?? 0) - socket.writableLength;
}

function failureOutcome(onFailure: TransferPhaseSpec['onFailure']): PhaseOutcome {
  return onFailure === 'exitcode' ? 'bad' : onFailure;
}

/**
 * The `transfer` phase: copies the payload to the host `copies` times over one
 * SSH connection of its own, a new channel per copy running `cat > SINK`.
 * Samples throughput from the socket every SAMPLE_INTERVAL_MS and emits them
 * (`copyStarted`, `transferSample`, `copyFinished`). The first copy that
 * stalls, times out or fails ends the phase: its connection is torn down (a
 * stalled TCP connection is destroyed, not politely closed), later copies are
 * not attempted, and `onFailure` decides what that means. Not reaching the
 * host at all is an infrastructure error (thrown), not a verdict.
 */
export async function* runTransferPhase(phase: TransferPhaseSpec, ctx: PhaseContext): AsyncGenerator<ExecEvent, void, undefined> {
  const executor = ctx.executor;
  if (!opensSshConnections(executor)) {
    throw new UserInputError(`transfer phase "${phase.name}" copies over SSH, and "${phase.on}" is not an SSH host`, 'recipe');
  }
  const payload = await openPayload(phase, ctx.worktree);
  const step = ctx.step;
  const phaseIndex = ctx.phase ?? 0;
  const stallMs = phase.stallSec * 1000;
  const copyTimeoutMs = phase.copyTimeoutSec * 1000;
  const started = performance.now();

  // One controller for cancel and the phase's own timeout.
  const stop = new AbortController();
  let stopStatus: ExitStatus | null = null;
  const onCancel = () => {
    stopStatus ??= { kind: 'cancelled' };
    stop.abort();
  };
  if (ctx.signal.aborted) onCancel();
  ctx.signal.addEventListener('abort', onCancel, { once: true });
  const phaseTimer = setTimeout(() => {
    stopStatus ??= { kind: 'timedOut', afterMs: Math.round(performance.now() - started) };
    stop.abort();
  }, Math.min(phase.timeoutSec * 1000, 2 ** 31 - 1));

  const events = new EventPipe(ctx.emit);
  let conn: SshConnection | undefined;
  let clean = false;
  try {
    yield out(
      `copying ${formatMiB(payload.bytes)} (${payload.label}) to ${phase.on}:${phase.sink}, ${phase.copies} ` +
        `time${phase.copies === 1 ? '' : 's'}; a copy fails after ${formatSeconds(stallMs)} without progress ` +
        `or ${formatSeconds(copyTimeoutMs)} in all`,
    );
    try {
      conn = await executor.openConnection({
        signal: stop.signal,
        // Keepalives must not beat the stall window to it: a stall is what this phase reports.
        keepaliveIntervalMs: Math.max(5000, stallMs),
        keepaliveCountMax: 2,
      });
    } catch (err) {
      if (stopStatus) {
        yield { type: 'exit', status: stopStatus };
        return;
      }
      throw err;
    }
    const link = conn;
    tuneForBulkData(link);
    const summaries: CopySummary[] = [];
    for (let copy = 1; copy <= phase.copies; copy++) {
      await events.send({
        type: 'copyStarted',
        step,
        phase: phaseIndex,
        copy,
        copies: phase.copies,
        payloadBytes: payload.bytes,
        stallSec: phase.stallSec,
        copyTimeoutSec: phase.copyTimeoutSec,
      });
      const result = await runCopy({
        conn: link,
        payload,
        command: sinkCommand(phase.sink),
        copy,
        copies: phase.copies,
        stallMs,
        timeoutMs: copyTimeoutMs,
        signal: stop.signal,
        onSamples: (samples) => events.sample({ type: 'transferSample', step, phase: phaseIndex, copy, samples }),
      });
      await events.drain();
      if (result === 'stopped') {
        yield { type: 'exit', status: stopStatus ?? { kind: 'cancelled' } };
        return;
      }
      summaries.push(result);
      if (result.outcome !== 'ok') {
        // Tear the connection down before anything else: a stalled link must not hold it.
        tearDown(link, false);
        conn = undefined;
      }
      await events.send({ type: 'copyFinished', step, phase: phaseIndex, ...result });
      yield out(copyLine(result), result.outcome === 'ok' ? 'stdout' : 'stderr');
      if (result.outcome === 'ok' && copy < phase.copies && phase.copiesAreRuns && ctx.moreRuns && !ctx.moreRuns()) {
        yield out(`stopping after copy ${copy}/${phase.copies}: each copy is a run, and the next run is worth more on another commit`);
        break;
      }
      if (result.outcome !== 'ok') {
        yield out(phaseSummaryLine(summaries));
        yield {
          type: 'exit',
          status: { kind: 'exited', code: 1 },
          decision: { outcome: failureOutcome(phase.onFailure), reason: `copy ${result.copy}/${result.copies} ${result.detail}` },
        };
        return;
      }
    }
    clean = true;
    yield out(phaseSummaryLine(summaries));
    yield { type: 'exit', status: { kind: 'exited', code: 0 } };
  } finally {
    clearTimeout(phaseTimer);
    ctx.signal.removeEventListener('abort', onCancel);
    if (conn) tearDown(conn, clean);
    await events.drain().catch(() => undefined);
  }
}

function out(line: string, stream: 'stdout' | 'stderr' = 'stdout'): ExecEvent {
  return { type: 'output', stream, lines: [line] };
}

/**
 * Closes the phase's connection. After a failure the TCP socket is destroyed
 * at once: on a hung link a polite close would wait for the peer forever. The
 * host's sshd ends the remote `cat` when it sees the connection go (or, if the
 * link is down, when it comes back and gets a reset).
 */
function tearDown(conn: SshConnection, clean: boolean): void {
  conn.close();
  if (!clean) conn.socket.destroy();
}

/**
 * Emits the phase's events in order without holding the copy back: samples
 * are sent as they come, batched while a previous send is still being stored.
 * An emit failure (the store is down) is rethrown by the next `send`/`drain`.
 */
class EventPipe {
  private chain: Promise<void> = Promise.resolve();
  private pending: Extract<EngineEvent, { type: 'transferSample' }> | null = null;
  private inFlight = false;
  private failure: unknown = null;

  constructor(private readonly emit: ((event: EngineEvent) => void | Promise<void>) | undefined) {}

  sample(e: Extract<EngineEvent, { type: 'transferSample' }>): void {
    if (!this.emit || this.failure) return;
    if (this.pending && this.pending.copy === e.copy) this.pending.samples.push(...e.samples);
    else {
      if (this.pending) this.enqueue(this.pending);
      this.pending = { ...e, samples: [...e.samples] };
    }
    if (!this.inFlight) this.flushPending();
  }

  async send(e: EngineEvent): Promise<void> {
    if (this.pending) this.flushPending();
    this.enqueue(e);
    await this.drain();
  }

  async drain(): Promise<void> {
    if (this.pending) this.flushPending();
    await this.chain;
    if (this.pending) return this.drain();
    if (this.failure) throw this.failure;
  }

  private flushPending(): void {
    const e = this.pending;
    this.pending = null;
    if (e) this.enqueue(e);
  }

  private enqueue(e: EngineEvent): void {
    const emit = this.emit;
    if (!emit) return;
    this.inFlight = true;
    this.chain = this.chain
      .then(() => emit(e))
      .catch((err: unknown) => {
        this.failure ??= err;
      })
      .finally(() => {
        this.inFlight = false;
        if (this.pending && !this.failure) this.flushPending();
      });
  }
}

interface CopyOptions {
  conn: SshConnection;
  payload: Payload;
  command: string;
  copy: number;
  copies: number;
  stallMs: number;
  timeoutMs: number;
  signal: AbortSignal;
  onSamples: (samples: TransferSample[]) => void;
}

/**
 * One copy on its own channel. Resolves with the copy's summary, or
 * `'stopped'` when the phase was cancelled or timed out meanwhile.
 */
function runCopy(o: CopyOptions): Promise<CopySummary | 'stopped'> {
  const total = o.payload.bytes;
  const socket = o.conn.socket;
  const base = socketBytesSent(socket);
  const sent = () => socketBytesSent(socket) - base;
  const t0 = performance.now();
  const elapsed = () => performance.now() - t0;
  const meter = new CopyMeter({ totalBytes: total, stallMs: o.stallMs });
  const copyDone = new AbortController();
  const batcher = new SocketBatcher(socket);

  return new Promise((resolve) => {
    let channel: ClientChannel | undefined;
    let exitCode: number | null = null;
    let exitSignal: string | null = null;
    let stderr = '';
    let allWritten = false;
    let settled = false;

    const settle = (): boolean => {
      if (settled) return false;
      settled = true;
      clearInterval(timer);
      offLost();
      o.signal.removeEventListener('abort', onStop);
      copyDone.abort();
      batcher.stop();
      return true;
    };

    const end = (outcome: CopyOutcome, detail: (atBytes: number, ms: number) => string) => {
      const ms = elapsed();
      if (!settle()) return;
      // A last sample at the end, so the graph and min/max cover the whole copy.
      meter.read(ms, outcome === 'ok' ? total : sent());
      o.onSamples([meter.samples[meter.samples.length - 1] as TransferSample]);
      const bytes = outcome === 'ok' ? total : meter.bytes;
      const wholeMs = Math.max(1, Math.round(ms));
      if (outcome !== 'ok') {
        try {
          channel?.close();
        } catch {
          /* the connection is going anyway */
        }
      }
      resolve({
        copy: o.copy,
        copies: o.copies,
        bytes,
        payloadBytes: total,
        ms: wholeMs,
        ...rateStats(meter.samples, bytes, wholeMs),
        outcome,
        detail: outcome === 'ok' ? '' : detail(bytes, wholeMs),
      });
    };

    const onStop = () => {
      if (settle()) resolve('stopped');
    };

    const timer = setInterval(() => {
      const ms = elapsed();
      o.onSamples([meter.read(ms, sent())]);
      if (meter.stalled(ms)) {
        const at = meter.lastProgress.bytes;
        end('stalled', () => stallDetail(at, o.stallMs));
      } else if (ms >= o.timeoutMs) {
        end('timedOut', (at) => timeoutDetail(at, total, o.timeoutMs));
      }
    }, SAMPLE_INTERVAL_MS);

    const offLost = o.conn.onLost((err) => end('connectionError', (at, ms) => connectionErrorDetail(at, ms, err.message)));
    o.signal.addEventListener('abort', onStop, { once: true });
    if (o.signal.aborted) onStop();

    o.conn.exec(o.command).then(
      (ch) => {
        if (settled) {
          ch.close();
          return;
        }
        channel = ch;
        ch.on('exit', (code: number | null, sig?: string) => {
          if (typeof code === 'number') exitCode = code;
          else if (sig) exitSignal = sig;
        });
        ch.on('error', () => {
          /* reported through close / connection loss */
        });
        ch.stderr.on('data', (d: Buffer) => {
          stderr = (stderr + d.toString('utf8')).slice(-STDERR_TAIL_CHARS);
        });
        ch.on('data', () => {
          /* cat prints nothing; keep the stream flowing */
        });
        ch.on('close', () => {
          if (exitCode === 0 && allWritten) end('ok', () => '');
          else if (exitCode !== null || exitSignal !== null) {
            const how = exitCode !== null ? `exited with ${exitCode}` : `was killed by ${exitSignal ?? '?'}`;
            const why = allWritten || exitCode !== 0 ? how : `${how} before the copy was complete`;
            end('sinkError', (at) => sinkErrorDetail(at, why, stderr));
          } else {
            const message = o.conn.lostError?.message ?? 'the channel closed without an exit status';
            end('connectionError', (at, ms) => connectionErrorDetail(at, ms, message));
          }
        });
        o.payload.pump(ch, batcher, copyDone.signal).then(
          (complete) => {
            if (!complete) return;
            allWritten = true;
            ch.end(); // EOF: cat exits 0 once everything arrived
          },
          (err: unknown) => end('sinkError', (at) => `failed at ${formatSize(at)}: cannot read the payload: ${(err as Error).message}`),
        );
      },
      (err: unknown) => end('connectionError', (at, ms) => connectionErrorDetail(at, ms, (err as Error).message)),
    );
  });
}
