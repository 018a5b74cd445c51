import { recordEvents, type NumberedEvent, type RecordOptions } from '../db/queries/events';
import type { Db } from '../db/client';
import type { StoredEvent } from '../db/schema';
import type { EngineEvent, EventSink } from './engine/events';
import type { EventBus } from './bus';
import { Redactor } from './secrets/redactor';

/** Most lines in one stored output event. */
export const MAX_LINES_PER_BATCH = 1000;
/** Lines waiting to be stored before the engine (and so the command) is held back. */
const MAX_PENDING_LINES = 20_000;

type OutputEvent = Extract<EngineEvent, { type: 'output' }>;

/**
 * The one place engine events become stored rows and live updates. Assigns the
 * per-session sequence, stores events in batches (output cut into events of
 * ≤ MAX_LINES_PER_BATCH lines), each batch in one transaction, then publishes
 * it. Structural events are stored before `emit` resolves.
 *
 * Group commit, no timer: output that arrives while nothing is being written
 * starts a write at once (after the current I/O callbacks, so lines read
 * together are stored together); output that arrives during a write waits and
 * goes in the next one. A line waits at most for the write in flight plus its
 * own, and the number of writes adapts to how fast the DB is.
 */
export class SessionRecorder implements EventSink {
  private seq: number;
  private queue: EngineEvent[] = [];
  private open: OutputEvent | null = null;
  private pendingLines = 0;
  /** The write in flight (resolved when none). */
  private writing: Promise<void> = Promise.resolve();
  private busy = false;
  /** Settles when everything queued now (not yet in a write) is stored. */
  private nextRound: Round | null = null;
  private scheduled = false;
  private failure: unknown = null;
  private readonly redactor: Redactor;

  constructor(
    private readonly db: Db,
    private readonly bus: EventBus,
    private readonly sessionId: string,
    lastSeq: number,
    /** Values that must never be stored: replaced in every event before it is written (each line of a multi-line one too). */
    secrets: readonly string[] = [],
    /** The owner's claim (writes are refused once another runner took the session) and cross-process notification. */
    private readonly record: RecordOptions = {},
  ) {
    this.seq = lastSeq;
    this.redactor = new Redactor(secrets);
  }

  async emit(raw: EngineEvent): Promise<void> {
    if (this.failure) throw this.failure;
    const event = storable(raw, this.redactor);
    if (event.type === 'output') {
      this.addOutput(event);
      if (this.pendingLines >= MAX_PENDING_LINES) await this.flush();
      else this.scheduleOutput();
      return;
    }
    this.seal();
    this.queue.push(event);
    await this.flush();
  }

  /**
   * Queues a structural event for the next write (the next emit of a
   * structural event, an output write or a flush stores it, in order): two
   * events the engine sends back to back share one transaction.
   */
  stage(raw: EngineEvent): void {
    if (this.failure) throw this.failure;
    const event = storable(raw, this.redactor);
    if (event.type === 'output') {
      this.addOutput(event);
      this.scheduleOutput();
      return;
    }
    this.seal();
    this.queue.push(event);
  }

  /** Resolves when everything emitted so far is stored (rejects once a write failed). */
  flush(): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.queue.length === 0 && !this.open) return this.writing;
    const round = (this.nextRound ??= newRound());
    if (!this.busy) void this.pump();
    return round.promise;
  }

  /** Output starts a write after this turn's I/O callbacks, unless one is in flight (then it joins the next). */
  private scheduleOutput(): void {
    if (this.busy) {
      this.nextRound ??= newRound();
      return;
    }
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      void this.flush().catch(() => undefined);
    });
  }

  /** Writes rounds back to back while anything is queued: one write in flight at a time. */
  private async pump(): Promise<void> {
    this.busy = true;
    try {
      for (let round = this.nextRound; round; round = this.nextRound) {
        this.nextRound = null;
        this.seal();
        const batch = this.queue.splice(0).map((event) => ({ seq: ++this.seq, event }));
        this.pendingLines = 0;
        this.writing = this.write(batch);
        try {
          await this.writing;
          round.resolve();
        } catch (error) {
          round.reject(error);
          this.failRound(error);
          return;
        }
      }
    } finally {
      this.busy = false;
    }
  }

  /** After a failed write: whoever waits for the next round learns of the failure. */
  private failRound(error: unknown): void {
    this.nextRound?.reject(error);
    this.nextRound = null;
    this.writing = Promise.resolve();
  }

  private addOutput(e: OutputEvent): void {
    this.pendingLines += e.lines.length;
    let lines = e.lines;
    while (lines.length > 0) {
      const o = this.open;
      if (!o || o.step !== e.step || o.phase !== e.phase || o.stream !== e.stream || o.lines.length >= MAX_LINES_PER_BATCH) {
        this.seal();
        this.open = { ...e, lines: [] };
        continue;
      }
      const room = MAX_LINES_PER_BATCH - o.lines.length;
      o.lines.push(...lines.slice(0, room));
      lines = lines.slice(room);
    }
  }

  private seal(): void {
    if (this.open && this.open.lines.length > 0) this.queue.push(this.open);
    this.open = null;
  }

  private async write(batch: NumberedEvent[]): Promise<void> {
    if (batch.length === 0) return;
    try {
      await recordEvents(this.db, this.sessionId, batch, this.record);
    } catch (error) {
      this.failure = error;
      throw error;
    }
    const at = new Date();
    const stored: StoredEvent[] = batch.map(({ seq, event }) => ({
      sessionId: this.sessionId,
      seq,
      type: event.type,
      step: 'step' in event ? event.step : null,
      phase: 'phase' in event ? event.phase : null,
      payload: event,
      at,
    }));
    this.bus.publish(this.sessionId, stored);
  }
}

interface Round {
  promise: Promise<void>;
  resolve: () => void;
  reject: (error: unknown) => void;
}

function newRound(): Round {
  let resolve!: () => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)));
  promise.catch(() => undefined); // a round nobody awaits (output) must not be an unhandled rejection
  return { promise, resolve, reject };
}

/**
 * The event as it is stored: every secret replaced, in output lines and in any
 * other text, and output lines cut to the stored length after redaction (a
 * secret across the cut keeps no prefix).
 */
function storable(e: EngineEvent, redactor: Redactor): EngineEvent {
  if (e.type === 'output') return { ...e, lines: e.lines.map((l) => redactor.line(l)) };
  return redactor.deep(e);
}
