import { recordEvents, type NumberedEvent, type RecordOptions } from '../db/queries/events';
import type { Db } from '../db/client';
import type { StoredEvent } from '../db/schema';
import type { EngineEvent, EventSink } from './engine/events';
import type { EventBus } from './bus';
import { Redactor } from './secrets/redactor';

/** Most lines in one stored output event. */
export const MAX_LINES_PER_BATCH = 1000;
/** How long output may wait before it is stored and sent. */
export const FLUSH_INTERVAL_MS = 50;
/** Lines waiting to be stored before the engine (and so the command) is held back. */
const MAX_PENDING_LINES = 20_000;

type OutputEvent = Extract<EngineEvent, { type: 'output' }>;

/**
 * The one place engine events become stored rows and live updates. Assigns the
 * per-session sequence, batches output (≤ MAX_LINES_PER_BATCH lines, flushed
 * every FLUSH_INTERVAL_MS), stores each batch in one transaction, then publishes
 * it. Structural events are stored before `emit` resolves.
 */
export class SessionRecorder implements EventSink {
  private seq: number;
  private queue: EngineEvent[] = [];
  private open: OutputEvent | null = null;
  private pendingLines = 0;
  private timer: NodeJS.Timeout | null = null;
  private writing: Promise<void> = Promise.resolve();
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
      else this.timer ??= setTimeout(() => void this.flush().catch(() => undefined), FLUSH_INTERVAL_MS);
      return;
    }
    this.seal();
    this.queue.push(event);
    await this.flush();
  }

  /** Stores everything buffered so far. */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.seal();
    const batch = this.queue.splice(0).map((event) => ({ seq: ++this.seq, event }));
    this.pendingLines = 0;
    this.writing = this.writing.then(() => this.write(batch));
    return this.writing;
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

/**
 * The event as it is stored: every secret replaced, in output lines and in any
 * other text, and output lines cut to the stored length after redaction (a
 * secret across the cut keeps no prefix).
 */
function storable(e: EngineEvent, redactor: Redactor): EngineEvent {
  if (e.type === 'output') return { ...e, lines: e.lines.map((l) => redactor.line(l)) };
  return redactor.deep(e);
}
