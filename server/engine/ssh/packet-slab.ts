import { randomFillSync } from 'node:crypto';
import net from 'node:net';
import type { Client as Ssh2Client } from 'ssh2';

/**
 * Cheaper outbound packet buffers for one bulk-data ssh2 connection.
 *
 * ssh2 allocates every outgoing packet with its own `Buffer.allocUnsafe`
 * (one ArrayBuffer per 32 KiB packet: garbage-collector work on every copy)
 * and fills its 4-19 padding bytes with a `randomFillSync` call of their own.
 * This replaces the current cipher's `allocPacket` with one that cuts packets
 * from a few 1 MiB slabs, reused once the socket is done with them (see
 * SlabRing), and takes padding from a pool of CSPRNG output, refilled as it
 * runs out (no padding byte is ever used twice).
 *
 * Layout and padding length come from ssh2's own `allocPacket`, called once
 * per payload length and remembered: the SSH packet is `uint32 length, byte
 * padLen, payload, padding, room for the MAC`, and only that layout is
 * copied, so the packets are byte-for-byte what ssh2 would build, apart from
 * which random bytes pad them.
 *
 * A re-key makes ssh2 create a new cipher; the new one is given the same
 * allocator once the key exchange completes (ssh2's 'handshake' event), so a
 * long copy keeps it (OpenSSH re-keys chacha20-poly1305 every GiB). Returns
 * false (and changes nothing) when the connection's internals are not what
 * this was written against.
 */
export function useSlabPackets(client: Ssh2Client): boolean {
  const applied = patchCipher(client);
  const marked = client as unknown as { [FOLLOWS_REKEYS]?: boolean } | undefined;
  if (applied && marked && !marked[FOLLOWS_REKEYS]) {
    marked[FOLLOWS_REKEYS] = true;
    client.on('handshake', () => patchCipher(client));
  }
  return applied;
}

/** True when the connection's current cipher cuts its packets from slabs. */
export function usesSlabPackets(client: Ssh2Client): boolean {
  return internalsOf(client).cipher?.[PATCHED] === true;
}

function internalsOf(client: Ssh2Client): { cipher?: Cipher; socket?: unknown } {
  const internals = client as unknown as { _protocol?: { _cipher?: Cipher }; _sock?: unknown } | undefined;
  return { cipher: internals?._protocol?._cipher, socket: internals?._sock };
}

function patchCipher(client: Ssh2Client): boolean {
  const { cipher, socket } = internalsOf(client);
  if (!cipher || typeof cipher.allocPacket !== 'function' || cipher[PATCHED] || !(socket instanceof net.Socket)) return false;
  const original = cipher.allocPacket.bind(cipher);
  const layouts = new LayoutCache(original);
  if (!layouts.get(0) || !layouts.get(32768)) return false;
  const slabs = new SlabRing(socket);
  const padding = new RandomPool();
  cipher.allocPacket = (payloadLen: number) => {
    const layout = layouts.get(payloadLen);
    if (!layout) return original(payloadLen);
    const packet = slabs.take(layout.size);
    packet.writeUInt32BE(layout.lengthField, 0);
    packet[4] = layout.padLen;
    padding.fill(packet, 5 + payloadLen, layout.padLen);
    return packet;
  };
  cipher[PATCHED] = true;
  return true;
}

const FOLLOWS_REKEYS = Symbol('slab packets after re-keys');
const PATCHED = Symbol('slab packets');

interface Cipher {
  allocPacket(payloadLen: number): Buffer;
  [PATCHED]?: boolean;
}

interface Layout {
  size: number;
  lengthField: number;
  padLen: number;
}

/** ssh2's packet layout per payload length, learnt from its own allocator. */
class LayoutCache {
  private readonly byLength = new Map<number, Layout>();

  constructor(private readonly alloc: (payloadLen: number) => Buffer) {}

  get(payloadLen: number): Layout | null {
    const known = this.byLength.get(payloadLen);
    if (known) return known;
    const sample = this.alloc(payloadLen);
    const layout = { size: sample.length, lengthField: sample.readUInt32BE(0), padLen: sample[4] ?? 0 };
    // The padding must fit between the payload and the end of the packet it declares.
    if (layout.padLen < 4 || 4 + layout.lengthField > layout.size || 5 + payloadLen + layout.padLen !== 4 + layout.lengthField) return null;
    if (this.byLength.size >= 64) this.byLength.clear();
    this.byLength.set(payloadLen, layout);
    return layout;
  }
}

const SLAB_BYTES = 1024 * 1024;
const MAX_RETIRED = 16;

/**
 * Bump allocator over slabs that are reused once the kernel has taken every
 * byte written from them. ssh2 writes each packet to the socket as soon as it
 * is allocated (packets queued during a key exchange are allocated later, by
 * the next cipher), so when a slab is full everything cut from it is already
 * in the socket's stream, ending at `bytesWritten`; once the socket reports
 * that many bytes accepted (`bytesWritten - writableLength`: Node and libuv
 * are done with them) the slab is free again.
 */
class SlabRing {
  private buf: Buffer = Buffer.allocUnsafeSlow(SLAB_BYTES);
  private used = 0;
  private readonly retired: { buf: Buffer; end: number }[] = [];

  constructor(private readonly socket: net.Socket) {}

  take(size: number): Buffer {
    if (size > SLAB_BYTES / 4) return Buffer.allocUnsafeSlow(size);
    if (this.used + size > SLAB_BYTES) this.next();
    const out = this.buf.subarray(this.used, this.used + size);
    this.used += size;
    return out;
  }

  private next(): void {
    this.retired.push({ buf: this.buf, end: this.socket.bytesWritten });
    const accepted = this.socket.bytesWritten - this.socket.writableLength;
    const oldest = this.retired[0];
    if (oldest && accepted >= oldest.end) this.buf = (this.retired.shift() as { buf: Buffer }).buf;
    else {
      if (this.retired.length > MAX_RETIRED) this.retired.shift(); // still referenced by the socket; the GC frees it
      this.buf = Buffer.allocUnsafeSlow(SLAB_BYTES);
    }
    this.used = 0;
  }
}

const POOL_BYTES = 64 * 1024;

/** CSPRNG bytes handed out in order, each once. */
class RandomPool {
  private readonly pool = Buffer.allocUnsafeSlow(POOL_BYTES);
  private at = POOL_BYTES;

  fill(target: Buffer, offset: number, length: number): void {
    if (this.at + length > POOL_BYTES) {
      randomFillSync(this.pool);
      this.at = 0;
    }
    this.pool.copy(target, offset, this.at, this.at + length);
    this.at += length;
  }
}
