import type { EngineEvent } from '../events';
import type { RemoteLease } from '../executors/leases';
import type { Executor } from '../types';

/** What a phase knows about the step it runs in. */
export interface PhaseContext {
  sessionId: string;
  step: number;
  sha: string;
  worktree: string;
  terms: { old: string; new: string };
  /** Path of the step's `$BISECT_ENV` file (KEY=VALUE lines shared by later phases). */
  envFile: string;
  /** The recipe's variables, secrets already opened (the server redacts them from output). */
  recipeEnv?: Record<string, string>;
  /** Variables earlier phases of this step wrote to `$BISECT_ENV`. */
  stepEnv: Record<string, string>;
  executor: Executor;
  /** Resolves other hosts by name (a reboot phase runs the power-cycle command where it is configured). */
  executorFor?: (on: string) => Executor;
  signal: AbortSignal;
  /** Index of the phase in the recipe (for events the phase emits itself). */
  phase?: number;
  /**
   * Emits an engine event beyond the phase's output (e.g. throughput samples
   * of a transfer). Await it: a slow store holds the phase back.
   */
  emit?: (event: EngineEvent) => void | Promise<void>;
  /** File in which the executor records the phase's process group while it runs. */
  leaseFile: string;
  /** See CommandSpec.onRemoteLease: the step records remote leases in the session's event log. */
  onRemoteLease?: (lease: RemoteLease | null) => void;
  /**
   * For phases whose repeated work counts as separate runs (a transfer's copies
   * with `copiesAreRuns`): false once the strategy would rather spend the next
   * run elsewhere; the phase then ends early, passed.
   */
  moreRuns?: () => boolean;
}

/** The environment every phase receives. */
export function phaseEnvironment(ctx: PhaseContext): Record<string, string> {
  return {
    ...ctx.recipeEnv,
    ...ctx.stepEnv,
    BISECT_COMMIT: ctx.sha,
    BISECT_SHORT: ctx.sha.slice(0, 12),
    BISECT_SESSION: ctx.sessionId,
    BISECT_STEP: String(ctx.step),
    BISECT_WORKTREE: ctx.worktree,
    BISECT_TERM_OLD: ctx.terms.old,
    BISECT_TERM_NEW: ctx.terms.new,
    BISECT_ENV: ctx.envFile,
  };
}
