/**
 * A single-consumer async queue. `push` never blocks; producers that must not
 * outrun the consumer check `size` against their own bound and wait on
 * `drained()`. `close()` ends iteration after the buffered items; `fail(err)`
 * makes the consumer throw after them.
 */
export class AsyncQueue<T> implements AsyncIterable<T> {
  private items: T[] = [];
  private head = 0;
  private waiter: (() => void) | null = null;
  private drainWaiters: Array<() => void> = [];
  private closed = false;
  private error: unknown = null;

  get size(): number {
    return this.items.length - this.head;
  }

  push(item: T): void {
    if (this.closed) return;
    this.items.push(item);
    this.wake();
  }

  close(): void {
    this.closed = true;
    this.wake();
  }

  fail(error: unknown): void {
    this.error = error;
    this.close();
  }

  /** Resolves once the queue holds at most `atMost` items. */
  drained(atMost = 0): Promise<void> {
    if (this.size <= atMost || this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      const check = () => {
        if (this.size <= atMost || this.closed) resolve();
        else this.drainWaiters.push(check);
      };
      this.drainWaiters.push(check);
    });
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    for (;;) {
      if (this.size > 0) {
        const item = this.items[this.head] as T;
        this.items[this.head] = undefined as T;
        this.head++;
        if (this.head > 1024 && this.head * 2 > this.items.length) {
          this.items = this.items.slice(this.head);
          this.head = 0;
        }
        this.notifyDrain();
        yield item;
        continue;
      }
      if (this.closed) {
        if (this.error) throw this.error;
        return;
      }
      await new Promise<void>((resolve) => (this.waiter = resolve));
    }
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = null;
    w?.();
    if (this.closed) this.notifyDrain();
  }

  private notifyDrain(): void {
    const waiters = this.drainWaiters;
    this.drainWaiters = [];
    for (const w of waiters) w();
  }
}
