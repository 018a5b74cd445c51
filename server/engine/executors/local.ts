import { spawn, type ChildProcess } from 'node:child_process';
import type { Readable } from 'node:stream';
import { AsyncQueue } from '../util/async-queue';
import { releaseLease, writeLease } from './leases';
import { LineSplitter } from '../util/line-splitter';
import { childEnvironment, inheritedEnvironment, type Environment } from './child-env';
import { InfraError, type CommandSpec, type ExecEvent, type ExitStatus, type Executor } from '../types';

/** Output batches buffered before the child's pipes are paused (backpressure). */
const MAX_BUFFERED_BATCHES = 64;
/** Grace between SIGTERM and SIGKILL when a process tree is stopped. */
const KILL_GRACE_MS = 2000;
/** After the main process exits, how long to wait for its pipes to close. */
const PIPE_CLOSE_GRACE_MS = 300;

/**
 * Runs commands on this machine. Each command gets its own process group, so a
 * timeout or cancel kills the whole tree (SIGTERM, then SIGKILL). Processes a
 * command deliberately leaves behind after a normal exit (a VM started in the
 * background) are not touched.
 */
export interface LocalExecutorOptions {
  /**
   * The server variables commands inherit (default: `inheritedEnvironment()`,
   * the allowlisted environment set at start). Never the whole process.env:
   * see child-env.ts. Each command's own `env` is laid over it.
   */
  baseEnv?: Environment;
}

export class LocalExecutor implements Executor {
  readonly name = 'local';
  private readonly baseEnv: Environment | undefined;

  constructor(o: LocalExecutorOptions = {}) {
    this.baseEnv = o.baseEnv;
  }

  async *run(cmd: CommandSpec, signal: AbortSignal): AsyncIterable<ExecEvent> {
    const [program, ...args] = cmd.argv;
    if (!program) throw new InfraError('empty command');
    const queue = new AsyncQueue<ExecEvent>();
    const child = spawnChild(program, args, cmd, this.baseEnv ?? inheritedEnvironment());
    // Synchronous on purpose: awaiting here would let `exit` fire before its listener exists.
    if (cmd.leaseFile && child.pid !== undefined) writeLease(cmd.leaseFile, child.pid);
    const stop = stopper(child);
    let ended: ExitStatus | null = null;

    const timer = setTimeout(() => {
      ended = { kind: 'timedOut', afterMs: cmd.timeoutMs };
      stop();
    }, cmd.timeoutMs);
    const onAbort = () => {
      ended ??= { kind: 'cancelled' };
      stop();
    };
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });

    const pumps = [pump(child.stdout, 'stdout', queue), pump(child.stderr, 'stderr', queue)];
    child.once('error', (err) => queue.fail(new InfraError(`cannot run ${program}: ${err.message}`, { cause: err })));
    child.once('exit', (code, sig) => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      const status: ExitStatus = ended ?? (sig ? { kind: 'signaled', signal: sig } : { kind: 'exited', code: code ?? -1 });
      void closePipes(child, pumps).then(() => {
        queue.push({ type: 'exit', status });
        queue.close();
      });
    });

    try {
      for await (const event of queue) {
        yield event;
        if (queue.size < MAX_BUFFERED_BATCHES / 2) resumePipes(child);
      }
    } finally {
      if (cmd.leaseFile) releaseLease(cmd.leaseFile);
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      if (child.exitCode === null && child.signalCode === null) stop();
    }

    function pump(stream: Readable | null, name: 'stdout' | 'stderr', q: AsyncQueue<ExecEvent>): Promise<void> {
      if (!stream) return Promise.resolve();
      const splitter = new LineSplitter();
      return new Promise((resolve) => {
        stream.on('data', (chunk: Buffer) => {
          const lines = splitter.push(chunk);
          if (lines.length > 0) q.push({ type: 'output', stream: name, lines });
          if (q.size >= MAX_BUFFERED_BATCHES) stream.pause();
        });
        const finish = () => {
          const rest = splitter.flush();
          if (rest.length > 0) q.push({ type: 'output', stream: name, lines: rest });
          resolve();
        };
        stream.once('end', finish);
        stream.once('close', finish);
      });
    }
  }
}

function spawnChild(program: string, args: string[], cmd: CommandSpec, baseEnv: Environment): ChildProcess {
  return spawn(program, args, {
    cwd: cmd.cwd,
    env: childEnvironment(baseEnv, cmd.env),
    detached: true, // own process group: kill(-pid) reaches the whole tree
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

function resumePipes(child: ChildProcess): void {
  if (child.stdout?.isPaused()) child.stdout.resume();
  if (child.stderr?.isPaused()) child.stderr.resume();
}

/** Returns a function that kills the child's process group, once. */
function stopper(child: ChildProcess): () => void {
  let stopping = false;
  return () => {
    if (stopping) return;
    stopping = true;
    resumePipes(child); // a paused pipe must not keep a dying child blocked on write
    killGroup(child, 'SIGTERM');
    setTimeout(() => killGroup(child, 'SIGKILL'), KILL_GRACE_MS).unref();
  };
}

function killGroup(child: ChildProcess, sig: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, sig);
  } catch {
    // group already gone
  }
}

/** Waits for the pipes to drain; a background grandchild holding them open is cut off. */
async function closePipes(child: ChildProcess, pumps: Promise<void>[]): Promise<void> {
  resumePipes(child);
  const all = Promise.all(pumps);
  const timeout = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), PIPE_CLOSE_GRACE_MS).unref());
  if ((await Promise.race([all, timeout])) === 'timeout') {
    child.stdout?.destroy();
    child.stderr?.destroy();
    await all;
  }
}
