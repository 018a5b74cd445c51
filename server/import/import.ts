/**
 * Imports a `git bisect log` made elsewhere (a terminal, a mail) as a finished,
 * read-only session: the session row, one step per mark after the range's
 * endpoints, and the result, in one transaction.
 */
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type { Db } from '../../db/client';
import { sessions, steps as stepsTable, type NewSession } from '../../db/schema';
import {
  BisectLogParseError,
  MAX_LOG_BYTES,
  formatBisectLog,
  parseBisectLog,
  type ParsedBisectLog,
} from '../engine/bisect-log';
import { RangeIndex } from '../engine/bisect/range';
import { GitRepo } from '../engine/bisect/repo';
import { gitOk } from '../engine/bisect/git';
import type { BisectResult, CommitInfo, SuspectRuns } from '../engine/events';
import { UserInputError } from '../engine/types';
import { estimateBisectSteps, planImport, schematicLayout, type ImportPlan, type PlannedCommit } from './plan';

export interface ImportLogInput {
  log: string;
  /** A clone holding the log's commits: subjects, authors, dates and real positions come from it. */
  repoPath?: string | undefined;
}

export { MAX_LOG_BYTES };

/** Parses, resolves and stores; every problem is a UserInputError naming the line or the field. */
export async function importBisectLog(db: Db, input: ImportLogInput): Promise<{ id: string }> {
  const parsed = parseLog(input.log);
  const plan = planImport(parsed);
  const built = input.repoPath?.trim() ? await withRepo(parsed, plan, input.repoPath.trim()) : withoutRepo(parsed, plan);
  const id = randomUUID();
  const now = new Date();
  await db.transaction(async (tx) => {
    await tx.insert(sessions).values({ ...built.session, id, finishedAt: now, createdAt: now, updatedAt: now });
    if (built.steps.length > 0) {
      await tx.insert(stepsTable).values(
        built.steps.map((s) => ({ ...s, sessionId: id, startedAt: now, state: 'done' as const, kind: 'bisect' as const })),
      );
    }
  });
  return { id };
}

function parseLog(log: string): ParsedBisectLog {
  const bytes = Buffer.byteLength(log, 'utf8');
  if (bytes > MAX_LOG_BYTES) {
    throw new UserInputError(
      `the log is ${(bytes / 1024 / 1024).toFixed(1)} MB; at most ${MAX_LOG_BYTES / 1024 / 1024} MB can be imported: paste only the \`git bisect log\` output`,
      'log',
    );
  }
  try {
    return parseBisectLog(log);
  } catch (error) {
    if (error instanceof BisectLogParseError || (error instanceof Error && error.name === 'BisectLogParseError')) {
      const e = error as BisectLogParseError;
      // "line 12: expected a `git bisect <good|bad|skip> <sha>` line (got 'Bisecting: 4 revisions…')"
      throw new UserInputError(e.message.replace(/^bisect log /, ''), 'log');
    }
    throw error;
  }
}

type StepRow = {
  step: number;
  commit: CommitInfo;
  position: number;
  revisionsLeft: number;
  stepsLeft: number;
  verdict: 'good' | 'bad' | 'skip';
  term: string;
  reason: string;
  suspect: SuspectRuns;
  ms: null;
};

interface Built {
  session: Omit<NewSession, 'id'>;
  steps: StepRow[];
}

const IMPORT_REASON = 'imported from a git bisect log';
const NO_RESULT = 'the imported log ends before git named the first bad commit';

function baseSession(p: ParsedBisectLog, plan: ImportPlan): Omit<NewSession, 'id' | 'title' | 'repoPath' | 'badSha' | 'goodShas' | 'bisectLog'> {
  return {
    status: 'done',
    origin: 'import',
    bad: plan.bad.rev,
    good: plan.goods.map((g) => g.rev),
    termOld: p.terms.old,
    termNew: p.terms.new,
    firstParent: p.start.firstParent,
    paths: p.start.paths,
    recipe: { phases: [] },
    revisionsLeft: 0,
    stepsLeft: 0,
    checkEndpoints: false,
  };
}

function rangeTitle(plan: ImportPlan, prefix: string): string {
  const name = (c: PlannedCommit) => (c.rev === c.sha ? c.rev.slice(0, 12) : c.rev);
  return `${prefix}imported bisect ${plan.goods.map(name).join(',')}..${name(plan.bad)}`.slice(0, 200);
}

/** Subjects from the comments, positions from a schematic binary search. */
function withoutRepo(p: ParsedBisectLog, plan: ImportPlan): Built {
  const finalShas = p.result?.kind === 'culprit' ? [p.result.sha] : p.result?.kind === 'candidates' ? p.result.shas : [];
  const layout = schematicLayout(plan.steps, finalShas);
  const subjects = new Map<string, string>();
  for (const c of [plan.bad, ...plan.goods, ...plan.steps]) if (c.sha && c.subject) subjects.set(c.sha, c.subject);
  const info = (sha: string, subject: string | null): CommitInfo => ({
    sha,
    subject: subject ?? subjects.get(sha) ?? '',
    author: '',
    authorEmail: '',
    date: '',
  });
  let result: BisectResult | null = null;
  if (p.result?.kind === 'culprit') {
    const c = info(p.result.sha, p.result.subject);
    result = { kind: 'culprit', commit: { ...c, message: c.subject, diffstat: '' } };
  } else if (p.result?.kind === 'candidates') {
    result = { kind: 'candidates', commits: p.result.shas.map((s) => info(s, null)) };
  }
  const steps: StepRow[] = plan.steps.map((s, i) => {
    const before = i === 0 ? layout.size : width(layout.suspects[i - 1]);
    return {
      step: i + 1,
      commit: info(s.sha ?? s.rev, s.subject),
      position: layout.positions[i] ?? 0,
      revisionsLeft: Math.floor(before / 2),
      stepsLeft: estimateBisectSteps(before),
      verdict: s.verdict,
      term: s.term,
      reason: IMPORT_REASON,
      suspect: layout.suspects[i] ?? [],
      ms: null,
    };
  });
  return {
    session: {
      ...baseSession(p, plan),
      title: rangeTitle(plan, ''),
      repoPath: '',
      badSha: plan.bad.sha ?? plan.bad.rev,
      goodShas: plan.goods.map((g) => g.sha ?? g.rev),
      rangeSize: layout.size,
      initialSuspect: [[0, layout.size]],
      result,
      status: result ? 'done' : 'cancelled',
      error: result ? null : NO_RESULT,
      bisectLog: formatBisectLog(p),
    },
    steps,
  };
}

function width(runs: SuspectRuns | undefined): number {
  return (runs ?? []).reduce((n, [a, b]) => n + (b - a), 0);
}

/** Full shas, subjects, authors, dates and real positions from the repository. */
async function withRepo(p: ParsedBisectLog, plan: ImportPlan, repoPathIn: string): Promise<Built> {
  const repoPath = path.resolve(repoPathIn);
  const repo = new GitRepo(repoPath);
  if (!(await repo.exists())) throw new UserInputError(`${repoPath} does not exist`, 'repoPath');
  if (!(await repo.isRepo())) throw new UserInputError(`${repoPath} is not a git repository`, 'repoPath');

  // Every rev the log names, resolved once by git: abbreviated shas and refs become full shas.
  const full = new Map<string, string>();
  const resolve = async (rev: string, line: number): Promise<string> => {
    const known = full.get(rev);
    if (known) return known;
    const sha = await repo.resolveCommit(rev);
    if (!sha) {
      const where = line > 0 ? `line ${line}` : 'the `git bisect start` line';
      throw new UserInputError(
        `commit \`${rev}\` (${where}) is not in ${repoPath}: fetch it into that repository, or import without a repository path`,
        'repoPath',
      );
    }
    full.set(rev, sha);
    return sha;
  };
  const revOf = (c: PlannedCommit) => c.sha ?? c.rev;
  for (const r of p.startRevs ?? []) await resolve(r.sha ?? r.rev, 0);
  for (const m of p.marks) await resolve(m.sha, m.line);
  const resultRevs = p.result?.kind === 'culprit' ? [p.result.sha] : p.result?.kind === 'candidates' ? p.result.shas : [];
  for (const r of resultRevs) await resolve(r, 0);
  const sha = (rev: string) => full.get(rev) as string;

  const badSha = sha(revOf(plan.bad));
  const goodShas = [...new Set(plan.goods.map((g) => sha(revOf(g))))];
  const { firstParent } = p.start;
  const paths = checkLogPaths(p.start.paths, repoPath);
  const range = new RangeIndex(await repo.rangeCommits(badSha, goodShas, firstParent, paths));
  const infos = new Map<string, CommitInfo>();
  for (const c of await repo.commitInfos([...new Set(full.values())])) infos.set(c.sha, c);

  // Suspects after each step, as the engine computes them: the newest bad mark, minus all any good reaches.
  let curBad = badSha;
  const goods = [...goodShas];
  const skipped = new Set<string>();
  let left = range.shas as string[];
  const steps: StepRow[] = [];
  for (const [i, s] of plan.steps.entries()) {
    const commit = sha(revOf(s));
    const before = left.length;
    if (s.verdict === 'bad') curBad = commit;
    else if (s.verdict === 'good') goods.push(commit);
    else skipped.add(commit);
    left = await suspects(repoPath, curBad, goods, firstParent, paths);
    steps.push({
      step: i + 1,
      commit: infos.get(commit) as CommitInfo,
      position: range.position(commit),
      revisionsLeft: Math.floor(before / 2),
      stepsLeft: estimateBisectSteps(before),
      verdict: s.verdict,
      term: s.term,
      reason: IMPORT_REASON,
      suspect: range.runs(left),
      ms: null,
    });
  }

  let result: BisectResult | null = null;
  if (p.result?.kind === 'culprit') {
    result = { kind: 'culprit', commit: await repo.commitDetail(sha(p.result.sha)) };
  } else if (p.result?.kind === 'candidates') {
    result = { kind: 'candidates', commits: p.result.shas.map((r) => infos.get(sha(r)) as CommitInfo) };
  } else {
    // No result comment (a hand-written or cut-off log): decide as git would.
    const untested = left.filter((c) => !skipped.has(c));
    if (untested.length === 1 && untested[0] === curBad) {
      result = left.length === 1
        ? { kind: 'culprit', commit: await repo.commitDetail(curBad) }
        : { kind: 'candidates', commits: await repo.commitInfos(left) };
    }
  }

  // Re-emit the log with full shas and the repository's subjects, so it replays in any clone.
  const subject = (c: string) => infos.get(c)?.subject ?? null;
  const filled: ParsedBisectLog = {
    ...p,
    startRevs: (p.startRevs ?? []).map((r) => {
      const c = sha(r.sha ?? r.rev);
      return { ...r, sha: c, subject: r.subject ?? subject(c) };
    }),
    marks: p.marks.map((m) => ({ ...m, sha: sha(m.sha), subject: m.subject ?? subject(sha(m.sha)) })),
    result:
      p.result?.kind === 'culprit'
        ? { kind: 'culprit', sha: sha(p.result.sha), subject: p.result.subject ?? subject(sha(p.result.sha)) }
        : p.result?.kind === 'candidates'
          ? { kind: 'candidates', shas: p.result.shas.map(sha) }
          : result?.kind === 'culprit'
            ? { kind: 'culprit', sha: result.commit.sha, subject: result.commit.subject }
            : result?.kind === 'candidates'
              ? { kind: 'candidates', shas: result.commits.map((c) => c.sha) }
              : null,
  };
  return {
    session: {
      ...baseSession(p, plan),
      title: rangeTitle(plan, `${path.basename(repoPath)}: `),
      repoPath,
      badSha,
      goodShas,
      rangeSize: range.size,
      initialSuspect: range.size > 0 ? [[0, range.size]] : [],
      result,
      status: result ? 'done' : 'cancelled',
      error: result ? null : NO_RESULT,
      bisectLog: formatBisectLog(filled),
    },
    steps,
  };
}

/**
 * The paths of the log's `git bisect start … -- <paths>` line, if git can use
 * them in `repoPath`: plain paths inside the repository (absolute ones too, as
 * git takes them), not pathspec magic. Else a UserInputError about the log.
 */
function checkLogPaths(paths: string[], repoPath: string): string[] {
  for (const p of paths) {
    const inside = path.relative(repoPath, path.resolve(repoPath, p));
    const why = p.startsWith(':')
      ? 'uses pathspec magic, which an import does not support'
      : inside === '..' || inside.startsWith(`..${path.sep}`) || path.isAbsolute(inside)
        ? `is outside ${repoPath}`
        : null;
    if (why) throw new UserInputError(`the log's \`git bisect start\` line limits the bisect to \`${p}\`, which ${why}: import it without a repository path, or against the clone it was made in`, 'log');
  }
  return paths;
}

async function suspects(repoPath: string, bad: string, goods: string[], firstParent: boolean, paths: string[]): Promise<string[]> {
  const args = ['rev-list'];
  if (firstParent) args.push('--first-parent');
  args.push(bad, '--not', ...goods, '--', ...paths);
  return (await gitOk(repoPath, args)).split('\n').filter(Boolean);
}
