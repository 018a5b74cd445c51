import ssh2 from 'ssh2';
import type { ParsedKey } from 'ssh2';
import { SshError } from './errors';
import { FileReadError, MAX_KEY_FILE_BYTES, readRegularFile } from './files';
import type { ResolvedTarget, SshTarget } from './target';

const { utils } = ssh2;

export type AuthMethod =
  | { type: 'agent'; username: string; agent: string }
  | { type: 'publickey'; username: string; key: ParsedKey };

/**
 * Builds the ordered list of auth attempts. Key files are read asynchronously,
 * must be regular files of at most 64 KiB (a FIFO or /dev/zero is refused at
 * once). Throws AUTH_FAILED for an unusable explicit key.
 */
export async function loadCredentials(target: SshTarget, resolved: ResolvedTarget): Promise<{ methods: AuthMethod[]; tried: string[] }> {
  const methods: AuthMethod[] = [];
  const tried: string[] = [];
  const username = resolved.user;
  if (target.useAgent) {
    const agent = target.agentSocket; // the server's $SSH_AUTH_SOCK arrives here through HostService (config.sshAuthSock)
    if (agent) {
      methods.push({ type: 'agent', username, agent });
      tried.push('ssh-agent');
    }
  }
  for (const file of resolved.identityFiles) {
    let data: Buffer;
    try {
      data = await readRegularFile(file, MAX_KEY_FILE_BYTES);
    } catch (err) {
      if (resolved.identityExplicit) {
        const why = err instanceof FileReadError ? err.detail : (err as Error).message;
        throw new SshError('AUTH_FAILED', `cannot read identity file ${file}: ${why}`, { cause: err, host: resolved.label });
      }
      continue;
    }
    const parsed = utils.parseKey(data, target.passphrase);
    const key = Array.isArray(parsed) ? parsed[0] : parsed;
    if (key instanceof Error || key === undefined) {
      if (resolved.identityExplicit) {
        const why = key instanceof Error ? key.message : 'no key found';
        throw new SshError('AUTH_FAILED', `cannot load identity file ${file}: ${why}`, { host: resolved.label });
      }
      continue;
    }
    methods.push({ type: 'publickey', username, key });
    tried.push(`key ${file}`);
  }
  if (methods.length === 0) {
    throw new SshError(
      'AUTH_FAILED',
      `no credentials to log in to ${resolved.label}: set an identity file or use ssh-agent` +
        (target.useAgent ? ' (no agent socket: SSH_AUTH_SOCK is not set)' : ''),
      { host: resolved.label },
    );
  }
  return { methods, tried };
}
