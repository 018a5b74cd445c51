import type { WaitForSshPhaseSpec } from '../recipe';
import { InfraError, type ExecEvent, type RemoteHostControl } from '../types';
import type { PhaseContext } from './context';
import { exit, line, pollUntilAnswer, seconds } from './host-wait';

export function requireRemote(ctx: PhaseContext, phase: { kind: string; on: string }): RemoteHostControl {
  const remote = ctx.executor.remote;
  if (!remote) throw new InfraError(`a ${phase.kind} phase needs a remote host, but "${phase.on}" is not one`);
  return remote;
}

/**
 * Waits until the host answers SSH: a fresh connection and `true`, every
 * `intervalSec`, for at most `timeoutSec` (the seed's loop of 60 `ssh -o
 * ConnectTimeout=2 guest true`). Timing out reports `timedOut` (a skip by
 * default). An unknown or changed host key ends the wait at once (InfraError).
 */
export async function* runWaitForSshPhase(phase: WaitForSshPhaseSpec, ctx: PhaseContext): AsyncGenerator<ExecEvent, void, undefined> {
  const remote = requireRemote(ctx, phase);
  const started = Date.now();
  yield line('stdout', `waiting up to ${phase.timeoutSec} s for ${remote.label} to answer SSH`);
  const result = yield* pollUntilAnswer(ctx.executor, ['true'], {
    deadline: started + phase.timeoutSec * 1000,
    intervalMs: phase.intervalSec * 1000,
    signal: ctx.signal,
  });
  const elapsed = Date.now() - started;
  switch (result.kind) {
    case 'answered':
      yield line('stdout', `${remote.label} answers SSH after ${seconds(elapsed)} (${result.attempts} attempt${result.attempts === 1 ? '' : 's'})`);
      yield exit({ kind: 'exited', code: 0 });
      return;
    case 'cancelled':
      yield exit({ kind: 'cancelled' });
      return;
    case 'timedOut':
      yield line(
        'stderr',
        `${remote.label} did not answer SSH within ${phase.timeoutSec} s (${result.attempts} attempts; last: ${result.lastError || 'no answer'})`,
      );
      yield exit({ kind: 'timedOut', afterMs: elapsed });
      return;
  }
}
