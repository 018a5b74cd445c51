import { isInfraError, isUserInputError, type ExecEvent, type Executor, type ExitStatus, type OutputStream } from '../types';

/**
 * Helpers for phases that wait for hosts (wait-for-ssh, reboot): one connection
 * attempt at a time, bounded, cancellable, classifying SSH failures into
 * "keep trying" and "give up now".
 */

/** Longest single connection attempt while polling a host. */
export const ATTEMPT_MS = 10_000;

export function line(stream: OutputStream, text: string): ExecEvent {
  return { type: 'output', stream, lines: [text] };
}

export function exit(status: ExitStatus, decision?: { outcome: 'pass' | 'bad' | 'skip' | 'abort'; reason: string }): ExecEvent {
  return decision ? { type: 'exit', status, decision } : { type: 'exit', status };
}

/** Resolves after `ms`, or early when `signal` aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted || ms <= 0) return resolve();
    const done = () => {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const t = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

/** The SshError code of an error, checked by shape (bundles may load the class twice). */
export function sshErrorCode(err: unknown): string | undefined {
  if (!isInfraError(err)) return undefined;
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

/** Host key problems do not go away by waiting: they end the wait at once. */
export function isFatalSshError(err: unknown): boolean {
  const code = sshErrorCode(err);
  return code === 'HOST_KEY_UNKNOWN' || code === 'HOST_KEY_CHANGED' || code === 'HOST_KEY_REVOKED' || isUserInputError(err);
}

export type Attempt =
  | { kind: 'answered'; code: number; stdout: string[] }
  | { kind: 'failed'; message: string; error?: unknown }
  | { kind: 'cancelled' };

/**
 * Runs `argv` once on the executor, connecting if needed, within `ms` overall
 * (connect included). Never throws for SSH failures; rethrows fatal ones.
 */
export async function attempt(executor: Executor, argv: string[], ms: number, signal: AbortSignal): Promise<Attempt> {
  const timer = new AbortController();
  const t = setTimeout(() => timer.abort(), Math.max(ms, 1));
  const both = AbortSignal.any([signal, timer.signal]);
  const stdout: string[] = [];
  let status: ExitStatus | null = null;
  try {
    for await (const ev of executor.run({ argv, timeoutMs: Math.max(ms, 1) }, both)) {
      if (ev.type === 'exit') status = ev.status;
      else if (ev.stream === 'stdout') stdout.push(...ev.lines);
    }
  } catch (error) {
    if (isFatalSshError(error)) throw error;
    return { kind: 'failed', message: error instanceof Error ? error.message : String(error), error };
  } finally {
    clearTimeout(t);
  }
  if (signal.aborted) return { kind: 'cancelled' };
  if (!status || status.kind === 'cancelled' || status.kind === 'timedOut') {
    return { kind: 'failed', message: `no answer within ${Math.round(ms / 1000)} s` };
  }
  if (status.kind === 'signaled') return { kind: 'failed', message: `command killed by ${status.signal}` };
  return { kind: 'answered', code: status.code, stdout };
}

export type PollResult = { kind: 'answered'; stdout: string[]; attempts: number } | { kind: 'timedOut'; attempts: number; lastError: string } | { kind: 'cancelled' };

/**
 * Polls the host with fresh connections (like `ssh -o ConnectTimeout host
 * CMD` in a loop) until `argv` exits 0 or `deadline` passes. Yields one line
 * per new kind of failure, so a 60-try wait does not print 60 lines.
 */
export async function* pollUntilAnswer(
  executor: Executor,
  argv: string[],
  o: { deadline: number; intervalMs: number; signal: AbortSignal },
): AsyncGenerator<ExecEvent, PollResult, undefined> {
  let attempts = 0;
  let lastError = '';
  for (;;) {
    if (o.signal.aborted) return { kind: 'cancelled' };
    const remaining = o.deadline - Date.now();
    if (remaining <= 0) return { kind: 'timedOut', attempts, lastError };
    attempts++;
    executor.remote?.disconnect();
    const r = await attempt(executor, argv, Math.min(remaining, ATTEMPT_MS), o.signal);
    if (r.kind === 'cancelled') return r;
    if (r.kind === 'answered' && r.code === 0) return { kind: 'answered', stdout: r.stdout, attempts };
    const message = r.kind === 'answered' ? `\`${argv.join(' ')}\` exited with ${r.code}` : r.message;
    if (message !== lastError) {
      yield line('stderr', `attempt ${attempts}: ${message}`);
      lastError = message;
    }
    await sleep(Math.min(o.intervalMs, o.deadline - Date.now()), o.signal);
  }
}

export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}
