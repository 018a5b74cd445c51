/**
 * The demo's guest: an SSH server inside this process, on 127.0.0.1 at a
 * port of its own, that accepts only the transfer phase's copies (`exec cat >
 * SINK`) and drains them at a throttled, wavy rate, hanging partway through a
 * copy when the image it is sent carries the planted regression (see
 * guest-behaviour.ts). So "Try the demo" shows the real transfer phase, its
 * samples, stall detection and graphs, with no SSH host set up.
 *
 * Its executor (`DemoGuestExecutor`, named DEMO_GUEST) connects with the app's
 * own SSH client: host key pinned (a key made at start, never written), client
 * key in DATA_DIR/demo (0600), strict checking, no ssh config. It runs no
 * commands: a script phase `on` it is a recipe error.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import type net from 'node:net';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import ssh2 from 'ssh2';
import type { Connection as ServerConnection, ParsedKey, ServerChannel } from 'ssh2';
import { connectSsh, type SshConnection } from '../engine/ssh/connection';
import { type CommandSpec, type DedicatedConnectionOptions, type ExecEvent, type Executor, UserInputError } from '../engine/types';
import { IMAGE_HEADER_BYTES, isSinkCommand, parseImageHeader, planCopy, type CopyPlan } from './guest-behaviour';

const { Server, utils } = ssh2;

/** The name demo recipes use in `on`. Not a valid host name (hosts cannot contain `:`), so it never hides one. */
export const DEMO_GUEST = 'demo:guest';
/** Copies the demo recipe makes (the hang lands on one of them). */
export const DEMO_COPIES = 2;
/** Bytes the guest may read ahead of its rate (and owe behind it) before it pauses: timers are too coarse for a pause per packet. */
const BURST_BYTES = 256 * 1024;

export interface DemoGuestOptions {
  /** Where the client key is written (created 0700 if missing). */
  dir: string;
  /** Copies per phase the hang is spread over; default DEMO_COPIES. */
  copies?: number;
}

interface Started {
  server: InstanceType<typeof Server>;
  port: number;
  keyFile: string;
  hostKeyBase64: string;
  clientKey: ParsedKey;
  clients: Set<ServerConnection>;
}

/**
 * The in-process guest and the executor that copies to it. Starts listening
 * on first use; `close()` stops it and drops its connections.
 */
export class DemoGuestExecutor implements Executor {
  readonly name = DEMO_GUEST;
  private started: Promise<Started> | null = null;

  constructor(private readonly o: DemoGuestOptions) {}

  run(cmd: CommandSpec, signal: AbortSignal): AsyncIterable<ExecEvent> {
    void cmd;
    void signal;
    throw new UserInputError(`"${DEMO_GUEST}" is the demo's simulated guest: it only takes transfer copies, not commands`, 'recipe');
  }

  async openConnection(options: DedicatedConnectionOptions): Promise<SshConnection> {
    const g = await this.start();
    return connectSsh(
      {
        host: '127.0.0.1',
        port: g.port,
        user: 'demo',
        identityFile: g.keyFile,
        hostKeyPolicy: 'strict',
        knownHostsFiles: [],
        pinnedKeys: [{ host: '127.0.0.1', port: g.port, keyType: 'ssh-ed25519', keyBase64: g.hostKeyBase64 }],
        sshConfigPath: null,
        proxyJump: 'none',
        readyTimeoutMs: 10_000,
        keepaliveIntervalMs: options.keepaliveIntervalMs,
        keepaliveCountMax: options.keepaliveCountMax,
      },
      { signal: options.signal },
    );
  }

  async close(): Promise<void> {
    const pending = this.started;
    this.started = null;
    if (!pending) return;
    const g = await pending.catch(() => null);
    if (!g) return;
    for (const c of g.clients) c.end();
    await new Promise<void>((resolve) => g.server.close(() => resolve()));
  }

  private start(): Promise<Started> {
    this.started ??= startGuest(this.o).catch((err: unknown) => {
      this.started = null;
      throw err;
    });
    return this.started;
  }
}

async function startGuest(o: DemoGuestOptions): Promise<Started> {
  const host = utils.generateKeyPairSync('ed25519');
  const client = utils.generateKeyPairSync('ed25519');
  const clientKey = utils.parseKey(client.public);
  if (clientKey instanceof Error) throw clientKey;
  await mkdir(o.dir, { recursive: true, mode: 0o700 });
  // A fresh key every start (one server process per data dir): the previous one stops working.
  const keyFile = path.join(o.dir, 'guest-client-key');
  await rm(keyFile, { force: true });
  await writeFile(keyFile, client.private, { mode: 0o600, flag: 'wx' });
  const clients = new Set<ServerConnection>();
  const copies = o.copies ?? DEMO_COPIES;
  const server = new Server({ hostKeys: [host.private] }, (conn) => serveConnection(conn, clientKey, copies, clients));
  server.on('error', () => {
    /* a failed accept: the copy reports the lost connection */
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve((server.address() as net.AddressInfo).port);
    });
  });
  // Never keeps the process alive on its own.
  (server as unknown as { unref?: () => void }).unref?.();
  return { server, port, keyFile, hostKeyBase64: host.public.split(' ')[1] ?? '', clientKey, clients };
}

function serveConnection(conn: ServerConnection, key: ParsedKey, copies: number, clients: Set<ServerConnection>): void {
  clients.add(conn);
  let copy = 0;
  const timers = new Set<ReturnType<typeof setTimeout>>();
  conn.on('error', () => {
    /* the client tears a stalled connection down: expected */
  });
  conn.on('close', () => {
    clients.delete(conn);
    for (const t of timers) clearTimeout(t);
  });
  conn.on('authentication', (ctx) => {
    if (ctx.method !== 'publickey' || ctx.key.algo !== key.type || !ctx.key.data.equals(key.getPublicSSH())) {
      return ctx.reject(['publickey']);
    }
    if (!ctx.signature) return ctx.accept(); // the client asks whether this key would do
    if (ctx.blob && key.verify(ctx.blob, ctx.signature, ctx.hashAlgo) === true) return ctx.accept();
    ctx.reject(['publickey']);
  });
  conn.on('ready', () => {
    conn.on('session', (acceptSession) => {
      const session = acceptSession();
      session.on('exec', (accept, _reject, info) => {
        const ch = accept();
        if (!isSinkCommand(info.command)) {
          ch.stderr.write('demo guest: only transfer copies (cat > SINK) are accepted here\n');
          ch.exit(127);
          ch.end();
          return;
        }
        copy += 1;
        drain(ch, copy, copies, timers);
      });
    });
  });
}

/**
 * Reads one copy at the plan's rate: after each chunk the guest owes the bytes
 * beyond what the rate allowed so far, and pauses the channel until it has
 * caught up (a paused ssh2 channel sends no window adjust, so the client stops
 * sending: the copy slows down on the wire). At the hang it pauses for good.
 */
function drain(ch: ServerChannel, copy: number, copies: number, timers: Set<ReturnType<typeof setTimeout>>): void {
  const t0 = performance.now();
  let head = '';
  let plan: CopyPlan | null = null;
  let read = 0;
  let credit = BURST_BYTES;
  let last = t0;
  const later = (ms: number, fn: () => void) => {
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    timers.add(t);
  };
  ch.on('data', (buf: Buffer) => {
    if (plan === null && head.length < IMAGE_HEADER_BYTES) head += buf.subarray(0, IMAGE_HEADER_BYTES - head.length).toString('latin1');
    plan ??= head.length >= IMAGE_HEADER_BYTES || head.includes('\n') ? planCopy({ header: parseImageHeader(head), copy, copies }) : null;
    read += buf.length;
    const now = performance.now();
    const rate = plan ? plan.rateAt(now - t0, read) : 100;
    if (rate <= 0) {
      ch.pause(); // hung: nothing more is read, the client's window runs dry
      return;
    }
    // Credit earned since the last chunk (including any oversleep of the timer), capped at a burst.
    credit = Math.min(BURST_BYTES, credit + (rate * 1e6 * (now - last)) / 1000) - buf.length;
    last = now;
    if (credit < -BURST_BYTES) {
      ch.pause();
      later((-credit / (rate * 1e6)) * 1000, () => ch.resume());
    }
  });
  ch.on('end', () => {
    ch.exit(0);
    ch.end();
  });
  ch.on('error', () => {
    /* connection torn down mid-copy */
  });
}
