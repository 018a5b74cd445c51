import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSshd, type TestHost } from '../testing/sshd';
import { testTarget } from '../testing/test-hosts';
import { connectSsh, type SshConnection } from './connection';
import { useSlabPackets, usesSlabPackets } from './packet-slab';
import { quotePosix } from './shell-quote';

const MiB = 1024 * 1024;
let host: TestHost;
let dir: string;

beforeAll(async () => {
  host = await startSshd();
  dir = mkdtempSync(path.join(os.tmpdir(), 'packet-slab-'));
});

afterAll(async () => {
  await host?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

function connect(): Promise<SshConnection> {
  return connectSsh(testTarget(host, { keepaliveIntervalMs: 5000 }));
}

/** Data that differs in every MiB and every byte position: a slab reused too early shows up. */
function pattern(bytes: number, seed: number): Buffer {
  const data = Buffer.alloc(bytes);
  for (let i = 0; i + 4 <= bytes; i += 4) data.writeUInt32LE((Math.imul(i, 2654435761) ^ seed) >>> 0, i);
  return data;
}

/**
 * Writes `data` in uneven pieces through `cat > file`, corking the socket per
 * turn of the event loop as the transfer phase does (so packets wait in Node's
 * buffer while later ones are cut); `during` runs once, part way.
 */
async function copy(conn: SshConnection, data: Buffer, file: string, during?: () => void): Promise<number | null> {
  const ch = await conn.exec(`cat > ${quotePosix(file)}`);
  return new Promise((resolve, reject) => {
    let code: number | null = null;
    ch.on('exit', (c: number | null) => (code = c));
    ch.on('close', () => resolve(code));
    ch.on('error', reject);
    ch.resume();
    let at = 0;
    let piece = 1;
    const socket = conn.socket;
    const more = () => {
      socket.cork();
      setImmediate(() => socket.uncork());
      while (at < data.length) {
        const n = Math.min(data.length - at, (piece++ % 7) * 37_000 + 1);
        const ok = ch.write(data.subarray(at, (at += n)));
        if (during && at > data.length / 3) {
          during();
          during = undefined;
        }
        if (!ok) return void ch.once('drain', more);
      }
      ch.end();
    };
    more();
  });
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('slab packets on a real sshd', () => {
  it('patches a fresh connection once, and the data arrives byte for byte over many reused slabs', async () => {
    const conn = await connect();
    try {
      expect(useSlabPackets(conn.client)).toBe(true);
      expect(useSlabPackets(conn.client)).toBe(false); // already done
      const data = pattern(48 * MiB + 3, 1);
      const file = path.join(dir, 'a.bin');
      expect(await copy(conn, data, file)).toBe(0);
      expect(sha(readFileSync(file))).toBe(sha(data));
      // The connection stays usable for ordinary commands afterwards.
      const again = path.join(dir, 'b.bin');
      expect(await copy(conn, Buffer.from('after\n'), again)).toBe(0);
      expect(readFileSync(again, 'utf8')).toBe('after\n');
    } finally {
      conn.close();
    }
  });

  it('a key exchange in the middle of a copy (new cipher, queued packets) loses and reorders nothing', async () => {
    const conn = await connect();
    try {
      expect(useSlabPackets(conn.client)).toBe(true);
      const data = pattern(24 * MiB, 2);
      const file = path.join(dir, 'rekey.bin');
      const protocol = (conn.client as unknown as { _protocol: { rekey(): void; _cipher: unknown } })._protocol;
      const before = protocol._cipher;
      expect(await copy(conn, data, file, () => protocol.rekey())).toBe(0);
      expect(sha(readFileSync(file))).toBe(sha(data));
      expect(protocol._cipher).not.toBe(before); // the re-key did happen
      expect(usesSlabPackets(conn.client)).toBe(true); // and the new cipher cuts from slabs too
      // The connection carries on after the re-key, byte for byte.
      const after = pattern(8 * MiB, 3);
      const again = path.join(dir, 'after-rekey.bin');
      expect(await copy(conn, after, again)).toBe(0);
      expect(sha(readFileSync(again))).toBe(sha(after));
    } finally {
      conn.close();
    }
  });

  it('with chacha20-poly1305 and a server that re-keys every 4 MiB, a long copy stays byte for byte and on slabs', async () => {
    const rekeying = await startSshd({ extraConfig: ['Ciphers chacha20-poly1305@openssh.com', 'RekeyLimit 4M'] });
    const conn = await connectSsh(testTarget(rekeying, { keepaliveIntervalMs: 5000 }));
    try {
      const protocol = (conn.client as unknown as { _protocol: { _cipher: unknown } })._protocol;
      expect((protocol._cipher as object).constructor.name).toMatch(/ChaCha/);
      expect(useSlabPackets(conn.client)).toBe(true);
      let handshakes = 0;
      conn.client.on('handshake', () => handshakes++);
      const data = pattern(40 * MiB + 5, 4);
      const file = path.join(dir, 'chacha.bin');
      expect(await copy(conn, data, file)).toBe(0);
      expect(sha(readFileSync(file))).toBe(sha(data));
      expect(handshakes).toBeGreaterThanOrEqual(3); // the server re-keyed along the way
      expect(usesSlabPackets(conn.client)).toBe(true);
    } finally {
      conn.close();
      await rekeying.dispose();
    }
  });

  it('refuses what it does not know', () => {
    expect(useSlabPackets({} as never)).toBe(false);
    expect(usesSlabPackets({} as never)).toBe(false);
    expect(useSlabPackets(undefined as never)).toBe(false);
  });
});
