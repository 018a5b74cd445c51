import { termFor } from '../bisect/terms';
import { sqQuote } from './shell-words';
import type { BisectStartRev, ParsedBisectLog } from './types';

/**
 * Re-emit a log in git's own format that `git bisect replay` accepts. Start revs are written
 * as the shas git logged for them when known (refs like `HEAD~3` could move), start
 * arguments are sq-quoted, and each skipped sha gets its own line. The result is written
 * in git 2.39 spelling (`# first bad commit:`).
 */
export function formatBisectLog(p: ParsedBisectLog): string {
  const out: string[] = [];
  const { terms, start } = p;
  const resolved = (verdict: 'good' | 'bad', rev: string, nth: number): BisectStartRev | undefined => {
    const r = (p.startRevs ?? []).filter((x) => x.verdict === verdict)[nth];
    return r && r.rev === rev ? r : undefined;
  };

  const args: string[] = [];
  if (terms.old !== 'good' || terms.new !== 'bad') args.push('--term-old', terms.old, '--term-new', terms.new);
  if (start.firstParent) args.push('--first-parent');
  if (start.noCheckout) args.push('--no-checkout');
  const extraMarks: string[] = [];
  if (start.bad !== null) {
    const r = resolved('bad', start.bad, 0);
    if (r?.sha) out.push(`# ${terms.new}: [${r.sha}] ${r.subject ?? ''}`.trimEnd());
    args.push(r?.sha ?? start.bad);
    start.good.forEach((g, i) => {
      const rg = resolved('good', g, i);
      if (rg?.sha) out.push(`# ${terms.old}: [${rg.sha}] ${rg.subject ?? ''}`.trimEnd());
      args.push(rg?.sha ?? g);
    });
  } else {
    // `git bisect start` cannot take good revs without a bad one: mark them afterwards.
    start.good.forEach((g, i) => extraMarks.push(`git bisect ${terms.old} ${resolved('good', g, i)?.sha ?? g}`));
  }
  if (start.paths.length > 0) args.push('--', ...start.paths);
  out.push(args.length > 0 ? `git bisect start ${args.map(sqQuote).join(' ')}` : 'git bisect start');
  out.push(...extraMarks);

  for (const m of p.marks) {
    const term = termFor(m.verdict, terms);
    if (m.subject !== null) out.push(`# ${term}: [${m.sha}] ${m.subject}`.trimEnd());
    out.push(`git bisect ${term} ${m.sha}`);
  }

  const r = p.result;
  if (r?.kind === 'culprit') {
    out.push(`# first ${terms.new} commit: [${r.sha}] ${r.subject ?? ''}`.trimEnd());
  } else if (r?.kind === 'candidates') {
    out.push('# only skipped commits left to test');
    for (const sha of r.shas) out.push(`# possible first ${terms.new} commit: [${sha}]`);
  }
  return `${out.join('\n')}\n`;
}
