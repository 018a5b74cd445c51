import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { users } from '../../db/schema';
import { getSessionDetail } from '../../db/queries/sessions';
import { parseBisectLog } from '../engine/bisect-log';
import { generateRepo, git, gitOk, type GeneratedRepo } from '../engine/testing/repo';
import { buildThenBugScript } from '../engine/testing/scripts';
import { SHARE_NOT_FOUND_MESSAGE } from '../shares/service';
import { dbKind } from '../../test/db';
import { useTestRuntime } from '../../test/suite';
import { GET as ownerLog } from '../../app/api/sessions/[id]/bisect.log/route';
import { GET as ownerExport } from '../../app/api/sessions/[id]/export.json/route';
import { GET as sharedLog } from '../../app/s/[token]/bisect.log/route';
import { GET as sharedExport } from '../../app/s/[token]/export.json/route';
import { GET as sharedPhaseLog } from '../../app/s/[token]/log/route';
import { sessionBisectLog } from './bisect-log';
import { EXPORT_FORMAT, type SessionExport } from './session-export';

const suite = useTestRuntime('export-', { origin: 'http://127.0.0.1:3000' });

let repo: GeneratedRepo;
let clones = 0;
/** An API token of a signed-in user, for the owner's routes. */
let bearer = '';

const RUNTIME_KEY = Symbol.for('bisect-dashboard.runtime');

beforeAll(async () => {
  // Route handlers find the runtime where the server keeps it.
  (globalThis as Record<symbol, unknown>)[RUNTIME_KEY] = Promise.resolve(suite.rt);
  await suite.rt.auth.bootstrap();
  const [admin] = await suite.handle.db.select().from(users).limit(1);
  bearer = (await suite.rt.auth.createToken(admin!.id, 'export test')).token;
  repo = await generateRepo({ dir: path.join(suite.tmp, 'repo'), commits: 400, mergeEvery: 5, culprit: 250, unbuildable: [120, 121, 300], tags: { 'v5.10': 0 } });
});
afterAll(async () => {
  delete (globalThis as Record<symbol, unknown>)[RUNTIME_KEY];
});

async function waitFinished(id: string) {
  for (let i = 0; i < 600; i++) {
    const d = await suite.caller().sessions.byId({ id });
    if (d.session.status !== 'running') return d;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('session did not finish');
}

/** `git bisect replay` in a fresh clone, as a user would: returns git's output and the log git holds afterwards. */
async function replay(log: string): Promise<{ code: number; output: string; after: string }> {
  const clone = path.join(suite.tmp, `clone-${++clones}`);
  await gitOk(suite.tmp, ['clone', '-q', repo.dir, clone]);
  const file = path.join(suite.tmp, `replay-${clones}.log`);
  await writeFile(file, log);
  const r = await git(clone, ['bisect', 'replay', file]);
  const after = (await git(clone, ['bisect', 'log'])).stdout;
  return { code: r.code, output: r.stdout + r.stderr, after };
}

const idParams = (id: string) => ({ params: Promise.resolve({ id }) });
const tokenParams = (token: string) => ({ params: Promise.resolve({ token }) });
const req = (url: string) => new Request(`http://127.0.0.1:3000${url}`);
const ownerReq = (url: string) => new Request(`http://127.0.0.1:3000${url}`, { headers: { authorization: `Bearer ${bearer}` } });

describe(`export (${dbKind()})`, () => {
  let id: string;
  beforeAll(async () => {
    const script = await buildThenBugScript(suite.tmp);
    id = (
      await suite.caller().sessions.create({
        repoPath: repo.dir,
        bad: 'main',
        good: ['v5.10'],
        recipe: { phases: [{ name: 'build', kind: 'script', run: 'echo building; test ! -e BROKEN || exit 125' }, { name: 'test', kind: 'script', run: script }] },
      })
    ).id;
    const d = await waitFinished(id);
    expect(d.session.status).toBe('done');
  });

  it("a finished session's bisect.log replays with real `git bisect replay` in a clone to the same culprit", async () => {
    expect((await ownerLog(req(`/api/sessions/${id}/bisect.log`), idParams(id))).status).toBe(401);
    const res = await ownerLog(ownerReq(`/api/sessions/${id}/bisect.log`), idParams(id));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    const log = await res.text();
    const d = await suite.caller().sessions.byId({ id });
    expect(log).toBe(d.session.bisectLog);
    const r = await replay(log);
    expect(r.code).toBe(0);
    expect(r.output).toContain(`${repo.culpritSha} is the first bad commit`);
    expect(parseBisectLog(r.after).result).toEqual(parseBisectLog(log).result);
  });

  it('the JSON export has the steps, verdicts, phases, timings and summaries', async () => {
    expect((await ownerExport(req(`/api/sessions/${id}/export.json`), idParams(id))).status).toBe(401);
    const res = await ownerExport(ownerReq(`/api/sessions/${id}/export.json`), idParams(id));
    expect(res.status).toBe(200);
    const doc = (await res.json()) as SessionExport;
    const d = await suite.caller().sessions.byId({ id });
    expect(doc.format).toBe(EXPORT_FORMAT);
    expect(doc.version).toBe(1);
    expect(doc.session).toMatchObject({ id, status: 'done', bad: { ref: 'main', sha: d.session.badSha }, terms: { old: 'good', new: 'bad' } });
    expect(doc.steps.map((s) => [s.step, s.commit.sha, s.verdict])).toEqual(d.steps.map((s) => [s.step, s.commit.sha, s.verdict]));
    expect(doc.steps.every((s) => s.ms !== null && s.phases.length >= 1 && s.phases.every((p) => p.ms !== null))).toBe(true);
    const counts = { good: 0, bad: 0, skip: 0, none: 0 };
    for (const s of d.steps) counts[s.verdict ?? 'none']++;
    expect(doc.summary.verdicts).toEqual(counts);
    expect(doc.summary.steps).toBe(d.steps.length);
    expect(doc.summary.testingMs).toBe(d.steps.reduce((n, s) => n + (s.ms ?? 0), 0));
    expect(doc.summary.phases.map((p) => p.name)).toEqual(['build', 'test']);
    expect(doc.summary.phases[0]?.runs).toBe(d.steps.filter((s) => s.phases.some((p) => p.name === 'build')).length);
    expect(doc.transfers).toEqual([]);
    expect(doc.summary.throughput).toMatchObject({ copies: 0, meanMBps: null });
    expect(doc.result).toEqual(JSON.parse(JSON.stringify(d.session.result)));
    expect(doc.bisectLog).toBe(d.session.bisectLog);
  });

  it('a running session exports the log so far, and it replays', async () => {
    const { id: live } = await suite.caller().sessions.create({
      repoPath: repo.dir,
      bad: 'main',
      good: ['v5.10'],
      recipe: { phases: [{ name: 't', kind: 'script', run: 'sleep 0.3; test ! -e BUG' }] },
    });
    let detail = await getSessionDetail(suite.handle.db, live);
    for (let i = 0; i < 200 && (detail?.steps.filter((s) => s.verdict !== null && s.kind === 'bisect').length ?? 0) < 2; i++) {
      await new Promise((r) => setTimeout(r, 100));
      detail = await getSessionDetail(suite.handle.db, live);
    }
    expect(detail?.session.bisectLog).toBe('');
    const log = sessionBisectLog(detail!);
    await suite.caller().sessions.cancel({ id: live });
    const marked = detail!.steps.filter((s) => s.verdict !== null && s.kind === 'bisect');
    expect(marked.length).toBeGreaterThanOrEqual(2);
    const r = await replay(log);
    expect(r.code).toBe(0);
    expect(r.output).toMatch(/Bisecting: \d+ revisions? left to test/);
    const after = parseBisectLog(r.after);
    expect(after.marks.map((m) => [m.verdict, m.sha])).toEqual(marked.map((s) => [s.verdict, s.commit.sha]));
  });

  it('share routes: the log for `curl | git bisect replay`, redacted phase logs, and one 404 for every dead token', async () => {
    const { token, share } = await suite.caller().shares.create({ sessionId: id });
    const res = await sharedLog(req(`/s/${token}/bisect.log`), tokenParams(token));
    expect(res.status).toBe(200);
    const log = await res.text();
    expect(log).toBe((await suite.caller().sessions.byId({ id })).session.bisectLog);
    expect((await replay(log)).output).toContain(`${repo.culpritSha} is the first bad commit`);

    const phase = await sharedPhaseLog(req(`/s/${token}/log?step=1&phase=0`), tokenParams(token));
    expect(phase.status).toBe(200);
    expect(await phase.text()).toContain('building');

    const exp = await sharedExport(req(`/s/${token}/export.json`), tokenParams(token));
    const doc = (await exp.json()) as SessionExport;
    expect(doc.session.id).toBe('shared');
    expect(JSON.stringify(doc)).not.toContain(id);
    expect(doc.steps.length).toBeGreaterThan(3);

    const soon = await suite.caller().shares.create({ sessionId: id, expiresAt: new Date(Date.now() + 500) });
    await suite.caller().shares.revoke({ id: share.id });
    await new Promise((r) => setTimeout(r, 600));
    const dead = [token, soon.token, 'unknown-token', ''];
    const answers = await Promise.all(
      dead.flatMap((t) => [
        sharedLog(req(`/s/${t}/bisect.log`), tokenParams(t)),
        sharedExport(req(`/s/${t}/export.json`), tokenParams(t)),
        sharedPhaseLog(req(`/s/${t}/log?step=1&phase=0`), tokenParams(t)),
      ]),
    );
    for (const a of answers) {
      expect(a.status).toBe(404);
      expect(await a.text()).toBe(`${SHARE_NOT_FOUND_MESSAGE}\n`);
      expect([...a.headers.entries()].sort()).toEqual([...answers[0]!.headers.entries()].sort());
    }
  });
});
