import type { RecipeInput } from '@/server/engine/recipe';

export interface RecipeTemplate {
  id: string;
  name: string;
  description: string;
  /** Shown under the editor when the template is chosen: what to edit, what to watch out for. */
  hint?: string;
  recipe: RecipeInput;
}

/**
 * The reproducer of the seed: copy a large file to the guest 15 times; a copy
 * that hangs for 3 minutes means the network died (bad). Uses your ssh client
 * and its ~/.ssh/config aliases (name the hosts here like your aliases).
 */
const COPY_REPRODUCER = [
  'ISO="$HOME/Downloads/nixos.iso"   # any large file (the seed used a 3 GB ISO)',
  'for i in $(seq 1 15); do',
  '  echo "copy $i/15"',
  '  if ! timeout 3m ssh guest "cat > /dev/null" < "$ISO"; then',
  '    echo "copy $i hung or failed: the network died"',
  '    exit 1',
  '  fi',
  'done',
].join('\n');

/** Kernel bisect recipes after the seed's two bisects and its lessons; every value is meant to be edited. */
const KERNEL_TEMPLATES: RecipeTemplate[] = [
  {
    id: 'guest-kernel',
    name: 'Guest kernel (VM image)',
    description:
      "The seed's bisect.sh: build a VM image with the kernel under test, copy it to the VM host, restart the VM with virsh, wait for the guest's SSH, run the reproducer.",
    hint:
      'Add hosts "vm-host" (the hypervisor) and "guest" (the test VM, fixed IP) on the Hosts page. The guest image must keep its SSH host key ' +
      '(bake it into the image): a changed key is refused. A failed image build is a skip; a guest that does not answer SSH within 60 s is a skip. ' +
      'The reproducer is the seed\'s: 15 copies of 2 GiB to the guest, with live throughput graphs; a copy that makes no progress for 20 s, ' +
      'or takes over 3 minutes, makes the commit bad.',
    recipe: {
      phases: [
        {
          name: 'kernel version',
          per: 'commit',
          kind: 'script',
          run: 'echo "KERNEL_VERSION=$(make -s kernelversion)" >> "$BISECT_ENV"',
          timeoutSec: 300,
          onFailure: 'skip',
          onTimeout: 'skip',
        },
        {
          name: 'build image',
          per: 'commit',
          kind: 'script',
          run: [
            'set -ex',
            'FLAKE_REPO=/path/to/flake/repo',
            'sha=$(nix-prefetch-url --unpack "https://github.com/torvalds/linux/archive/$BISECT_COMMIT.tar.gz")',
            'printf %s "$BISECT_COMMIT" > "$FLAKE_REPO/repro/commit"',
            'printf %s "$KERNEL_VERSION" > "$FLAKE_REPO/repro/version"',
            'printf %s "$sha" > "$FLAKE_REPO/repro/sha"',
            'cd "$FLAKE_REPO" && git add ./repro/commit ./repro/version ./repro/sha',
            "nix build '.#qemuImage'",
            'echo "IMAGE=$FLAKE_REPO/result/nixos.qcow2" >> "$BISECT_ENV"',
          ].join('\n'),
          timeoutSec: 7200,
          onFailure: 'skip',
          onTimeout: 'skip',
        },
        { name: 'copy image', kind: 'script', per: 'commit', run: 'scp "$IMAGE" vm-host:nixos.qcow2', timeoutSec: 1800, onFailure: 'abort', onTimeout: 'abort' },
        { name: 'virsh destroy', kind: 'script', on: 'vm-host', run: 'sudo virsh destroy repro-vm || true', timeoutSec: 120, onFailure: 'abort', onTimeout: 'abort' },
        {
          name: 'install image',
          per: 'commit',
          kind: 'script',
          on: 'vm-host',
          run: [
            'set -e',
            'sudo qemu-img convert ./nixos.qcow2 -O raw /tank/virts/disks/repro-vm.raw',
            'sudo qemu-img resize -f raw /tank/virts/disks/repro-vm.raw 10G',
            'rm -f ./nixos.qcow2',
          ].join('\n'),
          timeoutSec: 1800,
          onFailure: 'skip',
          onTimeout: 'skip',
        },
        { name: 'virsh start', kind: 'script', on: 'vm-host', run: 'sudo virsh start repro-vm', timeoutSec: 120, onFailure: 'abort', onTimeout: 'abort' },
        { name: 'wait for guest', kind: 'wait-for-ssh', on: 'guest', timeoutSec: 60, intervalSec: 1, onTimeout: 'skip' },
        {
          name: 'reproducer',
          kind: 'transfer',
          on: 'guest',
          copies: 15,
          bytes: 2 * 1024 ** 3,
          sink: '/dev/null',
          copyTimeoutSec: 180,
          stallSec: 20,
          onFailure: 'bad',
        },
      ],
    },
  },
  {
    id: 'host-kernel',
    name: 'Host kernel (build, install, reboot)',
    description:
      "The seed's second bisect: on the host itself, check out the commit in its own clone (incremental builds), make, make modules_install install, reboot into it and verify, start the fixed guest, wait for it, run the reproducer.",
    hint:
      'Add hosts "test-host" (the machine whose kernel is bisected; give it a power-cycle command such as an IPMI call, run when it does not come back) ' +
      'and "guest". The boot loader must boot the newly installed kernel (e.g. GRUB_DEFAULT=saved + grub-reboot); the reboot phase checks `uname -r` ' +
      'and marks the commit skip if another kernel booted. To find the commit that FIXED a bug (as in the seed), tick "Custom terms" with ' +
      'old = broken, new = fixed, and make the reproducer exit 0 while the bug is still there and 1 once it is gone.',
    recipe: {
      phases: [
        { name: 'checkout', kind: 'checkout', per: 'commit', on: 'test-host', repo: '/home/me/linux', fetchFrom: 'origin', timeoutSec: 1800 },
        {
          name: 'build',
          per: 'commit',
          kind: 'script',
          on: 'test-host',
          cwd: '/home/me/linux',
          run: 'make olddefconfig && make -j"$(nproc)" && echo "KERNEL_RELEASE=$(make -s kernelrelease)" >> "$BISECT_ENV"',
          timeoutSec: 7200,
          onFailure: 'skip',
          onTimeout: 'skip',
        },
        {
          name: 'install',
          per: 'commit',
          kind: 'script',
          on: 'test-host',
          cwd: '/home/me/linux',
          run: 'sudo make modules_install install && sudo grub-reboot "Advanced options for Ubuntu>Ubuntu, with Linux $KERNEL_RELEASE"',
          timeoutSec: 1800,
          onFailure: 'skip',
          onTimeout: 'skip',
        },
        {
          name: 'reboot',
          per: 'commit',
          kind: 'reboot',
          on: 'test-host',
          command: 'sudo reboot',
          expectKernel: 'from-env:KERNEL_RELEASE',
          timeoutSec: 600,
          onWrongKernel: 'skip',
          onTimeout: 'skip',
        },
        { name: 'start guest', kind: 'script', on: 'test-host', run: 'sudo virsh start repro-vm', timeoutSec: 120, onFailure: 'abort', onTimeout: 'abort' },
        { name: 'wait for guest', kind: 'wait-for-ssh', on: 'guest', timeoutSec: 60, intervalSec: 1, onTimeout: 'skip' },
        { name: 'reproducer', kind: 'script', run: COPY_REPRODUCER, timeoutSec: 15 * 200, onFailure: 'exitcode', onTimeout: 'bad' },
      ],
    },
  },
  {
    id: 'direct-boot',
    name: 'Direct boot (qemu -kernel)',
    description:
      "The seed's lesson: a small config, make in a kept build directory (incremental across steps), boot the bzImage directly with qemu (no initrd, a small root filesystem, SSH forwarded to port 2222), reproducer over SSH.",
    hint:
      'Add a host "qemu-guest" at 127.0.0.1 port 2222 (user root, the key baked into the root filesystem). The root filesystem is any small ' +
      'image with sshd (buildroot, debootstrap): ROOTFS below. Needed drivers are built in (kvm_guest.config), so no initrd and no modules.',
    recipe: {
      phases: [
        {
          name: 'build',
          per: 'commit',
          kind: 'script',
          run: [
            'set -e',
            'B="$HOME/.cache/bisect-kbuild"   # kept between steps: incremental builds',
            'mkdir -p "$B"',
            'make O="$B" defconfig kvm_guest.config >/dev/null',
            'make O="$B" -j"$(nproc)" bzImage',
            'echo "KERNEL=$B/arch/x86/boot/bzImage" >> "$BISECT_ENV"',
            'echo "KERNEL_RELEASE=$(make -s O="$B" kernelrelease)" >> "$BISECT_ENV"',
          ].join('\n'),
          timeoutSec: 3600,
          onFailure: 'skip',
          onTimeout: 'skip',
        },
        {
          name: 'boot',
          kind: 'script',
          run: [
            'ROOTFS="$HOME/rootfs.ext4"',
            'PID=/tmp/bisect-qemu.pid',
            '[ -f "$PID" ] && kill "$(cat "$PID")" 2>/dev/null && sleep 1',
            'qemu-system-x86_64 -enable-kvm -m 2G -smp 2 -display none -daemonize -pidfile "$PID" \\',
            '  -kernel "$KERNEL" -append "root=/dev/vda rw console=ttyS0 panic=-1" -no-reboot \\',
            '  -drive file="$ROOTFS",format=raw,if=virtio,snapshot=on \\',
            '  -netdev user,id=n0,hostfwd=tcp:127.0.0.1:2222-:22 -device virtio-net-pci,netdev=n0 \\',
            '  -serial file:/tmp/bisect-qemu-console.log',
          ].join('\n'),
          timeoutSec: 120,
          onFailure: 'skip',
          onTimeout: 'skip',
        },
        { name: 'wait for ssh', kind: 'wait-for-ssh', on: 'qemu-guest', timeoutSec: 60, intervalSec: 1, onTimeout: 'skip' },
        {
          name: 'check kernel',
          kind: 'script',
          on: 'qemu-guest',
          run: 'echo "booted $(uname -r)"; test "$(uname -r)" = "$KERNEL_RELEASE" || { echo "expected $KERNEL_RELEASE"; exit 125; }',
          timeoutSec: 60,
          onFailure: 'exitcode',
          onTimeout: 'skip',
        },
        { name: 'reproducer', kind: 'script', on: 'qemu-guest', run: './repro.sh   # runs in the guest', timeoutSec: 600, onFailure: 'exitcode', onTimeout: 'bad' },
      ],
    },
  },
];

/** Starting points the New bisect form offers; the user edits them before starting. */
export const RECIPE_TEMPLATES: RecipeTemplate[] = [
  {
    id: 'custom-script',
    name: 'Custom script',
    description: 'One phase with git bisect run semantics: exit 0 good, 125 skip, 1-127 bad, anything else aborts.',
    recipe: {
      phases: [{ name: 'test', kind: 'script', run: './bisect.sh', timeoutSec: 3600, onFailure: 'exitcode', onTimeout: 'bad' }],
    },
  },
  {
    id: 'build-and-test',
    name: 'Build, then test',
    description: 'A failed build is a skip; the reproducer decides good or bad, and a hung reproducer is bad.',
    recipe: {
      phases: [
        { name: 'build', per: 'commit', kind: 'script', run: 'make -j"$(nproc)"', timeoutSec: 3600, onFailure: 'skip', onTimeout: 'skip' },
        { name: 'test', kind: 'script', run: './repro.sh', timeoutSec: 600, onFailure: 'exitcode', onTimeout: 'bad' },
      ],
    },
  },
  ...KERNEL_TEMPLATES,
];

