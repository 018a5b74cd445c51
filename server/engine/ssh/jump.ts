import net from 'node:net';
import type { Duplex } from 'node:stream';
import type { ClientChannel } from 'ssh2';
import type { SshConnection } from './connection';
import { SshError } from './errors';
import type { JumpHost } from './proxy-jump';
import { hostLabel, type ResolvedTarget, type SshTarget } from './target';

export interface Transport {
  /** What ssh2 talks over. */
  transport: Duplex;
  /** The first hop's TCP socket (for byte counts). */
  socket: net.Socket;
  /** The connection to the last jump host, owned by the new connection. */
  jump: SshConnection | undefined;
}

/**
 * The transport for a connection to `resolved`: our own TCP socket, or (with
 * ProxyJump) a direct-tcpip channel through the last jump host, which is
 * reached the same way through the hops before it (`connect` is connectSsh).
 * Jump hosts use the target's credentials and host key settings.
 */
export async function openTransport(
  target: SshTarget,
  resolved: ResolvedTarget,
  connect: (target: SshTarget) => Promise<SshConnection>,
): Promise<Transport> {
  if (resolved.jumps.length > 0) {
    const last = resolved.jumps[resolved.jumps.length - 1] as JumpHost;
    const before = resolved.jumps.slice(0, -1);
    const jumpTarget: SshTarget = { ...target, host: last.host, proxyJump: before };
    if (last.port !== undefined) jumpTarget.port = last.port;
    else delete jumpTarget.port;
    if (last.user !== undefined) jumpTarget.user = last.user;
    else delete jumpTarget.user;
    const jump = await connect(jumpTarget);
    try {
      return { transport: await forwardThrough(jump, resolved.hostName, resolved.port), socket: jump.socket, jump };
    } catch (err) {
      jump.close();
      throw err;
    }
  }
  const socket = new net.Socket();
  socket.connect({ host: resolved.hostName, port: resolved.port });
  return { transport: socket, socket, jump: undefined };
}

/** Opens a direct-tcpip channel through `jump` to host:port, to use as the next hop's transport. */
function forwardThrough(jump: SshConnection, host: string, port: number): Promise<ClientChannel> {
  return new Promise((resolve, reject) => {
    const off = jump.onLost(reject);
    jump.client.forwardOut('127.0.0.1', 0, host, port, (err, stream) => {
      off();
      if (err) {
        reject(
          new SshError('UNREACHABLE', `jump host ${hostLabel(jump.host, jump.port)} cannot reach ${hostLabel(host, port)}: ${err.message}`, {
            cause: err,
            host: hostLabel(host, port),
          }),
        );
      } else {
        resolve(stream);
      }
    });
  });
}
