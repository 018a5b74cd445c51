import type { ScriptPhaseSpec } from '../recipe';
import type { ExecEvent } from '../types';
import { phaseEnvironment, type PhaseContext } from './context';
import { usesCcache, withCcacheStats } from './ccache';
import { runRemoteScriptPhase } from './remote-script';

/** Runs the recipe's script with bash, as the user wrote it, in the worktree (with ccache's hit rate when it builds through ccache). */
export function runScriptPhase(phase: ScriptPhaseSpec, ctx: PhaseContext): AsyncIterable<ExecEvent> {
  return usesCcache(phase, ctx) ? withCcacheStats(phase, ctx, () => runScript(phase, ctx)) : runScript(phase, ctx);
}

function runScript(phase: ScriptPhaseSpec, ctx: PhaseContext): AsyncIterable<ExecEvent> {
  if (ctx.executor.remote) return runRemoteScriptPhase(phase, ctx);
  return ctx.executor.run(
    {
      argv: ['bash', '-c', phase.run],
      cwd: phase.cwd ?? ctx.worktree,
      env: phaseEnvironment(ctx),
      timeoutMs: phase.timeoutSec * 1000,
      leaseFile: ctx.leaseFile,
    },
    ctx.signal,
  );
}
