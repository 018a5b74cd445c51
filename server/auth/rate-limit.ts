/**
 * Slows down guessing: after `freeAttempts` failures for a key (a client
 * address), each further attempt must wait twice as long as the last, up to
 * `maxDelayMs`. A success clears the key. Memory is bounded by `maxKeys`.
 */
export class FailureLimiter {
  private readonly failures = new Map<string, { count: number; until: number }>();

  constructor(
    private readonly o: { freeAttempts: number; baseDelayMs: number; maxDelayMs: number; maxKeys?: number },
    private readonly now: () => number = Date.now,
  ) {}

  /** Milliseconds the key must still wait; 0 when it may try now. */
  waitMs(key: string): number {
    const f = this.failures.get(key);
    return f ? Math.max(0, f.until - this.now()) : 0;
  }

  fail(key: string): void {
    const f = this.failures.get(key) ?? { count: 0, until: 0 };
    f.count++;
    const over = f.count - this.o.freeAttempts;
    f.until = over > 0 ? this.now() + Math.min(this.o.maxDelayMs, this.o.baseDelayMs * 2 ** (over - 1)) : 0;
    this.failures.delete(key);
    this.failures.set(key, f);
    this.trim();
  }

  succeed(key: string): void {
    this.failures.delete(key);
  }

  private trim(): void {
    const max = this.o.maxKeys ?? 10_000;
    while (this.failures.size > max) {
      const oldest = this.failures.keys().next().value;
      if (oldest === undefined) return;
      this.failures.delete(oldest);
    }
  }
}

/** At most `limit` events per key in any `windowMs` (sliding log); memory bounded by `maxKeys`. */
export class WindowLimiter {
  private readonly hits = new Map<string, number[]>();

  constructor(
    private readonly o: { limit: number; windowMs: number; maxKeys?: number },
    private readonly now: () => number = Date.now,
  ) {}

  /** Records a hit; false when the key is over its limit (the hit is not counted). */
  take(key: string): boolean {
    const t = this.now();
    const recent = (this.hits.get(key) ?? []).filter((h) => h > t - this.o.windowMs);
    if (recent.length >= this.o.limit) {
      this.hits.set(key, recent);
      return false;
    }
    recent.push(t);
    this.hits.delete(key);
    this.hits.set(key, recent);
    while (this.hits.size > (this.o.maxKeys ?? 10_000)) {
      const oldest = this.hits.keys().next().value;
      if (oldest === undefined) break;
      this.hits.delete(oldest);
    }
    return true;
  }
}
