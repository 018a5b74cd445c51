/**
 * Contents of the demo's toy "kernel": subsystems, source files, commit
 * subject material, and the two scripts (`build.sh`, `repro.sh`) committed at
 * every commit. Pure data; no I/O.
 */
import { MAKEFILE_CONFIG_TARGETS } from './toy-kconfig';

export interface Subsystem {
  /** Subject prefix, e.g. "virtio" in "virtio: fix ...". */
  prefix: string;
  /** Branch name used in "Merge branch '...'" subjects. */
  branch: string;
  /** Tag stem and tree used in "Merge tag '<stem>-5.x' of git://..." subjects. */
  tagStem: string;
  tree: string;
  files: string[];
  functions: string[];
}

export const SUBSYSTEMS: Subsystem[] = [
  {
    prefix: 'virtio',
    branch: 'virtio-next',
    tagStem: 'for_linus',
    tree: 'mst/vhost',
    files: [
      'drivers/virtio/virtio.c',
      'drivers/virtio/virtio_ring.c',
      'drivers/virtio/virtio_pci_common.c',
      'drivers/virtio/virtio_pci_modern.c',
      'drivers/virtio/virtio_balloon.c',
      'drivers/virtio/virtio_mmio.c',
      'drivers/virtio/virtio_input.c',
      'drivers/virtio/virtio_mem.c',
      'include/linux/virtio.h',
      'include/linux/virtio_ring.h',
    ],
    functions: ['virtqueue_add_split', 'virtqueue_get_buf_ctx', 'virtqueue_kick_prepare', 'detach_buf_packed', 'vring_create_virtqueue', 'virtio_dev_probe', 'vp_find_vqs', 'virtballoon_probe'],
  },
  {
    prefix: 'net',
    branch: 'net-next',
    tagStem: 'net-next',
    tree: 'netdev/net-next',
    files: [
      'net/core/dev.c',
      'net/core/skbuff.c',
      'net/core/sock.c',
      'net/core/filter.c',
      'net/core/neighbour.c',
      'net/core/rtnetlink.c',
      'net/core/flow_dissector.c',
      'include/linux/netdevice.h',
      'include/linux/skbuff.h',
    ],
    functions: ['__netif_receive_skb_core', 'dev_queue_xmit', 'skb_copy_bits', 'sock_setsockopt', 'neigh_update', 'rtnl_newlink', 'napi_gro_receive', 'netif_napi_add'],
  },
  {
    prefix: 'tcp',
    branch: 'net',
    tagStem: 'net',
    tree: 'netdev/net',
    files: ['net/ipv4/tcp.c', 'net/ipv4/tcp_input.c', 'net/ipv4/tcp_output.c', 'net/ipv4/route.c', 'net/ipv4/udp.c', 'net/ipv4/ip_output.c', 'net/ipv6/addrconf.c', 'net/ipv6/route.c', 'net/ipv6/ip6_output.c'],
    functions: ['tcp_sendmsg_locked', 'tcp_rcv_established', 'tcp_write_xmit', 'ip_route_input_slow', 'udp_sendmsg', 'ip_finish_output2', 'addrconf_dad_work', 'ip6_xmit'],
  },
  {
    prefix: 'virtio_net',
    branch: 'net',
    tagStem: 'net',
    tree: 'netdev/net',
    files: ['drivers/net/virtio_net.c', 'drivers/net/tun.c', 'drivers/net/veth.c', 'drivers/net/loopback.c'],
    functions: ['virtnet_poll', 'start_xmit', 'virtnet_open', 'receive_mergeable', 'free_old_xmit_skbs', 'virtnet_set_queues', 'tun_get_user', 'veth_xmit'],
  },
  {
    prefix: 'ext4',
    branch: 'ext4-fixes',
    tagStem: 'ext4_for_linus',
    tree: 'tytso/ext4',
    files: ['fs/ext4/inode.c', 'fs/ext4/super.c', 'fs/ext4/extents.c', 'fs/ext4/namei.c', 'fs/ext4/balloc.c', 'fs/ext4/mballoc.c', 'fs/ext4/xattr.c'],
    functions: ['ext4_writepages', 'ext4_fill_super', 'ext4_ext_map_blocks', 'ext4_lookup', 'ext4_mb_new_blocks', 'ext4_xattr_set_handle', 'ext4_evict_inode'],
  },
  {
    prefix: 'btrfs',
    branch: 'for-next',
    tagStem: 'for',
    tree: 'kdave/linux',
    files: ['fs/btrfs/ctree.c', 'fs/btrfs/disk-io.c', 'fs/btrfs/extent-tree.c', 'fs/btrfs/inode.c', 'fs/btrfs/volumes.c', 'fs/btrfs/scrub.c'],
    functions: ['btrfs_search_slot', 'open_ctree', 'btrfs_alloc_tree_block', 'btrfs_finish_ordered_io', 'btrfs_read_chunk_tree', 'scrub_stripe'],
  },
  {
    prefix: 'mm',
    branch: 'akpm',
    tagStem: 'mm-stable',
    tree: 'akpm/mm',
    files: ['mm/page_alloc.c', 'mm/slub.c', 'mm/vmscan.c', 'mm/memory.c', 'mm/mmap.c', 'mm/huge_memory.c', 'mm/memcontrol.c', 'mm/filemap.c', 'include/linux/mm.h'],
    functions: ['__alloc_pages', 'kmem_cache_alloc', 'shrink_node', 'handle_mm_fault', 'do_mmap', 'split_huge_page_to_list', 'mem_cgroup_charge', 'filemap_fault'],
  },
  {
    prefix: 'sched/fair',
    branch: 'sched-core-for-linus',
    tagStem: 'sched-core',
    tree: 'tip/tip',
    files: ['kernel/sched/core.c', 'kernel/sched/fair.c', 'kernel/sched/rt.c', 'kernel/sched/deadline.c', 'kernel/sched/topology.c', 'include/linux/sched.h'],
    functions: ['__schedule', 'update_curr', 'load_balance', 'pick_next_task_rt', 'dl_task_timer', 'build_sched_domains'],
  },
  {
    prefix: 'timers',
    branch: 'timers-core-for-linus',
    tagStem: 'timers-core',
    tree: 'tip/tip',
    files: ['kernel/time/timer.c', 'kernel/time/hrtimer.c', 'kernel/time/tick-sched.c', 'kernel/time/clocksource.c'],
    functions: ['run_timer_softirq', 'hrtimer_interrupt', 'tick_nohz_idle_enter', 'clocksource_watchdog', 'mod_timer'],
  },
  {
    prefix: 'locking',
    branch: 'locking-core-for-linus',
    tagStem: 'locking-core',
    tree: 'tip/tip',
    files: ['kernel/locking/mutex.c', 'kernel/locking/rwsem.c', 'kernel/locking/spinlock.c', 'kernel/locking/lockdep.c', 'kernel/workqueue.c', 'kernel/fork.c'],
    functions: ['__mutex_lock', 'rwsem_down_write_slowpath', 'lock_acquire', 'process_one_work', 'copy_process'],
  },
  {
    prefix: 'block',
    branch: 'for-linus',
    tagStem: 'block',
    tree: 'axboe/linux-block',
    files: ['block/blk-mq.c', 'block/blk-core.c', 'block/bio.c', 'block/blk-merge.c', 'block/elevator.c', 'drivers/block/virtio_blk.c', 'include/linux/blkdev.h'],
    functions: ['blk_mq_submit_bio', 'blk_mq_dispatch_rq_list', 'bio_alloc_bioset', 'blk_rq_map_sg', 'elevator_switch', 'virtio_queue_rq'],
  },
  {
    prefix: 'drm/i915',
    branch: 'drm-next',
    tagStem: 'drm-next',
    tree: 'drm/drm',
    files: ['drivers/gpu/drm/i915/i915_drv.c', 'drivers/gpu/drm/i915/i915_gem.c', 'drivers/gpu/drm/i915/intel_uncore.c', 'drivers/gpu/drm/i915/display/intel_display.c', 'drivers/gpu/drm/i915/gt/intel_engine_cs.c'],
    functions: ['i915_driver_probe', 'i915_gem_object_pin_pages', 'intel_uncore_forcewake_get', 'intel_atomic_commit_tail', 'intel_engine_init_common'],
  },
  {
    prefix: 'drm/amdgpu',
    branch: 'drm-next',
    tagStem: 'drm-next',
    tree: 'drm/drm',
    files: ['drivers/gpu/drm/amd/amdgpu/amdgpu_device.c', 'drivers/gpu/drm/amd/amdgpu/amdgpu_drv.c', 'drivers/gpu/drm/amd/amdgpu/gfx_v10_0.c', 'drivers/gpu/drm/amd/amdgpu/amdgpu_vm.c'],
    functions: ['amdgpu_device_init', 'amdgpu_pci_probe', 'gfx_v10_0_hw_init', 'amdgpu_vm_bo_update'],
  },
  {
    prefix: 'usb: xhci',
    branch: 'usb-next',
    tagStem: 'usb',
    tree: 'gregkh/usb',
    files: ['drivers/usb/core/hub.c', 'drivers/usb/core/message.c', 'drivers/usb/core/urb.c', 'drivers/usb/host/xhci.c', 'drivers/usb/host/xhci-ring.c', 'drivers/usb/host/ehci-hcd.c'],
    functions: ['hub_event', 'usb_set_configuration', 'usb_submit_urb', 'xhci_urb_enqueue', 'handle_tx_event', 'ehci_irq'],
  },
  {
    prefix: 'scsi: sd',
    branch: 'scsi-misc',
    tagStem: 'scsi-misc',
    tree: 'jejb/scsi',
    files: ['drivers/scsi/sd.c', 'drivers/scsi/scsi_lib.c', 'drivers/scsi/scsi_error.c', 'drivers/scsi/virtio_scsi.c'],
    functions: ['sd_revalidate_disk', 'scsi_queue_rq', 'scsi_eh_scmd_add', 'virtscsi_queuecommand'],
  },
  {
    prefix: 'nvme',
    branch: 'nvme-next',
    tagStem: 'nvme',
    tree: 'hch/nvme',
    files: ['drivers/nvme/host/core.c', 'drivers/nvme/host/pci.c', 'drivers/nvme/host/tcp.c', 'drivers/nvme/host/multipath.c'],
    functions: ['nvme_scan_work', 'nvme_queue_rq', 'nvme_tcp_io_work', 'nvme_mpath_set_live'],
  },
  {
    prefix: 'x86/mm',
    branch: 'x86-mm-for-linus',
    tagStem: 'x86-mm',
    tree: 'tip/tip',
    files: ['arch/x86/kernel/setup.c', 'arch/x86/kernel/cpu/common.c', 'arch/x86/kernel/apic/apic.c', 'arch/x86/kernel/process.c', 'arch/x86/kernel/smpboot.c', 'arch/x86/mm/fault.c', 'arch/x86/mm/init.c', 'arch/x86/mm/tlb.c'],
    functions: ['setup_arch', 'identify_cpu', 'setup_local_APIC', '__switch_to_xtra', 'do_boot_cpu', 'exc_page_fault', 'flush_tlb_mm_range'],
  },
  {
    prefix: 'arm64',
    branch: 'for-next/core',
    tagStem: 'arm64-upstream',
    tree: 'arm64/linux',
    files: ['arch/arm64/kernel/setup.c', 'arch/arm64/kernel/smp.c', 'arch/arm64/kernel/process.c', 'arch/arm64/mm/fault.c', 'arch/arm64/mm/mmu.c'],
    functions: ['setup_arch', 'secondary_start_kernel', 'cpu_switch_to', 'do_page_fault', 'create_pgd_mapping'],
  },
  {
    prefix: 'bpf',
    branch: 'bpf-next',
    tagStem: 'bpf-next',
    tree: 'bpf/bpf-next',
    files: ['kernel/bpf/verifier.c', 'kernel/bpf/syscall.c', 'kernel/bpf/core.c', 'kernel/bpf/btf.c', 'kernel/bpf/hashtab.c', 'include/linux/bpf.h'],
    functions: ['check_mem_access', 'bpf_prog_load', '___bpf_prog_run', 'btf_parse', 'htab_map_update_elem', 'do_check_common'],
  },
  {
    prefix: 'docs',
    branch: 'docs-next',
    tagStem: 'docs',
    tree: 'docs/linux',
    files: ['Documentation/admin-guide/kernel-parameters.txt', 'Documentation/networking/ip-sysctl.rst', 'Documentation/driver-api/virtio/virtio.rst', 'Documentation/process/submitting-patches.rst'],
    functions: ['the kernel-parameters list', 'ip-sysctl', 'the virtio driver API', 'submitting-patches'],
  },
];

/** Fictional contributors (no real people). */
export const PEOPLE: Array<{ name: string; email: string }> = [
  { name: 'Ada Kowalczyk', email: 'ada.kowalczyk@example.org' },
  { name: 'Bruno Tavares', email: 'bruno@example.net' },
  { name: 'Chen Wei', email: 'chen.wei@example.com' },
  { name: 'Dagny Solberg', email: 'dagny@example.org' },
  { name: 'Emeka Obi', email: 'emeka.obi@example.com' },
  { name: 'Fatima Haddad', email: 'fhaddad@example.org' },
  { name: 'Gustav Lindqvist', email: 'gustav@example.se' },
  { name: 'Hana Sato', email: 'hana.sato@example.jp' },
  { name: 'Ivan Petrov', email: 'ipetrov@example.net' },
  { name: 'Julia Becker', email: 'jbecker@example.de' },
  { name: 'Kofi Mensah', email: 'kofi@example.com' },
  { name: 'Lucia Romano', email: 'lucia.romano@example.it' },
  { name: 'Mateo Garcia', email: 'mgarcia@example.org' },
  { name: 'Nadia Rahman', email: 'nadia@example.com' },
  { name: 'Oskar Nowak', email: 'oskar.nowak@example.pl' },
  { name: 'Priya Iyer', email: 'priya.iyer@example.in' },
];

/** The maintainer who merges pull requests and tags releases in the demo. */
export const MAINTAINER = { name: 'Toy Maintainer', email: 'maintainer@example.org' };

/** Subject templates: `P` = prefix, `F`/`G` = function names. */
export const SUBJECTS: string[] = [
  'P: fix memory leak in F()',
  'P: remove unused variable in F()',
  'P: fix NULL pointer dereference in F()',
  'P: add missing error handling in F()',
  'P: convert F() to use refcount_t',
  'P: simplify F()',
  'P: fix race between F() and G()',
  'P: make F() static',
  'P: drop redundant NULL check in F()',
  'P: fix typo in comment',
  'P: annotate lockless access in F()',
  'P: use WRITE_ONCE() in F()',
  'P: clean up the error path of F()',
  'P: avoid double free in F()',
  'P: fix off-by-one in F()',
  'P: replace strlcpy() with strscpy()',
  'P: fix use-after-free in F()',
  'P: add tracepoint to F()',
  'P: don\'t warn on -EAGAIN in F()',
  'P: split F() out of G()',
];

export const BODIES: string[] = [
  'The error path forgot to release the reference taken earlier, which\nshows up as a slow leak under memory pressure.',
  'No functional change intended.',
  'Found by code inspection while looking at a related report.',
  'KASAN reported the access during a stress test; the object can be\nfreed by the other path before we are done with it.',
  'This makes the code easier to follow and lets the compiler inline it.',
  'syzbot hit this with a crafted input; make the check explicit.',
];

/** Linux release names for the Makefile's NAME line. */
export const RELEASE_NAMES: Record<number, string> = {
  10: 'Kleptomaniac Octopus',
  11: "Valentine's Day Edition",
  12: 'Frozen Wasteland',
  13: 'Opossums on Parade',
  14: 'Opossums on Parade',
  15: 'Trick or Treat',
};

export function makefile(patchlevel: number, extraversion: string): string {
  return `# SPDX-License-Identifier: GPL-2.0
VERSION = 5
PATCHLEVEL = ${patchlevel}
SUBLEVEL = 0
EXTRAVERSION = ${extraversion}
NAME = ${RELEASE_NAMES[patchlevel] ?? 'Toy'}

# A toy kernel for the Bisect Dashboard demo: "building" it just runs build.sh.
PHONY := all
all: vmlinux

vmlinux:
\t./build.sh
${MAKEFILE_CONFIG_TARGETS}`;
}

/** A plausible-looking C (or doc) file whose content changes with each edit. */
export function sourceFile(path: string, functions: string[], rev: number): string {
  if (!path.endsWith('.c') && !path.endsWith('.h')) {
    return `${path}\n${'='.repeat(path.length)}\n\nToy documentation for the Bisect Dashboard demo.\nLast touched by change #${rev}.\n`;
  }
  const base = path.slice(path.lastIndexOf('/') + 1).replace(/[^A-Za-z0-9]/g, '_');
  const lines = [
    '// SPDX-License-Identifier: GPL-2.0',
    `/* ${path} - toy source for the Bisect Dashboard demo */`,
    '#include <linux/kernel.h>',
    '',
    `static unsigned int ${base}_rev = ${rev};`,
    '',
  ];
  for (const fn of functions.slice(0, 3)) {
    lines.push(`int ${fn}(void)`, '{', `\treturn ${base}_rev & ${(rev % 251) + 1};`, '}', '');
  }
  return lines.join('\n');
}

/** Present only where the planted regression is: the repro checks for it. */
export const BUG_FILE = {
  path: 'drivers/virtio/virtio_ring_quirks.h',
  content:
    '/* SPDX-License-Identifier: GPL-2.0 */\n' +
    '/* Skip the barrier in virtio_disable_cb(): it showed up in profiles. */\n' +
    '#define VIRTIO_RING_LAZY_DISABLE_CB 1\n',
};

/** Present only at unbuildable commits: build.sh prints it as the compiler error. */
export const BROKEN_FILE = {
  path: 'scripts/build-error.txt',
  content:
    "drivers/net/virtio_net.c:3214:9: error: implicit declaration of function 'virtnet_napi_tx_disable' [-Werror=implicit-function-declaration]\n",
};

/**
 * build.sh: prints ~150 lines of kbuild-like output with ANSI colours (green
 * CC, yellow warnings on stderr) in GitLab-style collapsible sections, sleeps
 * ~0.3 s in total and fails with a red error on commits that carry
 * scripts/build-error.txt. A build that succeeds writes the guest's image
 * (out/guest.img, sparse, 64 MiB) that the demo's transfer phase copies.
 */
export const BUILD_SH = `#!/usr/bin/env bash
# Toy kernel build for the Bisect Dashboard demo. It prints make-like output,
# takes a fraction of a second and fails on the few commits that do not build.
set -u
cd "$(dirname "$0")" || exit 2
green=$'\\e[32m'; yellow=$'\\e[33m'; red=$'\\e[1;31m'; cyan=$'\\e[36m'; bold=$'\\e[1m'; reset=$'\\e[0m'

# Collapsible sections, as GitLab CI marks them (the dashboard folds them and shows their durations).
section_start() { printf '\\e[0Ksection_start:%s:%s\\r\\e[0K%s\\n' "\${EPOCHREALTIME/,/.}" "$1" "$2"; }
section_end() { printf '\\e[0Ksection_end:%s:%s\\r\\e[0K\\n' "\${EPOCHREALTIME/,/.}" "$1"; }

mkver() { sed -n "s/^$1 = *//p" Makefile | head -n 1; }
release="$(mkver VERSION).$(mkver PATCHLEVEL).$(mkver SUBLEVEL)$(mkver EXTRAVERSION)"
echo "\${bold}make -j2 ARCH=x86_64 bzImage\${reset}  (Linux \${release})"
section_start prepare 'Configure and prepare'
for step in 'SYNC    include/config/auto.conf' 'HOSTCC  scripts/basic/fixdep' 'HOSTCC  scripts/kconfig/conf.o' \\
            'HOSTLD  scripts/kconfig/conf' 'UPD     include/generated/utsrelease.h' 'CC      scripts/mod/empty.o' \\
            'MKELF   scripts/mod/elfconfig.h' 'CALL    scripts/checksyscalls.sh' 'CALL    scripts/atomic/check-atomics.sh'; do
  echo "  \${step}"
done
sleep 0.1
section_end prepare

section_start compile 'Compile'
seed=$(cksum < drivers/virtio/virtio_ring.c | cut -d ' ' -f 1)
n=0
lastdir=''
while IFS= read -r src; do
  src=\${src#./}
  dir=\${src%/*}
  if [ -n "$lastdir" ] && [ "$dir" != "$lastdir" ]; then
    echo "  \${cyan}AR\${reset}      \${lastdir}/built-in.a"
  fi
  lastdir=$dir
  echo "  \${green}CC\${reset}      \${src%.c}.o"
  n=$((n + 1))
  if (( (n * 7 + seed) % 61 == 0 )); then
    echo "\${yellow}\${src}:$(( (seed + n * 37) % 2000 + 10 )):13: warning: unused variable 'ret' [-Wunused-variable]\${reset}" >&2
  fi
  if [ -f scripts/build-error.txt ] && [ "$src" = drivers/net/virtio_net.c ]; then
    while IFS= read -r line; do echo "\${red}\${line}\${reset}" >&2; done < scripts/build-error.txt
    echo "\${red}make[3]: *** [scripts/Makefile.build:271: drivers/net/virtio_net.o] Error 1\${reset}" >&2
    echo "\${red}make[2]: *** [scripts/Makefile.build:514: drivers/net] Error 2\${reset}" >&2
    echo "\${red}make: *** [Makefile:1851: drivers] Error 2\${reset}" >&2
    exit 1
  fi
  if (( n == 60 )); then sleep 0.1; fi
done < <(find . -path ./.git -prune -o -name '*.c' -print | LC_ALL=C sort)
[ -n "$lastdir" ] && echo "  \${cyan}AR\${reset}      \${lastdir}/built-in.a"
if [ -f scripts/build-error.txt ]; then
  echo "\${red}make: *** [Makefile:1851: drivers] Error 2\${reset}" >&2
  exit 1
fi
section_end compile

section_start link 'Link vmlinux and bzImage'
sleep 0.1
for step in 'AR      built-in.a' 'LD      vmlinux.o' 'MODPOST vmlinux.symvers' 'MODINFO modules.builtin.modinfo' \\
            'GEN     modules.builtin' 'LD      .tmp_vmlinux.kallsyms1' 'KSYMS   .tmp_vmlinux.kallsyms1.S' \\
            'LD      vmlinux' 'SORTTAB vmlinux' 'SYSMAP  System.map' 'CC      arch/x86/boot/version.o' \\
            'VOFFSET arch/x86/boot/compressed/../voffset.h' 'OBJCOPY arch/x86/boot/compressed/vmlinux.bin' \\
            'GZIP    arch/x86/boot/compressed/vmlinux.bin.gz' 'LD      arch/x86/boot/compressed/vmlinux' \\
            'OBJCOPY arch/x86/boot/vmlinux.bin' 'BUILD   arch/x86/boot/bzImage'; do
  echo "  \${step}"
done
echo "Kernel: arch/x86/boot/bzImage is ready  (#1)"
section_end link

# The guest's disk image with this kernel: sparse (no disk used), its first
# line says what the kernel is; the demo's simulated guest boots from it.
section_start image 'Guest image'
lazy=0
if grep -qs 'VIRTIO_RING_LAZY_DISABLE_CB 1' drivers/virtio/virtio_ring_quirks.h; then lazy=1; fi
image_bytes=$((64 * 1024 * 1024))
mkdir -p out
truncate -s "$image_bytes" out/guest.img
printf '%-511s\\n' "TOYIMG1 release=\${release} lazy_disable_cb=\${lazy} seed=\${seed} bytes=\${image_bytes}" |
  dd of=out/guest.img conv=notrunc status=none
echo "  IMAGE   out/guest.img  ($((image_bytes >> 20)) MiB guest disk image, Linux \${release})"
section_end image
`;

/**
 * repro.sh: simulates the seed's 15 scp copies of a 2 GiB image into a VM;
 * fails at copy 3-7 when the regression is present. Takes ~0.5 s.
 */
export const REPRO_SH = `#!/usr/bin/env bash
# Toy reproducer for the Bisect Dashboard demo: copy a 2 GiB image into a
# virtio VM 15 times, like the original bug report. On affected kernels the
# virtio ring gets corrupted after a few copies and scp dies.
set -u
cd "$(dirname "$0")" || exit 2
green=$'\\e[32m'; red=$'\\e[1;31m'; reset=$'\\e[0m'

affected=''
if grep -qs 'VIRTIO_RING_LAZY_DISABLE_CB 1' drivers/virtio/virtio_ring_quirks.h; then affected=1; fi
seed=$(cksum < drivers/virtio/virtio_ring.c | cut -d ' ' -f 1)
fail_at=$(( seed % 5 + 3 ))

echo "booting test VM (virtio-blk, virtio-net, 4 vCPUs)... ok"
for ((i = 1; i <= 15; i++)); do
  sleep 0.03
  if [ -n "$affected" ] && (( i == fail_at )); then
    echo "\${red}[  $(( 40 + i * 3 )).$(( seed % 900000 + 100000 ))] virtio_net virtio0: output.0:id 0 is not a head!\${reset}" >&2
    echo "\${red}scp: write: Connection reset by peer\${reset}" >&2
    echo "\${red}FAIL\${reset}: copy $i/15 failed"
    exit 1
  fi
  echo "copy $i/15: 2048 MiB in 0.0$(( (seed / i) % 7 + 2 ))s"
done
echo "\${green}PASS\${reset}: 15/15 copies ok"
`;
