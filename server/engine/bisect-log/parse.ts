/**
 * Pure parser / formatter for `git bisect log` text as pasted by users.
 *
 * What real git writes (verified against git 2.39.5, see bisect-log.test.ts):
 *
 *   - Revs given to `git bisect start` produce their `# bad: [sha] subj` /
 *     `# good: [sha] subj` comments BEFORE the start line, and the start line
 *     shell-single-quotes every argument:
 *       # bad: [3f51...] c20
 *       # good: [7816...] c1
 *       git bisect start '--term-old' 'broken' '--term-new' 'fixed' 'v5.14' 'v5.10' '--' 'drivers'
 *     (`'` is written as `'\''`, `!` as `'\!'`). A bare `git bisect start` is
 *     written unquoted with no args.
 *   - Every mark is `# <term>: [full sha] <subject>` then `git bisect <term> <full sha>`;
 *     `git bisect skip A B` / ranges are expanded into one skip line per commit.
 *   - `# status: waiting for ...` comments follow start/marks while a side is missing.
 *   - Success:          `# first <new-term> commit: [sha] subject`
 *     (git >= 2.55:     `# first '<new-term>' commit: [sha] subject`)
 *   - Only skips left:  `# only skipped commits left to test`
 *                       `# possible first <new-term> commit: [sha] subject`  (one per candidate;
 *                        quoted term in git >= 2.55)
 *   - Without term options and without revs in `start`, the terms are fixed by the first
 *     good/bad/old/new mark (replay's check_and_set_terms); revs in `start` lock in good/bad.
 *
 * `git bisect replay` only looks at lines starting with `git bisect`/`git-bisect`,
 * dequotes start args with sq_dequote (so unquoted start args would be silently dropped)
 * and passes the rest of a mark line as ONE rev (so multi-sha skip lines fail).
 * formatBisectLog therefore always quotes start args and writes one rev per line.
 */

import { isReservedTerm, termProblem } from '../bisect/terms';
import { splitShellWords } from './shell-words';
import {
  BisectLogParseError,
  MAX_LOG_BYTES,
  MAX_LOG_LINES,
  type BisectMark,
  type BisectResult,
  type BisectStartRev,
  type ParsedBisectLog,
  type Verdict,
} from './types';

const HEX_SHA = /^(?:[0-9a-fA-F]{4,40}|[0-9a-fA-F]{64})$/;

interface MarkComment {
  line: number;
  term: string;
  sha: string;
  subject: string;
  used: boolean;
}

function shaMatches(a: string, b: string): boolean {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  return x.startsWith(y) || y.startsWith(x);
}

function termAlternatives(terms: { old: string; new: string } | null): string {
  const t = terms ?? null;
  return t ? `${t.old}|${t.new}|skip` : 'good|bad|old|new|skip';
}

/**
 * Split into lines, remove mail quoting / indentation. Returned lines keep their 1-based
 * position (index + 1).
 */
function normalizeLines(text: string): string[] {
  let body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  if (body.endsWith('\n')) body = body.slice(0, -1);
  let lines = body.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  // Mail quoting: strip one level of "> " while every non-blank line carries it.
  for (let depth = 0; depth < 8; depth++) {
    const nonBlank = lines.filter((l) => l.trim() !== '');
    if (nonBlank.length === 0 || !nonBlank.every((l) => /^[ \t]*>/.test(l))) break;
    lines = lines.map((l) => l.replace(/^[ \t]*> ?/, ''));
  }
  return lines.map((l) => l.trim());
}

const COMMAND_RE = /^git(?:\s+|-)bisect(?:\s+(.*))?$/;
const FIRST_RE = /^first\s+(?:'([^']*)'|(\S+))\s+commit:\s*\[([^\]]*)\](?:\s(.*))?$/;
const POSSIBLE_RE = /^possible\s+first\s+(?:'([^']*)'|(\S+))\s+commit:\s*\[([^\]]*)\](?:\s(.*))?$/;
const ONLY_SKIPPED_RE = /^only\s+skipped\s+commits\s+left\s+to\s+test\s*$/;
const MARK_COMMENT_RE = /^([^\s:[\]]+):\s*\[([0-9a-fA-F]+)\](?:\s(.*))?$/;
const PROMPT_RE = /^(?:\$|#|%|>)\s*git\s+bisect\s+log\s*$/;

export function parseBisectLog(text: string): ParsedBisectLog {
  if (text.length > MAX_LOG_BYTES || Buffer.byteLength(text, 'utf8') > MAX_LOG_BYTES) {
    throw new BisectLogParseError(1, `a log of at most ${MAX_LOG_BYTES} bytes`, 'log too large');
  }
  // Count lines before splitting anything big.
  let newlines = 0;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) {
    newlines++;
    if (newlines > MAX_LOG_LINES) break;
  }
  const lineCount = text.endsWith('\n') ? newlines : newlines + 1;
  if (lineCount > MAX_LOG_LINES) {
    throw new BisectLogParseError(MAX_LOG_LINES + 1, `a log of at most ${MAX_LOG_LINES} lines`, 'too many lines');
  }

  const lines = normalizeLines(text);
  if (lines.every((l) => l === '')) {
    throw new BisectLogParseError(1, 'a `git bisect start` line', 'the log is empty');
  }

  let started = false;
  let terms: { old: string; new: string } | null = null;
  const start: ParsedBisectLog['start'] = { bad: null, good: [], paths: [], firstParent: false, noCheckout: false };
  const startRevs: BisectStartRev[] = [];
  const marks: BisectMark[] = [];
  let result: BisectResult | null = null;
  let candidatesOpen = false;
  let pending: MarkComment[] = [];

  const checkResultTerm = (lineNo: number, term: string, what: string): void => {
    const expectedTerm = terms?.new ?? null;
    if (expectedTerm !== null ? term !== expectedTerm : !['bad', 'new'].includes(term)) {
      throw new BisectLogParseError(lineNo, `\`# ${what.replace('%s', expectedTerm ?? 'bad')}\``,
        `term '${term}' is not the new term`);
    }
  };
  const parseSha = (lineNo: number, raw: string, what: string): string => {
    if (!HEX_SHA.test(raw)) throw new BisectLogParseError(lineNo, what, `'${raw}' is not a hex object name`);
    return raw.toLowerCase();
  };

  for (let idx = 0; idx < lines.length; idx++) {
    const lineNo = idx + 1;
    const line = lines[idx]!;
    if (line === '') continue;

    if (line.startsWith('#')) {
      if (!started && PROMPT_RE.test(line)) continue;
      const body = line.replace(/^#+\s*/, '');
      let m: RegExpExecArray | null;
      if ((m = FIRST_RE.exec(body))) {
        const term = m[1] ?? m[2] ?? '';
        checkResultTerm(lineNo, term, `first %s commit: [<sha>] <subject>`);
        const sha = parseSha(lineNo, m[3] ?? '', '`[<hex sha>]` after `# first ... commit:`');
        result = { kind: 'culprit', sha, subject: m[4]?.trimEnd() ?? null };
        candidatesOpen = false;
      } else if (ONLY_SKIPPED_RE.test(body)) {
        result = { kind: 'candidates', shas: [] };
        candidatesOpen = true;
      } else if ((m = POSSIBLE_RE.exec(body))) {
        const term = m[1] ?? m[2] ?? '';
        checkResultTerm(lineNo, term, `possible first %s commit: [<sha>] <subject>`);
        const sha = parseSha(lineNo, m[3] ?? '', '`[<hex sha>]` after `# possible first ... commit:`');
        if (!candidatesOpen || result?.kind !== 'candidates') {
          result = { kind: 'candidates', shas: [] };
          candidatesOpen = true;
        }
        if (!result.shas.includes(sha)) result.shas.push(sha);
      } else if ((m = MARK_COMMENT_RE.exec(body)) && m[1] !== 'status') {
        const sha = m[2] ?? '';
        if (HEX_SHA.test(sha)) {
          pending.push({ line: lineNo, term: m[1] ?? '', sha: sha.toLowerCase(), subject: (m[3] ?? '').trimEnd(), used: false });
        }
      }
      // `# status: ...` and any other free-form comment: ignored, as `git bisect replay` does.
      continue;
    }

    const cm = COMMAND_RE.exec(line);
    if (!cm) {
      if (!started && PROMPT_RE.test(line)) continue; // pasted `$ git bisect log` prompt
      throw new BisectLogParseError(lineNo, started
        ? `a \`git bisect <${termAlternatives(terms)}> <sha>\` line or a \`#\` comment`
        : 'a `git bisect start` line or a `#` comment', `got '${truncate(line)}'`);
    }
    const rest = (cm[1] ?? '').trim();
    const sp = rest.search(/\s/);
    const cmd = sp < 0 ? rest : rest.slice(0, sp);
    const argText = sp < 0 ? '' : rest.slice(sp + 1).trim();
    candidatesOpen = false;

    if (cmd === 'start') {
      if (started) {
        throw new BisectLogParseError(lineNo, `a \`git bisect <${termAlternatives(terms)}> <sha>\` line`, 'a second `git bisect start`');
      }
      started = true;
      const parsed = parseStartArgs(lineNo, argText);
      terms = parsed.terms;
      Object.assign(start, parsed.start);
      const t = terms ?? { old: 'good', new: 'bad' };
      const newC = pending.filter((c) => c.term === t.new);
      const oldC = pending.filter((c) => c.term === t.old);
      const resolve = (rev: string, c: MarkComment | undefined): { sha: string | null; subject: string | null } =>
        c && (!HEX_SHA.test(rev) || shaMatches(rev, c.sha)) ? { sha: c.sha, subject: c.subject } : { sha: null, subject: null };
      if (start.bad !== null) startRevs.push({ verdict: 'bad', term: t.new, rev: start.bad, ...resolve(start.bad, newC[0]) });
      start.good.forEach((rev, i) => startRevs.push({ verdict: 'good', term: t.old, rev, ...resolve(rev, oldC[i]) }));
      pending = [];
      continue;
    }

    if (!started) {
      throw new BisectLogParseError(lineNo, 'a `git bisect start` line before any mark', `got \`git bisect ${truncate(cmd)}\``);
    }

    if (cmd === 'terms') {
      // Never written by git, but replay accepts it (it only prints the terms).
      pending = [];
      continue;
    }

    let verdict: Verdict;
    if (cmd === 'skip') {
      verdict = 'skip';
    } else if (terms) {
      if (cmd === terms.old) verdict = 'good';
      else if (cmd === terms.new) verdict = 'bad';
      else {
        throw new BisectLogParseError(lineNo, `a \`git bisect <${termAlternatives(terms)}> <sha>\` line`,
          isReservedTerm(cmd) || cmd === ''
            ? `\`git bisect ${cmd}\` is not recorded in bisect logs`
            : `'${truncate(cmd)}' is not a term of this ${terms.new}/${terms.old} bisect`);
      }
    } else if (cmd === 'good' || cmd === 'bad') {
      terms = { old: 'good', new: 'bad' };
      verdict = cmd;
    } else if (cmd === 'old' || cmd === 'new') {
      terms = { old: 'old', new: 'new' };
      verdict = cmd === 'old' ? 'good' : 'bad';
    } else {
      throw new BisectLogParseError(lineNo, `a \`git bisect <${termAlternatives(null)}> <sha>\` line`,
        `unknown command '${truncate(cmd)}'`);
    }

    const shas = argText === '' ? [] : argText.split(/\s+/);
    if (shas.length === 0) {
      throw new BisectLogParseError(lineNo, `a hex sha after \`git bisect ${cmd}\``, 'missing sha');
    }
    if (verdict !== 'skip' && shas.length > 1) {
      throw new BisectLogParseError(lineNo, `exactly one sha after \`git bisect ${cmd}\``, `got ${shas.length}`);
    }
    for (const raw of shas) {
      const sha = parseSha(lineNo, raw, `a hex sha (4-40 hex digits) after \`git bisect ${cmd}\``);
      const c = pending.find((p) => !p.used && p.term === cmd && shaMatches(p.sha, sha));
      if (c) c.used = true;
      marks.push({ line: lineNo, verdict, term: cmd, sha, subject: c ? c.subject : null });
    }
    pending = [];
    // A mark after a result means the bisection went on; the old result is stale.
    result = null;
  }

  if (!started) {
    throw new BisectLogParseError(lines.length + 1, 'a `git bisect start` line', 'no `git bisect start` in the log');
  }

  return { terms: terms ?? { old: 'good', new: 'bad' }, start, marks, result, startRevs };
}

function truncate(s: string): string {
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

function parseStartArgs(lineNo: number, argText: string): {
  terms: { old: string; new: string } | null;
  start: ParsedBisectLog['start'];
} {
  const words = splitShellWords(argText);
  if (words === null) {
    throw new BisectLogParseError(lineNo, 'properly quoted `git bisect start` arguments', 'unterminated quote');
  }
  let termOld: string | null = null;
  let termNew: string | null = null;
  let firstParent = false;
  let noCheckout = false;
  const revs: string[] = [];
  const paths: string[] = [];
  const need = (i: number, opt: string): string => {
    const v = words[i + 1];
    if (v === undefined) throw new BisectLogParseError(lineNo, `a term after \`${opt}\``, 'missing value');
    return v;
  };
  let i = 0;
  for (; i < words.length; i++) {
    const w = words[i]!;
    if (w === '--') {
      i++;
      break;
    }
    let m: RegExpExecArray | null;
    if (w === '--no-checkout') noCheckout = true;
    else if (w === '--first-parent') firstParent = true;
    else if (w === '--term-old' || w === '--term-good') termOld = need(i++, w);
    else if (w === '--term-new' || w === '--term-bad') termNew = need(i++, w);
    else if ((m = /^--term-(old|good)=(.*)$/.exec(w))) termOld = m[2] ?? '';
    else if ((m = /^--term-(new|bad)=(.*)$/.exec(w))) termNew = m[2] ?? '';
    else if (w.startsWith('--')) {
      throw new BisectLogParseError(lineNo,
        'a `git bisect start` option (--term-old/--term-new/--term-good/--term-bad/--first-parent/--no-checkout), a rev or `--`',
        `unrecognized option '${truncate(w)}'`);
    } else if (w === '') {
      throw new BisectLogParseError(lineNo, 'a non-empty rev in `git bisect start`', 'empty argument');
    } else revs.push(w);
  }
  for (; i < words.length; i++) paths.push(words[i]!);

  let terms: { old: string; new: string } | null = null;
  if (termOld !== null || termNew !== null || revs.length > 0) {
    terms = { old: termOld ?? 'good', new: termNew ?? 'bad' };
    const po = termProblem(terms.old, 'old');
    const pn = termProblem(terms.new, 'new');
    if (po || pn) throw new BisectLogParseError(lineNo, 'valid bisect terms', (po ?? pn)!);
    if (terms.old === terms.new) throw new BisectLogParseError(lineNo, 'two different bisect terms', `both are '${terms.old}'`);
  }
  return {
    terms,
    start: { bad: revs[0] ?? null, good: revs.slice(1), paths, firstParent, noCheckout },
  };
}
