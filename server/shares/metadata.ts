import type { Metadata } from 'next';
import { commitReference } from '../report/upstream';
import type { SharedSessionDetail } from './service';

/** Link preview of a shared session: title and description naming the culprit (Open Graph and Twitter tags). */
export function shareMetadata(view: SharedSessionDetail): Metadata {
  const s = view.session;
  const range = `${s.good.join(', ')}..${s.bad}`;
  const steps = `${view.steps.length} step${view.steps.length === 1 ? '' : 's'}`;
  let title: string;
  let description: string;
  if (s.result?.kind === 'culprit') {
    const c = s.result.commit;
    title = `First ${s.termNew} commit: ${commitReference(c)}`;
    description = `git bisect ${range} found ${commitReference(c)}${c.author ? ` by ${c.author}` : ''} in ${steps}. ${s.title}`;
  } else if (s.result?.kind === 'candidates') {
    title = `Bisect narrowed to ${s.result.commits.length} commits: ${s.title}`;
    description = `git bisect ${range}: only skipped commits left to test; the first ${s.termNew} commit is one of ${s.result.commits
      .map((c) => c.sha.slice(0, 12))
      .join(', ')}.`;
  } else if (s.result?.kind === 'undecided') {
    title = `Bisect undecided: ${s.title}`;
    description = `git bisect ${range}: no single commit reached ${s.result.confidence} within the run budget, ${steps}.`;
  } else if (s.result?.kind === 'noCulprit') {
    title = `No culprit in the range: ${s.title}`;
    description = `git bisect ${range}: the failures look like flakes, ${steps}.`;
  } else if (s.status === 'running' || s.status === 'paused') {
    title = `Bisect in progress: ${s.title}`;
    description = `git bisect ${range}, ${steps} so far. Watch it live.`;
  } else {
    title = `Bisect ${s.status}: ${s.title}`;
    description = `git bisect ${range}, ${steps}.${s.error ? ` ${s.error}` : ''}`;
  }
  return {
    title,
    description,
    robots: { index: false, follow: false },
    referrer: 'no-referrer',
    openGraph: { title, description, type: 'article', siteName: 'Bisect Dashboard' },
    twitter: { card: 'summary', title, description },
  };
}
