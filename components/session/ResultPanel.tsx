import { shortSha } from '@/lib/format';
import type { SessionDetailView } from './types';

/** The first bad commit, or git's candidates when skipped commits hide it. */
export function ResultPanel({ detail }: { detail: SessionDetailView }) {
  const { result, termNew } = detail.session;
  if (!result) return null;
  if (result.kind === 'candidates') {
    return (
      <section className="panel result" data-testid="result-candidates">
        <h2>Only skipped commits left to test</h2>
        <p>The first {termNew} commit could be any of:</p>
        <ul>
          {result.commits.map((c) => (
            <li key={c.sha}>
              <code>{shortSha(c.sha)}</code> {c.subject} {c.author && <span className="muted">— {c.author}</span>}
            </li>
          ))}
        </ul>
      </section>
    );
  }
  const c = result.commit;
  return (
    <section className="panel result" data-testid="result-culprit">
      <h2>
        First {termNew} commit: <code data-testid="culprit-sha">{c.sha}</code>
      </h2>
      <p className="culprit-subject" data-testid="culprit-subject">
        {c.subject}
      </p>
      {c.author && (
        <p className="muted">
          {c.author} &lt;{c.authorEmail}&gt; · {new Date(c.date).toLocaleString()}
        </p>
      )}
      {c.message && c.message !== c.subject && <pre className="commit-message">{c.message}</pre>}
      {c.diffstat && <pre className="diffstat">{c.diffstat}</pre>}
    </section>
  );
}
