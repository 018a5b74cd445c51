import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { dbKind } from '../../test/db';
import { useTestRuntime } from '../../test/suite';
import { generateRepo, type GeneratedRepo } from '../engine/testing/repo';
import { bugScript, fixedScript } from '../engine/testing/scripts';

const suite = useTestRuntime('chain-');

let repo: GeneratedRepo;

beforeAll(async () => {
  repo = await generateRepo({ dir: path.join(suite.tmp, 'repo'), commits: 80, culprit: 30, fixAt: 60, tags: { v1: 0, v2: 45 } });
});

async function finished(id: string) {
  for (const end = Date.now() + 60_000; Date.now() < end; await new Promise((r) => setTimeout(r, 100))) {
    const d = await suite.api.sessions.byId({ id });
    if (d.session.status !== 'running' && !d.running) return d;
  }
  throw new Error('session did not finish');
}

describe(`chained bisects (${dbKind()})`, () => {
  it('a second bisect continues the first: both pages show the chain, the report names both culprits', async () => {
    const guest = await suite.api.sessions.create({
      title: 'guest side',
      repoPath: repo.dir,
      bad: 'v2',
      good: ['v1'],
      recipe: { phases: [{ name: 'test', kind: 'script', run: await bugScript(suite.tmp) }] },
    });
    const first = await finished(guest.id);
    const broke = first.session.result?.kind === 'culprit' ? first.session.result.commit.sha : null;
    expect(broke).toBe(repo.culpritSha);

    // The other side: find the commit that fixed it (old = broken, new = fixed).
    const host = await suite.api.sessions.create({
      title: 'host side',
      parentId: guest.id,
      repoPath: repo.dir,
      bad: 'main',
      good: ['v2'],
      terms: { old: 'broken', new: 'fixed' },
      recipe: { phases: [{ name: 'test', kind: 'script', run: await fixedScript(suite.tmp) }], env: { GUEST_COMMIT: broke as string } },
    });
    const second = await finished(host.id);
    expect(second.session.result?.kind === 'culprit' && second.session.result.commit.sha).toBe(repo.shas[60]);
    expect(second.parent).toMatchObject({ id: guest.id, title: 'guest side', status: 'done', culprit: { sha: broke } });
    const again = await suite.api.sessions.byId({ id: guest.id });
    expect(again.children).toEqual([expect.objectContaining({ id: host.id, title: 'host side', culprit: expect.objectContaining({ sha: repo.shas[60] }) })]);

    const { text } = await suite.api.sessions.report({ id: host.id });
    expect(text).toContain('This bisect continues:');
    expect(text).toContain(`guest side: ${(broke as string).slice(0, 12)}`);
    expect(text).toContain((repo.shas[60] as string).slice(0, 12));
  });

  it('refuses a parent that does not exist, naming the field', async () => {
    const input = {
      repoPath: repo.dir,
      bad: 'v2',
      good: ['v1'],
      parentId: '00000000-0000-4000-8000-000000000000',
      recipe: { phases: [{ name: 'test', kind: 'script' as const, run: 'true' }] },
    };
    await expect(suite.api.sessions.create(input)).rejects.toMatchObject({ message: expect.stringMatching(/no session .* to continue/) });
  });
});
