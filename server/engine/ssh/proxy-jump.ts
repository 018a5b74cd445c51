/** A hop of a ProxyJump chain (`ssh -J`), first hop first. */
export interface JumpHost {
  host: string;
  port?: number;
  user?: string;
}

/**
 * Parses a ProxyJump value: comma-separated `[user@]host[:port]` or
 * `ssh://[user@]host[:port]`; IPv6 hosts in brackets (`[::1]:2222`). `none` → [].
 * Throws on a malformed entry.
 */
export function parseProxyJump(value: string): JumpHost[] {
  if (value.trim().toLowerCase() === 'none') return [];
  return value.split(',').map((part) => parseJumpHost(part.trim()));
}

function parseJumpHost(spec: string): JumpHost {
  let rest = spec.startsWith('ssh://') ? spec.slice('ssh://'.length).replace(/\/$/, '') : spec;
  const jump: JumpHost = { host: '' };
  const at = rest.lastIndexOf('@');
  if (at !== -1) {
    jump.user = rest.slice(0, at);
    rest = rest.slice(at + 1);
  }
  let portText: string | undefined;
  const bracket = /^\[([^\]]+)\](?::(\d+))?$/.exec(rest);
  if (bracket) {
    jump.host = bracket[1] ?? '';
    portText = bracket[2];
  } else {
    const colon = rest.indexOf(':');
    if (colon !== -1 && rest.indexOf(':', colon + 1) === -1) {
      jump.host = rest.slice(0, colon);
      portText = rest.slice(colon + 1);
    } else {
      jump.host = rest;
    }
  }
  if (portText !== undefined) {
    const n = Number(portText);
    if (!Number.isInteger(n) || n <= 0 || n >= 65536) throw new Error(`bad port in ProxyJump entry "${spec}"`);
    jump.port = n;
  }
  if (!jump.host || (jump.user !== undefined && jump.user === '')) {
    throw new Error(`bad ProxyJump entry "${spec}"`);
  }
  return jump;
}
