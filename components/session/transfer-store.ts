import type { ChartCopy } from '@/components/charts/transfer-data';
import type { EngineEvent } from '@/server/engine/events';

/** Samples kept per copy; beyond it every other sample is dropped (a 4/s copy keeps an hour at full detail). */
export const MAX_SAMPLES_PER_COPY = 14_400;
/** Samples kept in all; beyond it the oldest phases lose their samples (their summaries stay). */
export const MAX_SAMPLES_TOTAL = 400_000;

export type TransferEvent = Extract<EngineEvent, { type: 'copyStarted' | 'transferSample' | 'copyFinished' }>;

export function isTransferEvent(e: EngineEvent): e is TransferEvent {
  return e.type === 'copyStarted' || e.type === 'transferSample' || e.type === 'copyFinished';
}

/**
 * Copies of a session's transfer phases as received from the event stream,
 * bounded. Updates replace the copy and list objects they touch (never
 * mutate them), so components can memoise on identity and charts see new data.
 */
export class TransferStore {
  private readonly phases = new Map<string, ChartCopy[]>();
  private readonly listeners = new Set<() => void>();
  private total = 0;

  /** Called after every change (the graphs subscribe, throttled, so only they re-render on samples). */
  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(): void {
    for (const l of this.listeners) l();
  }

  apply(e: TransferEvent): void {
    const key = `${e.step}:${e.phase}`;
    const list = this.phases.get(key) ?? [];
    const i = list.findIndex((c) => c.copy === e.copy);
    const old = i >= 0 ? list[i] : undefined;
    let next: ChartCopy;
    switch (e.type) {
      case 'copyStarted':
        if (old) this.total -= old.samples.length;
        next = {
          copy: e.copy,
          copies: e.copies,
          payloadBytes: e.payloadBytes,
          stallSec: e.stallSec,
          copyTimeoutSec: e.copyTimeoutSec,
          outcome: 'running',
          detail: '',
          meanMBps: null,
          ms: null,
          samples: [],
        };
        break;
      case 'transferSample': {
        if (!old) return; // samples of a copy whose start we never saw
        let samples = old.samples.concat(e.samples);
        this.total += e.samples.length;
        if (samples.length > MAX_SAMPLES_PER_COPY) {
          const kept = samples.filter((_, j) => j % 2 === 1 || j === samples.length - 1);
          this.total -= samples.length - kept.length;
          samples = kept;
        }
        next = { ...old, samples };
        break;
      }
      case 'copyFinished':
        next = {
          ...(old ?? { copies: e.copies, payloadBytes: e.payloadBytes, stallSec: 0, copyTimeoutSec: 0, samples: [] }),
          copy: e.copy,
          outcome: e.outcome,
          detail: e.detail,
          meanMBps: e.meanMBps,
          ms: e.ms,
        };
        break;
    }
    const updated = i >= 0 ? list.map((c, j) => (j === i ? next : c)) : [...list, next].sort((a, b) => a.copy - b.copy);
    this.phases.delete(key); // re-insert: the map's order is least recently updated first
    this.phases.set(key, updated);
    this.trim(key);
    this.changed();
  }

  /** Copies of one transfer phase, in copy order (the same array until it changes). */
  get(step: number, phase: number): ChartCopy[] | undefined {
    return this.phases.get(`${step}:${phase}`);
  }

  /** Replaces a phase's copies with stored ones (backfill from `sessions.samples`). */
  load(step: number, phase: number, copies: ChartCopy[]): void {
    const key = `${step}:${phase}`;
    for (const c of this.phases.get(key) ?? []) this.total -= c.samples.length;
    for (const c of copies) this.total += c.samples.length;
    this.phases.delete(key);
    this.phases.set(key, copies);
    this.trim(key);
    this.changed();
  }

  get sampleCount(): number {
    return this.total;
  }

  private trim(keep: string): void {
    for (const [key, list] of this.phases) {
      if (this.total <= MAX_SAMPLES_TOTAL) return;
      if (key === keep) continue;
      for (const c of list) this.total -= c.samples.length;
      this.phases.set(
        key,
        list.map((c) => ({ ...c, samples: [] })),
      );
    }
  }
}
