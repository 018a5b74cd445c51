import type { Host, HostKey } from '../../db/schema';
import { HostExecutor } from '../engine/executors/host';

/**
 * One HostExecutor per host, so the phases of a session (and later sessions)
 * reuse one SSH connection. Each is built from a version of its host (the
 * row's updated_at and its pinned keys); once the host is edited, removed, or
 * given keys elsewhere, the executor is retired (it disconnects after its last
 * running command) and the next request builds a fresh one.
 */
export class ExecutorPool {
  private readonly entries = new Map<string, { executor: HostExecutor; version: string }>();

  constructor(private readonly build: (row: Host) => HostExecutor) {}

  get(row: Host, keys: readonly HostKey[]): HostExecutor {
    const version = versionOf(row, keys);
    const hit = this.entries.get(row.id);
    if (hit && hit.version === version) return hit.executor;
    if (hit) hit.executor.retire();
    const executor = this.build(row);
    this.entries.set(row.id, { executor, version });
    return executor;
  }

  /** A key the host's own executor pinned (accept-new): it knows the key already, so it is not retired for it. */
  pinnedByExecutor(row: Host, keys: readonly HostKey[]): void {
    const hit = this.entries.get(row.id);
    if (hit) hit.version = versionOf(row, keys);
  }

  /** Retires executors whose host changed or is gone. */
  sync(current: (id: string) => { row: Host; keys: readonly HostKey[] } | undefined): void {
    for (const [id, entry] of this.entries) {
      const now = current(id);
      if (!now || versionOf(now.row, now.keys) !== entry.version) this.retire(id);
    }
  }

  retire(id: string): void {
    this.entries.get(id)?.executor.retire();
    this.entries.delete(id);
  }

  close(): void {
    for (const { executor } of this.entries.values()) executor.close();
    this.entries.clear();
  }
}

function versionOf(row: Host, keys: readonly HostKey[]): string {
  return [row.updatedAt.getTime(), ...keys.map((k) => `${k.host}:${k.port}:${k.keyBase64}`).sort()].join('\n');
}
