import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DbHandle } from '../../db/client';
import { dbKind, openTestDb } from '../../test/db';
import { makeTestRuntime, type TestCaller } from '../../test/test-runtime';
import { generateRepo, type GeneratedRepo } from '../engine/testing/repo';
import { bugScript, fixedScript, makeTempDir, removeDir } from '../engine/testing/scripts';
import type { Runtime } from '../runtime';

let tmp: string;
let handle: DbHandle;
let rt: Runtime;
let api: TestCaller;
let repo: GeneratedRepo;

beforeAll(async () => {
  tmp = await makeTempDir('chain-');
  handle = await openTestDb();
  const t = makeTestRuntime(handle, tmp);
  rt = t.rt;
  api = t.caller();
  repo = await generateRepo({ dir: path.join(tmp, 'repo'), commits: 80, culprit: 30, fixAt: 60, tags: { v1: 0, v2: 45 } });
});
afterAll(async () => {
  await rt.shutdown();
  await handle.close();
  await removeDir(tmp);
});

async function finished(id: string) {
  for (const end = Date.now() + 60_000; Date.now() < end; await new Promise((r) => setTimeout(r, 100))) {
    const d = await api.sessions.byId({ id });
    if (d.session.status !== 'running' && !d.running) return d;
  }
  throw new Error('session did not finish');
}

describe(`chained bisects (${dbKind()})`, () => {
  it('a second bisect continues the first: both pages show the chain, the report names both culprits', async () => {
    const guest = await api.sessions.create({
      title: 'guest side',
      repoPath: repo.dir,
      bad: 'v2',
      good: ['v1'],
      recipe: { phases: [{ name: 'test', kind: 'script', run: await bugScript(tmp) }] },
    });
    const first = await finished(guest.id);
    const broke = first.session.result?.kind === 'culprit' ? first.session.result.commit.sha : null;
    expect(broke).toBe(repo.culpritSha);

    // The other side: find the commit that fixed it (old = broken, new = fixed).
    const host = await api.sessions.create({
      title: 'host side',
      parentId: guest.id,
      repoPath: repo.dir,
      bad: 'main',
      good: ['v2'],
      terms: { old: 'broken', new: 'fixed' },
      recipe: { phases: [{ name: 'test', kind: 'script', run: await fixedScript(tmp) }], env: { GUEST_COMMIT: broke as string } },
    });
    const second = await finished(host.id);
    expect(second.session.result?.kind === 'culprit' && second.session.result.commit.sha).toBe(repo.shas[60]);
    expect(second.parent).toMatchObject({ id: guest.id, title: 'guest side', status: 'done', culprit: { sha: broke } });
    const again = await api.sessions.byId({ id: guest.id });
    expect(again.children).toEqual([expect.objectContaining({ id: host.id, title: 'host side', culprit: expect.objectContaining({ sha: repo.shas[60] }) })]);

    const { text } = await api.sessions.report({ id: host.id });
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
    await expect(api.sessions.create(input)).rejects.toMatchObject({ message: expect.stringMatching(/no session .* to continue/) });
  });
});
