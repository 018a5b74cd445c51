import { mkdir, readdir, readFile, stat, writeFile, chmod } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listEventsAfter } from '../db/queries/events';
import { insertHost, getHostRow } from '../db/queries/hosts';
import { openDb } from '../db/client';
import { secureDataDir } from './data-dir';
import { generateRepo, type GeneratedRepo } from './engine/testing/repo';
import { makeTempDir, removeDir } from './engine/testing/scripts';
import { SEALED_PREFIX } from './hosts/passphrases';
import { createRuntime, type Runtime } from './runtime';
import { outputLines, settledSession } from '../test/sessions';

/** Every path under `dir` (directories included) with its permission bits. */
async function modesUnder(dir: string): Promise<Array<{ p: string; mode: number }>> {
  const out: Array<{ p: string; mode: number }> = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isSymbolicLink()) continue;
    out.push({ p, mode: (await stat(p)).mode & 0o777 });
    if (e.isDirectory()) out.push(...(await modesUnder(p)));
  }
  return out;
}

const mode = async (p: string) => (await stat(p)).mode & 0o777;

describe('data directory permissions', () => {
  let tmp: string;
  let repo: GeneratedRepo;
  beforeAll(async () => {
    tmp = await makeTempDir('data-dir-');
    repo = await generateRepo({ dir: path.join(tmp, 'repo'), commits: 8, culprit: 5, tags: { v1: 0 } });
  });
  afterAll(async () => removeDir(tmp));

  it('an existing DATA_DIR of an older version becomes 0700, loses group/world bits under db/ and scratch/, and its $BISECT_ENV files', async () => {
    const dir = path.join(tmp, 'old');
    await mkdir(path.join(dir, 'db', 'base'), { recursive: true, mode: 0o755 });
    await mkdir(path.join(dir, 'scratch', 's1'), { recursive: true, mode: 0o755 });
    await writeFile(path.join(dir, 'db', 'base', '1259'), 'x');
    await writeFile(path.join(dir, 'scratch', 's1', 'step-3.env'), 'NAS_TOKEN=leaked\n');
    await writeFile(path.join(dir, 'scratch', 's1', 'replay.log'), 'log\n');
    await chmod(dir, 0o755);
    await chmod(path.join(dir, 'db', 'base', '1259'), 0o666);
    await chmod(path.join(dir, 'scratch', 's1', 'replay.log'), 0o644);
    await secureDataDir(dir);
    expect(await mode(dir)).toBe(0o700);
    expect(process.umask()).toBe(0o077);
    expect(await mode(path.join(dir, 'db', 'base', '1259'))).toBe(0o600);
    expect(await mode(path.join(dir, 'db', 'base'))).toBe(0o700);
    expect(await mode(path.join(dir, 'scratch', 's1', 'replay.log'))).toBe(0o600);
    await expect(stat(path.join(dir, 'scratch', 's1', 'step-3.env'))).rejects.toThrow(/ENOENT/);
    await secureDataDir(dir); // idempotent
    expect(await mode(dir)).toBe(0o700);
  });

  describe('a running server', () => {
    let rt: Runtime;
    const dataDir = () => path.join(tmp, 'data');
    beforeAll(async () => {
      process.umask(0o022); // as a shell would start it
      // A clear-text passphrase row, as an older version stored it.
      const old = await openDb({ dataDir: dataDir() });
      await insertHost(old.db, { id: '8c3e1a52-8d7c-4d7a-9b2e-0f8e8a7b6c5d', name: 'oldbox', address: '127.0.0.1', passphrase: 'old clear passphrase' });
      await old.close();
      rt = await createRuntime({ config: { port: 0, host: '127.0.0.1', dataDir: dataDir(), databaseUrl: undefined } });
    });
    afterAll(async () => rt?.shutdown());

    it('creates owner-only files: DATA_DIR 0700, nothing group- or world-accessible', async () => {
      const { id } = await rt.sessions.create({
        repoPath: repo.dir,
        bad: 'main',
        good: ['v1'],
        recipe: { phases: [{ name: 't', kind: 'script', run: 'echo "mode=$(stat -c %a "$BISECT_ENV")"; echo "TOKEN=s3cr3t" >> "$BISECT_ENV"; test ! -e BUG' }] },
      });
      expect((await settledSession(rt.db.db, id))?.session.status).toBe('done');
      const events = await listEventsAfter(rt.db.db, id, 0, 10_000);
      const lines = outputLines(events);
      expect(lines.length).toBeGreaterThan(1);
      const modes = lines.filter((x) => x.startsWith('mode='));
      expect(modes.length).toBeGreaterThan(1);
      expect(new Set(modes)).toEqual(new Set(['mode=600']));
      // The step's $BISECT_ENV files are gone once the steps are over.
      const scratch = await readdir(path.join(dataDir(), 'scratch', id));
      expect(scratch.filter((n) => n.endsWith('.env'))).toEqual([]);
      expect(await mode(dataDir())).toBe(0o700);
      const loose = (await modesUnder(dataDir())).filter((e) => (e.mode & 0o077) !== 0 && !e.p.includes(`${path.sep}worktrees${path.sep}`));
      expect(loose).toEqual([]);
    });

    it('seals a passphrase an older version stored in clear, at start', async () => {
      const row = await getHostRow(rt.db.db, '8c3e1a52-8d7c-4d7a-9b2e-0f8e8a7b6c5d');
      expect(row?.passphrase?.startsWith(SEALED_PREFIX)).toBe(true);
      expect(row?.passphrase).not.toContain('old clear passphrase');
      expect((await rt.hosts.list())[0]).toMatchObject({ name: 'oldbox', hasPassphrase: true });
      const key = await readFile(path.join(dataDir(), 'secret.key'), 'utf8');
      expect(row?.passphrase).not.toContain(key.trim());
    });
  });
});
