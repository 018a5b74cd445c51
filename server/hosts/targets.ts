import type { Host, HostKey } from '../../db/schema';
import type { PinnedKey, SshTarget } from '../engine/ssh/connection';
import { expandHome } from './validation';

/** How this server connects to every host (from HostServiceOptions). */
export interface ConnectionSettings {
  knownHostsFiles: string[];
  /** ssh client config for aliases; undefined = ~/.ssh/config, null = none. */
  sshConfigPath?: string | null | undefined;
  /** ssh-agent socket for hosts with useAgent (the server's $SSH_AUTH_SOCK, from server/env.ts). */
  agentSocket?: string | undefined;
  timing?: { readyTimeoutMs?: number; keepaliveIntervalMs?: number; keepaliveCountMax?: number } | undefined;
}

/** The SSH target of a stored host: its fields, its pinned keys, the server's settings. */
export function hostTarget(
  row: Host,
  pins: readonly HostKey[],
  passphrase: string | null,
  settings: ConnectionSettings,
  onNewKeyPinned: (key: PinnedKey) => void | Promise<void>,
): SshTarget {
  const t: SshTarget = {
    host: row.address,
    useAgent: row.useAgent,
    hostKeyPolicy: row.hostKeyPolicy,
    knownHostsFiles: settings.knownHostsFiles,
    pinnedKeys: pins.map((k) => ({ host: k.host, port: k.port, keyType: k.keyType, keyBase64: k.keyBase64 })),
    onNewKeyPinned,
  };
  if (row.port !== null) t.port = row.port;
  if (row.user !== null) t.user = row.user;
  if (row.identityFile !== null) t.identityFile = expandHome(row.identityFile);
  if (passphrase !== null) t.passphrase = passphrase;
  if (settings.agentSocket) t.agentSocket = settings.agentSocket;
  if (settings.sshConfigPath !== undefined) t.sshConfigPath = settings.sshConfigPath;
  const timing = settings.timing ?? {};
  if (timing.readyTimeoutMs !== undefined) t.readyTimeoutMs = timing.readyTimeoutMs;
  if (timing.keepaliveIntervalMs !== undefined) t.keepaliveIntervalMs = timing.keepaliveIntervalMs;
  if (timing.keepaliveCountMax !== undefined) t.keepaliveCountMax = timing.keepaliveCountMax;
  return t;
}
