import { randomBytes, randomUUID } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import type { Db } from '../../db/client';
import {
  deleteHost,
  deleteHostKeys,
  getHostRow,
  insertHost,
  insertHostKey,
  listHostKeys,
  listHostRows,
  updateHost,
} from '../../db/queries/hosts';
import type { Host, HostKey, HostKeyPolicy } from '../../db/schema';
import { HostExecutor } from '../engine/executors/host';
import { probe } from './probe';
import { connectSsh, type PinnedKey, type SshTarget } from '../engine/ssh/connection';
import { claimFirstContact } from '../engine/ssh/first-contact';
import { fingerprintSha256 } from '../engine/ssh/known-hosts';
import { UserInputError, type Executor, type PowerCycleSpec } from '../engine/types';
import { SecretBox } from '../secrets/box';
import { openSealedPassphrase, SEALED_PREFIX, sealPassphrase } from './passphrases';
import {
  checkIdentityFile,
  expandHome,
  hostFieldsSchema,
  normalizePowerCycle,
  parseFields,
  type HostFieldsInput,
} from './validation';

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

/** "Test connection": reachability, the key the host presented, `uname -r`, time. */
export interface HostTestResult {
  ok: boolean;
  fingerprint: string | null;
  kernel: string | null;
  ms: number;
  error?: string;
  /** SshError code: HOST_KEY_UNKNOWN offers "accept", HOST_KEY_CHANGED shows both fingerprints. */
  code?: string;
  /** For HOST_KEY_CHANGED: the fingerprints known (known_hosts or pinned) for the host. */
  expectedFingerprints?: string[];
  /** An accept-new host whose key was pinned by this test. */
  pinned?: boolean;
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
 * The hosts phases run on: CRUD with validation, "test connection", accepting
 * an unknown host key, and one cached executor per host so the phases of a
 * session reuse one SSH connection. Hosts are read once (`load`) and kept in
 * memory, so `executorFor` can answer synchronously; this process is the only
 * writer of the table.
 */
export class HostService {
  private readonly byId = new Map<string, Host>();
  private keys: HostKey[] = [];
  /** Pins recorded in memory whose database write has not finished yet. */
  private readonly pendingPins = new Set<HostKey>();
  private readonly executors = new Map<string, HostExecutor>();
  private readonly knownHostsFiles: string[];
  private readonly box: SecretBox;

  constructor(private readonly o: HostServiceOptions) {
    this.knownHostsFiles = o.knownHostsFiles ?? defaultKnownHostsFiles();
    this.box = o.secretBox ?? SecretBox.forKey(randomBytes(32));
  }

  async load(): Promise<void> {
    const [rows, keys] = await Promise.all([listHostRows(this.o.db), listHostKeys(this.o.db)]);
    this.byId.clear();
    for (const r of rows) this.byId.set(r.id, r);
    // Pins still being written are kept: a reload must not reopen a host's first contact.
    this.keys = [...keys, ...[...this.pendingPins].filter((p) => !keys.some((k) => samePin(k, p)))];
  }

  async list(): Promise<HostView[]> {
    await this.load();
    return [...this.byId.values()].sort((a, b) => a.name.localeCompare(b.name)).map((h) => this.view(h));
  }

  names(): string[] {
    return [...this.byId.values()].map((h) => h.name);
  }

  async create(input: CreateHostInput): Promise<{ id: string }> {
    const f = parseFields(hostFieldsSchema, input);
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
    await this.load();
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
    const passphrase = f.passphrase !== undefined ? f.passphrase || null : this.passphraseOf(current);
    if (identityFile && (patch.identityFile !== undefined || patch.passphrase !== undefined)) await checkIdentityFile(identityFile, passphrase);
    await this.write(() => updateHost(this.o.db, id, patch), name);
    if (forgetPinnedKeys) await deleteHostKeys(this.o.db, id);
    this.retire(id);
    await this.load();
    return { id };
  }

  async remove(id: string): Promise<{ removed: boolean }> {
    const row = await this.requireRow(id);
    const users = [...this.byId.values()].filter((h) => h.id !== id && h.powerCycle?.on === row.name).map((h) => h.name);
    if (users.length > 0) {
      throw new UserInputError(`${row.name} runs the power-cycle command of ${users.join(', ')}: change that first`, 'id');
    }
    const removed = await deleteHost(this.o.db, id);
    this.retire(id);
    await this.load();
    return { removed };
  }

  /** Connects, runs `uname -r`, disconnects. An accept-new host's unknown key is pinned here. */
  async test(id: string): Promise<HostTestResult> {
    const row = await this.requireRow(id);
    const stored: Promise<void>[] = [];
    const target = this.target(row, (key) => {
      const write = this.claimPin(row.id, key);
      if (write) stored.push(write);
    });
    const r = await probe(target, this.o.testTimeoutMs !== undefined ? { timeoutMs: this.o.testTimeoutMs } : {});
    await Promise.all(stored);
    if (stored.length > 0) this.retire(row.id);
    const result: HostTestResult = { ok: r.ok, fingerprint: r.fingerprint, kernel: r.kernel, ms: r.ms };
    if (r.error !== undefined) result.error = r.error;
    if (r.code !== undefined) result.code = r.code;
    if (r.expectedFingerprints) result.expectedFingerprints = r.expectedFingerprints;
    if (stored.length > 0) result.pinned = true;
    return result;
  }

  /**
   * Pins the key the host presents right now, if it is the one the user saw
   * (`fingerprint`) and no other key is known for the host. A changed key is
   * never accepted here: that needs the old key removed first.
   */
  async acceptKey(id: string, fingerprint: string): Promise<{ fingerprint: string; host: string; port: number }> {
    const row = await this.requireRow(id);
    const want = fingerprint.trim();
    let seen: PinnedKey | undefined;
    // Connect as accept-new and refuse in the pin callback: we learn the key
    // exactly as the host presents it (through jump hosts and aliases too)
    // without authenticating or trusting anything.
    const target: SshTarget = {
      ...this.target(row),
      hostKeyPolicy: 'accept-new',
      onNewKeyPinned: (key) => {
        seen ??= key;
        throw new Error('not pinned yet');
      },
    };
    try {
      const conn = await connectSsh(target);
      conn.close();
    } catch (err) {
      if (!seen) throw this.acceptRefusal(row, err);
    }
    if (!seen) throw new UserInputError(`the host key of ${row.name} is already trusted: nothing to accept`, 'fingerprint');
    const presented = fingerprintSha256(Buffer.from(seen.keyBase64, 'base64'));
    if (presented !== want) {
      throw new UserInputError(
        `${row.name} now presents ${presented}, not ${want}: test the connection again and compare before accepting`,
        'fingerprint',
      );
    }
    let write: Promise<void> | null;
    try {
      write = this.claimPin(row.id, seen); // another connection may have pinned a key since
    } catch (err) {
      throw this.acceptRefusal(row, err);
    }
    await write;
    this.retire(row.id);
    return { fingerprint: presented, host: seen.host, port: seen.port };
  }

  /**
   * The executor for a phase's `on`: `local`, or the cached executor of the
   * host of that name (created on first use, reused by later phases and
   * sessions). Unknown names are a UserInputError.
   */
  executorFor(name: string): Executor {
    if (name === 'local' && this.o.local) return this.o.local;
    const row = [...this.byId.values()].find((h) => h.name === name);
    if (!row) {
      const known = this.names();
      throw new UserInputError(
        `phase runs on unknown host \`${name}\`: add it on the Hosts page or use "local"` +
          (known.length > 0 ? ` (hosts: ${known.join(', ')})` : ''),
        'recipe',
      );
    }
    let e = this.executors.get(row.id);
    if (!e) {
      e = new HostExecutor({ name: row.name, target: this.target(row), powerCycle: row.powerCycle ?? null });
      this.executors.set(row.id, e);
    }
    return e;
  }

  /** Closes every cached connection (server shutdown). */
  close(): void {
    for (const e of this.executors.values()) e.close();
    this.executors.clear();
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
      pinnedKeys: this.keys
        .filter((k) => k.hostId === h.id)
        .map((k) => ({ host: k.host, port: k.port, keyType: k.keyType, fingerprint: k.fingerprint, addedAt: k.addedAt })),
      createdAt: h.createdAt,
      updatedAt: h.updatedAt,
    };
  }

  private target(row: Host, onPinned?: (key: PinnedKey) => void): SshTarget {
    const t: SshTarget = {
      host: row.address,
      useAgent: row.useAgent,
      hostKeyPolicy: row.hostKeyPolicy,
      knownHostsFiles: this.knownHostsFiles,
      pinnedKeys: this.keys
        .filter((k) => k.hostId === row.id)
        .map((k) => ({ host: k.host, port: k.port, keyType: k.keyType, keyBase64: k.keyBase64 })),
      onNewKeyPinned:
        onPinned ??
        ((key) => {
          // accept-new while a phase connects: claimed now (throws for a second key), stored in the background.
          void this.claimPin(row.id, key)?.catch((err: unknown) => console.error(`could not store the pinned key of ${row.name}:`, err));
        }),
    };
    if (row.port !== null) t.port = row.port;
    if (row.user !== null) t.user = row.user;
    if (row.identityFile !== null) t.identityFile = expandHome(row.identityFile);
    const passphrase = this.passphraseOf(row);
    if (passphrase !== null) t.passphrase = passphrase;
    if (this.o.agentSocket) t.agentSocket = this.o.agentSocket;
    if (this.o.sshConfigPath !== undefined) t.sshConfigPath = this.o.sshConfigPath;
    const timing = this.o.timing ?? {};
    if (timing.readyTimeoutMs !== undefined) t.readyTimeoutMs = timing.readyTimeoutMs;
    if (timing.keepaliveIntervalMs !== undefined) t.keepaliveIntervalMs = timing.keepaliveIntervalMs;
    if (timing.keepaliveCountMax !== undefined) t.keepaliveCountMax = timing.keepaliveCountMax;
    return t;
  }

  /**
   * The host's key passphrase in clear, for ssh only. A row still in clear (an
   * older version's, before the start-up conversion) is used as it is.
   */
  private passphraseOf(row: Host): string | null {
    if (row.passphrase === null) return null;
    const opened = openSealedPassphrase(this.box, row.passphrase);
    if (opened !== null) return opened;
    if (!row.passphrase.startsWith(SEALED_PREFIX)) return row.passphrase;
    throw new UserInputError(
      `the stored key passphrase of ${row.name} cannot be opened (was DATA_DIR/secret.key replaced?): enter the passphrase again in Edit on the Hosts page`,
      'passphrase',
    );
  }

  /**
   * Pins a key seen on first contact (accept-new, or Accept), unless another
   * key is pinned for that host and port by now: then it throws (see
   * claimFirstContact). Decides and records in memory synchronously, so
   * concurrent first contacts cannot both pin; returns the database write, or
   * null when this key was pinned already.
   */
  private claimPin(hostId: string, key: PinnedKey): Promise<void> | null {
    const pins = this.keys.filter((k) => k.hostId === hostId);
    if (claimFirstContact(pins, key) === 'known') return null;
    return this.storePin(hostId, key);
  }

  /** Records a pin: in memory at once (before the first await), then in the database. */
  private async storePin(hostId: string, key: PinnedKey): Promise<void> {
    const row = {
      hostId,
      host: key.host,
      port: key.port,
      keyType: key.keyType,
      keyBase64: key.keyBase64,
      fingerprint: fingerprintSha256(Buffer.from(key.keyBase64, 'base64')),
      addedAt: new Date(),
    };
    if (!this.keys.some((k) => samePin(k, row))) this.keys.push(row);
    this.pendingPins.add(row);
    try {
      await insertHostKey(this.o.db, row);
    } finally {
      this.pendingPins.delete(row);
    }
  }

  private acceptRefusal(row: Host, err: unknown): UserInputError {
    const e = err as Error & { code?: string; fingerprint?: string; expectedFingerprints?: string[] };
    switch (e.code) {
      case 'HOST_KEY_CHANGED':
        return new UserInputError(
          `${row.name} presents ${e.fingerprint ?? 'a key'}, but ${e.expectedFingerprints?.join(' or ') ?? 'another key'} is known for it: ` +
            'a changed key is not accepted here. If the host was reinstalled, forget its pinned keys (Edit) or remove its line from known_hosts, then test again',
          'fingerprint',
        );
      case 'HOST_KEY_REVOKED':
      case 'HOST_KEY_UNKNOWN':
        return new UserInputError(e.message, 'fingerprint');
      case 'AUTH_FAILED':
        return new UserInputError(`the host key of ${row.name} is already trusted: nothing to accept (${e.message})`, 'fingerprint');
      default:
        return new UserInputError(`cannot read the host key of ${row.name}: ${e.message}`, 'fingerprint');
    }
  }

  private async requireRow(id: string): Promise<Host> {
    if (!z.string().uuid().safeParse(id).success) throw new UserInputError(`no host ${id}`, 'id');
    const row = this.byId.get(id) ?? (await getHostRow(this.o.db, id));
    if (!row) throw new UserInputError(`no host ${id}: it may have been removed`, 'id');
    return row;
  }

  private assertNameFree(name: string): void {
    if ([...this.byId.values()].some((h) => h.name === name)) {
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

  private retire(id: string): void {
    this.executors.get(id)?.retire();
    this.executors.delete(id);
  }
}

function samePin(a: Pick<HostKey, 'hostId' | 'host' | 'port' | 'keyBase64'>, b: Pick<HostKey, 'hostId' | 'host' | 'port' | 'keyBase64'>): boolean {
  return a.hostId === b.hostId && a.host === b.host && a.port === b.port && a.keyBase64 === b.keyBase64;
}
