import path from 'node:path';
import { TEST_PRINCIPAL } from '../../test/auth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appRouter } from '../api/root';
import { createCallerFactory } from '../api/trpc';
import { generateRepo, gitBisectRun, type GeneratedRepo } from '../engine/testing/repo';
import { buildThenBugScript, makeTempDir, removeDir, writeScript } from '../engine/testing/scripts';
import { createRuntime, type Runtime } from '../runtime';
import { HostService } from '../hosts/service';
import { streamSessionEvents, type EventBatch } from './stream';
import { dbKind, openTestDb } from '../../test/db';
import type { DbHandle } from '../../db/client';

let tmp: string;
let handle: DbHandle;
let rt: Runtime;
let repo: GeneratedRepo;
const caller = () => createCallerFactory(appRouter)({ runtime: rt, principal: TEST_PRINCIPAL });

beforeAll(async () => {
  tmp = await makeTempDir('service-');
  handle = await openTestDb();
  rt = await createRuntime({ config: { port: 0, host: '127.0.0.1', dataDir: tmp, databaseUrl: undefined }, db: handle });
  repo = await generateRepo({ dir: path.join(tmp, 'repo'), commits: 400, mergeEvery: 5, culprit: 250, unbuildable: [120, 300], tags: { 'v5.10': 0 } });
});
afterAll(async () => {
  await rt.shutdown();
  await handle.close();
  await removeDir(tmp);
});

async function waitFinished(id: string, ms = 60_000) {
  const until = Date.now() + ms;
  for (;;) {
    const d = await caller().sessions.byId({ id });
    if (d.session.status !== 'running') return d;
    if (Date.now() > until) throw new Error('session did not finish');
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function collect(id: string, after = 0, until?: (b: EventBatch[]) => boolean): Promise<EventBatch[]> {
  const ctl = new AbortController();
  const out: EventBatch[] = [];
  for await (const b of streamSessionEvents(rt, id, after, ctl.signal)) {
    out.push(b);
    if (until?.(out)) {
      ctl.abort();
      break;
    }
  }
  return out;
}

describe(`sessions through the API (${dbKind()})`, () => {
  it('runs a bisect, stores steps, phases, log and culprit equal to git', async () => {
    const script = await buildThenBugScript(tmp);
    const git = await gitBisectRun(repo.dir, { bad: 'main', good: ['v5.10'], script });
    const loud = await writeScript(tmp, 'loud.sh', 'for i in $(seq 1 3000); do echo "\x1b[32mCC\x1b[0m line $i"; done; echo warn >&2');
    const { id } = await caller().sessions.create({
      repoPath: repo.dir,
      bad: 'main',
      good: ['v5.10'],
      recipe: { phases: [{ name: 'build', kind: 'script', run: loud }, { name: 'test', kind: 'script', run: script }] },
    });
    const d = await waitFinished(id);
    expect(d.session.status).toBe('done');
    expect(d.session.result?.kind === 'culprit' && d.session.result.commit.sha).toBe(git.firstBad);
    expect(d.session.bisectLog).toContain('git bisect start');
    expect(d.steps.length).toBeGreaterThan(4);
    expect(d.steps.every((s) => s.verdict !== null && s.ms !== null && s.phases.length >= 1)).toBe(true);
    expect(d.steps[0]?.phases[0]?.lineCount).toBe(3001);

    const batches = await collect(id);
    const events = batches.flatMap((b) => b.events);
    const seqs = events.map((e) => e.seq);
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
    const step1Build = events.flatMap((e) => (e.payload.type === 'output' && e.payload.step === 1 && e.payload.phase === 0 ? e.payload.lines : []));
    expect(step1Build).toHaveLength(3001);
    expect(events.every((e) => e.payload.type !== 'output' || e.payload.lines.length <= 1000)).toBe(true);
    expect(events.at(-1)?.payload.type).toBe('sessionFinished');

    const list = await caller().sessions.list();
    expect(list.find((s) => s.id === id)?.status).toBe('done');
  });

  it('resumes a stream after lastEventId with no gap and no duplicate', async () => {
    const { id } = await caller().sessions.create({
      repoPath: repo.dir,
      bad: 'main',
      good: ['v5.10'],
      recipe: { phases: [{ name: 't', kind: 'script', run: 'seq 1 500; sleep 0.05; test ! -e BUG' }] },
    });
    const first = await collect(id, 0, (b) => b.flatMap((x) => x.events).length >= 5);
    const lastSeen = first.at(-1)?.lastSeq ?? 0;
    const rest = await collect(id, lastSeen);
    const seqs = [...first, ...rest].flatMap((b) => b.events.map((e) => e.seq));
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
    expect((await waitFinished(id)).session.status).toBe('done');
  });

  it('cancels a running session', async () => {
    const { id } = await caller().sessions.create({ repoPath: repo.dir, bad: 'main', good: ['v5.10'], recipe: { phases: [{ name: 't', kind: 'script', run: 'sleep 60' }] } });
    await new Promise((r) => setTimeout(r, 700));
    expect(await caller().sessions.cancel({ id })).toEqual({ cancelled: true });
    const d = await waitFinished(id);
    expect(d.session.status).toBe('cancelled');
    expect(d.steps[0]?.phases[0]?.status).toBe('cancelled');
  });

  it('rejects bad input with a precise error and stores nothing', async () => {
    const before = (await caller().sessions.list()).length;
    const recipe = { phases: [{ name: 't', kind: 'script', run: 'true' }] };
    await expect(caller().sessions.create({ repoPath: repo.dir, bad: 'mian', good: ['v5.10'], recipe })).rejects.toThrow(/did you mean `main`/);
    await expect(caller().sessions.create({ repoPath: '/nonexistent/linux', bad: 'main', good: ['v5.10'], recipe })).rejects.toThrow(/does not exist/);
    await expect(caller().sessions.create({ repoPath: repo.dir, bad: 'main', good: ['v5.10'], recipe: { phases: [] } })).rejects.toThrow(/at least one phase/);
    await expect(
      caller().sessions.create({ repoPath: repo.dir, bad: 'main', good: ['v5.10'], recipe: { phases: [{ name: 't', kind: 'script', run: 'true', on: 'nohost' }] } }),
    ).rejects.toThrow(/unknown host/);
    await expect(caller().sessions.create({ repoPath: repo.dir, bad: 'main', good: [], recipe })).rejects.toThrow(/at least one good/);
    expect((await caller().sessions.list()).length).toBe(before);
  });

  it('byId of an unknown session is NOT_FOUND', async () => {
    await expect(caller().sessions.byId({ id: '00000000-0000-4000-8000-000000000000' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
