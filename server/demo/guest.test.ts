import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EngineEvent } from '../engine/events';
import type { PhaseContext } from '../engine/phases/context';
import { runTransferPhase } from '../engine/phases/transfer';
import { transferPhaseSchema } from '../engine/recipe';
import type { ExecEvent } from '../engine/types';
import { DEMO_RECIPE } from './generate';
import { DEMO_GUEST, DemoGuestExecutor } from './guest';
import { BASE_MBPS, IMAGE_HEADER_BYTES, parseImageHeader, planCopy } from './guest-behaviour';

const run = promisify(execFile);
let dir: string;
let guest: DemoGuestExecutor;

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'demo-guest-'));
  guest = new DemoGuestExecutor({ dir: path.join(dir, 'keys') });
});
afterAll(async () => {
  await guest.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Writes a toy image the way build.sh does (sparse, header line first). */
async function image(name: string, header: string, bytes: number): Promise<string> {
  const file = path.join(dir, name);
  await run('truncate', ['-s', String(bytes), file]);
  await run('bash', ['-c', `printf '%-511s\\n' "$1" | dd of="$2" conv=notrunc status=none`, '-', header, file]);
  return file;
}

async function copyPhase(file: string) {
  const phase = transferPhaseSchema.parse({ ...DEMO_RECIPE.phases[1], file });
  const events: EngineEvent[] = [];
  const ctx = {
    sessionId: 's',
    step: 1,
    phase: 1,
    sha: 'a'.repeat(40),
    worktree: dir,
    terms: { old: 'good', new: 'bad' },
    envFile: path.join(dir, 'env'),
    stepEnv: {},
    executor: guest,
    signal: new AbortController().signal,
    leaseFile: path.join(dir, 'lease'),
    emit: (e: EngineEvent) => void events.push(e),
  } as PhaseContext;
  const out: ExecEvent[] = [];
  const t0 = performance.now();
  for await (const e of runTransferPhase(phase, ctx)) out.push(e);
  return { events, out, ms: performance.now() - t0, exit: out.at(-1) as Extract<ExecEvent, { type: 'exit' }> };
}

describe('the demo guest image header', () => {
  it('is parsed from the first line; other payloads are no image', () => {
    const h = parseImageHeader(`${'TOYIMG1 release=5.13.0-rc3 lazy_disable_cb=1 seed=4242 bytes=134217728'.padEnd(IMAGE_HEADER_BYTES - 1)}\n`);
    expect(h).toEqual({ release: '5.13.0-rc3', lazyDisableCb: true, seed: 4242, bytes: 134217728 });
    expect(parseImageHeader('\u0000\u0000random bytes')).toBeNull();
    expect(parseImageHeader('TOYIMG1 seed=-3')?.seed).toBe(0);
  });

  it('a healthy kernel never hangs; an affected one hangs exactly one copy, 25-75% in, the same every time', () => {
    const healthy = parseImageHeader('TOYIMG1 release=5.12.0 lazy_disable_cb=0 seed=77 bytes=1000000');
    for (let copy = 1; copy <= 2; copy++) expect(planCopy({ header: healthy, copy, copies: 2 }).hangAtBytes).toBeNull();
    for (let seed = 0; seed < 200; seed++) {
      const header = parseImageHeader(`TOYIMG1 lazy_disable_cb=1 seed=${seed} bytes=1000000`);
      const plans = [1, 2].map((copy) => planCopy({ header, copy, copies: 2 }));
      const hung = plans.filter((p) => p.hangAtBytes !== null);
      expect(hung).toHaveLength(1);
      const at = hung[0]!.hangAtBytes!;
      expect(at).toBeGreaterThanOrEqual(200_000);
      expect(at).toBeLessThanOrEqual(600_000);
      expect(hung[0]!.rateAt(100, at)).toBe(0);
      expect(planCopy({ header, copy: 1, copies: 2 }).hangAtBytes).toBe(plans[0]!.hangAtBytes);
    }
  });

  it('rates wave around the base and never reach zero while healthy', () => {
    const plan = planCopy({ header: null, copy: 1, copies: 2 });
    for (let ms = 0; ms < 3000; ms += 37) {
      const r = plan.rateAt(ms, 0);
      expect(r).toBeGreaterThan(BASE_MBPS * 0.6);
      expect(r).toBeLessThan(BASE_MBPS * 1.4);
    }
  });
});

describe('the transfer phase against the demo guest', () => {
  it('copies a healthy image at a throttled rate, a few samples per copy', async () => {
    const file = await image('healthy.img', 'TOYIMG1 release=5.12.0 lazy_disable_cb=0 seed=1234 bytes=67108864', 64 * 1024 * 1024);
    expect(statSync(file).blocks).toBeLessThan(64); // sparse: the image costs no disk
    const r = await copyPhase(file);
    expect(r.exit.status).toEqual({ kind: 'exited', code: 0 });
    const finished = r.events.filter((e): e is Extract<EngineEvent, { type: 'copyFinished' }> => e.type === 'copyFinished');
    expect(finished.map((c) => c.outcome)).toEqual(['ok', 'ok']);
    for (const c of finished) {
      expect(c.meanMBps).toBeGreaterThan(60);
      expect(c.meanMBps).toBeLessThan(160);
      expect(c.ms).toBeGreaterThan(500);
    }
    const samples = r.events.filter((e) => e.type === 'transferSample').flatMap((e) => (e.type === 'transferSample' ? e.samples : []));
    expect(samples.length).toBeGreaterThanOrEqual(6);
    console.log(`demo guest: 2 healthy copies in ${(r.ms / 1000).toFixed(2)} s, ${finished.map((c) => c.meanMBps.toFixed(0)).join(' / ')} MB/s`);
  });

  it('an image with the regression stalls one copy: the phase says bad, with the stall', async () => {
    const file = await image('affected.img', 'TOYIMG1 release=5.13.0 lazy_disable_cb=1 seed=1235 bytes=67108864', 64 * 1024 * 1024);
    const r = await copyPhase(file);
    expect(r.exit.decision?.outcome).toBe('bad');
    expect(r.exit.decision?.reason).toMatch(/^copy 2\/2 stalled at \d+(\.\d)? MiB after 1(\.0)? s without progress/);
    const finished = r.events.filter((e): e is Extract<EngineEvent, { type: 'copyFinished' }> => e.type === 'copyFinished');
    expect(finished.map((c) => c.outcome)).toEqual(['ok', 'stalled']);
    expect(r.ms).toBeLessThan(8_000);
  });

  it('runs no commands', () => {
    expect(guest.name).toBe(DEMO_GUEST);
    expect(() => guest.run({ argv: ['true'], timeoutMs: 1000 }, new AbortController().signal)).toThrow(/only takes transfer copies/);
  });
});
