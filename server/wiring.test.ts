import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { FencedError, listEventsAfter } from '../db/queries/events';
import { claimSession } from '../db/queries/runners';
import type { DbHandle } from '../db/client';
import type { StoredEvent } from '../db/schema';
import { dbKind, openTestDb } from '../test/db';
import { insertTestSession, outputLines } from '../test/sessions';
import { EventBus } from './bus';
import type { EngineEvent } from './engine/events';
import { MAX_LINES_PER_BATCH, SessionRecorder } from './wiring';

let h: DbHandle;
beforeAll(async () => {
  h = await openTestDb();
});
afterAll(async () => {
  await h?.close();
});
afterEach(() => {
  vi.useRealTimers();
});

const recipe = { phases: [{ name: 't', kind: 'script' as const, run: 'true' }] };
const out = (from: number, n: number): EngineEvent => ({
  type: 'output',
  step: 1,
  phase: 0,
  stream: 'stdout',
  lines: Array.from({ length: n }, (_, i) => `line ${from + i}`),
});

/** A recorder on a fresh session and every batch it publishes. */
async function recorder(fence = false) {
  const id = await insertTestSession(h.db, recipe);
  const bus = new EventBus();
  const published: StoredEvent[][] = [];
  bus.publish = (_id, batch) => void published.push(batch);
  const claim = fence ? ((await claimSession(h.db, id, 'runner-a', 60_000)) ?? undefined) : undefined;
  return { id, published, claim, rec: new SessionRecorder(h.db, bus, id, 0, [], claim ? { fence: claim } : {}) };
}

describe(`SessionRecorder (${dbKind()})`, () => {
  it('stores and publishes the first output of a quiet period without waiting for a timer', async () => {
    const { rec, published } = await recorder();
    vi.useFakeTimers({ toFake: ['setTimeout', 'setInterval'] }); // a timer-driven flush would never fire
    await rec.emit(out(0, 3));
    await vi.waitFor(() => expect(published).toHaveLength(1), { timeout: 5000, interval: 5 });
    expect(outputLines(published.flat())).toEqual(['line 0', 'line 1', 'line 2']);
  });

  it('groups output that arrives while a write is in flight into the next write, in order, numbered without gaps', async () => {
    const { id, rec, published } = await recorder();
    await rec.emit(out(0, 1));
    await new Promise((r) => setImmediate(r)); // the first write has started
    for (let i = 1; i < 40; i++) await rec.emit(out(i, 1));
    await rec.emit({ type: 'log', level: 'info', message: 'after the output' });
    // One write for the first line, one (or a few, never one per line) for the 39 behind it.
    expect(published.length).toBeGreaterThanOrEqual(2);
    expect(published.length).toBeLessThan(10);
    expect(published[0]?.map((e) => e.seq)).toEqual([1]);
    const stored = await listEventsAfter(h.db, id, 0, 100);
    expect(stored.map((e) => e.seq)).toEqual(stored.map((_, i) => i + 1));
    expect(published.flat().map((e) => e.seq)).toEqual(stored.map((e) => e.seq));
    expect(outputLines(stored)).toEqual(Array.from({ length: 40 }, (_, i) => `line ${i}`));
    expect(stored.at(-1)?.payload.type).toBe('log');
  });

  it(`cuts output into stored events of at most ${MAX_LINES_PER_BATCH} lines, and holds the engine back once 20,000 lines wait`, async () => {
    const { id, rec } = await recorder();
    await rec.emit(out(0, 20_000)); // resolves only once stored: no flush needed
    const stored = await listEventsAfter(h.db, id, 0, 100);
    expect(stored.map((e) => (e.payload.type === 'output' ? e.payload.lines.length : 0))).toEqual(Array(20).fill(MAX_LINES_PER_BATCH));
    expect(outputLines(stored).at(-1)).toBe('line 19999');
  });

  it('stores a staged event in the same write as the next emitted one, in order', async () => {
    const { id, rec, published } = await recorder();
    rec.stage({ type: 'log', level: 'info', message: 'staged' });
    expect(published).toHaveLength(0); // nothing written for a staged event alone
    await rec.emit({ type: 'log', level: 'info', message: 'emitted' });
    expect(published).toHaveLength(1);
    expect(published[0]?.map((e) => [e.seq, (e.payload as { message?: string }).message])).toEqual([
      [1, 'staged'],
      [2, 'emitted'],
    ]);
    expect((await listEventsAfter(h.db, id, 0, 100)).map((e) => e.seq)).toEqual([1, 2]);
  });

  it("refuses a stale runner's writes: the batch is not stored, and every later emit fails", async () => {
    const { id, rec, published, claim } = await recorder(true);
    await rec.emit({ type: 'log', level: 'info', message: 'owned' });
    await claimSession(h.db, id, 'runner-a', -1); // the lease lapsed
    expect(await claimSession(h.db, id, 'runner-b', 60_000)).not.toBeNull();
    expect(claim).toBeDefined();
    await rec.emit(out(0, 5));
    await expect(rec.flush()).rejects.toBeInstanceOf(FencedError);
    await expect(rec.emit({ type: 'log', level: 'info', message: 'stale' })).rejects.toBeInstanceOf(FencedError);
    expect((await listEventsAfter(h.db, id, 0, 100)).map((e) => e.payload.type)).toEqual(['log']);
    expect(published).toHaveLength(1);
  });
});
