import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BisectLogParseError,
  MAX_LOG_BYTES,
  MAX_LOG_LINES,
  formatBisectLog,
  parseBisectLog,
  splitShellWords,
  sqQuote,
  type ParsedBisectLog,
} from '.';

const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));
const SEED_ARTICLE = '/work/shared/seed/bisecting-the-linux-kernel-with-nixos.txt';
const fixture = (name: string): string => readFileSync(join(FIXTURES, name), 'utf8');

// ---------------------------------------------------------------------------
// A small real repository built with `git fast-import` (one process, ~40 commits).
// ---------------------------------------------------------------------------

const N = 40;
const VIRTIO_PATH = 'drivers/virtio';
const touchesVirtio = (n: number): boolean => n % 3 === 0;
const subjectOf = (n: number): string =>
  n === 7 ? `c7: quote ' bang ! and [brackets]` : `c${n}: ${touchesVirtio(n) ? 'virtio' : 'fs'} change ${n}`;

const gitEnv: NodeJS.ProcessEnv = (() => {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith('GIT_')) delete env[k];
  return {
    ...env,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_AUTHOR_NAME: 'T',
    GIT_AUTHOR_EMAIL: 't@example.com',
    GIT_COMMITTER_NAME: 'T',
    GIT_COMMITTER_EMAIL: 't@example.com',
    GIT_TERMINAL_PROMPT: '0',
    LC_ALL: 'C',
    LANG: 'C',
    LANGUAGE: 'C',
  };
})();

interface GitRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

function git(cwd: string, args: string[], input?: string): GitRun {
  const r = spawnSync('git', args, { cwd, env: gitEnv, input, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function gitOk(cwd: string, args: string[], input?: string): string {
  const r = git(cwd, args, input);
  if (r.status !== 0) throw new Error(`git ${args.join(' ')} failed (${r.status}): ${r.stderr}${r.stdout}`);
  return r.stdout;
}

function fastImportStream(): string {
  const parts: string[] = [];
  const data = (s: string): string => `data ${Buffer.byteLength(s)}\n${s}\n`;
  for (let n = 1; n <= N; n++) {
    const ts = 1_600_000_000 + n * 60;
    const path = touchesVirtio(n) ? `${VIRTIO_PATH}/ring.c` : `fs/file${n % 2}.c`;
    parts.push(
      'commit refs/heads/main\n',
      `mark :${n}\n`,
      `author T <t@example.com> ${ts} +0000\n`,
      `committer T <t@example.com> ${ts} +0000\n`,
      data(`${subjectOf(n)}\n`),
      n > 1 ? `from :${n - 1}\n` : '',
      `M 100644 inline ${path}\n`,
      data(`content ${n}\n`),
      '\n',
    );
  }
  parts.push('reset refs/tags/v5.10\nfrom :1\n\n', `reset refs/tags/v5.14\nfrom :${N}\n\n`);
  return parts.join('');
}

let tmp = '';
let repo = '';
/** shas[n] = full sha of commit cN (index 0 unused). */
let shas: string[] = [];
const numberOf = (sha: string): number => {
  const i = shas.indexOf(sha);
  if (i < 1) throw new Error(`unknown sha ${sha}`);
  return i;
};

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'bisect-log-parser-'));
  repo = join(tmp, 'repo');
  gitOk(tmp, ['init', '-q', '-b', 'main', repo]);
  gitOk(repo, ['fast-import', '--quiet'], fastImportStream());
  gitOk(repo, ['reset', '-q', '--hard', 'main']);
  shas = ['', ...gitOk(repo, ['rev-list', '--reverse', 'main']).trim().split('\n')];
  expect(shas).toHaveLength(N + 1);
});

afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

interface Session {
  log: string;
  /** Output of the command that ended the session. */
  final: string;
}

/**
 * Run a real bisection: `git bisect start <startArgs>`, optional extra marks, then answer
 * every step with judge(n) until git names a first bad commit or gives up on skips.
 */
function bisect(opts: {
  startArgs: string[];
  preMarks?: Array<[string, string]>;
  judge: (n: number) => string;
  noCheckout?: boolean;
}): Session {
  git(repo, ['bisect', 'reset']);
  gitOk(repo, ['bisect', 'start', ...opts.startArgs]);
  for (const [term, rev] of opts.preMarks ?? []) gitOk(repo, ['bisect', term, rev]);
  let final = '';
  for (let step = 0; step < 20; step++) {
    const cur = gitOk(repo, ['rev-parse', opts.noCheckout ? 'BISECT_HEAD' : 'HEAD']).trim();
    const r = git(repo, ['bisect', opts.judge(numberOf(cur))]);
    final = r.stdout + r.stderr;
    if (/is the first .*commit|only 'skip'ped commits left/.test(final)) break;
    if (r.status !== 0) throw new Error(`bisect step failed: ${final}`);
  }
  const log = gitOk(repo, ['bisect', 'log']);
  gitOk(repo, ['bisect', 'reset']);
  return { log, final };
}

const byThreshold = (culprit: number, newTerm: string, oldTerm: string, skip: number[] = []) =>
  (n: number): string => (skip.includes(n) ? 'skip' : n >= culprit ? newTerm : oldTerm);

/** Replay text with real git; return the replay output and the parsed log git ends up with. */
function replay(text: string): { output: string; log: ParsedBisectLog } {
  const file = join(tmp, 'replay.log');
  writeFileSync(file, text);
  git(repo, ['bisect', 'reset']);
  const r = git(repo, ['bisect', 'replay', file]);
  const log = parseBisectLog(gitOk(repo, ['bisect', 'log']));
  gitOk(repo, ['bisect', 'reset']);
  return { output: r.stdout + r.stderr, log };
}

const commandLines = (log: string, re: RegExp): number => log.split('\n').filter((l) => re.test(l)).length;
const withoutLines = (p: ParsedBisectLog) => p.marks.map(({ line: _line, ...rest }) => rest);

function expectMarksMatchRepo(p: ParsedBisectLog): void {
  for (const m of p.marks) {
    expect(m.sha).toMatch(/^[0-9a-f]{40}$/);
    expect(m.subject).toBe(subjectOf(numberOf(m.sha)));
  }
}

function expectParseError(text: string, line: number, expected: RegExp): BisectLogParseError {
  let caught: unknown;
  try {
    parseBisectLog(text);
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(BisectLogParseError);
  const err = caught as BisectLogParseError;
  expect(err.line).toBe(line);
  expect(err.expected).toMatch(expected);
  expect(err.message).toContain(`line ${line}`);
  return err;
}

// ---------------------------------------------------------------------------

describe('parseBisectLog on logs written by real git', () => {
  it('default terms, start with refs (v5.14 v5.10)', () => {
    const s = bisect({ startArgs: ['v5.14', 'v5.10'], judge: byThreshold(23, 'bad', 'good') });
    // git 2.39 writes the start revs' comments first, then the sq-quoted start line.
    expect(s.log).toContain(`# bad: [${shas[N]}] ${subjectOf(N)}\n# good: [${shas[1]}] ${subjectOf(1)}\ngit bisect start 'v5.14' 'v5.10'\n`);
    expect(s.log.endsWith(`# first bad commit: [${shas[23]}] ${subjectOf(23)}\n`)).toBe(true);

    const p = parseBisectLog(s.log);
    expect(p.terms).toEqual({ old: 'good', new: 'bad' });
    expect(p.start).toEqual({ bad: 'v5.14', good: ['v5.10'], paths: [], firstParent: false, noCheckout: false });
    expect(p.startRevs).toEqual([
      { verdict: 'bad', term: 'bad', rev: 'v5.14', sha: shas[N], subject: subjectOf(N) },
      { verdict: 'good', term: 'good', rev: 'v5.10', sha: shas[1], subject: subjectOf(1) },
    ]);
    expect(p.marks).toHaveLength(commandLines(s.log, /^git bisect (good|bad) /));
    for (const m of p.marks) {
      expect(m.verdict).toBe(numberOf(m.sha) >= 23 ? 'bad' : 'good');
      expect(m.term).toBe(m.verdict);
    }
    expectMarksMatchRepo(p);
    const lines = s.log.split('\n');
    for (const m of p.marks) expect(lines[m.line - 1]).toBe(`git bisect ${m.term} ${m.sha}`);
    expect(p.result).toEqual({ kind: 'culprit', sha: shas[23], subject: subjectOf(23) });
  });

  it('custom terms (--term-old broken --term-new fixed)', () => {
    const s = bisect({
      startArgs: ['--term-old', 'broken', '--term-new', 'fixed', 'v5.14', 'v5.10'],
      judge: byThreshold(7, 'fixed', 'broken'),
    });
    expect(s.log).toContain("git bisect start '--term-old' 'broken' '--term-new' 'fixed' 'v5.14' 'v5.10'\n");
    expect(s.log).toContain(`# first fixed commit: [${shas[7]}] ${subjectOf(7)}`);
    expect(s.final).toContain(`${shas[7]} is the first fixed commit`);

    const p = parseBisectLog(s.log);
    expect(p.terms).toEqual({ old: 'broken', new: 'fixed' });
    expect(p.start.bad).toBe('v5.14');
    expect(p.startRevs?.map((r) => [r.verdict, r.term, r.sha])).toEqual([
      ['bad', 'fixed', shas[N]],
      ['good', 'broken', shas[1]],
    ]);
    expect(p.marks.length).toBeGreaterThan(0);
    for (const m of p.marks) {
      expect(m.term).toBe(numberOf(m.sha) >= 7 ? 'fixed' : 'broken');
      expect(m.verdict).toBe(m.term === 'fixed' ? 'bad' : 'good');
    }
    expectMarksMatchRepo(p); // includes the subject with ' ! and [brackets]
    expect(p.result).toEqual({ kind: 'culprit', sha: shas[7], subject: subjectOf(7) });
  });

  it('custom terms given as --term-good=/--term-bad=', () => {
    const s = bisect({
      startArgs: ['--term-good=works', '--term-bad=crashes', 'v5.14', 'v5.10'],
      judge: byThreshold(30, 'crashes', 'works'),
    });
    expect(s.log).toContain("git bisect start '--term-good=works' '--term-bad=crashes' 'v5.14' 'v5.10'");
    const p = parseBisectLog(s.log);
    expect(p.terms).toEqual({ old: 'works', new: 'crashes' });
    expect(p.result).toEqual({ kind: 'culprit', sha: shas[30], subject: subjectOf(30) });
  });

  it('old/new terms chosen by the first mark after a bare `git bisect start`', () => {
    const s = bisect({
      startArgs: [],
      preMarks: [['new', 'v5.14'], ['old', 'v5.10']],
      judge: byThreshold(12, 'new', 'old'),
    });
    expect(s.log.startsWith('git bisect start\n# status: waiting for both good and bad commits\n')).toBe(true);
    expect(s.log).toContain('# status: waiting for good commit(s), bad commit known');
    expect(s.log).toContain(`# first new commit: [${shas[12]}]`);

    const p = parseBisectLog(s.log);
    expect(p.terms).toEqual({ old: 'old', new: 'new' });
    expect(p.start).toEqual({ bad: null, good: [], paths: [], firstParent: false, noCheckout: false });
    expect(p.startRevs).toEqual([]);
    expect(p.marks[0]).toMatchObject({ line: 4, verdict: 'bad', term: 'new', sha: shas[N], subject: subjectOf(N) });
    expect(p.marks[1]).toMatchObject({ line: 7, verdict: 'good', term: 'old', sha: shas[1], subject: subjectOf(1) });
    expect(p.marks).toHaveLength(commandLines(s.log, /^git bisect (old|new) /));
    expectMarksMatchRepo(p);
    expect(p.result).toEqual({ kind: 'culprit', sha: shas[12], subject: subjectOf(12) });
  });

  it('skips next to the culprit: git stops with a candidate list', () => {
    const s = bisect({ startArgs: ['v5.14', 'v5.10'], judge: byThreshold(20, 'bad', 'good', [19, 20, 21]) });
    expect(s.final).toContain("There are only 'skip'ped commits left to test.");
    expect(s.final).toContain('The first bad commit could be any of:');
    expect(s.log).toMatch(/\n# only skipped commits left to test\n# possible first bad commit: \[[0-9a-f]{40}\] /);
    const printed = s.final.split('\n').filter((l) => /^[0-9a-f]{40}$/.test(l));

    const p = parseBisectLog(s.log);
    const skips = p.marks.filter((m) => m.verdict === 'skip');
    expect(skips.length).toBeGreaterThan(0);
    for (const m of skips) {
      expect(m.term).toBe('skip');
      expect([19, 20, 21]).toContain(numberOf(m.sha));
    }
    expectMarksMatchRepo(p);
    expect(p.result?.kind).toBe('candidates');
    if (p.result?.kind !== 'candidates') throw new Error('unreachable');
    expect([...p.result.shas].sort()).toEqual([...printed].sort());
    expect(p.result.shas).toContain(shas[20]);
    expect(p.result.shas.length).toBeGreaterThan(1);
  });

  it('path-restricted start with --first-parent --no-checkout and awkward path quoting', () => {
    const odd = "it's a dir!";
    const s = bisect({
      startArgs: ['--first-parent', '--no-checkout', 'v5.14', 'v5.10', '--', VIRTIO_PATH, odd],
      judge: byThreshold(24, 'bad', 'good'),
      noCheckout: true,
    });
    expect(s.log).toContain(
      `git bisect start '--first-parent' '--no-checkout' 'v5.14' 'v5.10' '--' '${VIRTIO_PATH}' 'it'\\''s a dir'\\!''\n`,
    );
    const p = parseBisectLog(s.log);
    expect(p.start).toEqual({ bad: 'v5.14', good: ['v5.10'], paths: [VIRTIO_PATH, odd], firstParent: true, noCheckout: true });
    for (const m of p.marks) expect(touchesVirtio(numberOf(m.sha))).toBe(true);
    expectMarksMatchRepo(p);
    expect(p.result).toEqual({ kind: 'culprit', sha: shas[24], subject: subjectOf(24) });
  });
});

describe('round trip through formatBisectLog and real `git bisect replay`', () => {
  const scenarios: Array<[string, () => Session]> = [
    ['default terms', () => bisect({ startArgs: ['v5.14', 'v5.10'], judge: byThreshold(17, 'bad', 'good', [10, 11]) })],
    ['custom terms', () => bisect({
      startArgs: ['--term-old', 'broken', '--term-new', 'fixed', 'v5.14', 'v5.10'],
      judge: byThreshold(33, 'fixed', 'broken'),
    })],
    ['old/new', () => bisect({ startArgs: [], preMarks: [['old', 'v5.10'], ['new', 'v5.14']], judge: byThreshold(5, 'new', 'old') })],
    ['paths', () => bisect({
      startArgs: ['--no-checkout', 'v5.14', 'v5.10', '--', VIRTIO_PATH, "it's a dir!"],
      judge: byThreshold(15, 'bad', 'good'),
      noCheckout: true,
    })],
    ['candidates', () => bisect({ startArgs: ['v5.14', 'v5.10'], judge: byThreshold(28, 'bad', 'good', [27, 28]) })],
  ];

  for (const [name, run] of scenarios) {
    it(name, () => {
      const s = run();
      const p = parseBisectLog(s.log);
      const text = formatBisectLog(p);
      const again = parseBisectLog(text);
      expect(again.terms).toEqual(p.terms);
      expect(withoutLines(again)).toEqual(withoutLines(p));
      expect(again.result).toEqual(p.result);
      expect({ ...again.start, bad: null, good: [] }).toEqual({ ...p.start, bad: null, good: [] });
      // start revs are re-emitted as the shas git resolved them to
      expect(again.start.bad).toBe(p.startRevs?.[0]?.sha ?? p.start.bad);

      const r = replay(text);
      if (p.result?.kind === 'culprit') {
        expect(r.output).toContain(`${p.result.sha} is the first ${p.terms.new} commit`);
      } else {
        expect(r.output).toContain("There are only 'skip'ped commits left to test.");
      }
      expect(r.log.result).toEqual(p.result);
      expect(r.log.terms).toEqual(p.terms);
      expect(withoutLines(r.log)).toEqual(withoutLines(p));
    });
  }

  it('the original git log replays to the same result too (sanity)', () => {
    const s = bisect({ startArgs: ['v5.14', 'v5.10'], judge: byThreshold(9, 'bad', 'good') });
    expect(replay(s.log).log.result).toEqual(parseBisectLog(s.log).result);
  });
});

describe('fixtures', () => {
  it('seed: the 16-step Linux bisect from the NixOS article', () => {
    const text = fixture('seed-16-step.log');
    const p = parseBisectLog(text);
    expect(p.terms).toEqual({ old: 'good', new: 'bad' });
    expect(p.start).toEqual({ bad: null, good: [], paths: [], firstParent: false, noCheckout: false });
    // `git bisect start` without revs, then the initial bad + good marks, then 16 bisection steps.
    expect(p.marks).toHaveLength(18);
    expect(p.marks.filter((m) => m.verdict === 'bad')).toHaveLength(7);
    expect(p.marks.filter((m) => m.verdict === 'good')).toHaveLength(11);
    expect(p.marks[0]).toEqual({
      line: 3,
      verdict: 'bad',
      term: 'bad',
      sha: '3e732ebf7316ac83e8562db7e64cc68aec390a18',
      subject: "Merge tag 'for_linus' of git://git.kernel.org/pub/scm/linux/kernel/git/mst/vhost",
    });
    expect(p.marks[1]).toEqual({
      line: 5,
      verdict: 'good',
      term: 'good',
      sha: '2c85ebc57b3e1817b6ce1a6b703928e113a90442',
      subject: 'Linux 5.10',
    });
    expect(p.marks[17]).toEqual({
      line: 37,
      verdict: 'good',
      term: 'good',
      sha: '22bc63c58e876cc359d0b1566dee3db8ecc16722',
      subject: 'virtio_net: move txq wakeups under tx q lock',
    });
    expect(p.marks.every((m) => m.subject !== null && /^[0-9a-f]{40}$/.test(m.sha))).toBe(true);
    expect(p.result).toEqual({
      kind: 'culprit',
      sha: '8d622d21d24803408b256d96463eac4574dcf067',
      subject: 'virtio: fix up virtio_disable_cb',
    });
    const again = parseBisectLog(formatBisectLog(p));
    expect(withoutLines(again)).toEqual(withoutLines(p));
    expect(again.result).toEqual(p.result);
  });

  it.skipIf(!existsSync(SEED_ARTICLE))('seed fixture is a verbatim copy of the article block', () => {
    const article = readFileSync(SEED_ARTICLE, 'utf8');
    const text = fixture('seed-16-step.log');
    expect(text.startsWith('git bisect start\n')).toBe(true);
    expect(text.endsWith('# first bad commit: [8d622d21d24803408b256d96463eac4574dcf067] virtio: fix up virtio_disable_cb\n')).toBe(true);
    expect(article).toContain(`$ git bisect log\n${text}`);
  });

  it("git 2.55 spelling: quoted terms in `# first 'bad' commit:` and status lines", () => {
    const p = parseBisectLog(fixture('git-2.55-quoted-terms.log'));
    expect(p.terms).toEqual({ old: 'good', new: 'bad' });
    expect(p.marks.map((m) => m.verdict)).toEqual(['bad', 'good', 'bad', 'good']);
    expect(p.result).toEqual({ kind: 'culprit', sha: '8d622d21d24803408b256d96463eac4574dcf067', subject: 'virtio: fix up virtio_disable_cb' });
    // formatBisectLog writes the 2.39 spelling; both parse the same
    expect(formatBisectLog(p)).toContain('# first bad commit: [8d622d21d24803408b256d96463eac4574dcf067]');
    expect(parseBisectLog(formatBisectLog(p)).result).toEqual(p.result);
  });

  it("git 2.55 spelling with custom terms: `# first 'fixed' commit:`", () => {
    const p = parseBisectLog(fixture('git-2.55-custom-terms.log'));
    expect(p.terms).toEqual({ old: 'broken', new: 'fixed' });
    expect(p.start.bad).toBe('v5.14-rc1');
    expect(p.start.good).toEqual(['v5.10']);
    expect(p.startRevs?.[0]).toMatchObject({ sha: '3e732ebf7316ac83e8562db7e64cc68aec390a18', subject: expect.stringContaining('for_linus') });
    expect(p.startRevs?.[1]).toMatchObject({ sha: '2c85ebc57b3e1817b6ce1a6b703928e113a90442', subject: 'Linux 5.10' });
    expect(p.marks.map((m) => [m.term, m.verdict])).toEqual([['broken', 'good'], ['fixed', 'bad']]);
    expect(p.result).toMatchObject({ kind: 'culprit', sha: '8d622d21d24803408b256d96463eac4574dcf067' });
    expect(formatBisectLog(p)).toContain(
      "# fixed: [3e732ebf7316ac83e8562db7e64cc68aec390a18] Merge tag 'for_linus'",
    );
    expect(formatBisectLog(p)).toContain(
      "git bisect start '--term-old' 'broken' '--term-new' 'fixed' '3e732ebf7316ac83e8562db7e64cc68aec390a18' '2c85ebc57b3e1817b6ce1a6b703928e113a90442'\n",
    );
  });

  it("git 2.55 spelling of candidates: `# possible first 'bad' commit:`", () => {
    const p = parseBisectLog(fixture('git-2.55-candidates.log'));
    expect(p.marks.map((m) => m.verdict)).toEqual(['skip', 'bad', 'good']);
    expect(p.marks[0]?.subject).toBe('virtio: fix up virtio_disable_cb');
    expect(p.result).toEqual({
      kind: 'candidates',
      shas: ['e3aadf2e1614174dc81d52cbb9dabb77913b11c6', '8d622d21d24803408b256d96463eac4574dcf067'],
    });
    expect(parseBisectLog(formatBisectLog(p)).result).toEqual(p.result);
  });
});

describe('tolerance for pasted text', () => {
  const seed = (): string => fixture('seed-16-step.log');

  it('CRLF line endings', () => {
    const p = parseBisectLog(seed().replace(/\n/g, '\r\n'));
    const q = parseBisectLog(seed());
    expect(p).toEqual(q);
  });

  it('leading/trailing blank lines shift line numbers but nothing else', () => {
    const p = parseBisectLog(`\n\n   \n${seed()}\n\n  \n`);
    const q = parseBisectLog(seed());
    expect(withoutLines(p)).toEqual(withoutLines(q));
    expect(p.marks.map((m) => m.line)).toEqual(q.marks.map((m) => m.line + 3));
    expect(p.result).toEqual(q.result);
  });

  it('mail quoting ("> " on every line, bare ">" on blank ones, nested) and indentation', () => {
    const q = parseBisectLog(seed());
    const quoted = seed().trimEnd().split('\n').map((l) => `> ${l}`);
    quoted.splice(2, 0, '>'); // a blank line inside the quote
    const p = parseBisectLog(`\n${quoted.join('\n')}\n\n`);
    expect(withoutLines(p)).toEqual(withoutLines(q));
    expect(p.marks[0]?.line).toBe(5); // 1 blank + start + comment + bare ">"
    expect(p.result).toEqual(q.result);

    const nested = seed().split('\n').map((l) => `> > ${l}`).join('\r\n');
    expect(parseBisectLog(nested).result).toEqual(q.result);

    const indented = seed().split('\n').map((l) => `    ${l}`).join('\n');
    expect(withoutLines(parseBisectLog(indented))).toEqual(withoutLines(q));
  });

  it('partial quoting is not stripped (and is an error)', () => {
    const text = `git bisect start\n> git bisect bad ${'a'.repeat(40)}\n`;
    expectParseError(text, 2, /git bisect <good\|bad\|old\|new\|skip> <sha>/);
  });

  it('a pasted `$ git bisect log` prompt line is ignored', () => {
    const q = parseBisectLog(seed());
    const p = parseBisectLog(`$ git bisect log\n${seed()}`);
    expect(withoutLines(p)).toEqual(withoutLines(q));
  });

  it('hand-typed, unquoted start args and `git-bisect` spelling; abbreviated shas; skip with several shas', () => {
    const p = parseBisectLog([
      'git-bisect start --term-old=old --term-new=new v5.14 "v5.10" -- drivers/virtio fs\\ dir',
      '# skip: [abcd1234ffff0000aaaa] first skipped',
      '# skip: [beef5678] second skipped',
      'git bisect skip ABCD1234 beef5678',
      'git bisect new 0123',
      '# first new commit: [0123abcd] the culprit',
    ].join('\n'));
    expect(p.terms).toEqual({ old: 'old', new: 'new' });
    expect(p.start).toEqual({ bad: 'v5.14', good: ['v5.10'], paths: ['drivers/virtio', 'fs dir'], firstParent: false, noCheckout: false });
    expect(p.marks).toEqual([
      { line: 4, verdict: 'skip', term: 'skip', sha: 'abcd1234', subject: 'first skipped' },
      { line: 4, verdict: 'skip', term: 'skip', sha: 'beef5678', subject: 'second skipped' },
      { line: 5, verdict: 'bad', term: 'new', sha: '0123', subject: null },
    ]);
    expect(p.result).toEqual({ kind: 'culprit', sha: '0123abcd', subject: 'the culprit' });
    // formatBisectLog splits the multi-sha skip into one line per sha (replay needs that)
    expect(formatBisectLog(p)).toContain('git bisect skip abcd1234\n# skip: [beef5678] second skipped\ngit bisect skip beef5678\n');
  });

  it('a mark after a result makes the result stale', () => {
    const text = `${seed()}git bisect good ${'1'.repeat(40)}\n`;
    expect(parseBisectLog(text).result).toBeNull();
  });

  it('comments that do not match the mark sha do not provide its subject', () => {
    const p = parseBisectLog(`git bisect start\n# bad: [${'a'.repeat(40)}] other\ngit bisect bad ${'b'.repeat(40)}\n`);
    expect(p.marks[0]?.subject).toBeNull();
  });

  it('sqQuote / splitShellWords agree with git quoting', () => {
    expect(sqQuote("it's a dir!")).toBe("'it'\\''s a dir'\\!''");
    expect(splitShellWords("'--' 'it'\\''s a dir'\\!'' \"x y\" plain")).toEqual(['--', "it's a dir!", 'x y', 'plain']);
    expect(splitShellWords("'open")).toBeNull();
  });
});

describe('errors name the line and what was expected', () => {
  const sha = 'a'.repeat(40);

  it('empty log', () => {
    expectParseError('', 1, /git bisect start/);
    expectParseError('\r\n\n   \n', 1, /git bisect start/);
  });

  it('only comments, no start', () => {
    expectParseError(`# bad: [${sha}] x\n# status: waiting\n`, 3, /git bisect start/);
  });

  it('a mark before `git bisect start`', () => {
    expectParseError(`\n# good: [${sha}] x\ngit bisect good ${sha}\ngit bisect start\n`, 3, /git bisect start/);
  });

  it('an unknown command', () => {
    expectParseError(`git bisect start\ngit bisect frobnicate ${sha}\n`, 2, /git bisect <good\|bad\|old\|new\|skip> <sha>/);
    expectParseError(`git bisect start v2 v1\n\ngit bisect reset\n`, 3, /git bisect <good\|bad\|skip> <sha>/);
  });

  it('a non-command, non-comment line (e.g. pasted git output)', () => {
    expectParseError(`git bisect start\nBisecting: 4 revisions left to test after this (roughly 2 steps)\n`, 2, /git bisect/);
    expectParseError(`hello\ngit bisect start\n`, 1, /git bisect start/);
  });

  it('a mark with a term that does not belong to the declared terms', () => {
    const e = expectParseError(
      `git bisect start '--term-old' 'broken' '--term-new' 'fixed'\ngit bisect broken ${sha}\ngit bisect good ${sha}\n`,
      3,
      /git bisect <broken\|fixed\|skip> <sha>/,
    );
    expect(e.message).toContain("'good' is not a term of this fixed/broken bisect");
    // start with revs locks in good/bad
    expectParseError(`git bisect start 'v2' 'v1'\ngit bisect new ${sha}\n`, 2, /<good\|bad\|skip>/);
    // the first mark locks in old/new
    expectParseError(`git bisect start\ngit bisect old ${sha}\ngit bisect bad ${sha}\n`, 3, /<old\|new\|skip>/);
    // a custom term without --term-* options
    expectParseError(`git bisect start\ngit bisect fixed ${sha}\n`, 2, /<good\|bad\|old\|new\|skip>/);
  });

  it('a non-hex or malformed sha in a mark', () => {
    expectParseError(`git bisect start\ngit bisect bad v5.10\n`, 2, /hex sha/);
    expectParseError(`git bisect start\ngit bisect skip ${sha} zzzz1234\n`, 2, /hex sha/);
    expectParseError(`git bisect start\ngit bisect good abc\n`, 2, /hex sha/);
    expectParseError(`git bisect start\ngit bisect good ${'a'.repeat(41)}\n`, 2, /hex sha/);
    expectParseError(`git bisect start\ngit bisect good\n`, 2, /hex sha/);
    expectParseError(`git bisect start\ngit bisect good ${sha} ${sha}\n`, 2, /exactly one sha/);
  });

  it('malformed start lines and terms', () => {
    expectParseError(`git bisect start 'v5.14\n`, 1, /quoted/);
    expectParseError(`git bisect start --bogus\n`, 1, /option/);
    expectParseError(`git bisect start --term-old skip --term-new fixed\n`, 1, /valid bisect terms/);
    expectParseError(`git bisect start --term-old bad --term-new fixed\n`, 1, /valid bisect terms/);
    expectParseError(`git bisect start --term-old same --term-new same\n`, 1, /two different/);
    expectParseError(`git bisect start --term-new\n`, 1, /term after/);
    expectParseError(`git bisect start\ngit bisect start\n`, 2, /git bisect <good\|bad\|old\|new\|skip>/);
  });

  it('result comments with the wrong term or a non-hex sha', () => {
    expectParseError(`git bisect start\ngit bisect bad ${sha}\n# first good commit: [${sha}] x\n`, 3, /# first bad commit/);
    expectParseError(`git bisect start\ngit bisect bad ${sha}\n# first bad commit: [xyz] x\n`, 3, /hex sha/);
    expectParseError(
      `git bisect start --term-old broken --term-new fixed\n# only skipped commits left to test\n# possible first 'bad' commit: [${sha}] x\n`,
      3,
      /# possible first fixed commit/,
    );
  });

  it('size limits', () => {
    expectParseError(`git bisect start\n${'#'.repeat(MAX_LOG_BYTES)}`, 1, /bytes/);
    // multi-byte characters count as UTF-8 bytes
    expectParseError(`git bisect start\n# ${'é'.repeat(MAX_LOG_BYTES / 2)}`, 1, /bytes/);
    expectParseError('\n'.repeat(MAX_LOG_LINES + 1), MAX_LOG_LINES + 1, /lines/);
    expectParseError(`git bisect start\n${'#\n'.repeat(MAX_LOG_LINES)}`, MAX_LOG_LINES + 1, /lines/);
    // exactly at the limit is fine
    expect(parseBisectLog(`git bisect start\n${'#\n'.repeat(MAX_LOG_LINES - 1)}`).marks).toEqual([]);
  });
});
