import { execFileSync, spawnSync } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalExecutor } from '../executors/local';
import { recipeSchema, type RecipeInput } from '../recipe';
import { generateRepo, gitBisectRun, type GeneratedRepo } from '../testing/repo';
import { MemorySink } from '../testing/memory-sink';
import { buildThenBugScript, bugScript, fixedScript, makeTempDir, removeDir, writeScript } from '../testing/scripts';
import { runBisect } from './session';
import { validateBisectRequest, type BisectRequest } from './validate';

let tmp: string;
beforeAll(async () => {
  tmp = await makeTempDir('engine-session-');
});
afterAll(async () => {
  await removeDir(tmp);
});

const local = new LocalExecutor();

async function engineBisect(req: BisectRequest, recipe: RecipeInput, signal = new AbortController().signal) {
  const sink = new MemorySink();
  const id = `s${Math.random().toString(36).slice(2, 8)}`;
  const status = await runBisect(
    {
      sessionId: id,
      request: await validateBisectRequest(req),
      recipe: recipeSchema.parse(recipe),
      worktree: path.join(tmp, 'wt', id),
      scratchDir: path.join(tmp, 'scratch', id),
    },
    { sink, executorFor: () => local, signal },
  );
  return { status, sink, finished: sink.finished() };
}

const oneScript = (script: string): RecipeInput => ({ phases: [{ name: 'test', kind: 'script', run: script }] });

function culpritOf(f: ReturnType<MemorySink['finished']>): string | null {
  return f.result?.kind === 'culprit' ? f.result.commit.sha : null;
}

describe('engine against git bisect run', () => {
  let linear: GeneratedRepo;
  let merges: GeneratedRepo;
  beforeAll(async () => {
    linear = await generateRepo({ dir: path.join(tmp, 'linear'), commits: 300, culprit: 137, tags: { v1: 0 } });
    merges = await generateRepo({
      dir: path.join(tmp, 'merges'),
      commits: 600,
      mergeEvery: 4,
      culprit: 333,
      unbuildable: [100, 200, 420, 500],
      pathTouch: { path: 'drivers/virtio/ring.c', every: 7 },
      tags: { v1: 0 },
    });
  });

  it('finds the culprit on a linear history, as git does', async () => {
    const script = await bugScript(tmp, { name: 'linear.sh' });
    const git = await gitBisectRun(linear.dir, { bad: 'main', good: ['v1'], script });
    const { status, finished, sink } = await engineBisect({ repoPath: linear.dir, bad: 'main', good: ['v1'] }, oneScript(script));
    expect(status).toBe('done');
    expect(git.firstBad).toBe(linear.culpritSha);
    expect(culpritOf(finished)).toBe(git.firstBad);
    expect(sink.of('stepFinished').length).toBeGreaterThan(5);
    expect(finished.bisectLog).toContain(`# first bad commit: [${linear.culpritSha}]`);
    // The suspect range narrows step by step, down to the culprit alone.
    const sizes = sink.of('stepFinished').flatMap((s) => (s.suspect ? [s.suspect.reduce((n, [a, b]) => n + b - a, 0)] : []));
    expect(sizes.every((n, i) => i === 0 || n <= (sizes[i - 1] ?? Infinity))).toBe(true);
    const culpritPos = 137 - 0 - 1; // range = commits after v1 (index 0), oldest first
    expect(sink.of('stepFinished').at(-1)?.suspect).toEqual([[culpritPos, culpritPos + 1]]);
  });

  it('handles merges and unbuildable commits (skip) like git', async () => {
    const script = await buildThenBugScript(tmp, { name: 'merges.sh' });
    const git = await gitBisectRun(merges.dir, { bad: 'main', good: ['v1'], script });
    const { finished, sink } = await engineBisect({ repoPath: merges.dir, bad: 'main', good: ['v1'] }, oneScript(script));
    expect(culpritOf(finished)).toBe(git.firstBad);
    expect(git.firstBad).toBe(merges.culpritSha);
    const verdicts = sink.of('stepFinished').map((s) => s.verdict);
    expect(new Set(verdicts).size).toBeGreaterThan(1);
  });

  it('recipe failure meanings: a failed build phase is a skip', async () => {
    const recipe: RecipeInput = {
      phases: [
        { name: 'build', kind: 'script', run: 'test ! -e BROKEN', onFailure: 'skip' },
        { name: 'test', kind: 'script', run: 'test ! -e BUG' },
      ],
    };
    const script = await buildThenBugScript(tmp, { name: 'merges2.sh' });
    const git = await gitBisectRun(merges.dir, { bad: 'main', good: ['v1'], script });
    const { finished } = await engineBisect({ repoPath: merges.dir, bad: 'main', good: ['v1'] }, recipe);
    expect(culpritOf(finished)).toBe(git.firstBad);
  });

  it('--first-parent follows the mainline only, like git', async () => {
    const script = await bugScript(tmp, { name: 'fp.sh' });
    const git = await gitBisectRun(merges.dir, { bad: 'main', good: ['v1'], script, firstParent: true });
    const { finished, sink } = await engineBisect({ repoPath: merges.dir, bad: 'main', good: ['v1'], firstParent: true }, oneScript(script));
    expect(git.firstBad).not.toBe(merges.culpritSha); // the merge that brought the bug in
    expect(culpritOf(finished)).toBe(git.firstBad);
    const parents = execFileSync('git', ['-C', merges.dir, 'rev-list', '--parents', '-n1', git.firstBad ?? ''], { encoding: 'utf8' });
    expect(parents.trim().split(' ').length).toBe(3);
    expect(sink.of('stepStarted').filter((s) => s.kind === 'bisect').every((s) => s.position >= 0)).toBe(true);
  });

  it('restricts to paths, like git', async () => {
    const script = await bugScript(tmp, { name: 'paths.sh' });
    const paths = ['drivers/virtio/ring.c'];
    const git = await gitBisectRun(merges.dir, { bad: 'main', good: ['v1'], script, paths });
    const { finished, sink } = await engineBisect({ repoPath: merges.dir, bad: 'main', good: ['v1'], paths }, oneScript(script));
    expect(culpritOf(finished)).toBe(git.firstBad);
    const started = sink.of('sessionStarted')[0];
    const touching = execFileSync('git', ['-C', merges.dir, 'rev-list', '--count', 'main', '^v1', '--', ...paths], { encoding: 'utf8' });
    expect(started?.range.size).toBe(Number(touching.trim()));
  });

  it('custom terms find the fix', async () => {
    const fixRepo = await generateRepo({ dir: path.join(tmp, 'fix'), commits: 200, culprit: 10, fixAt: 150, tags: { v1: 20 } });
    const script = await fixedScript(tmp, { name: 'fixed.sh' });
    const terms = { old: 'broken', new: 'fixed' };
    const git = await gitBisectRun(fixRepo.dir, { bad: 'main', good: ['v1'], script, terms });
    const { finished, sink } = await engineBisect({ repoPath: fixRepo.dir, bad: 'main', good: ['v1'], terms }, oneScript(script));
    expect(git.firstBad).toBe(fixRepo.shas[150]);
    expect(culpritOf(finished)).toBe(git.firstBad);
    expect(new Set(sink.of('stepFinished').map((s) => s.term))).toEqual(new Set(['broken', 'fixed']));
    expect(finished.bisectLog).toMatch(/first fixed commit/);
  });

  it('reports git candidates when skipped commits hide the culprit', async () => {
    const repo = await generateRepo({ dir: path.join(tmp, 'skips'), commits: 120, culprit: 60, unbuildable: [58, 59, 60, 61], tags: { v1: 0 } });
    const script = await buildThenBugScript(tmp, { name: 'skips.sh' });
    const git = await gitBisectRun(repo.dir, { bad: 'main', good: ['v1'], script });
    const { finished, status } = await engineBisect({ repoPath: repo.dir, bad: 'main', good: ['v1'] }, oneScript(script));
    expect(status).toBe('done');
    expect(git.candidates.length).toBeGreaterThan(1);
    expect(finished.result?.kind).toBe('candidates');
    const shas = finished.result?.kind === 'candidates' ? finished.result.commits.map((c) => c.sha) : [];
    expect(new Set(shas)).toEqual(new Set(git.candidates));
  });
});

describe('engine phases', () => {
  let repo: GeneratedRepo;
  beforeAll(async () => {
    repo = await generateRepo({ dir: path.join(tmp, 'small'), commits: 40, culprit: 20, tags: { v1: 0 } });
  });
  const req = () => ({ repoPath: repo.dir, bad: 'main', good: ['v1'] });

  it('aborts on exit 128 with a clear message', async () => {
    const { status, finished } = await engineBisect(req(), oneScript('exit 128'));
    expect(status).toBe('failed');
    expect(finished.error).toMatch(/exit 128/);
    expect(finished.error).toMatch(/abort/);
  });

  it('kills a timed-out phase and its whole process tree, and applies onTimeout', async () => {
    const marker = `bisect-timeout-marker-${process.pid}`;
    const recipe: RecipeInput = {
      phases: [{ name: 'hang', kind: 'script', run: `bash -c 'exec -a ${marker} sleep 300' & sleep 300`, timeoutSec: 1, onTimeout: 'abort' }],
    };
    const started = Date.now();
    const { status, sink } = await engineBisect(req(), recipe);
    expect(status).toBe('failed');
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(sink.of('phaseFinished')[0]?.status.kind).toBe('timedOut');
    await new Promise((r) => setTimeout(r, 2500));
    const left = spawnSync('pgrep', ['-f', marker], { encoding: 'utf8' }).stdout;
    expect(left.trim()).toBe('');
  });

  it('passes BISECT_* variables and $BISECT_ENV between phases', async () => {
    const recipe: RecipeInput = {
      phases: [
        { name: 'one', kind: 'script', run: 'echo "FROM_ONE=$BISECT_SHORT-$BISECT_STEP" >> "$BISECT_ENV"; echo "commit $BISECT_COMMIT terms $BISECT_TERM_OLD/$BISECT_TERM_NEW"' },
        { name: 'two', kind: 'script', run: 'echo "got $FROM_ONE in $(pwd)"; test "$(git rev-parse HEAD)" = "$BISECT_COMMIT" && test ! -e BUG' },
      ],
    };
    const { finished, sink } = await engineBisect(req(), recipe);
    expect(culpritOf(finished)).toBe(repo.culpritSha);
    const step1 = sink.of('stepStarted')[0];
    const sha = step1?.commit.sha ?? '';
    expect(sink.outputLines(1, 0)).toEqual([`commit ${sha} terms good/bad`]);
    const line = sink.outputLines(1, 1)[0] ?? '';
    expect(line).toContain(`got ${sha.slice(0, 12)}-1 in `);
    expect(line).not.toContain(repo.dir + ' '); // ran in the session's worktree, not the user's checkout
  });

  it('cancels a running bisect', async () => {
    const ctl = new AbortController();
    const run = engineBisect(req(), oneScript('sleep 30'), ctl.signal);
    setTimeout(() => ctl.abort(), 500);
    const { status, finished } = await run;
    expect(status).toBe('cancelled');
    expect(finished.status).toBe('cancelled');
  });

  it('never touches the user checkout', async () => {
    const head = execFileSync('git', ['-C', repo.dir, 'rev-parse', 'HEAD'], { encoding: 'utf8' });
    await engineBisect(req(), oneScript('test ! -e BUG'));
    expect(execFileSync('git', ['-C', repo.dir, 'rev-parse', 'HEAD'], { encoding: 'utf8' })).toBe(head);
    expect(execFileSync('git', ['-C', repo.dir, 'worktree', 'list'], { encoding: 'utf8' }).trim().split('\n')).toHaveLength(1);
  });

  it('streams many output lines in order without losing any', async () => {
    const script = await writeScript(tmp, 'loud.sh', 'seq 1 50000; test ! -e BUG');
    const { sink } = await engineBisect(req(), oneScript(script));
    const lines = sink.outputLines(1, 0);
    expect(lines).toHaveLength(50000);
    expect(lines[49999]).toBe('50000');
  });
});

describe('validateBisectRequest', () => {
  let repo: GeneratedRepo;
  beforeAll(async () => {
    repo = await generateRepo({ dir: path.join(tmp, 'val'), commits: 30, tags: { 'v5.10': 0, 'v5.15': 29 } });
    execFileSync('git', ['-C', repo.dir, 'branch', 'side', repo.shas[5] ?? '']);
  });
  const expectError = async (req: Partial<BisectRequest>, re: RegExp, field: string) => {
    const full = { repoPath: repo.dir, bad: 'v5.15', good: ['v5.10'], ...req };
    await expect(validateBisectRequest(full)).rejects.toMatchObject({ message: expect.stringMatching(re), field });
  };
  it('rejects a missing path', () => expectError({ repoPath: path.join(tmp, 'nope') }, /does not exist/, 'repoPath'));
  it('rejects a directory that is not a repo', () => expectError({ repoPath: tmp }, /not a git repository/, 'repoPath'));
  it('suggests the closest ref', () => expectError({ good: ['v5.1O'] }, /did you mean `v5.10`\?/, 'good'));
  it('rejects good == bad', () => expectError({ good: ['v5.15'] }, /same commit/, 'good'));
  it('rejects a good that is not an ancestor', async () => {
    execFileSync('git', ['-C', repo.dir, 'checkout', '-q', '--orphan', 'other']);
    execFileSync('git', ['-C', repo.dir, '-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-q', '--allow-empty', '-m', 'x']);
    await expectError({ good: ['other'] }, /not an ancestor/, 'good');
  });
  it('treats shell metacharacters in refs literally', () => expectError({ bad: 'main; touch /tmp/pwned' }, /not found/, 'bad'));
  it('rejects option-looking refs', () => expectError({ bad: '--output=/tmp/x' }, /not found/, 'bad'));
  it('rejects bad terms', () => expectError({ terms: { old: 'skip', new: 'x' } }, /cannot be a bisect term/, 'terms'));
  it('treats shell metacharacters in paths literally', async () => {
    const marker = path.join(tmp, 'pwned-by-path');
    await expectError({ paths: [`$(touch ${marker})`] }, /no commit .* touches/, "paths");
    await expectError({ paths: [`x;touch pwned-2`, '`touch pwned-3`'] }, /no commit .* touches/, 'paths');
    expect(spawnSync('ls', [marker, path.join(repo.dir, 'pwned-2'), path.join(repo.dir, 'pwned-3')]).status).not.toBe(0);
  });
  it('resolves refs to full shas', async () => {
    const v = await validateBisectRequest({ repoPath: repo.dir, bad: 'v5.15', good: ['v5.10', 'side'] });
    expect(v.badSha).toBe(repo.shas[29]);
    expect(v.goodShas).toEqual([repo.shas[0], repo.shas[5]]);
  });
});
