import { randomBytes } from 'node:crypto';
import { appendFile } from 'node:fs/promises';
import type { ScriptPhaseSpec } from '../recipe';
import type { ExecEvent } from '../types';
import { phaseEnvironment, type PhaseContext } from './context';

/** `bash -c THIS SCRIPT`: $0 is the user's script; the env file is created readable by the user only. */
const PRIVATE_ENV_FILE_THEN_RUN = 'u=$(umask); umask 077; : > "$BISECT_ENV"; umask "$u"; exec bash -c "$0"';

/** How long fetching the remote `$BISECT_ENV` file back may take. */
const FETCH_ENV_MS = 30_000;

/**
 * A script phase on a remote host. It gets the same BISECT_* variables as a
 * local one, minus BISECT_WORKTREE (a local path). `$BISECT_ENV` names a
 * fresh file in the host's /tmp; whatever the script wrote there is copied
 * into the step's local `$BISECT_ENV` afterwards (and the remote file removed),
 * so a build on a build host can hand e.g. KERNEL_RELEASE to a later reboot phase.
 */
export async function* runRemoteScriptPhase(phase: ScriptPhaseSpec, ctx: PhaseContext): AsyncGenerator<ExecEvent, void, undefined> {
  const remoteEnvFile = `/tmp/bisect-env-${randomBytes(12).toString('hex')}`;
  const { BISECT_WORKTREE: _local, ...env } = phaseEnvironment(ctx);
  let exited = false;
  try {
    for await (const ev of ctx.executor.run(
      {
        // Create $BISECT_ENV private (mode 600) first, then run the script as `bash -c SCRIPT`.
        argv: ['bash', '-c', PRIVATE_ENV_FILE_THEN_RUN, phase.run],
        ...(phase.cwd ? { cwd: phase.cwd } : {}),
        env: { ...env, BISECT_ENV: remoteEnvFile },
        timeoutMs: phase.timeoutSec * 1000,
        leaseFile: ctx.leaseFile,
        ...(ctx.onRemoteLease ? { onRemoteLease: ctx.onRemoteLease } : {}),
      },
      ctx.signal,
    )) {
      if (ev.type !== 'exit') {
        yield ev;
        continue;
      }
      exited = true;
      if (ev.status.kind === 'cancelled') {
        void fetchRemoteEnv(ctx, remoteEnvFile, false);
      } else {
        const warning = await fetchRemoteEnv(ctx, remoteEnvFile, true);
        if (warning) yield { type: 'output', stream: 'stderr', lines: [warning] };
      }
      yield ev;
    }
  } finally {
    // Stopped early or the connection failed: only try to tidy up, in the background.
    if (!exited) void fetchRemoteEnv(ctx, remoteEnvFile, false);
  }
}

/** Copies the remote `$BISECT_ENV` into the local one (when `keep`) and removes it; returns a warning on failure. */
async function fetchRemoteEnv(ctx: PhaseContext, file: string, keep: boolean): Promise<string | null> {
  const chunks: string[] = [];
  try {
    for await (const ev of ctx.executor.run(
      { argv: ['sh', '-c', 'cat -- "$1" 2>/dev/null; rm -f -- "$1"', 'sh', file], timeoutMs: FETCH_ENV_MS },
      new AbortController().signal,
    )) {
      if (ev.type === 'output' && ev.stream === 'stdout') chunks.push(...ev.lines);
    }
  } catch (error) {
    return `could not read $BISECT_ENV back from ${ctx.executor.name}: ${(error as Error).message}`;
  }
  if (keep && chunks.length > 0) await appendFile(ctx.envFile, chunks.map((l) => `${l}\n`).join(''));
  return null;
}
