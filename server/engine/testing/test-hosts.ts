import { execFile } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { existsSync, rmSync } from 'node:fs';
import { promisify } from 'node:util';
import { HostExecutor } from '../executors/host';
import type { PinnedKey, SshTarget } from '../ssh/connection';
import type { PowerCycleSpec } from '../types';
import type { TestHost } from './sshd';

const execFileP = promisify(execFile);

/** The pinned key of a test host, as the app stores it. */
export function pinOf(host: TestHost, port = host.port): PinnedKey {
  const [keyType, keyBase64] = host.hostKeyPub.split(' ');
  return { host: '127.0.0.1', port, keyType: keyType as string, keyBase64: keyBase64 as string };
}

/** An SshTarget for a test host with its key pinned and short keepalives. */
export function testTarget(host: TestHost, over: Partial<SshTarget> = {}): SshTarget {
  const port = over.port ?? host.port;
  return {
    host: '127.0.0.1',
    port,
    user: 'root',
    identityFile: host.clientKey,
    hostKeyPolicy: 'strict',
    knownHostsFiles: [],
    pinnedKeys: [pinOf(host, port)],
    sshConfigPath: null,
    readyTimeoutMs: 3000,
    keepaliveIntervalMs: 500,
    keepaliveCountMax: 2,
    ...over,
  };
}

/** Overrides for `testTarget` that keep the app's own connection timings instead of the short test ones. */
export const APP_TIMINGS: Partial<SshTarget> = { readyTimeoutMs: undefined, keepaliveIntervalMs: undefined, keepaliveCountMax: undefined };

export function testHostExecutor(
  host: TestHost,
  name: string,
  o: { target?: Partial<SshTarget>; powerCycle?: PowerCycleSpec } = {},
): HostExecutor {
  return new HostExecutor({ name, target: testTarget(host, o.target), powerCycle: o.powerCycle ?? null });
}

/** A unique token for `sleep` arguments, to find leftover remote processes with pgrep. */
export function processMarker(): string {
  return `0.${randomInt(100_000_000, 999_999_999)}`;
}

/** Command lines of processes whose command line contains `mark`. */
export async function processesWith(mark: string): Promise<string[]> {
  try {
    const { stdout } = await execFileP('pgrep', ['-af', mark.replace(/\./g, '\\.')]);
    return stdout.split('\n').filter(Boolean);
  } catch (err) {
    if ((err as { code?: number }).code === 1) return [];
    throw err;
  }
}

export interface MarkerWatch {
  stop(): void;
  /** How often the marker was seen. */
  readonly hits: number;
}

/**
 * Calls `action` each time `file` appears (then removes it): lets a command on
 * a test host ("reboot", "virsh start") trigger what the test does to that host.
 */
export function watchMarker(file: string, action: () => Promise<void> | void, everyMs = 50): MarkerWatch {
  let hits = 0;
  let busy = false;
  const timer = setInterval(() => {
    if (busy || !existsSync(file)) return;
    busy = true;
    rmSync(file, { force: true });
    hits++;
    void Promise.resolve()
      .then(action)
      .catch((err: unknown) => console.error(`marker action for ${file} failed:`, err))
      .finally(() => (busy = false));
  }, everyMs);
  return {
    stop: () => clearInterval(timer),
    get hits() {
      return hits;
    },
  };
}

export const delay = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
