/**
 * What the demo's simulated guest does with a copy, as pure functions: read
 * the toy image's header, decide whether (and where) the copy hangs, and how
 * fast the guest drains its virtio ring at each moment. No I/O, no clock.
 *
 * The demo's build writes `out/guest.img`: a sparse image whose first line is
 * `TOYIMG1 release=5.13.0-rc3 lazy_disable_cb=1 seed=12345 bytes=134217728`. A guest booted
 * with a kernel that has `lazy_disable_cb=1` (the planted regression) stops
 * reading partway through one of the copies, as the seed's virtio ring did,
 * so the transfer phase sees no progress and reports a stall.
 */

/** First line of a toy guest image. */
export const IMAGE_MAGIC = 'TOYIMG1';
/** The header occupies the first this many bytes of the image (padded with spaces, ends in `\n`). */
export const IMAGE_HEADER_BYTES = 512;

export interface ImageHeader {
  release: string;
  /** The kernel carries the regression: a copy will hang. */
  lazyDisableCb: boolean;
  /** Per-commit number (a checksum of a source file) that varies rates and where the hang happens. */
  seed: number;
  /** Size of the whole image, when the header says. */
  bytes: number | null;
}

/** Parses the header line of a toy image; null for anything else (an unknown payload copies like a healthy guest). */
export function parseImageHeader(head: string): ImageHeader | null {
  const line = head.split('\n', 1)[0] ?? '';
  const words = line.trim().split(/\s+/);
  if (words[0] !== IMAGE_MAGIC) return null;
  const fields = new Map<string, string>();
  for (const w of words.slice(1)) {
    const eq = w.indexOf('=');
    if (eq > 0) fields.set(w.slice(0, eq), w.slice(eq + 1));
  }
  const seed = Number(fields.get('seed') ?? '0');
  const bytes = Number(fields.get('bytes') ?? 'NaN');
  return {
    bytes: Number.isSafeInteger(bytes) && bytes > 0 ? bytes : null,
    release: fields.get('release') ?? 'unknown',
    lazyDisableCb: fields.get('lazy_disable_cb') === '1',
    seed: Number.isSafeInteger(seed) && seed >= 0 ? seed : 0,
  };
}

export interface CopyPlan {
  /** Drain rate in MB/s (10⁶ bytes/s) at `ms` into the copy, given the bytes read so far. 0 = hung for good. */
  rateAt(ms: number, bytesRead: number): number;
  /** Bytes after which the guest stops reading for good, or null if this copy completes. */
  hangAtBytes: number | null;
}

export interface CopyPlanInput {
  header: ImageHeader | null;
  /** Which copy of this connection (1-based): copies of one phase share a connection. */
  copy: number;
  /** How many copies the demo recipe makes: the hang lands on one of them. */
  copies: number;
}

/** Where the hang lands when the header does not give the image's size. */
const DEFAULT_IMAGE_BYTES = 64 * 1024 * 1024;

/** Healthy throughput of the toy guest, MB/s: a gentle wave around this. */
export const BASE_MBPS = 85;

/**
 * The behaviour of one copy. Deterministic in its inputs: the same commit
 * hangs at the same copy and byte every time. An affected kernel hangs on copy
 * `seed % copies + 1`, after 20-60% of the payload, slowing to half speed over
 * the last fifth before it stops (the graph shows it falter, then flatten).
 */
export function planCopy(o: CopyPlanInput): CopyPlan {
  const seed = o.header?.seed ?? 0;
  const base = BASE_MBPS * (0.9 + ((seed >>> 3) % 20) / 100) * (1 - 0.04 * ((o.copy - 1) % 3));
  const period = 600 + ((seed >>> 5) % 400);
  const phase = ((seed % 628) / 100) + o.copy;
  const affected = o.header?.lazyDisableCb === true && o.copy === (seed % Math.max(1, o.copies)) + 1;
  const hangAtBytes = affected ? Math.round((o.header?.bytes ?? DEFAULT_IMAGE_BYTES) * (0.2 + ((seed >>> 7) % 40) / 100)) : null;
  return {
    hangAtBytes,
    rateAt(ms, bytesRead) {
      if (hangAtBytes !== null && bytesRead >= hangAtBytes) return 0;
      const wave = 1 + 0.18 * Math.sin((2 * Math.PI * ms) / period + phase);
      const falter = hangAtBytes !== null && bytesRead >= hangAtBytes * 0.8 ? 0.5 : 1;
      return base * wave * falter;
    },
  };
}

/** The guest's command: what the transfer phase sends (`exec cat > '/dev/null'`); the sink path is ignored. */
export function isSinkCommand(command: string): boolean {
  return /^exec cat > \S/.test(command);
}
