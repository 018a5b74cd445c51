import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EngineEvent } from '../events';
import { SshExecutor } from '../executors/ssh';
import { LocalExecutor } from '../executors/local';
import { transferPhaseSchema, type TransferPhaseSpec } from '../recipe';
import { startSshd, startTcpProxy, type TcpProxy, type TestHost } from '../testing/sshd';
import { testTarget } from '../testing/test-hosts';
import { isUserInputError, type ExecEvent, type Executor } from '../types';
import type { PhaseContext } from './context';
import { runTransferPhase, sinkCommand } from './transfer';
import { MiB } from './transfer-stats';

let host: TestHost;
let dir: string;
const closers: Array<() => unknown> = [];

beforeAll(async () => {
  host = await startSshd();
  dir = mkdtempSync(path.join(os.tmpdir(), 'bisect-transfer-'));
});

afterAll(async () => {
  for (const c of closers.reverse()) await c();
  await host?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

function executor(port = host.port): SshExecutor {
  const target = testTarget(host, { port, readyTimeoutMs: 5000, keepaliveIntervalMs: 1000 });
  const e = new SshExecutor(target, { name: 'guest' });
  closers.push(() => e.close());
  return e;
}

function spec(over: Record<string, unknown>): TransferPhaseSpec {
  return transferPhaseSchema.parse({ name: 'transfer', kind: 'transfer', on: 'guest', ...over });
}

interface Run {
  events: EngineEvent[];
  exec: ExecEvent[];
  exit: Extract<ExecEvent, { type: 'exit' }>;
  lines: string[];
  ms: number;
}

async function run(
  phase: TransferPhaseSpec,
  exec: Executor,
  signal = new AbortController().signal,
  onEvent?: (e: EngineEvent) => void,
): Promise<Run> {
  const events: EngineEvent[] = [];
  const ctx: PhaseContext = {
    sessionId: 's',
    step: 1,
    phase: 2,
    sha: 'a'.repeat(40),
    worktree: dir,
    terms: { old: 'good', new: 'bad' },
    envFile: path.join(dir, 'env'),
    stepEnv: {},
    executor: exec,
    signal,
    leaseFile: path.join(dir, 'lease'),
    emit: async (e) => {
      await new Promise((r) => setTimeout(r, 2)); // a store that takes a moment
      events.push(e);
      onEvent?.(e);
    },
  } as PhaseContext;
  const started = performance.now();
  const out: ExecEvent[] = [];
  for await (const e of runTransferPhase(phase, ctx)) out.push(e);
  const exit = out.at(-1);
  if (exit?.type !== 'exit') throw new Error('no exit event');
  return {
    events,
    exec: out,
    exit,
    lines: out.flatMap((e) => (e.type === 'output' ? e.lines : [])),
    ms: performance.now() - started,
  };
}

const of = <T extends EngineEvent['type']>(events: EngineEvent[], type: T) =>
  events.filter((e): e is Extract<EngineEvent, { type: T }> => e.type === type);

describe('transfer phase over a real sshd', () => {
  it('copies a generated payload N times to /dev/null, sampling throughput as it goes', async () => {
    const r = await run(spec({ copies: 3, bytes: 300 * MiB, stallSec: 5 }), executor());
    expect(r.exit.status).toEqual({ kind: 'exited', code: 0 });
    const finished = of(r.events, 'copyFinished');
    expect(finished.map((c) => [c.copy, c.copies, c.outcome, c.bytes])).toEqual([
      [1, 3, 'ok', 300 * MiB],
      [2, 3, 'ok', 300 * MiB],
      [3, 3, 'ok', 300 * MiB],
    ]);
    for (const c of finished) {
      expect(c.phase).toBe(2);
      expect(c.meanMBps).toBeGreaterThan(10);
      expect(c.maxMBps).toBeGreaterThanOrEqual(c.minMBps);
    }
    expect(of(r.events, 'copyStarted').map((e) => e.copy)).toEqual([1, 2, 3]);
    // Samples: in order, per copy, ending exactly at the payload size.
    for (const copy of [1, 2, 3]) {
      const samples = of(r.events, 'transferSample')
        .filter((e) => e.copy === copy)
        .flatMap((e) => e.samples);
      expect(samples.length).toBeGreaterThan(0);
      expect(samples.at(-1)?.bytes).toBe(300 * MiB);
      for (let i = 1; i < samples.length; i++) {
        expect(samples[i]!.t).toBeGreaterThan(samples[i - 1]!.t);
        expect(samples[i]!.bytes).toBeGreaterThanOrEqual(samples[i - 1]!.bytes);
      }
    }
    // Events come in copy order: started, samples, finished.
    const order = r.events.map((e) => `${e.type}:${'copy' in e ? e.copy : ''}`);
    expect(order.indexOf('copyFinished:1')).toBeLessThan(order.indexOf('copyStarted:2'));
    expect(order.lastIndexOf('transferSample:1')).toBeLessThan(order.indexOf('copyFinished:1'));
    expect(r.lines[0]).toMatch(/^copying 300 MiB \(generated\) to guest:\/dev\/null, 3 times/);
    expect(r.lines.filter((l) => /^copy \d\/3: 300 MiB in [\d.]+ s, [\d.]+ MB\/s$/.test(l))).toHaveLength(3);
    expect(r.lines.at(-1)).toMatch(/^3\/3 copies completed/);
  });

  it('samples often enough for a smooth graph (about every 250 ms, not in window-sized jumps)', async () => {
    // A 1.5 GiB copy takes a few seconds on loopback.
    const r = await run(spec({ copies: 1, bytes: 1536 * MiB }), executor());
    expect(r.exit.status).toEqual({ kind: 'exited', code: 0 });
    const samples = of(r.events, 'transferSample').flatMap((e) => e.samples);
    const c = of(r.events, 'copyFinished')[0]!;
    expect(samples.length).toBeGreaterThanOrEqual(Math.floor(c.ms / 250) - 1);
    const gaps = samples.slice(1).map((s, i) => s.t - samples[i]!.t);
    expect(Math.max(...gaps.slice(0, -1))).toBeLessThan(0.6);
  });

  it('writes each copy to a file sink, quoted for the remote shell', async () => {
    const sink = path.join(dir, "it's a sink.bin");
    const r = await run(spec({ copies: 2, bytes: 5 * MiB + 123, sink }), executor());
    expect(r.exit.status).toEqual({ kind: 'exited', code: 0 });
    expect(statSync(sink).size).toBe(5 * MiB + 123);
    expect(sinkCommand("/tmp/a b'c")).toBe(`exec cat > '/tmp/a b'\\''c'`);
  });

  it('copies a local file payload byte for byte', async () => {
    const src = path.join(dir, 'payload.bin');
    // Bigger than the phase's ring of read buffers, and different in every MiB: a reused buffer shows.
    const data = Buffer.alloc(9 * MiB + 7);
    for (let i = 0; i < data.length; i++) data[i] = (i * 7919 + (i >> 20) * 31) & 0xff;
    writeFileSync(src, data);
    const sink = path.join(dir, 'copy.bin');
    const r = await run(spec({ copies: 1, file: 'payload.bin', sink }), executor());
    expect(r.exit.status).toEqual({ kind: 'exited', code: 0 });
    expect(readFileSync(sink).equals(data)).toBe(true);
  });

  it('a file payload that shrinks between copies fails the copy with a clear reason, not a crash', async () => {
    const src = path.join(dir, 'shrinking.bin');
    writeFileSync(src, Buffer.alloc(12 * MiB, 1));
    const r = await run(spec({ copies: 3, file: 'shrinking.bin', onFailure: 'skip' }), executor(), undefined, (e) => {
      if (e.type === 'copyFinished' && e.copy === 1) truncateSync(src, 5 * MiB + 3);
    });
    const finished = of(r.events, 'copyFinished');
    expect(finished.map((c) => [c.copy, c.outcome])).toEqual([
      [1, 'ok'],
      [2, 'sinkError'],
    ]);
    expect(finished[1]?.detail).toMatch(/cannot read the payload: .*shrinking\.bin ended at byte 5242883 of 12582912 \(it changed during the copy\)/);
    expect(r.exit.decision).toMatchObject({ outcome: 'skip' });
  });

  it('a sink that cannot be written fails the copy with the remote error', async () => {
    const r = await run(spec({ copies: 3, bytes: 10 * MiB, sink: '/nonexistent/dir/x' }), executor());
    const [c, ...rest] = of(r.events, 'copyFinished');
    expect(rest).toHaveLength(0);
    expect(c?.outcome).toBe('sinkError');
    expect(c?.detail).toMatch(/No such file or directory/);
    expect(r.exit.decision?.outcome).toBe('bad');
  });

  it('a stall (the link stops forwarding after N bytes) is detected within the stall window + 1 s; later copies are not attempted', async () => {
    const proxy: TcpProxy = await startTcpProxy({ target: { host: '127.0.0.1', port: host.port }, stopAfterBytes: 60 * MiB });
    closers.push(() => proxy.close());
    const exec = executor(proxy.port);
    const r = await run(spec({ copies: 5, bytes: 200 * MiB, stallSec: 2 }), exec);
    const finished = of(r.events, 'copyFinished');
    expect(finished).toHaveLength(1);
    const c = finished[0]!;
    expect(c.outcome).toBe('stalled');
    // Bytes the kernel accepted: what the proxy forwarded plus what socket buffers hold.
    expect(c.bytes).toBeGreaterThan(40 * MiB);
    expect(c.bytes).toBeLessThanOrEqual(68 * MiB);
    expect(c.detail).toMatch(/^stalled at [\d.]+ MiB after 2 s without progress$/);
    // Detected within the window + 1 s of the last progress.
    const samples = of(r.events, 'transferSample').flatMap((e) => e.samples);
    const lastProgress = samples.find((s) => s.bytes === c.bytes)!.t;
    expect(c.ms / 1000 - lastProgress).toBeLessThan(2 + 1);
    expect(c.ms / 1000 - lastProgress).toBeGreaterThanOrEqual(2);
    expect(r.exit.status).toEqual({ kind: 'exited', code: 1 });
    expect(r.exit.decision).toEqual({ outcome: 'bad', reason: `copy 1/5 ${c.detail}` });
    expect(r.lines).toContain(`copy 1/5 ${c.detail}`);
    expect(of(r.events, 'copyStarted')).toHaveLength(1);
  });

  it('onFailure says what a failed copy means', async () => {
    const proxy = await startTcpProxy({ target: { host: '127.0.0.1', port: host.port }, stopAfterBytes: 5 * MiB });
    closers.push(() => proxy.close());
    const r = await run(spec({ copies: 2, bytes: 50 * MiB, stallSec: 1, onFailure: 'skip' }), executor(proxy.port));
    expect(r.exit.decision?.outcome).toBe('skip');
  });

  it('a copy over its time limit fails as timed out', async () => {
    const r = await run(spec({ copies: 2, bytes: 64 * 1024 * MiB, copyTimeoutSec: 1, stallSec: 5 }), executor());
    const [c] = of(r.events, 'copyFinished');
    expect(c?.outcome).toBe('timedOut');
    expect(c?.ms).toBeGreaterThanOrEqual(1000);
    expect(c?.ms).toBeLessThan(1600);
    expect(c?.detail).toMatch(/^timed out after 1 s at /);
    expect(r.exit.decision?.outcome).toBe('bad');
  });

  it('a lost connection mid-copy is a failed copy, reported within the stall window', async () => {
    const proxy = await startTcpProxy({ target: { host: '127.0.0.1', port: host.port } });
    closers.push(() => proxy.close());
    const exec = executor(proxy.port);
    const t = setTimeout(() => void proxy.close(), 700); // every connection through it is reset
    const r = await run(spec({ copies: 2, bytes: 64 * 1024 * MiB, stallSec: 3 }), exec);
    clearTimeout(t);
    const [c] = of(r.events, 'copyFinished');
    expect(['connectionError', 'stalled']).toContain(c?.outcome);
    expect(r.ms).toBeLessThan(700 + 3000 + 1000);
    expect(r.exit.decision?.outcome).toBe('bad');
  });

  it('cancelling stops the running copy at once', async () => {
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 600);
    const r = await run(spec({ copies: 2, bytes: 64 * 1024 * MiB }), executor(), ac.signal);
    expect(r.exit.status).toEqual({ kind: 'cancelled' });
    expect(r.ms).toBeLessThan(1500);
    expect(of(r.events, 'copyFinished')).toHaveLength(0);
  });

  it('the phase timeout bounds the whole phase', async () => {
    const r = await run(spec({ copies: 2, bytes: 64 * 1024 * MiB, timeoutSec: 1 }), executor());
    expect(r.exit.status.kind).toBe('timedOut');
  });

  it('the executor reconnects for the next command after a stalled copy was torn down', async () => {
    const proxy = await startTcpProxy({ target: { host: '127.0.0.1', port: host.port } });
    closers.push(() => proxy.close());
    const exec = executor(proxy.port);
    // The executor's own connection exists before the copy (an earlier phase used it).
    for await (const e of exec.run({ argv: ['true'], timeoutMs: 5000 }, new AbortController().signal)) void e;
    const t = setTimeout(() => proxy.pause(), 500);
    const r = await run(spec({ copies: 2, bytes: 64 * 1024 * MiB, stallSec: 1 }), exec);
    clearTimeout(t);
    expect(of(r.events, 'copyFinished')[0]?.outcome).toBe('stalled');
    proxy.resume(); // the link recovers
    const lines: string[] = [];
    for await (const e of exec.run({ argv: ['echo', 'back'], timeoutMs: 10_000 }, new AbortController().signal)) {
      if (e.type === 'output') lines.push(...e.lines);
    }
    expect(lines).toEqual(['back']);
  });

  it('needs an SSH host', async () => {
    const err = await run(spec({ bytes: 10 }), new LocalExecutor()).catch((e: unknown) => e);
    expect(isUserInputError(err)).toBe(true);
    expect((err as Error).message).toMatch(/is not an SSH host/);
  });

  it('the recipe schema: one payload, a host, defaults from the issue', () => {
    const p = spec({ bytes: 2147483648 });
    expect(p).toMatchObject({ copies: 15, sink: '/dev/null', copyTimeoutSec: 180, stallSec: 20, onFailure: 'bad' });
    expect(transferPhaseSchema.safeParse({ name: 't', kind: 'transfer', on: 'guest' }).success).toBe(false);
    expect(transferPhaseSchema.safeParse({ name: 't', kind: 'transfer', on: 'guest', bytes: 1, file: '/x' }).success).toBe(false);
    const local = transferPhaseSchema.safeParse({ name: 't', kind: 'transfer', bytes: 1 });
    expect(local.success).toBe(false);
    expect(existsSync(dir)).toBe(true);
  });
});
