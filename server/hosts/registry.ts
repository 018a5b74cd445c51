import type { Db } from '../../db/client';
import { hostsStamp, listHostKeys, listHostRows } from '../../db/queries/hosts';
import type { Host, HostKey } from '../../db/schema';

/**
 * The hosts and their pinned keys as this process last read them, so that
 * phases can be given an executor synchronously. Other processes (runners on
 * PostgreSQL, the web server with ENGINE=off) write the same tables: `refresh`
 * compares a cheap stamp (hostsStamp: ids, updated_at values and key counts)
 * and reloads only when it changed. Callers refresh before they rely on the
 * snapshot (a session starting, an edit) and may poll (see HostService).
 */
export class HostRegistry {
  private rows = new Map<string, Host>();
  private keys: HostKey[] = [];
  /** Pins recorded in memory whose database write has not finished yet. */
  private readonly pendingPins = new Set<HostKey>();
  private stamp: string | null = null;
  private refreshing: Promise<boolean> | null = null;

  constructor(private readonly db: Db) {}

  /** Reads everything again. */
  async load(): Promise<void> {
    const stamp = await hostsStamp(this.db);
    const [rows, keys] = await Promise.all([listHostRows(this.db), listHostKeys(this.db)]);
    this.rows = new Map(rows.map((r) => [r.id, r]));
    // Pins still being written are kept: a reload must not reopen a host's first contact.
    this.keys = [...keys, ...[...this.pendingPins].filter((p) => !keys.some((k) => samePin(k, p)))];
    this.stamp = stamp;
  }

  /** Reloads if another process (or this one) changed the tables since; true if it did. Concurrent calls share one check. */
  refresh(): Promise<boolean> {
    this.refreshing ??= (async () => {
      try {
        if ((await hostsStamp(this.db)) === this.stamp) return false;
        await this.load();
        return true;
      } finally {
        this.refreshing = null;
      }
    })();
    return this.refreshing;
  }

  all(): Host[] {
    return [...this.rows.values()];
  }

  byName(name: string): Host | undefined {
    return this.all().find((h) => h.name === name);
  }

  keysOf(hostId: string): HostKey[] {
    return this.keys.filter((k) => k.hostId === hostId);
  }

  /**
   * Records a pin in memory at once (so a concurrent first contact in this
   * process sees it), then runs `write`; until it finishes a reload keeps it.
   * A write that fails (another process pinned another key first) takes the
   * pin back out.
   */
  async addPin(pin: HostKey, write: () => Promise<void>): Promise<void> {
    const added = !this.keys.some((k) => samePin(k, pin));
    if (added) this.keys.push(pin);
    this.pendingPins.add(pin);
    try {
      await write();
    } catch (err) {
      if (added) this.keys = this.keys.filter((k) => k !== pin);
      throw err;
    } finally {
      this.pendingPins.delete(pin);
    }
  }
}

type PinIdentity = Pick<HostKey, 'hostId' | 'host' | 'port' | 'keyBase64'>;

function samePin(a: PinIdentity, b: PinIdentity): boolean {
  return a.hostId === b.hostId && a.host === b.host && a.port === b.port && a.keyBase64 === b.keyBase64;
}
