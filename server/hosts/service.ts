import { randomBytes, randomUUID } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import type { Db } from '../../db/client';
import { deleteHost, deleteHostKeys, getHostRow, insertHost, updateHost } from '../../db/queries/hosts';
import type { Host, HostKeyPolicy } from '../../db/schema';
import { HostExecutor } from '../engine/executors/host';
import type { PinnedKey, SshTarget } from '../engine/ssh/connection';
import { UserInputError, type Executor, type PowerCycleSpec } from '../engine/types';
import { SecretBox } from '../secrets/box';
import { ExecutorPool } from './executor-pool';
import { passphraseOf, sealPassphrase } from './passphrases';
import { HostRegistry } from './registry';
import { hostTarget } from './targets';
import { HostTrust, type HostTestResult } from './trust';
import { checkIdentityFile, hostFieldsSchema, normalizePowerCycle, parseFields, type HostFieldsInput } from './validation';

export type { HostTestResult } from './trust';

/** A host as the API shows it: never the passphrase, only whether there is one. */
export interface HostView {
  id: string;
  name: string;
  address: string;
  port: number | null;
  user: string | null;
  identityFile: string | null;
  hasPassphrase: boolean;
  useAgent: boolean;
  hostKeyPolicy: HostKeyPolicy;
  powerCycle: PowerCycleSpec | null;
  pinnedKeys: Array<{ host: string; port: number; keyType: string; fingerprint: string; addedAt: Date }>;
  createdAt: Date;
  updatedAt: Date;
}

export type CreateHostInput = HostFieldsInput;
export type UpdateHostInput = Partial<HostFieldsInput> & { id: string; forgetPinnedKeys?: boolean };

export interface HostServiceOptions {
  db: Db;
  /** What `executorFor('local')` returns. */
  local?: Executor;
  /** known_hosts files besides the app's pinned keys; default ~/.ssh/known_hosts and /etc/ssh/ssh_known_hosts. */
  knownHostsFiles?: string[];
  /** ssh client config for aliases; undefined = ~/.ssh/config, null = none. */
  sshConfigPath?: string | null;
  /** ssh-agent socket for hosts with useAgent (the server's $SSH_AUTH_SOCK). */
  agentSocket?: string | undefined;
  /** Connection timing; the defaults notice a dead host within 20 s. */
  timing?: { readyTimeoutMs?: number; keepaliveIntervalMs?: number; keepaliveCountMax?: number };
  /**
   * Poll the tables for changes made by other processes this often (runners
   * and the web server on one PostgreSQL). Unset: no polling (one process owns
   * the database, as with PGlite); `refresh()` still checks when called.
   */
  refreshIntervalMs?: number;
  /** Bound on "test connection" after connecting. */
  testTimeoutMs?: number;
  /**
   * Seals key passphrases in the database (the runtime passes the box of
   * DATA_DIR/secret.key). Default: a box with a random key, for tests: its
   * passphrases cannot be opened by another HostService.
   */
  secretBox?: SecretBox;
}

export function defaultKnownHostsFiles(home = os.homedir()): string[] {
  return [path.join(home, '.ssh', 'known_hosts'), '/etc/ssh/ssh_known_hosts'];
}

/**
 * The hosts phases run on: CRUD with validation, and the executor of a host
 * for a phase's `on`. What it knows of the hosts is a snapshot (registry.ts)
 * kept current across processes by `refresh()`; the executors are pooled
 * (executor-pool.ts) and trust, "test connection" and accepting a key are
 * trust.ts's.
 */
export class HostService {
  private readonly registry: HostRegistry;
  private readonly pool: ExecutorPool;
  private readonly trust: HostTrust;
  private readonly knownHostsFiles: string[];
  private readonly box: SecretBox;
  private poller: NodeJS.Timeout | undefined;

  constructor(private readonly o: HostServiceOptions) {
    this.knownHostsFiles = o.knownHostsFiles ?? defaultKnownHostsFiles();
    this.box = o.secretBox ?? SecretBox.forKey(randomBytes(32));
    this.registry = new HostRegistry(o.db);
    this.pool = new ExecutorPool((row) => new HostExecutor({ name: row.name, target: this.target(row), powerCycle: row.powerCycle ?? null }));
    this.trust = new HostTrust({
      db: o.db,
      registry: this.registry,
      target: (row, onPinned) => this.target(row, onPinned),
      changed: (id) => this.pool.retire(id),
      testTimeoutMs: o.testTimeoutMs,
    });
  }

  /** Reads the hosts; with `refreshIntervalMs`, starts watching for other processes' changes. */
  async load(): Promise<void> {
    await this.registry.load();
    this.syncPool();
    if (this.o.refreshIntervalMs !== undefined && !this.poller) {
      this.poller = setInterval(() => {
        this.refresh().catch((err: unknown) => console.error('could not re-read the hosts:', err));
      }, this.o.refreshIntervalMs);
      this.poller.unref();
    }
  }

  /** Brings the snapshot up to date if any process changed the hosts since (a cheap check when nothing did). */
  async refresh(): Promise<void> {
    if (await this.registry.refresh()) this.syncPool();
  }

  /** After a write of our own: read again whatever the stamp says (two writes within one millisecond share it). */
  private async reload(): Promise<void> {
    await this.registry.load();
    this.syncPool();
  }

  async list(): Promise<HostView[]> {
    await this.refresh();
    return this.registry
      .all()
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((h) => this.view(h));
  }

  names(): string[] {
    return this.registry.all().map((h) => h.name);
  }

  async create(input: CreateHostInput): Promise<{ id: string }> {
    const f = parseFields(hostFieldsSchema, input);
    await this.refresh();
    this.assertNameFree(f.name);
    const powerCycle = normalizePowerCycle(f.powerCycle) ?? null;
    this.checkPowerCycle(powerCycle, f.name);
    if (f.identityFile) await checkIdentityFile(f.identityFile, f.passphrase);
    const id = randomUUID();
    const row = {
      id,
      name: f.name,
      address: f.address,
      port: f.port ?? null,
      user: f.user ?? null,
      identityFile: f.identityFile ?? null,
      passphrase: f.passphrase ? sealPassphrase(this.box, f.passphrase) : null,
      useAgent: f.useAgent ?? false,
      hostKeyPolicy: f.hostKeyPolicy ?? 'strict',
      powerCycle,
    };
    await this.write(() => insertHost(this.o.db, row), f.name);
    await this.reload();
    return { id };
  }

  /** Changes the given fields; `passphrase: null` or `''` clears it, leaving it out keeps it. */
  async update(input: UpdateHostInput): Promise<{ id: string }> {
    const current = await this.requireRow(input.id);
    const { id, forgetPinnedKeys, ...rest } = input;
    const f = parseFields(hostFieldsSchema.partial(), rest);
    if (f.name !== undefined && f.name !== current.name) this.assertNameFree(f.name);
    const name = f.name ?? current.name;
    const powerCycle = normalizePowerCycle(f.powerCycle);
    if (powerCycle !== undefined) this.checkPowerCycle(powerCycle, name);
    const patch: Partial<Host> = {};
    if (f.name !== undefined) patch.name = f.name;
    if (f.address !== undefined) patch.address = f.address;
    if (f.port !== undefined) patch.port = f.port;
    if (f.user !== undefined) patch.user = f.user;
    if (f.identityFile !== undefined) patch.identityFile = f.identityFile;
    if (f.passphrase !== undefined) patch.passphrase = f.passphrase ? sealPassphrase(this.box, f.passphrase) : null;
    if (f.useAgent !== undefined) patch.useAgent = f.useAgent;
    if (f.hostKeyPolicy !== undefined) patch.hostKeyPolicy = f.hostKeyPolicy;
    if (powerCycle !== undefined) patch.powerCycle = powerCycle;
    const identityFile = patch.identityFile !== undefined ? patch.identityFile : current.identityFile;
    const passphrase = f.passphrase !== undefined ? f.passphrase || null : passphraseOf(this.box, current);
    if (identityFile && (patch.identityFile !== undefined || patch.passphrase !== undefined)) await checkIdentityFile(identityFile, passphrase);
    await this.write(() => updateHost(this.o.db, id, patch), name);
    if (forgetPinnedKeys) await deleteHostKeys(this.o.db, id);
    this.pool.retire(id);
    await this.reload();
    return { id };
  }

  async remove(id: string): Promise<{ removed: boolean }> {
    const row = await this.requireRow(id);
    const users = this.registry.all().filter((h) => h.id !== id && h.powerCycle?.on === row.name).map((h) => h.name);
    if (users.length > 0) {
      throw new UserInputError(`${row.name} runs the power-cycle command of ${users.join(', ')}: change that first`, 'id');
    }
    const removed = await deleteHost(this.o.db, id);
    this.pool.retire(id);
    await this.reload();
    return { removed };
  }

  /** Connects, runs `uname -r`, disconnects. An accept-new host's unknown key is pinned here. */
  async test(id: string): Promise<HostTestResult> {
    return this.trust.test(await this.requireRow(id));
  }

  /** Pins the key the host presents now if it is `fingerprint` (see HostTrust.acceptKey). */
  async acceptKey(id: string, fingerprint: string): Promise<{ fingerprint: string; host: string; port: number }> {
    return this.trust.acceptKey(await this.requireRow(id), fingerprint);
  }

  /**
   * The executor for a phase's `on`: `local`, or the pooled executor of the
   * host of that name (reused by later phases and sessions until the host
   * changes). Unknown names are a UserInputError. Answers from the snapshot:
   * call `refresh()` first where another process may have just added the host.
   */
  executorFor(name: string): Executor {
    if (name === 'local' && this.o.local) return this.o.local;
    const row = this.registry.byName(name);
    if (!row) {
      const known = this.names();
      throw new UserInputError(
        `phase runs on unknown host \`${name}\`: add it on the Hosts page or use "local"` +
          (known.length > 0 ? ` (hosts: ${known.join(', ')})` : ''),
        'recipe',
      );
    }
    return this.pool.get(row, this.registry.keysOf(row.id));
  }

  /** Closes every pooled connection and stops polling (server shutdown). */
  close(): void {
    clearInterval(this.poller);
    this.poller = undefined;
    this.pool.close();
  }

  private view(h: Host): HostView {
    return {
      id: h.id,
      name: h.name,
      address: h.address,
      port: h.port,
      user: h.user,
      identityFile: h.identityFile,
      hasPassphrase: Boolean(h.passphrase),
      useAgent: h.useAgent,
      hostKeyPolicy: h.hostKeyPolicy,
      powerCycle: h.powerCycle ?? null,
      pinnedKeys: this.registry
        .keysOf(h.id)
        .map((k) => ({ host: k.host, port: k.port, keyType: k.keyType, fingerprint: k.fingerprint, addedAt: k.addedAt })),
      createdAt: h.createdAt,
      updatedAt: h.updatedAt,
    };
  }

  private target(row: Host, onPinned?: (key: PinnedKey) => void | Promise<void>): SshTarget {
    const settings = { knownHostsFiles: this.knownHostsFiles, sshConfigPath: this.o.sshConfigPath, agentSocket: this.o.agentSocket, timing: this.o.timing };
    return hostTarget(row, this.registry.keysOf(row.id), passphraseOf(this.box, row), settings, onPinned ?? ((key) => this.pinFromPhase(row, key)));
  }

  /**
   * accept-new while a phase connects: claimed in memory now (throws for a
   * second key), then in the database, which the connection waits for (a key
   * another process pinned first refuses this one).
   */
  private async pinFromPhase(row: Host, key: PinnedKey): Promise<void> {
    const write = this.trust.claimPin(row.id, key);
    this.pool.pinnedByExecutor(row, this.registry.keysOf(row.id));
    await write;
  }

  private syncPool(): void {
    this.pool.sync((id) => {
      const row = this.registry.all().find((h) => h.id === id);
      return row ? { row, keys: this.registry.keysOf(id) } : undefined;
    });
  }

  private async requireRow(id: string): Promise<Host> {
    if (!z.string().uuid().safeParse(id).success) throw new UserInputError(`no host ${id}`, 'id');
    await this.refresh(); // the names and keys checks below and the target read the snapshot
    const row = await getHostRow(this.o.db, id); // the database, not the snapshot: another process may have changed it
    if (!row) throw new UserInputError(`no host ${id}: it may have been removed`, 'id');
    return row;
  }

  private assertNameFree(name: string): void {
    if (this.registry.byName(name)) {
      throw new UserInputError(`a host named ${name} already exists: choose another name or edit that host`, 'name');
    }
  }

  private checkPowerCycle(pc: PowerCycleSpec | null, self: string): void {
    if (!pc || pc.on === 'local') return;
    if (pc.on === self) throw new UserInputError('a host cannot power-cycle itself: run the command locally or on its hypervisor', 'powerCycle');
    if (!this.names().includes(pc.on)) {
      throw new UserInputError(`power cycle runs on unknown host \`${pc.on}\`: add it first, or use "local"`, 'powerCycle');
    }
  }

  /** Runs a write; a unique violation on the name (a race with another request) becomes the friendly message. */
  private async write(fn: () => Promise<void>, name: string): Promise<void> {
    try {
      await fn();
    } catch (err) {
      const code = (err as { code?: string; cause?: { code?: string } }).code ?? (err as { cause?: { code?: string } }).cause?.code;
      if (code === '23505') throw new UserInputError(`a host named ${name} already exists: choose another name or edit that host`, 'name');
      throw err;
    }
  }
}
