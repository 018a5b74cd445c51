import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { listEventsAfter } from '../db/queries/events';
import { readConfig } from './env';
import { generateRepo, type GeneratedRepo } from './engine/testing/repo';
import { makeTempDir, removeDir } from './engine/testing/scripts';
import { createRuntime, type Runtime } from './runtime';
import { outputLines, settledSession } from '../test/sessions';

/**
 * Issue 10, item 1: a phase of the tree being bisected must not read the
 * dashboard's credentials. The server is configured the way it is in
 * production (readConfig over its environment), and the same variables are in
 * this process's environment, so passing process.env along would show them.
 */
const SERVER_SETTINGS = {
  DASHBOARD_TOKEN: 'tok-0123456789abcdef-LEAK',
  DASHBOARD_PASSWORD: 'pw-hunter2-LEAK',
  BISECT_KNOWN_HOSTS: '/etc/LEAK_known_hosts',
  SOME_OTHER_SECRET: 'other-LEAK',
};

describe('local phases of a session', () => {
  let tmp: string;
  let repo: GeneratedRepo;
  let rt: Runtime;
  beforeAll(async () => {
    tmp = await makeTempDir('phase-env-');
    repo = await generateRepo({ dir: path.join(tmp, 'repo'), commits: 8, culprit: 5, tags: { v1: 0 } });
    for (const [k, v] of Object.entries(SERVER_SETTINGS)) vi.stubEnv(k, v);
    const config = readConfig({
      ...SERVER_SETTINGS,
      DATA_DIR: path.join(tmp, 'data'),
      PATH: '/usr/local/bin:/usr/bin:/bin',
      HOME: tmp,
      LANG: 'C.UTF-8',
    });
    rt = await createRuntime({ config });
  });
  afterAll(async () => {
    vi.unstubAllEnvs();
    await rt?.shutdown();
    await removeDir(tmp);
  });

  it('see PATH, HOME, the recipe variables and BISECT_*, and none of the server settings', async () => {
    const { id } = await rt.sessions.create({
      repoPath: repo.dir,
      bad: 'main',
      good: ['v1'],
      recipe: { env: { ISO: '/srv/nixos.iso' }, phases: [{ name: 'env', kind: 'script', run: 'env | sort; test ! -e BUG' }] },
    });
    expect((await settledSession(rt.db.db, id))?.session.status).toBe('done');
    const events = await listEventsAfter(rt.db.db, id, 0, 10_000);
    const lines = outputLines(events);
    expect(lines).toContain('PATH=/usr/local/bin:/usr/bin:/bin');
    expect(lines).toContain(`HOME=${tmp}`);
    expect(lines).toContain('ISO=/srv/nixos.iso');
    expect(lines.some((l) => l.startsWith('BISECT_COMMIT='))).toBe(true);
    expect(lines.join('\n')).not.toContain('LEAK');
    for (const name of Object.keys(SERVER_SETTINGS)) expect(lines.some((l) => l.startsWith(`${name}=`)), name).toBe(false);
  });
});
