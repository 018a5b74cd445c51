import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KCONFIG_FILES } from '../../demo/toy-kconfig';
import { makefile } from '../../demo/toy-kernel';
import type { EngineEvent } from '../events';
import { LocalExecutor } from '../executors/local';
import { kconfigPhaseSchema, recipeSchema } from '../recipe';
import { makeTempDir, removeDir } from '../testing/scripts';
import { startSshd } from '../testing/sshd';
import { testHostExecutor } from '../testing/test-hosts';
import type { ExecEvent, Executor } from '../types';
import type { PhaseContext } from './context';
import { runKconfigPhase } from './kconfig';

/**
 * The kconfig phase against the demo's toy kernel tree (its Kconfig, defconfig,
 * fragment and a real `make defconfig` / `make olddefconfig`), run by the
 * local executor as a step would run it.
 */
let tree: string;

beforeAll(async () => {
  tree = await makeTempDir('kconfig-');
  await writeFile(path.join(tree, 'Makefile'), makefile(15, ''));
  for (const f of KCONFIG_FILES) {
    await mkdir(path.dirname(path.join(tree, f.path)), { recursive: true });
    await writeFile(path.join(tree, f.path), f.content);
    if (f.executable) await chmod(path.join(tree, f.path), 0o755);
  }
  await writeFile(path.join(tree, 'my.config'), 'CONFIG_SMP=y\nCONFIG_NET=y\nCONFIG_DEBUG_INFO=y\nCONFIG_KASAN=y\nCONFIG_NR_CPUS=8\nCONFIG_STALE_SYMBOL=y\n');
  await writeFile(path.join(tree, 'bad.config'), 'CONFIG_VIRTIO=y\nthis is not a config line\n');
});
afterAll(() => removeDir(tree));

async function run(spec: unknown, executor: Executor = new LocalExecutor()): Promise<{ events: EngineEvent[]; lines: string[]; exit: Extract<ExecEvent, { type: 'exit' }> }> {
  const phase = kconfigPhaseSchema.parse({ name: 'config', kind: 'kconfig', ...(spec as object) });
  const events: EngineEvent[] = [];
  const ctx: PhaseContext = {
    sessionId: 's',
    step: 3,
    sha: 'a'.repeat(40),
    worktree: tree,
    terms: { old: 'good', new: 'bad' },
    envFile: path.join(tree, 'env'),
    stepEnv: {},
    executor,
    signal: new AbortController().signal,
    phase: 1,
    emit: (e) => void events.push(e),
    leaseFile: path.join(tree, 'lease'),
  };
  const lines: string[] = [];
  let exit: Extract<ExecEvent, { type: 'exit' }> | null = null;
  for await (const ev of runKconfigPhase(phase, ctx)) {
    if (ev.type === 'exit') exit = ev;
    else lines.push(...ev.lines);
  }
  return { events, lines, exit: exit! };
}

const configOf = (events: EngineEvent[]) => {
  const e = events.find((x) => x.type === 'stepConfig');
  return e?.type === 'stepConfig' ? e : null;
};

describe('kconfig phase on the toy kernel', () => {
  it('defconfig + a fragment file + inline lines + disable, in O=build, stored as the step config', async () => {
    const { events, lines, exit } = await run({
      buildDir: 'build',
      fragments: ['kernel/configs/kvm_guest.config', 'CONFIG_VIRTIO_BLK=n\nCONFIG_BTRFS_FS=y', 'CONFIG_LOCALVERSION="-bisect"'],
      disable: ['SECURITY_SELINUX'],
    });
    expect(exit.status).toEqual({ kind: 'exited', code: 0 });
    const cfg = configOf(events);
    expect(cfg).toMatchObject({ step: 3, phase: 1, name: 'config' });
    const text = cfg!.text;
    expect(text).toBe(await readFile(path.join(tree, 'build/.config'), 'utf8'));
    expect(text).toContain('CONFIG_VIRTIO_NET=y'); // from the fragment file
    expect(text).toContain('# CONFIG_VIRTIO_BLK is not set'); // a later inline value wins over the file
    expect(text).toContain('CONFIG_BTRFS_FS=y');
    expect(text).toContain('CONFIG_LOCALVERSION="-bisect"');
    expect(text).toContain('# CONFIG_SECURITY_SELINUX is not set');
    expect(text).toContain('# CONFIG_SECURITY_SELINUX_DEVELOP is not set'); // olddefconfig followed the dependency
    expect(cfg!.bytes).toBe(Buffer.byteLength(text));
    // The log has the merge messages and make, not the config itself.
    expect(lines).toContain('kconfig: merging fragment kernel/configs/kvm_guest.config');
    expect(lines).toContain('kconfig: disabling CONFIG_SECURITY_SELINUX');
    expect(lines.some((l) => l.startsWith('CONFIG_SMP'))).toBe(false);
    expect(lines.some((l) => l.startsWith('kconfig: stored the resulting .config ('))).toBe(true);
  });

  it('a base file with olddefconfig drops unknown symbols and warns about requested values a dependency overrides', async () => {
    const { events, lines, exit } = await run({ base: { olddefconfig: 'my.config' }, fragments: ['CONFIG_KASAN=y'], disable: ['DEBUG_INFO'] });
    expect(exit.status).toEqual({ kind: 'exited', code: 0 });
    const text = configOf(events)!.text;
    expect(text).toContain('CONFIG_NR_CPUS=8');
    expect(text).not.toContain('STALE_SYMBOL');
    expect(text).toContain('# CONFIG_KASAN is not set');
    expect(lines).toContain('kconfig: warning: requested CONFIG_KASAN=y, but the final .config has # CONFIG_KASAN is not set (a missing dependency?)');
  });

  it('a plain file path as base is copied to .config in the source tree', async () => {
    const { events, exit } = await run({ base: './my.config' });
    expect(exit.status).toEqual({ kind: 'exited', code: 0 });
    expect(configOf(events)!.text).toContain('CONFIG_DEBUG_INFO=y');
    expect(await readFile(path.join(tree, '.config'), 'utf8')).toContain('CONFIG_KASAN=y');
  });

  it('a missing fragment file aborts with a message naming it; no config is stored', async () => {
    const { events, exit } = await run({ fragments: ['kernel/configs/nope.config'] });
    expect(exit.decision?.outcome).toBe('abort');
    expect(exit.decision?.reason).toMatch(/^error: fragment kernel\/configs\/nope\.config not found .*fix the recipe$/);
    expect(configOf(events)).toBeNull();
  });

  it('a malformed line in a fragment file aborts with the file and line', async () => {
    const { exit } = await run({ fragments: ['bad.config'] });
    expect(exit.decision?.outcome).toBe('abort');
    expect(exit.decision?.reason).toContain('bad.config line 2 is not a config line: this is not a config line');
  });

  it('a failing make is the phase failure the recipe says (skip by default), not an abort', async () => {
    const { exit } = await run({ makeArgs: ['KBUILD_BOGUS=1'], base: 'nosuchdefconfig' });
    expect(exit.status).toMatchObject({ kind: 'exited' });
    expect(exit.status.kind === 'exited' && exit.status.code).not.toBe(0);
    expect(exit.decision).toBeUndefined();
  });

  it('on a host over SSH (a real sshd): the same script, arguments through the channel, the .config comes back', async () => {
    const host = await startSshd();
    const executor = testHostExecutor(host, 'builder');
    try {
      const { events, exit } = await run({ cwd: tree, buildDir: 'remote-build', fragments: ['CONFIG_KASAN=y', 'CONFIG_DEBUG_INFO=y'], disable: ['NET'] }, executor);
      expect(exit.status).toEqual({ kind: 'exited', code: 0 });
      const text = configOf(events)!.text;
      expect(text).toBe(await readFile(path.join(tree, 'remote-build/.config'), 'utf8'));
      expect(text).toContain('CONFIG_KASAN=y');
      expect(text).toContain('# CONFIG_SECURITY_SELINUX is not set'); // it depends on NET
    } finally {
      executor.close();
      await host.dispose();
    }
  });

  it('malformed inline lines and symbol names are refused when the recipe is read', () => {
    const bad = recipeSchema.safeParse({ phases: [{ name: 'c', kind: 'kconfig', fragments: ['CONFIG_A=y\nCONFIG_B=maybe'] }] });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]?.message).toContain('fragments[0] line 2 is not a config line: "CONFIG_B=maybe"');
    const sym = recipeSchema.safeParse({ phases: [{ name: 'c', kind: 'kconfig', disable: ['SECURITY SELINUX'] }] });
    expect(sym.error?.issues[0]?.message).toContain('disable: write symbol names');
    const arg = recipeSchema.safeParse({ phases: [{ name: 'c', kind: 'kconfig', makeArgs: ['-j8'] }] });
    expect(arg.error?.issues[0]?.message).toContain('makeArgs: write VARIABLE=value');
  });
});
