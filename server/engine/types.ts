import type { RemoteLease } from './executors/leases';

/**
 * Core types of the bisect engine. The engine imports nothing from next, @trpc,
 * react or the DB: the web layer listens to its events and hands it executors.
 */

/** Canonical verdict of a tested commit. `good` is git's old term, `bad` the new term. */
export type Verdict = 'good' | 'bad' | 'skip';

/** What a phase failure or timeout means, as configured in the recipe. */
export type FailureMeaning = 'exitcode' | 'bad' | 'skip' | 'abort';
export type TimeoutMeaning = 'bad' | 'skip' | 'abort';

/** Outcome of one phase, after the verdict rules were applied. */
export type PhaseOutcome = 'pass' | 'bad' | 'skip' | 'abort';

/** How a command ended, as reported by an executor. */
export type ExitStatus =
  | { kind: 'exited'; code: number }
  | { kind: 'signaled'; signal: string }
  | { kind: 'timedOut'; afterMs: number }
  | { kind: 'cancelled' };

export type OutputStream = 'stdout' | 'stderr';

/** Events an executor yields while a command runs. The last one is always `exit`. */
export type ExecEvent =
  | { type: 'output'; stream: OutputStream; lines: string[] }
  | {
      type: 'exit';
      status: ExitStatus;
      /**
       * Set by phases that decide for themselves (e.g. a reboot that booted the
       * wrong kernel is a skip whatever the exit status): replaces the verdict
       * rules for this phase. Executors never set it.
       */
      decision?: { outcome: PhaseOutcome; reason: string };
    };

export interface CommandSpec {
  /** argv[0] is the program; never a shell string built from user input. */
  argv: string[];
  cwd?: string;
  env?: Record<string, string>;
  timeoutMs: number;
  /**
   * Where the executor records the running command's process group while it
   * runs, so a restarted server can kill what a crashed one left behind.
   */
  leaseFile?: string;
  /**
   * Remote commands: told the process group once it is known, and null when
   * the command ended, so the lease is also kept where a runner on another
   * machine finds it (the session's event log).
   */
  onRemoteLease?: (lease: RemoteLease | null) => void;
}

/**
 * A host's power-cycle command (e.g. `virsh reset NAME` on the hypervisor, an
 * IPMI call): a bash command line run on `on` (`local` or another host's name)
 * when a rebooted host does not come back in time.
 */
export interface PowerCycleSpec {
  on: string;
  run: string;
}

/** What phases that watch a host go down and come back (wait-for-ssh, reboot) need beyond `run`. */
export interface RemoteHostControl {
  /** `name (address:port)`, for messages. */
  readonly label: string;
  /** Drops the current connection (if any): the next command connects afresh. */
  disconnect(): void;
  /** Resolves once the current connection is lost (at once when there is none), or when `signal` aborts. */
  whenDisconnected(signal: AbortSignal): Promise<void>;
  readonly powerCycle: PowerCycleSpec | null;
}

export interface DedicatedConnectionOptions {
  /** Aborting rejects and tears the attempt down. */
  signal: AbortSignal;
  /** Keepalive settings of this connection (default: the host's). */
  keepaliveIntervalMs?: number;
  keepaliveCountMax?: number;
}

/**
 * A connection an executor opened for one caller, who closes it. The core
 * needs no more of it; what else it offers belongs to the transport (SSH
 * executors return ssh/connection.ts's SshConnection: see
 * `opensSshConnections` in executors/ssh.ts, which the transfer phase uses).
 */
export interface DedicatedConnection {
  close(): void;
}

/** Runs a command somewhere (locally, over SSH) and streams its output. */
export interface Executor {
  readonly name: string;
  /**
   * SSH hosts only: a new connection of the caller's own (same target, keys and
   * host key checks), which the caller closes. Bulk copies use it so that the
   * bytes on its socket are theirs alone and tearing down a stalled copy does
   * not cut other commands off.
   */
  openConnection?(options: DedicatedConnectionOptions): Promise<DedicatedConnection>;
  /** Present on executors of remote hosts. */
  readonly remote?: RemoteHostControl;
  /**
   * Runs the command. On timeout or abort the whole process tree is killed and
   * the exit event reports `timedOut` / `cancelled`. Infrastructure failures
   * (cannot spawn, host unreachable) throw an `InfraError`.
   */
  run(cmd: CommandSpec, signal: AbortSignal): AsyncIterable<ExecEvent>;
}

/** A failure of the environment (host down, cannot spawn, disk full): never a verdict. */
export class InfraError extends Error {
  override readonly name = 'InfraError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** A problem with what the user asked for (bad ref, not a repo): reported as-is. */
export class UserInputError extends Error {
  override readonly name = 'UserInputError';
  constructor(
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

/**
 * Brand checks that work across bundles: Next.js may load this module twice
 * (instrumentation and route bundles), so `instanceof` is not reliable.
 */
export function isUserInputError(e: unknown): e is UserInputError {
  return e instanceof Error && e.name === 'UserInputError';
}

export function isInfraError(e: unknown): e is InfraError {
  return e instanceof Error && e.name === 'InfraError';
}

export function assertNever(value: never): never {
  throw new Error(`unexpected value: ${JSON.stringify(value)}`);
}
