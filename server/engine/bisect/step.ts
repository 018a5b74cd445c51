import { appendFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { EngineEvent, EventSink } from '../events';
import { runPhase } from '../phases';
import { withPhaseContext } from '../phases/errors';
import { readStepEnv, removeStepEnv, resetStepEnv, stepEnvFile } from '../phases/step-env';
import type { Recipe } from '../recipe';
import { InfraError, type ExitStatus, type Executor } from '../types';
import type { RemoteLease } from '../executors/leases';
import { applyPatches, undoPatches } from './patches';
import type { HostLock } from './session';
import { decidePhase, decideStep, type PhaseDecision, type StepDecision } from './verdict';

export interface StepRun {
  sessionId: string;
  step: number;
  sha: string;
  worktree: string;
  scratchDir: string;
  terms: { old: string; new: string };
  recipe: Recipe;
  sink: EventSink;
  executorFor: (on: string) => Executor;
  signal: AbortSignal;
  /** The step's test slot: role names in phases' `on` mapped to hosts (absent: `on` names a host). */
  hosts?: Record<string, string> | undefined;
  /** This slot already prepared this commit: phases marked `per: "commit"` are not run again. */
  skipPerCommit?: boolean | undefined;
  /** `$BISECT_ENV` lines the step starts with (what the skipped per-commit phases wrote). */
  carriedEnv?: Record<string, string> | undefined;
  /** See PhaseContext.moreRuns. */
  moreRuns?: (() => boolean) | undefined;
  /** Takes the step's hosts for the step (see BisectDeps.hostLock). */
  hostLock?: HostLock | undefined;
  /** Hosts the session's slots share by design (one hypervisor for several guests): not locked per step. */
  sharedHosts?: ReadonlySet<string> | undefined;
  /** The user's repository: relative patch files are taken from it. */
  repoDir?: string | undefined;
  /**
   * The caller's next awaited emit follows the step at once (session.ts): the
   * last phaseFinished is stored while the caller goes on (marking in git)
   * instead of being waited for here. A failed write still fails that emit.
   */
  finishInBackground?: boolean | undefined;
}

/** A step's decision, and whether its per-commit phases (build, deploy) all passed. */
export type StepOutcome = StepDecision & { prepared: boolean; env: Record<string, string> };

/**
 * Runs a step's phases in order until one does not pass, and decides the step.
 * The step's `$BISECT_ENV` file (it may hold secrets) is removed when the step ends, however it ends.
 */
export async function runStep(s: StepRun): Promise<StepOutcome> {
  const release = s.hostLock ? await s.hostLock(stepHosts(s), { sessionId: s.sessionId, step: s.step }, s.signal) : null;
  try {
    return await runPatched(s);
  } finally {
    await release?.().catch(() => undefined);
    await removeStepEnv(stepEnvFile(s.scratchDir, s.step));
  }
}

/**
 * Applies the recipe's patches (where the commit lacks them), runs the phases,
 * and undoes the patches. A patch that does not apply decides the step as
 * `onPatchFailure` says (skip by default), and no phase runs.
 */
async function runPatched(s: StepRun): Promise<StepOutcome> {
  const patches = s.recipe.patches ?? [];
  if (patches.length === 0) return runPhases(s);
  const r = await applyPatches(s.worktree, s.repoDir ?? s.worktree, patches);
  try {
    await s.sink.emit({ type: 'patchesApplied', step: s.step, applied: r.applied, contained: r.contained, ...(r.failed ? { failed: r.failed } : {}) });
    if (r.failed) {
      const reason = `patch ${r.failed.patch} does not apply: ${r.failed.message}`;
      const decision: StepDecision =
        s.recipe.onPatchFailure === 'abort' ? { kind: 'abort', reason } : { kind: 'verdict', verdict: s.recipe.onPatchFailure === 'bad' ? 'bad' : 'skip', reason };
      return { ...decision, prepared: false, env: {} };
    }
    return await runPhases(s);
  } finally {
    await undoPatches(s.worktree);
  }
}

async function runPhases(s: StepRun): Promise<StepOutcome> {
  await mkdir(s.scratchDir, { recursive: true });
  const envFile = stepEnvFile(s.scratchDir, s.step);
  await resetStepEnv(envFile);
  const carried = Object.entries(s.carriedEnv ?? {});
  if (carried.length > 0) await appendFile(envFile, carried.map(([k, v]) => `${k}=${v}\n`).join(''));
  const decisions: Array<PhaseDecision & { name: string }> = [];
  const executorFor = (on: string) => s.executorFor(s.hosts?.[on] ?? on);
  let prepared = true;
  for (const [index, phase] of s.recipe.phases.entries()) {
    if (s.skipPerCommit && phase.per === 'commit') continue;
    const on = s.hosts?.[phase.on] ?? phase.on;
    const spec = on === phase.on ? phase : { ...phase, on };
    const started = Date.now();
    await s.sink.emit({ type: 'phaseStarted', step: s.step, phase: index, name: phase.name, kind: phase.kind, on });
    const { vars, errors } = await readStepEnv(envFile);
    for (const message of errors) await s.sink.emit({ type: 'log', level: 'warn', message });
    const ctx = {
      sessionId: s.sessionId,
      step: s.step,
      sha: s.sha,
      worktree: s.worktree,
      terms: s.terms,
      envFile,
      recipeEnv: plainVariables(s.recipe),
      stepEnv: vars,
      executor: s.executorFor(on),
      executorFor,
      signal: s.signal,
      phase: index,
      emit: (event: EngineEvent) => s.sink.emit(event),
      ...(s.moreRuns ? { moreRuns: s.moreRuns } : {}),
      onRemoteLease: (lease: RemoteLease | null) => void Promise.resolve(s.sink.emit({ type: 'remoteLease', step: s.step, phase: index, lease })).catch(() => undefined),
      leaseFile: path.join(s.scratchDir, `lease-${on === 'local' ? 'local' : 'remote'}-${s.step}-${index}`),
    };
    let status: ExitStatus | null = null;
    let override: PhaseDecision | undefined;
    for await (const ev of withPhaseContext(runPhase(spec, ctx), spec)) {
      if (ev.type === 'exit') [status, override] = [ev.status, ev.decision];
      else await s.sink.emit({ type: 'output', step: s.step, phase: index, stream: ev.stream, lines: ev.lines });
    }
    if (!status) throw new InfraError(`phase ${phase.name} ended without an exit status`);
    const decision = override ?? decidePhase(status, phase);
    if (override) await s.sink.emit({ type: 'log', level: 'warn', message: `step ${s.step}, phase ${phase.name}: ${override.reason}` });
    decisions.push({ ...decision, name: phase.name });
    const finished = Promise.resolve(
      s.sink.emit({
        type: 'phaseFinished',
        step: s.step,
        phase: index,
        status,
        outcome: decision.outcome,
        ms: Date.now() - started,
        reason: decision.reason,
      }),
    );
    const last = decision.outcome !== 'pass' || index === s.recipe.phases.length - 1;
    if (last && s.finishInBackground) finished.catch(() => undefined); // the recorder keeps the failure for the next emit
    else await finished;
    if (decision.outcome !== 'pass') {
      if (phase.per === 'commit') prepared = false;
      break;
    }
  }
  return { ...decideStep(decisions), prepared, env: (await readStepEnv(envFile)).vars };
}

/** The hosts a step's phases run on (slot roles resolved), without `local`. */
function stepHosts(s: StepRun): string[] {
  const names = s.recipe.phases.filter((p) => !(s.skipPerCommit && p.per === 'commit')).map((p) => s.hosts?.[p.on] ?? p.on);
  return [...new Set(names.filter((n) => n !== 'local' && !s.sharedHosts?.has(n)))].sort();
}

/** The recipe's variables as strings; a secret the server did not open is empty. */
function plainVariables(recipe: Recipe): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(recipe.env ?? {})) out[k] = typeof v === 'string' ? v : (v.value ?? '');
  return out;
}
