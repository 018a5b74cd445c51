import type { RebootPhaseSpec } from '../recipe';
import { InfraError, type ExecEvent, type ExitStatus, type RemoteHostControl } from '../types';
import type { PhaseContext } from './context';
import { exit, line, pollUntilAnswer, seconds, sleep, sshErrorCode } from './host-wait';
import { requireRemote } from './wait-for-ssh';

/** Bound on the reboot command itself (it normally returns at once or cuts the connection). */
const COMMAND_MS = 120_000;
/** Bound on the power-cycle command. */
const POWER_CYCLE_MS = 300_000;
/** After a failed reboot command: how long the host may still take to drop the connection. */
const FAILED_COMMAND_GRACE_MS = 3_000;

/** Prints release, /proc/version and boot id, one per line. */
const KERNEL_ARGV = ['sh', '-c', 'uname -r; cat /proc/version; cat /proc/sys/kernel/random/boot_id 2>/dev/null || echo unknown'];

interface KernelInfo {
  release: string;
  version: string;
  bootId: string;
}

function parseKernel(stdout: string[]): KernelInfo {
  return { release: (stdout[0] ?? '').trim(), version: (stdout[1] ?? '').trim(), bootId: (stdout[2] ?? '').trim() };
}

/** `uname -r` equals the expected release, or a word of /proc/version does. */
export function kernelMatches(k: Pick<KernelInfo, 'release' | 'version'>, expected: string): boolean {
  return k.release === expected || k.version.split(/\s+/).includes(expected);
}

/**
 * Reboots a host and checks what it booted, as ktest.pl does:
 * 1. read the running kernel (the host must answer: else InfraError);
 * 2. run `command` (default `reboot`); the connection dropping is expected;
 * 3. see the host go down (connection lost), then poll with fresh connections
 *    until it answers again, all within `timeoutSec`;
 * 4. not back in time: run the host's power-cycle command once, wait again
 *    `timeoutSec`; still not back: `timedOut` (onTimeout, a skip by default);
 * 5. compare `uname -r` / `/proc/version` with `expectKernel`: another kernel
 *    is `onWrongKernel` (skip by default) with a loud message.
 */
export async function* runRebootPhase(phase: RebootPhaseSpec, ctx: PhaseContext): AsyncGenerator<ExecEvent, void, undefined> {
  const remote = requireRemote(ctx, phase);
  const started = Date.now();
  const signal = ctx.signal;

  let expected: string | null = phase.expectKernel ?? null;
  if (expected?.startsWith('from-env:')) {
    const name = expected.slice('from-env:'.length);
    expected = ctx.stepEnv[name]?.trim() || null;
    if (!expected) {
      const reason = `expectKernel is from-env:${name}, but no earlier phase wrote ${name} to $BISECT_ENV (e.g. echo "${name}=$(make -s kernelrelease)" >> "$BISECT_ENV" in the build phase)`;
      yield line('stderr', reason);
      yield exit({ kind: 'exited', code: 2 }, { outcome: 'abort', reason });
      return;
    }
  }

  const before = yield* readKernelNow(ctx, remote);
  if (!before) return void (yield exit({ kind: 'cancelled' }));
  yield line('stdout', `${remote.label} runs ${before.release}${expected ? `; expecting ${expected} after the reboot` : ''}`);
  yield line('stdout', `rebooting: ${phase.command}`);

  // 2. The reboot command. Losing the connection while it runs is the expected way for it to end.
  let wentDown = false;
  let status: ExitStatus | null = null;
  try {
    for await (const ev of ctx.executor.run({ argv: ['bash', '-c', phase.command], timeoutMs: Math.min(phase.timeoutSec * 1000, COMMAND_MS) }, signal)) {
      if (ev.type === 'exit') status = ev.status;
      else yield ev;
    }
  } catch (error) {
    if (sshErrorCode(error) !== 'CONNECTION_LOST') throw error;
    wentDown = true;
  }
  if (signal.aborted || status?.kind === 'cancelled') return void (yield exit({ kind: 'cancelled' }));
  if (!wentDown && status?.kind === 'exited' && status.code !== 0) {
    wentDown = await downWithin(remote, FAILED_COMMAND_GRACE_MS, signal);
    if (!wentDown) {
      yield line('stderr', `the reboot command failed (exit ${status.code}) and ${remote.label} stayed up`);
      yield exit(status);
      return;
    }
  }

  // 3. Down, then up again.
  let deadline = started + phase.timeoutSec * 1000;
  if (!wentDown) wentDown = await downWithin(remote, deadline - Date.now(), signal);
  if (signal.aborted) return void (yield exit({ kind: 'cancelled' }));
  if (wentDown) yield line('stdout', `${remote.label} went down after ${seconds(Date.now() - started)}; waiting for it to come back`);
  let after = wentDown ? yield* waitUp(ctx, phase, deadline) : null;
  if (signal.aborted) return void (yield exit({ kind: 'cancelled' }));

  // 4. Power cycle, once.
  if (!after) {
    const what = wentDown ? 'come back' : 'go down';
    const pc = remote.powerCycle;
    if (!pc) {
      yield line('stderr', `${remote.label} did not ${what} within ${phase.timeoutSec} s, and it has no power-cycle command (set one in Hosts)`);
      yield exit({ kind: 'timedOut', afterMs: Date.now() - started });
      return;
    }
    yield line('stderr', `${remote.label} did not ${what} within ${phase.timeoutSec} s: power-cycling it once (${pc.on}: ${pc.run})`);
    const pcStatus = yield* runPowerCycle(ctx, pc, remote);
    if (pcStatus === null) return void (yield exit({ kind: 'cancelled' }));
    if (pcStatus.kind !== 'exited' || pcStatus.code !== 0) {
      yield line('stderr', `the power-cycle command ended with ${describeStatus(pcStatus)}; waiting for the host anyway`);
    }
    remote.disconnect();
    deadline = Date.now() + phase.timeoutSec * 1000;
    after = yield* waitUp(ctx, phase, deadline);
    if (signal.aborted) return void (yield exit({ kind: 'cancelled' }));
    if (!after) {
      yield line('stderr', `${remote.label} did not come back within ${phase.timeoutSec} s after the power cycle either`);
      yield exit({ kind: 'timedOut', afterMs: Date.now() - started });
      return;
    }
  }

  // 5. Which kernel came up?
  yield line('stdout', `${remote.label} is back after ${seconds(Date.now() - started)}: ${after.release}`);
  if (before.bootId !== 'unknown' && after.bootId === before.bootId) {
    yield line('stderr', `note: the boot id did not change: ${remote.label} may not have rebooted (only its SSH server restarted?)`);
  }
  if (!expected) {
    yield line('stdout', 'no expectKernel set: the booted kernel is not checked');
    yield exit({ kind: 'exited', code: 0 });
    return;
  }
  if (kernelMatches(after, expected)) {
    yield line('stdout', `booted the kernel under test: ${after.release}`);
    yield exit({ kind: 'exited', code: 0 });
    return;
  }
  const reason = `WRONG KERNEL: ${remote.label} booted ${after.release}, expected ${expected} — this commit is marked ${phase.onWrongKernel} (does the boot loader default to the new kernel?)`;
  yield line('stderr', `!!! ${reason}`);
  yield line('stderr', `!!! /proc/version: ${after.version}`);
  yield exit({ kind: 'exited', code: 0 }, { outcome: phase.onWrongKernel, reason });
}

/** Reads the running kernel over the current (or a new) connection. Unreachable = InfraError. */
async function* readKernelNow(ctx: PhaseContext, remote: RemoteHostControl): AsyncGenerator<ExecEvent, KernelInfo | null, undefined> {
  let status: ExitStatus | null = null;
  const stdout: string[] = [];
  for await (const ev of ctx.executor.run({ argv: KERNEL_ARGV, timeoutMs: 30_000 }, ctx.signal)) {
    if (ev.type === 'exit') status = ev.status;
    else if (ev.stream === 'stdout') stdout.push(...ev.lines);
    else yield ev;
  }
  if (!status || status.kind === 'cancelled') return null;
  if (status.kind !== 'exited' || status.code !== 0) {
    throw new InfraError(`cannot read the running kernel of ${remote.label} before rebooting it (${describeStatus(status)})`);
  }
  return parseKernel(stdout);
}

/** Polls until the host answers and returns its kernel, or null when `deadline` passed (or cancelled). */
async function* waitUp(ctx: PhaseContext, phase: RebootPhaseSpec, deadline: number): AsyncGenerator<ExecEvent, KernelInfo | null, undefined> {
  const r = yield* pollUntilAnswer(ctx.executor, KERNEL_ARGV, { deadline, intervalMs: phase.intervalSec * 1000, signal: ctx.signal });
  return r.kind === 'answered' ? parseKernel(r.stdout) : null;
}

/** True once the current connection is lost within `ms`. */
async function downWithin(remote: RemoteHostControl, ms: number, signal: AbortSignal): Promise<boolean> {
  if (ms <= 0) return false;
  const stop = new AbortController();
  const both = AbortSignal.any([signal, stop.signal]);
  let down = false;
  await Promise.race([
    remote.whenDisconnected(both).then(() => {
      down = !both.aborted;
    }),
    sleep(ms, both),
  ]);
  stop.abort();
  return down;
}

/** Runs the power-cycle command where it is configured; null when cancelled. */
async function* runPowerCycle(
  ctx: PhaseContext,
  pc: { on: string; run: string },
  remote: RemoteHostControl,
): AsyncGenerator<ExecEvent, ExitStatus | null, undefined> {
  if (!ctx.executorFor) throw new InfraError(`cannot power-cycle ${remote.label}: no executors available to this phase`);
  const executor = ctx.executorFor(pc.on);
  let status: ExitStatus | null = null;
  for await (const ev of executor.run(
    {
      argv: ['bash', '-c', pc.run],
      ...(pc.on === 'local' ? { cwd: ctx.worktree } : {}),
      env: { BISECT_HOST: ctx.executor.name, BISECT_COMMIT: ctx.sha, BISECT_SESSION: ctx.sessionId, BISECT_STEP: String(ctx.step) },
      timeoutMs: POWER_CYCLE_MS,
    },
    ctx.signal,
  )) {
    if (ev.type === 'exit') status = ev.status;
    else yield { ...ev, lines: ev.lines.map((l) => `[power-cycle] ${l}`) };
  }
  if (!status || status.kind === 'cancelled') return null;
  return status;
}

function describeStatus(s: ExitStatus): string {
  switch (s.kind) {
    case 'exited':
      return `exit ${s.code}`;
    case 'signaled':
      return s.signal;
    case 'timedOut':
      return `a timeout after ${seconds(s.afterMs)}`;
    case 'cancelled':
      return 'cancel';
  }
}
