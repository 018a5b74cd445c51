import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeKconfigToyRepo } from '../../test/kconfig-toy';
import { useTestRuntime } from '../../test/suite';

const suite = useTestRuntime('kconfig-session-');

/**
 * A session whose recipe makes each step's .config with the kconfig phase on
 * the toy kernel (real make, real git, the real DB): the configs are stored
 * with the steps, listed, read and diffed through the API, and the culprit is
 * verified. Commit 3 turns BTRFS_FS on by default, commit 5 plants the bug.
 */
let repo: string;
let shas: string[];

beforeAll(() => {
  repo = path.join(suite.tmp, 'toy');
  shas = makeKconfigToyRepo(repo);
});

async function finished(id: string) {
  for (;;) {
    const d = await suite.api.sessions.byId({ id });
    if (d.session.status !== 'running') return d;
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('kconfig per step and culprit verification (pglite)', () => {
  it('stores each step’s .config, diffs two steps as diffconfig does, and ends verified', async () => {
    const { id } = await suite.rt.sessions.create({
      repoPath: repo,
      bad: 'main',
      good: ['v1'],
      recipe: {
        phases: [
          { name: 'config', kind: 'kconfig', buildDir: 'build', fragments: ['kernel/configs/kvm_guest.config'], disable: ['SECURITY_SELINUX'] },
          { name: 'test', kind: 'script', run: '! test -e BUG' },
        ],
      },
    });
    const d = await finished(id);
    expect(d.session.status).toBe('done');
    const result = d.session.result;
    expect(result?.kind === 'culprit' && result.commit.sha).toBe(shas[5]);
    expect(result?.kind === 'culprit' && result.verification?.summary).toBe('verified: reverting it fixes the bad commit');
    expect(d.steps.filter((s) => s.kind === 'verify').map((s) => s.commit.sha)).toEqual([shas[7], shas[4]]);

    const configs = await suite.api.sessions.stepConfigs({ id });
    // Every step ran the kconfig phase: endpoint checks, bisect steps and the two verification runs.
    expect(configs.map((c) => c.step)).toEqual(d.steps.map((s) => s.step));
    const byCommit = (i: number) => d.steps.find((s) => s.commit.sha === shas[i] && s.kind !== 'verify')?.step;
    const before = d.steps.find((s) => s.kind === 'check' && s.commit.sha === shas[0])?.step as number;
    const after = byCommit(5) ?? (d.steps.find((s) => s.kind === 'check' && s.commit.sha === shas[7])?.step as number);
    const one = await suite.api.sessions.stepConfig({ id, step: before });
    expect(one.text).toContain('# CONFIG_SECURITY_SELINUX is not set');
    expect(one.text).toContain('CONFIG_VIRTIO_NET=y');
    expect(one.bytes).toBe(Buffer.byteLength(one.text));
    const diff = await suite.api.sessions.configDiff({ id, step: after, against: before });
    expect(diff.changed).toEqual([{ name: 'BTRFS_FS', from: 'n', to: 'y' }]);
    expect(diff.text).toBe(' BTRFS_FS n -> y');
    // The bisect log export is git's, without the verification runs.
    expect(d.session.bisectLog).toContain(`# first bad commit: [${shas[5]}]`);
    expect(d.session.bisectLog.split('\n').filter((l) => /^git bisect (good|bad|skip) /.test(l))).toHaveLength(d.steps.filter((s) => s.kind === 'bisect').length);

    await expect(suite.api.sessions.stepConfig({ id, step: 999 })).rejects.toMatchObject({ code: 'NOT_FOUND', message: expect.stringContaining('step 999 has no stored .config') });
    await expect(suite.api.sessions.configDiff({ id, step: -1, against: before })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    const report = await suite.api.sessions.report({ id });
    expect(report.text).toContain('Culprit verified: reverting it fixes the bad commit');
  }, 60_000);

  it('sessions.create verify: false skips the verification', async () => {
    const { id } = await suite.rt.sessions.create({ repoPath: repo, bad: 'main', good: ['v1'], verify: false, recipe: { phases: [{ name: 'test', kind: 'script', run: '! test -e BUG' }] } });
    const d = await finished(id);
    expect(d.session.result?.kind === 'culprit' && d.session.result.verification).toBeUndefined();
    expect(d.steps.some((s) => s.kind === 'verify')).toBe(false);
    expect(await suite.api.sessions.stepConfigs({ id })).toEqual([]);
  }, 60_000);
});
