import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runStep } from '../bisect/step';
import { LocalExecutor } from '../executors/local';
import type { HostExecutor } from '../executors/host';
import { recipeSchema, type RecipeInput } from '../recipe';
import { MemorySink } from '../testing/memory-sink';
import { generateRepo, type GeneratedRepo } from '../testing/repo';
import { makeTempDir, removeDir } from '../testing/scripts';
import { startSshd, startTcpProxy, type TestHost } from '../testing/sshd';
import { delay, pinOf, processesWith, processMarker, testHostExecutor, watchMarker } from '../testing/test-hosts';
import { isInfraError, type Executor, type PowerCycleSpec } from '../types';

let tmp: string;
let host: TestHost;
const local = new LocalExecutor();
const executors: HostExecutor[] = [];

beforeAll(async () => {
  tmp = await makeTempDir('remote-phases-');
  host = await startSshd();
});
afterAll(async () => {
  for (const e of executors) e.close();
  await host?.dispose();
  await removeDir(tmp);
});

function hostExec(name: string, o: Parameters<typeof testHostExecutor>[2] = {}): HostExecutor {
  const e = testHostExecutor(host, name, o);
  executors.push(e);
  return e;
}

let stepNo = 0;
/** Runs one step of `recipe` with the given hosts; returns the decision and the events. */
async function step(recipe: RecipeInput, hosts: Record<string, Executor>, opts: { sha?: string; signal?: AbortSignal } = {}) {
  const sink = new MemorySink();
  const n = ++stepNo;
  const decision = await runStep({
    sessionId: 'test-session',
    step: n,
    sha: opts.sha ?? 'a'.repeat(40),
    worktree: tmp,
    scratchDir: path.join(tmp, 'scratch'),
    terms: { old: 'good', new: 'bad' },
    recipe: recipeSchema.parse(recipe),
    sink,
    executorFor: (on) => {
      if (on === 'local') return local;
      const e = hosts[on];
      if (!e) throw new Error(`no host ${on}`);
      return e;
    },
    signal: opts.signal ?? new AbortController().signal,
  });
  const out = (phase: number) => sink.outputLines(n, phase);
  const finished = sink.of('phaseFinished');
  return { decision, sink, out, finished };
}

/** A fresh test host (stopped first with `stopped`) and its executor `name` for the length of `use`, disposed after it. */
async function withTestHost(name: string, o: { stopped?: boolean }, use: (host: TestHost, exec: HostExecutor) => Promise<void>): Promise<void> {
  const h = await startSshd();
  if (o.stopped) await h.stop();
  try {
    const e = testHostExecutor(h, name);
    executors.push(e);
    await use(h, e);
  } finally {
    await h.dispose();
  }
}

describe('script phases on a host', () => {
  it('run remotely with the BISECT_* environment, and $BISECT_ENV travels back to later phases', async () => {
    const h = hostExec('builder');
    const r = await step(
      {
        phases: [
          {
            name: 'build',
            kind: 'script',
            on: 'builder',
            run: 'echo "commit=$BISECT_COMMIT step=$BISECT_STEP wt=${BISECT_WORKTREE:-none} pwd=$PWD mode=$(stat -c %a "$BISECT_ENV") umask=$(umask)"; echo "KERNEL_RELEASE=$(uname -r)" >> "$BISECT_ENV"; echo "HOST_SAYS=hi there" >> "$BISECT_ENV"',
          },
          { name: 'use', kind: 'script', on: 'local', run: 'echo "release=$KERNEL_RELEASE says=$HOST_SAYS"' },
          { name: 'cwd', kind: 'script', on: 'builder', cwd: '/tmp', run: 'echo "pwd=$PWD release=$KERNEL_RELEASE"' },
        ],
      },
      { builder: h },
    );
    expect(r.decision).toMatchObject({ kind: 'verdict', verdict: 'good', reason: 'all phases passed' });
    // The env file is private; the script itself still runs with the usual umask (the sshd inherits ours).
    const umask = process.umask().toString(8).padStart(4, '0');
    expect(r.out(0)).toEqual([`commit=${'a'.repeat(40)} step=${stepNo} wt=none pwd=${os.homedir()} mode=600 umask=${umask}`]);
    expect(r.out(1)).toEqual([`release=${os.release()} says=hi there`]);
    expect(r.out(2)).toEqual([`pwd=/tmp release=${os.release()}`]);
    // KERNEL_RELEASE reached the local phase (above); the step's local env file, which may hold secrets, is gone with the step.
    expect(existsSync(path.join(tmp, 'scratch', `step-${stepNo}.env`))).toBe(false);
  });

  it('a command that outlives its timeout is killed with its whole remote process tree', async () => {
    const mark = processMarker();
    const started = Date.now();
    const r = await step(
      {
        phases: [
          {
            name: 'hang',
            kind: 'script',
            on: 'builder',
            run: `echo started; (sleep 300 ${mark}; true) & sleep 300 ${mark}`,
            timeoutSec: 1,
            onTimeout: 'skip',
          },
        ],
      },
      { builder: hostExec('builder') },
    );
    expect(r.out(0)).toEqual(['started', expect.stringMatching(/^\[bisect\] timed out after 1\.\d s: killed the command's whole process group on builder \(127\.0\.0\.1:\d+\)$/)]);
    expect(r.finished[0]?.status.kind).toBe('timedOut');
    expect(r.decision).toMatchObject({ kind: 'verdict', verdict: 'skip' });
    expect(Date.now() - started).toBeLessThan(6000);
    expect(await processesWith(mark)).toEqual([]);
  });

  it('a host whose link dies mid-phase is a bounded infrastructure error naming the phase and host, not a verdict', async () => {
    const proxy = await startTcpProxy({ target: { host: '127.0.0.1', port: host.port } });
    const mark = processMarker();
    const h = hostExec('flaky', { target: { port: proxy.port, pinnedKeys: [pinOf(host, proxy.port)], keepaliveIntervalMs: 300, keepaliveCountMax: 2 } });
    let pausedAt = 0;
    const sink = new MemorySink();
    const origEmit = sink.emit.bind(sink);
    sink.emit = (ev) => {
      if (ev.type === 'output' && !pausedAt) {
        proxy.pause();
        pausedAt = Date.now();
      }
      origEmit(ev);
    };
    try {
      const err = await runStep({
        sessionId: 's',
        step: 1,
        sha: 'b'.repeat(40),
        worktree: tmp,
        scratchDir: path.join(tmp, 'scratch'),
        terms: { old: 'good', new: 'bad' },
        recipe: recipeSchema.parse({ phases: [{ name: 'test', kind: 'script', on: 'flaky', run: `echo started; sleep 30 ${mark}` }] }),
        sink,
        executorFor: () => h,
        signal: new AbortController().signal,
      }).then(
        () => null,
        (e: unknown) => e,
      );
      expect(pausedAt).toBeGreaterThan(0);
      expect(Date.now() - pausedAt).toBeLessThan(3 * 300 + 1000);
      expect(isInfraError(err)).toBe(true);
      expect((err as Error).message).toMatch(/^phase "test" on host "flaky": connection to 127\.0\.0\.1:\d+ lost/);
      expect(sink.of('phaseFinished')).toEqual([]);
    } finally {
      await proxy.close();
      // The remote side cannot be reached over the dead link; clean up directly.
      spawnSync('pkill', ['-f', mark.replace('.', '\\.')]);
    }
  });

  it('an unreachable host is an infrastructure error with the reason', async () => {
    await withTestHost('gone', { stopped: true }, async (_dead, h) => {
      const err = await step({ phases: [{ name: 'build', kind: 'script', on: 'gone', run: 'true' }] }, { gone: h }).then(
        () => null,
        (e: unknown) => e,
      );
      expect(isInfraError(err)).toBe(true);
      expect((err as Error).message).toMatch(/^phase "build" on host "gone": cannot connect to 127\.0\.0\.1:\d+: .*ECONNREFUSED/);
    });
  });
});

describe('checkout phase', () => {
  let repo: GeneratedRepo;
  beforeAll(async () => {
    repo = await generateRepo({ dir: path.join(tmp, 'src-repo'), commits: 30, culprit: 20 });
  });

  it("brings the commit into the host's own clone (fetching only what is missing) and keeps build output", async () => {
    const clone = path.join(tmp, 'host-clone');
    execFileSync('git', ['init', '-q', clone]);
    const h = hostExec('buildhost');
    const sha = repo.shas[10] as string;
    const recipe: RecipeInput = { phases: [{ name: 'checkout', kind: 'checkout', on: 'buildhost', repo: clone, fetchFrom: repo.dir }] };
    const first = await step(recipe, { buildhost: h }, { sha });
    expect(first.decision).toMatchObject({ kind: 'verdict', verdict: 'good' });
    expect(execFileSync('git', ['-C', clone, 'rev-parse', 'HEAD']).toString().trim()).toBe(sha);
    expect(first.out(0).join('\n')).toContain(`fetching ${sha}`);

    execFileSync('sh', ['-c', `echo built > ${clone}/vmlinux.o`]);
    const sha2 = repo.shas[25] as string;
    const second = await step(recipe, { buildhost: h }, { sha: sha2 });
    expect(second.decision).toMatchObject({ kind: 'verdict', verdict: 'good' });
    expect(execFileSync('git', ['-C', clone, 'rev-parse', 'HEAD']).toString().trim()).toBe(sha2);
    expect(existsSync(path.join(clone, 'BUG'))).toBe(true);
    expect(readFileSync(path.join(clone, 'vmlinux.o'), 'utf8')).toBe('built\n');

    // Going back to a commit the clone has needs no fetch.
    const third = await step(recipe, { buildhost: h }, { sha });
    expect(third.out(0)[0]).toBe(`${sha} is already in ${clone}`);
    expect(existsSync(path.join(clone, 'BUG'))).toBe(false);
  });

  it('a commit the remote does not have fails the phase (abort by default) with git’s message', async () => {
    const clone = path.join(tmp, 'host-clone-2');
    execFileSync('git', ['init', '-q', clone]);
    const r = await step(
      { phases: [{ name: 'checkout', kind: 'checkout', on: 'buildhost', repo: clone, fetchFrom: repo.dir }] },
      { buildhost: hostExec('buildhost') },
      { sha: '1'.repeat(40) },
    );
    expect(r.decision.kind).toBe('abort');
    expect(r.out(0).join('\n')).toContain('is not in');
  });
});

describe('wait-for-ssh phase', () => {
  it('polls until the host answers SSH again', async () => {
    await withTestHost('guest', {}, async (guest, g) => {
      await guest.stop();
      const restart = delay(1500).then(() => guest.restart());
      const started = Date.now();
      const r = await step({ phases: [{ name: 'wait', kind: 'wait-for-ssh', on: 'guest', timeoutSec: 20, intervalSec: 0.2 }] }, { guest: g });
      await restart;
      expect(r.decision).toMatchObject({ kind: 'verdict', verdict: 'good' });
      expect(Date.now() - started).toBeGreaterThanOrEqual(1400);
      const out = r.out(0).join('\n');
      expect(out).toMatch(/attempt 1: cannot connect to .*ECONNREFUSED/);
      expect(out).toMatch(/guest \(127\.0\.0\.1:\d+\) answers SSH after [\d.]+ s \(\d+ attempts\)/);
      // One line per kind of failure, not one per attempt.
      expect(r.out(0).filter((l) => l.includes('ECONNREFUSED')).length).toBe(1);
    });
  });

  it('timing out is a skip by default', async () => {
    await withTestHost('guest', { stopped: true }, async (guest, g) => {
      const started = Date.now();
      const r = await step({ phases: [{ name: 'wait', kind: 'wait-for-ssh', on: 'guest', timeoutSec: 1, intervalSec: 0.2 }] }, { guest: g });
      expect(r.decision).toMatchObject({ kind: 'verdict', verdict: 'skip' });
      expect(r.finished[0]?.status.kind).toBe('timedOut');
      expect(Date.now() - started).toBeLessThan(3000);
      expect(r.out(0).at(-1)).toMatch(/did not answer SSH within 1 s/);
    });
  });

  it('refuses a host whose key changed at once (infrastructure error, no waiting)', async () => {
    const other = await startSshd();
    try {
      // The target pins `host`'s key but connects to `other`: the presented key differs.
      const g = testHostExecutor(host, 'guest', { target: { port: other.port, pinnedKeys: [pinOf(host, other.port)] } });
      executors.push(g);
      const started = Date.now();
      const err = await step({ phases: [{ name: 'wait', kind: 'wait-for-ssh', on: 'guest', timeoutSec: 30 }] }, { guest: g }).then(
        () => null,
        (e: unknown) => e,
      );
      expect(isInfraError(err)).toBe(true);
      expect((err as Error).message).toContain('has changed');
      expect((err as Error).message).toContain(other.fingerprint);
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      await other.dispose();
    }
  });
});

describe('reboot phase', () => {
  /** A test host whose "reboot" (touching a marker) makes the test kill its sshd and, unless told not to, restart it. */
  async function rebootableHost(o: { comesBack: boolean }) {
    const h = await startSshd();
    const marker = path.join(h.dir, 'reboot-requested');
    const pcMarker = path.join(h.dir, 'power-cycled');
    const rebootWatch = watchMarker(marker, async () => {
      await delay(200); // shutting down
      h.kill();
      if (o.comesBack) {
        await delay(800); // booting
        await h.restart();
      }
    });
    const pcWatch = watchMarker(pcMarker, async () => {
      h.kill();
      await delay(300);
      await h.restart();
    });
    return {
      h,
      marker,
      pcMarker,
      get reboots() {
        return rebootWatch.hits;
      },
      get powerCycles() {
        return pcWatch.hits;
      },
      async dispose() {
        rebootWatch.stop();
        pcWatch.stop();
        await h.dispose();
      },
    };
  }

  /** A rebootable host and its executor (`testbox`) for the length of `use`, disposed after it. */
  async function withRebootableHost(
    o: { comesBack: boolean; powerCycle?: (t: RebootableHost) => PowerCycleSpec },
    use: (t: RebootableHost, h: ReturnType<typeof testHostExecutor>) => Promise<void>,
  ): Promise<void> {
    const t = await rebootableHost(o);
    try {
      const h = testHostExecutor(t.h, 'testbox', o.powerCycle ? { powerCycle: o.powerCycle(t) } : {});
      executors.push(h);
      await use(t, h);
    } finally {
      await t.dispose();
    }
  }
  type RebootableHost = Awaited<ReturnType<typeof rebootableHost>>;

  it('sees the host go down and come back, and verifies the kernel a build phase announced', async () => {
    await withRebootableHost({ comesBack: true }, async (t, h) => {
      const r = await step(
        {
          phases: [
            { name: 'build', kind: 'script', on: 'testbox', run: 'echo "KERNEL_RELEASE=$(uname -r)" >> "$BISECT_ENV"' },
            { name: 'reboot', kind: 'reboot', on: 'testbox', command: `touch ${t.marker}`, timeoutSec: 20, intervalSec: 0.2, expectKernel: 'from-env:KERNEL_RELEASE' },
            { name: 'after', kind: 'script', on: 'testbox', run: 'echo still here' },
          ],
        },
        { testbox: h },
      );
      const out = r.out(1).join('\n');
      expect(r.decision, out).toMatchObject({ kind: 'verdict', verdict: 'good' });
      expect(t.reboots).toBe(1);
      expect(out).toContain('went down after');
      expect(out).toMatch(/is back after [\d.]+ s/);
      expect(out).toContain(`booted the kernel under test: ${os.release()}`);
      expect(r.out(2)).toEqual(['still here']);
    });
  });

  it('a wrong kernel is a skip with a loud message', async () => {
    await withRebootableHost({ comesBack: true }, async (t, h) => {
      const r = await step(
        {
          phases: [
            { name: 'reboot', kind: 'reboot', on: 'testbox', command: `touch ${t.marker}`, timeoutSec: 20, intervalSec: 0.2, expectKernel: '6.99.0-under-test' },
            { name: 'repro', kind: 'script', run: 'echo must not run' },
          ],
        },
        { testbox: h },
      );
      expect(r.decision).toMatchObject({ kind: 'verdict', verdict: 'skip' });
      expect(r.decision.kind === 'verdict' && r.decision.reason).toContain(`WRONG KERNEL: testbox (127.0.0.1:${t.h.port}) booted ${os.release()}, expected 6.99.0-under-test`);
      expect(r.out(1)).toEqual([]);
      expect(r.out(0).some((l) => l.startsWith('!!! WRONG KERNEL'))).toBe(true);
      expect(r.sink.of('log').some((e) => e.level === 'warn' && e.message.includes('WRONG KERNEL'))).toBe(true);
    });
  });

  it('runs the power-cycle command once when the host does not come back by itself', async () => {
    await withRebootableHost({ comesBack: false, powerCycle: (t) => ({ on: 'local', run: `echo "resetting $BISECT_HOST"; touch ${t.pcMarker}` }) }, async (t, h) => {
      const r = await step(
        { phases: [{ name: 'reboot', kind: 'reboot', on: 'testbox', command: `touch ${t.marker}`, timeoutSec: 4, intervalSec: 0.2, expectKernel: os.release() }] },
        { testbox: h },
      );
      const out = r.out(0).join('\n');
      expect(r.decision, out).toMatchObject({ kind: 'verdict', verdict: 'good' });
      expect(t.powerCycles).toBe(1);
      // Normally "did not come back"; on a machine this busy the kill may come late ("did not go down"): either way, one power cycle.
      expect(out).toMatch(/did not (come back|go down) within 4 s: power-cycling it once \(local: echo/);
      expect(out).toContain('[power-cycle] resetting testbox');
      expect(out).toContain('booted the kernel under test');
    });
  });

  it('without a power-cycle command, a host that stays down is a timeout (skip by default)', async () => {
    await withRebootableHost({ comesBack: false }, async (t, h) => {
      const r = await step({ phases: [{ name: 'reboot', kind: 'reboot', on: 'testbox', command: `touch ${t.marker}`, timeoutSec: 1, intervalSec: 0.2 }] }, { testbox: h });
      expect(r.decision).toMatchObject({ kind: 'verdict', verdict: 'skip' });
      expect(r.finished[0]?.status.kind).toBe('timedOut');
      expect(r.out(0).join('\n')).toContain('no power-cycle command');
    });
  });

  it('a failing reboot command aborts by default; a missing $BISECT_ENV kernel aborts before rebooting', async () => {
    const h = hostExec('testbox');
    const failing = await step({ phases: [{ name: 'reboot', kind: 'reboot', on: 'testbox', command: 'echo "reboot: not permitted" >&2; exit 1', timeoutSec: 10 }] }, { testbox: h });
    expect(failing.decision).toMatchObject({ kind: 'abort' });
    expect(failing.out(0).join('\n')).toContain('stayed up');

    const noEnv = await step({ phases: [{ name: 'reboot', kind: 'reboot', on: 'testbox', expectKernel: 'from-env:KERNEL_RELEASE' }] }, { testbox: h });
    expect(noEnv.decision).toMatchObject({ kind: 'abort' });
    expect(noEnv.decision.kind === 'abort' && noEnv.decision.reason).toContain('no earlier phase wrote KERNEL_RELEASE');
  });
});
