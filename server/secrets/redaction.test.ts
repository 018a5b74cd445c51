import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRuntime, type Runtime } from '../runtime';
import { generateRepo, type GeneratedRepo } from '../engine/testing/repo';
import { makeTempDir, removeDir } from '../engine/testing/scripts';
import { listEventsAfter } from '../../db/queries/events';
import { SecretBox, redact } from './box';

const SECRET = 'hunter2-s3cr3t-Zq9';

async function* filesUnder(dir: string): AsyncGenerator<string> {
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) yield* filesUnder(p);
    else if (e.isFile()) yield p;
  }
}

describe('secret recipe variables', () => {
  let tmp: string;
  let repo: GeneratedRepo;
  let rt: Runtime;
  beforeAll(async () => {
    tmp = await makeTempDir('secrets-');
    repo = await generateRepo({ dir: path.join(tmp, 'repo'), commits: 40, culprit: 25, tags: { v1: 0 } });
    rt = await createRuntime({ config: { port: 0, host: '127.0.0.1', dataDir: path.join(tmp, 'data'), databaseUrl: undefined } });
  });
  afterAll(async () => removeDir(tmp));

  it('reach the phases but no stored byte, API answer or log line', async () => {
    const { id } = await rt.sessions.create({
      repoPath: repo.dir,
      bad: 'main',
      good: ['v1'],
      recipe: {
        env: { API_KEY: { secret: true, value: SECRET }, PLAIN: 'visible' },
        phases: [{ name: 't', kind: 'script', run: 'echo "key=$API_KEY plain=$PLAIN"; echo "$API_KEY" >&2; test -n "$API_KEY" && test ! -e BUG' }],
      },
    });
    let detail;
    for (;;) {
      const { getSessionDetail } = await import('../../db/queries/sessions');
      detail = await getSessionDetail(rt.db.db, id);
      if (detail?.session.status !== 'running') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(detail?.session.status).toBe('done'); // the phases saw a non-empty API_KEY: the test would fail otherwise
    expect(JSON.stringify(detail)).not.toContain(SECRET);
    expect(detail?.session.recipe.env?.API_KEY).toEqual({ secret: true });
    const events = await listEventsAfter(rt.db.db, id, 0, 10_000);
    const lines = events.flatMap((e) => (e.payload.type === 'output' ? e.payload.lines : []));
    expect(lines).toContain('key=[secret] plain=visible');
    expect(lines).toContain('[secret]');
    expect(JSON.stringify(events)).not.toContain(SECRET);

    await rt.shutdown();
    let scanned = 0;
    for await (const f of filesUnder(path.join(tmp, 'data'))) {
      const bytes = await readFile(f);
      expect(bytes.includes(Buffer.from(SECRET)), `${f} holds the secret`).toBe(false);
      scanned++;
    }
    expect(scanned).toBeGreaterThan(10);
    expect((await stat(path.join(tmp, 'data', 'secret.key'))).mode & 0o777).toBe(0o600);
  });
});

describe('SecretBox and redact', () => {
  it('seals and opens; tampering fails', () => {
    const box = SecretBox.forKey(Buffer.alloc(32, 7));
    const sealed = box.seal('abc');
    expect(sealed).not.toContain('abc');
    expect(box.unseal(sealed)).toBe('abc');
    const broken = sealed.slice(0, -2) + (sealed.endsWith('A') ? 'B' : 'A') + '=';
    expect(() => box.unseal(broken)).toThrow();
  });
  it('redacts every occurrence', () => {
    expect(redact('a s3 b s3', ['s3'])).toBe('a [secret] b [secret]');
    expect(redact('nothing', [''])).toBe('nothing');
  });
});
