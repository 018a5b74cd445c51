import type { StoredEvent } from '../db/schema';

/** Most batches a subscriber may have waiting before it is told to re-read the DB. */
const MAX_PENDING = 256;

export interface Subscription {
  /** Waits for batches; returns `overflow` when the subscriber fell behind and must backfill. */
  next(): Promise<StoredEvent[] | 'overflow' | 'aborted'>;
  close(): void;
}

/**
 * Fans stored events out to live subscribers. Events are published only after
 * they are stored, so "subscribe, then backfill from the DB" misses nothing.
 * Buffers are bounded: a slow subscriber is marked overflowed and re-reads the DB.
 */
export class EventBus {
  private readonly subs = new Map<string, Set<Subscriber>>();

  publish(sessionId: string, batch: StoredEvent[]): void {
    for (const s of this.subs.get(sessionId) ?? []) s.push(batch);
  }

  /** Subscribes until `signal` aborts (one abort listener per subscription). */
  subscribe(sessionId: string, signal: AbortSignal): Subscription {
    const sub = new Subscriber(signal, () => {
      const set = this.subs.get(sessionId);
      set?.delete(sub);
      if (set?.size === 0) this.subs.delete(sessionId);
    });
    let set = this.subs.get(sessionId);
    if (!set) this.subs.set(sessionId, (set = new Set()));
    set.add(sub);
    return sub;
  }

  subscriberCount(sessionId: string): number {
    return this.subs.get(sessionId)?.size ?? 0;
  }
}

class Subscriber implements Subscription {
  private pending: StoredEvent[][] = [];
  private overflowed = false;
  private wake: (() => void) | null = null;

  constructor(
    private readonly signal: AbortSignal,
    private readonly onClose: () => void,
  ) {
    signal.addEventListener('abort', () => this.wake?.(), { once: true });
  }

  push(batch: StoredEvent[]): void {
    if (this.overflowed) return;
    if (this.pending.length >= MAX_PENDING) {
      this.pending = [];
      this.overflowed = true;
    } else this.pending.push(batch);
    this.wake?.();
  }

  async next(): Promise<StoredEvent[] | 'overflow' | 'aborted'> {
    while (!this.signal.aborted) {
      if (this.overflowed) {
        this.overflowed = false;
        return 'overflow';
      }
      if (this.pending.length > 0) return this.pending.splice(0).flat();
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = null;
    }
    return 'aborted';
  }

  close(): void {
    this.pending = [];
    this.onClose();
  }
}
