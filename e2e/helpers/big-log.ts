import { writeFileSync } from 'node:fs';

/**
 * A kernel-build-like log with known line numbers (1-based, as the phase
 * writes them), for the log viewer's tests: GitLab-style sections (one folded
 * by default), errors of the default patterns, and a search token.
 */
export interface BigLog {
  lines: number;
  /** Lines of the search token `needle-xyz`. */
  needles: number[];
  /** The first line an error pattern matches (a `WARNING:`), then others. */
  firstError: number;
  errors: number[];
  /** The collapsed-by-default section `compile`: its start and end marker lines. */
  compile: { start: number; end: number };
  /** The section `prepare` (expanded by default). */
  prepare: { start: number; end: number };
}

const ESC = '\x1b';
const start = (t: number, name: string, title: string, opts = '') => `${ESC}[0Ksection_start:${t}:${name}${opts}\r${ESC}[0K${title}`;
const end = (t: number, name: string) => `${ESC}[0Ksection_end:${t}:${name}\r${ESC}[0K`;

export function writeBigLog(file: string, lines: number): BigLog {
  const scale = lines / 200_000;
  const at = (n: number) => Math.max(10, Math.round(n * scale));
  const log: BigLog = {
    lines,
    needles: [5, at(50_000), at(190_000)],
    firstError: at(120_000),
    errors: [at(120_000), at(160_000), at(170_000)],
    compile: { start: 1000, end: at(150_000) },
    prepare: { start: 2, end: 102 },
  };
  const special = new Map<number, string>([
    [1, `${ESC}[1mmake -j8 ARCH=x86_64 bzImage${ESC}[0m (e2e big log)`],
    [log.prepare.start, start(1_700_000_000, 'prepare', 'Prepare')],
    [log.prepare.end, end(1_700_000_003, 'prepare')],
    [log.compile.start, start(1_700_000_010, 'compile', `${ESC}[1mCompile${ESC}[0m`, '[collapsed=true]')],
    [log.compile.end, end(1_700_000_754, 'compile')],
    [log.errors[0]!, `[  121.000000] WARNING: CPU: 1 PID: 42 at drivers/virtio/virtio_ring.c:2115 virtqueue_add_split+0x1a/0x2b0`],
    [log.errors[1]!, `${ESC}[1;31mdrivers/net/virtio_net.c:3214:9: error: implicit declaration of function 'virtnet_napi_tx_disable'${ESC}[0m`],
    [log.errors[2]!, `[  170.000000] BUG: kernel NULL pointer dereference, address: 0000000000000008`],
    [lines, 'Kernel: arch/x86/boot/bzImage is ready  (#1)'],
  ]);
  for (const n of log.needles) special.set(n, `  CC      drivers/misc/needle-xyz-${n}.o`);
  const out: string[] = [];
  for (let i = 1; i <= lines; i++) {
    out.push(special.get(i) ?? (i % 7 === 0 ? `  ${ESC}[32mCC${ESC}[0m      drivers/gpu/drm/i915/gt/intel_file_${i}.o` : `  CC      fs/ext4/file_${i}.o`));
  }
  writeFileSync(file, out.join('\n') + '\n');
  return log;
}
