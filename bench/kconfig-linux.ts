/**
 * The kconfig phase on a real kernel tree: Debian's linux-source package
 * (`apt-get install linux-source`, /usr/src/linux-source-*.tar.xz). Opt-in,
 * never in CI: `npx tsx bench/kconfig-linux.ts [--tarball PATH] [--keep DIR]`.
 *
 * Runs, in the same extracted tree: the phase (defconfig + kvm_guest.config +
 * disable SECURITY_SELINUX, O=build) and the baseline a kernel developer types
 * (`make O=base defconfig` + `scripts/kconfig/merge_config.sh -m -O base` with
 * the same fragments + `make O=base olddefconfig`). Prints both times, their
 * ratio, whether the two .configs agree (scripts/diffconfig's view) and the
 * stored config's size.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { EngineEvent } from '../server/engine/events';
import { LocalExecutor } from '../server/engine/executors/local';
import { runKconfigPhase } from '../server/engine/phases/kconfig';
import { kconfigPhaseSchema } from '../server/engine/recipe';
import { diffConfigs, formatConfigDiff } from '../lib/kconfig-diff';

const arg = (name: string) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const tarball = arg('--tarball') ?? readdirSync('/usr/src').filter((f) => /^linux-source-.*\.tar\.xz$/.test(f)).map((f) => `/usr/src/${f}`)[0];
if (!tarball) {
  console.error('no /usr/src/linux-source-*.tar.xz: apt-get install linux-source (about 140 MB), or pass --tarball');
  process.exit(2);
}

const work = arg('--keep') ?? mkdtempSync(path.join(os.tmpdir(), 'kconfig-linux-'));
const t = () => performance.now();
let t0 = t();
execFileSync('tar', ['-xf', tarball, '-C', work]);
const tree = path.join(work, readdirSync(work).find((d) => d.startsWith('linux-source')) as string);
console.log(`extracted ${path.basename(tarball)} in ${((t() - t0) / 1000).toFixed(1)} s`);

// The baseline, by hand.
writeFileSync(path.join(work, 'no-selinux.config'), '# CONFIG_SECURITY_SELINUX is not set\n');
t0 = t();
const make = (...a: string[]) => execFileSync('make', a, { cwd: tree, stdio: 'ignore' });
make('O=base', 'defconfig');
execFileSync('scripts/kconfig/merge_config.sh', ['-m', '-O', 'base', 'base/.config', 'kernel/configs/kvm_guest.config', path.join(work, 'no-selinux.config')], { cwd: tree, stdio: 'ignore' });
make('O=base', 'olddefconfig');
const baseMs = t() - t0;

// The phase.
const phase = kconfigPhaseSchema.parse({
  name: 'config',
  kind: 'kconfig',
  base: 'defconfig',
  buildDir: 'build',
  fragments: ['kernel/configs/kvm_guest.config'],
  disable: ['SECURITY_SELINUX'],
});
const events: EngineEvent[] = [];
const warnings: string[] = [];
let exit = '';
t0 = t();
for await (const ev of runKconfigPhase(phase, {
  sessionId: 'bench',
  step: 1,
  sha: '0'.repeat(40),
  worktree: tree,
  terms: { old: 'good', new: 'bad' },
  envFile: path.join(work, 'env'),
  stepEnv: {},
  executor: new LocalExecutor(),
  signal: new AbortController().signal,
  phase: 0,
  emit: (e) => void events.push(e),
  leaseFile: path.join(work, 'lease'),
})) {
  if (ev.type === 'exit') exit = JSON.stringify(ev.status);
  else warnings.push(...ev.lines.filter((l) => l.startsWith('kconfig: warning') || l.startsWith('kconfig: error')));
}
const phaseMs = t() - t0;
const stored = events.find((e) => e.type === 'stepConfig');
const ours = stored?.type === 'stepConfig' ? stored.text : '';
const theirs = readFileSync(path.join(tree, 'base/.config'), 'utf8');
const diff = formatConfigDiff(diffConfigs(theirs, ours));

console.log(`phase exit ${exit}; stored .config ${stored?.type === 'stepConfig' ? `${stored.bytes} bytes${stored.truncated ? ' (cut)' : ''}` : 'none'}`);
console.log(`baseline (make defconfig + merge_config.sh + olddefconfig): ${(baseMs / 1000).toFixed(2)} s`);
console.log(`kconfig phase:                                           ${(phaseMs / 1000).toFixed(2)} s`);
console.log(`ratio phase / baseline: ${(phaseMs / baseMs).toFixed(2)}`);
console.log(diff ? `configs differ (diffconfig, baseline → phase):\n${diff}` : 'the two .configs agree symbol for symbol');
if (warnings.length > 0) console.log(warnings.join('\n'));
if (!arg('--keep')) rmSync(work, { recursive: true, force: true });
