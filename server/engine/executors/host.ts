import type { RemoteLease } from './leases';
import type { SshConnection, SshTarget } from '../ssh/connection';
import type { CommandSpec, DedicatedConnectionOptions, ExecEvent, Executor, PowerCycleSpec, RemoteHostControl } from '../types';
import { SshExecutor, type SshExecutorOptions } from './ssh';

export interface HostExecutorOptions {
  /** The host's name, as recipes write it in `on`. */
  name: string;
  target: SshTarget;
  powerCycle?: PowerCycleSpec | null;
  /** Passed to the SshExecutor (tests inject a connection factory). */
  ssh?: SshExecutorOptions;
}

/**
 * A named remote host: one SshExecutor (so phases of a session reuse one
 * connection) plus what host-watching phases need (`remote`). It counts the
 * commands in flight so that a host edited while a session uses it can be
 * retired: disconnected once its last running command ends, not in the middle.
 */
export class HostExecutor implements Executor {
  readonly name: string;
  readonly remote: RemoteHostControl;
  private readonly ssh: SshExecutor;
  private active = 0;
  private retired = false;

  constructor(o: HostExecutorOptions) {
    this.name = o.name;
    this.ssh = new SshExecutor(o.target, { ...o.ssh, name: o.name });
    const port = o.target.port;
    const label = `${o.name} (${o.target.host}${port && port !== 22 ? `:${port}` : ''})`;
    const ssh = this.ssh;
    this.remote = {
      label,
      powerCycle: o.powerCycle ?? null,
      disconnect: () => ssh.disconnect(),
      whenDisconnected: (signal) =>
        new Promise<void>((resolve) => {
          const conn = ssh.current;
          if (!conn || signal.aborted) return resolve();
          const done = () => {
            off();
            signal.removeEventListener('abort', done);
            resolve();
          };
          const off = conn.onLost(done);
          signal.addEventListener('abort', done, { once: true });
        }),
    };
  }

  async *run(cmd: CommandSpec, signal: AbortSignal): AsyncGenerator<ExecEvent, void, undefined> {
    this.active++;
    try {
      for await (const ev of this.ssh.run(cmd, signal)) {
        if (ev.type === 'exit' && (ev.status.kind === 'timedOut' || ev.status.kind === 'cancelled')) {
          // Say what happened to the remote processes: closing the channel alone would have left them running.
          const line =
            ev.status.kind === 'timedOut'
              ? `[bisect] timed out after ${(ev.status.afterMs / 1000).toFixed(1)} s: killed the command's whole process group on ${this.remote.label}`
              : `[bisect] cancelled: killed the command's whole process group on ${this.remote.label} (if it had started)`;
          yield { type: 'output', stream: 'stderr', lines: [line] };
        }
        yield ev;
      }
    } finally {
      this.active--;
      if (this.retired && this.active === 0) this.ssh.disconnect();
    }
  }

  /** Kills a group a previous server left on this host (see SshExecutor.reapGroup). */
  reapGroup(lease: RemoteLease, sessionId: string): Promise<boolean> {
    return this.ssh.reapGroup(lease, sessionId);
  }

  /** A connection of the caller's own to this host (transfer copies); see `Executor.openConnection`. */
  openConnection(options: DedicatedConnectionOptions): Promise<SshConnection> {
    return this.ssh.openConnection(options);
  }

  /**
   * The host was edited or removed: drop the connection now if idle, else when
   * the last running command ends. Commands still work (a phase in the middle
   * of a reboot finishes), they just do not keep a connection afterwards.
   */
  retire(): void {
    this.retired = true;
    if (this.active === 0) this.ssh.disconnect();
  }

  close(): void {
    this.retired = true;
    this.ssh.close();
  }
}
