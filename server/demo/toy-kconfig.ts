/**
 * The toy kernel's configuration system: a small Kconfig, a defconfig, a
 * fragment, and `scripts/kconfig/toyconf.sh`, which implements kbuild's
 * `make [O=dir] defconfig` and `make [O=dir] olddefconfig` for it: every
 * symbol in Kconfig order, its value from the existing .config when set and
 * its dependencies are met, else its default; unknown symbols are dropped.
 * Pure data; no I/O.
 */

export const TOY_KCONFIG = `# SPDX-License-Identifier: GPL-2.0
mainmenu "Toy Linux Kernel Configuration"

config LOCALVERSION
	string "Local version - append to kernel release"
	default ""

config NR_CPUS
	int "Maximum number of CPUs"
	default 64

config SMP
	bool "Symmetric multi-processing support"
	default y

config NET
	bool "Networking support"
	default y

config VIRTIO
	bool "Virtio drivers"
	default y

config VIRTIO_PCI
	bool "PCI driver for virtio devices"
	depends on VIRTIO
	default y

config VIRTIO_NET
	bool "Virtio network driver"
	depends on NET
	depends on VIRTIO
	default n

config VIRTIO_BLK
	bool "Virtio block driver"
	depends on VIRTIO
	default n

config EXT4_FS
	bool "The Extended 4 (ext4) filesystem"
	default y

config BTRFS_FS
	bool "Btrfs filesystem support"
	default n

config SECURITY
	bool "Enable different security models"
	default y

config SECURITY_SELINUX
	bool "NSA SELinux Support"
	depends on SECURITY
	depends on NET
	default y

config SECURITY_SELINUX_DEVELOP
	bool "NSA SELinux Development Support"
	depends on SECURITY_SELINUX
	default y

config DEBUG_INFO
	bool "Compile the kernel with debug info"
	default n

config KASAN
	bool "KASAN: dynamic memory safety error detector"
	depends on DEBUG_INFO
	default n
`;

export const TOY_DEFCONFIG = `CONFIG_SMP=y
CONFIG_NET=y
CONFIG_VIRTIO=y
CONFIG_EXT4_FS=y
# CONFIG_DEBUG_INFO is not set
`;

/** What kernel/configs/kvm_guest.config holds upstream, in miniature. */
export const TOY_KVM_GUEST_CONFIG = `# Guest kernels for KVM
CONFIG_VIRTIO_PCI=y
CONFIG_VIRTIO_NET=y
CONFIG_VIRTIO_BLK=y
`;

/** `toyconf.sh defconfig|olddefconfig OUTDIR`, run by the Makefile's targets from the source tree. */
export const TOYCONF_SH = String.raw`#!/usr/bin/env bash
# Toy kconfig for the Bisect Dashboard demo: kbuild's defconfig and olddefconfig, in miniature.
set -eu
cd "$(dirname "$0")/../.."
target=$1 out=${'$'}{2:-.}
mkdir -p -- "$out"
cfg="$out/.config"
case "$target" in
  defconfig) cp arch/x86/configs/defconfig "$cfg" ;;
  olddefconfig) [ -f "$cfg" ] || : > "$cfg" ;;
  *) echo "toyconf: unknown target $target" >&2; exit 2 ;;
esac
release="$(sed -n 's/^VERSION = *//p' Makefile).$(sed -n 's/^PATCHLEVEL = *//p' Makefile).0"
awk -v release="$release" '
  FNR == NR {
    if ($0 ~ /^CONFIG_[A-Za-z0-9_]+=/) { n = index($0, "="); old[substr($0, 8, n - 8)] = substr($0, n + 1) }
    else if ($0 ~ /^# CONFIG_[A-Za-z0-9_]+ is not set$/) { split($0, w, " "); old[substr(w[2], 8)] = "n" }
    next
  }
  $1 == "config" { sym = $2; order[++count] = sym; deps[sym] = ""; next }
  $1 == "bool" || $1 == "string" || $1 == "int" { type[sym] = $1; next }
  $1 == "depends" && $2 == "on" { deps[sym] = deps[sym] " " $3; next }
  $1 == "default" { d = $0; sub(/^[ \t]*default[ \t]+/, "", d); def[sym] = d; next }
  END {
    print "#"; print "# Automatically generated file; DO NOT EDIT."; print "# Toy Linux/x86 " release " Kernel Configuration"; print "#"
    for (i = 1; i <= count; i++) {
      s = order[i]; ok = 1; nd = split(deps[s], ds, " ")
      for (j = 1; j <= nd; j++) if (val[ds[j]] != "y") ok = 0
      v = (s in old) ? old[s] : def[s]
      if (type[s] == "bool") {
        if (!ok || v != "y") { val[s] = "n"; print "# CONFIG_" s " is not set" }
        else { val[s] = "y"; print "CONFIG_" s "=y" }
      } else if (ok) {
        if (type[s] == "string" && v !~ /^".*"$/) v = "\"" v "\""
        val[s] = v; print "CONFIG_" s "=" v
      }
    }
  }
' "$cfg" Kconfig > "$cfg.tmp"
mv -- "$cfg.tmp" "$cfg"
echo "#"; echo "# configuration written to $cfg"; echo "#"
`;

/** The Makefile's configuration targets (appended to the toy Makefile). */
export const MAKEFILE_CONFIG_TARGETS = `
# Configuration, as kbuild's targets (O= puts .config in another directory).
O ?= .
PHONY += defconfig olddefconfig
defconfig:
\t@./scripts/kconfig/toyconf.sh defconfig $(O)
olddefconfig:
\t@./scripts/kconfig/toyconf.sh olddefconfig $(O)
`;

/** The files the toy kernel's configuration needs, for a repository's first commit. */
export const KCONFIG_FILES: Array<{ path: string; content: string; executable?: boolean }> = [
  { path: 'Kconfig', content: TOY_KCONFIG },
  { path: 'arch/x86/configs/defconfig', content: TOY_DEFCONFIG },
  { path: 'kernel/configs/kvm_guest.config', content: TOY_KVM_GUEST_CONFIG },
  { path: 'scripts/kconfig/toyconf.sh', content: TOYCONF_SH, executable: true },
];
