import os from 'node:os';
import path from 'node:path';
import { InfraError } from '../types';
import { SshError } from './errors';
import type { PinnedKey } from './known-hosts';
import { parseProxyJump, type JumpHost } from './proxy-jump';
import { resolveSshConfig } from './ssh-config';
import { safeLocalUser } from './ssh-config-text';

/**
 * Where and how to connect. Explicit fields win over `~/.ssh/config`, which is
 * consulted for `host` as an alias (HostName, User, Port, IdentityFile, ProxyJump).
 */
export interface SshTarget {
  host: string;
  port?: number;
  user?: string;
  /** Private key file. When unset: IdentityFile from ssh config, else ~/.ssh/id_{ed25519,ecdsa,rsa}. */
  identityFile?: string;
  passphrase?: string;
  /** Try keys from ssh-agent first (OpenSSH order). */
  useAgent?: boolean;
  /** Agent socket (the server's, handed down from server/env.ts); no agent when unset. */
  agentSocket?: string;
  /** `strict`: unknown keys are refused. `accept-new`: a new host's key is pinned; changed keys are always refused. */
  hostKeyPolicy: 'strict' | 'accept-new';
  knownHostsFiles: string[];
  /** Keys accepted in the app. Matched by resolved HostName and port. */
  pinnedKeys: PinnedKey[];
  /**
   * Called (before authentication) when accept-new would pin a key the
   * target's `pinnedKeys` snapshot does not know; the caller stores it.
   * Throwing (or a returned promise rejecting) refuses the host: an SshError
   * as it is (HOST_KEY_CHANGED when a concurrent first contact pinned another
   * key: see claimFirstContact), any other error as HOST_KEY_UNKNOWN. A
   * returned promise is awaited before the key is accepted (the caller may
   * have to ask its database whether another process pinned a key first).
   */
  onNewKeyPinned?: (key: PinnedKey) => unknown;
  /** Bound on TCP connect + handshake + authentication. Default 20000. */
  readyTimeoutMs?: number;
  /** Default 5000. A dead link is detected within (count + 1) × interval. */
  keepaliveIntervalMs?: number;
  /** Default 3. */
  keepaliveCountMax?: number;
  /** ssh client config to read; undefined = ~/.ssh/config, null = none. */
  sshConfigPath?: string | null;
  /**
   * Jump hosts, first hop first (like `ssh -J a,b`): a string in ProxyJump
   * syntax, `'none'`, or parsed entries. Overrides ProxyJump from ssh config.
   * Jump hosts use the same credentials and host key settings as the target.
   */
  proxyJump?: string | JumpHost[];
}


/** A target with its ssh config applied: where to connect, as whom, with which keys, through which hops. */
export interface ResolvedTarget {
  hostName: string;
  port: number;
  user: string;
  identityFiles: string[];
  /** True when identityFiles came from `target.identityFile`: problems loading it are errors. */
  identityExplicit: boolean;
  jumps: JumpHost[];
  label: string;
}

export function hostLabel(host: string, port: number): string {
  return port === 22 ? host : `${host}:${port}`;
}

export async function resolveTarget(target: SshTarget): Promise<ResolvedTarget> {
  let config: Awaited<ReturnType<typeof resolveSshConfig>>;
  try {
    config =
      target.sshConfigPath === null
        ? { alias: target.host, hostName: target.host, identityFiles: [] }
        : await resolveSshConfig(target.host, target.sshConfigPath === undefined ? {} : { configPath: target.sshConfigPath });
  } catch (err) {
    throw new InfraError((err as Error).message, { cause: err });
  }
  const hostName = config.hostName;
  const port = target.port ?? config.port ?? 22;
  const user = target.user ?? config.user ?? safeLocalUser();
  let identityFiles: string[];
  let identityExplicit = false;
  if (target.identityFile) {
    identityFiles = [target.identityFile];
    identityExplicit = true;
  } else if (config.identityFiles.length > 0) {
    identityFiles = config.identityFiles;
  } else {
    const home = os.homedir();
    identityFiles = ['id_ed25519', 'id_ecdsa', 'id_rsa'].map((f) => path.join(home, '.ssh', f));
  }
  let jumps: JumpHost[];
  if (target.proxyJump !== undefined) {
    try {
      jumps = typeof target.proxyJump === 'string' ? parseProxyJump(target.proxyJump) : target.proxyJump;
    } catch (err) {
      throw new SshError('UNREACHABLE', `invalid ProxyJump: ${(err as Error).message}`, { cause: err });
    }
  } else {
    jumps = config.proxyJump ?? [];
  }
  return { hostName, port, user, identityFiles, identityExplicit, jumps, label: hostLabel(hostName, port) };
}
