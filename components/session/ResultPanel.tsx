import { shortSha } from '@/lib/format';
import type { SessionDetailView } from './types';

const percent = (p: number) => `${(p * 100).toFixed(p >= 0.999 ? 2 : 1)}%`;

/** The first bad commit (with its probability in flaky mode), git's candidates, or why there is no single answer. */
export function ResultPanel({ detail }: { detail: SessionDetailView }) {
  const { result, termNew, termOld } = detail.session;
  if (!result) return null;
  if (result.kind === 'noCulprit') {
    return (
      <section className="panel result" data-testid="result-no-culprit">
        <h2>No {termNew} commit in the range</h2>
        <p>
          The runs fail no more often than {termOld} commits do (probability {percent(result.probability)}): the failures look like flakes,
          not a regression between these refs.
        </p>
      </section>
    );
  }
  if (result.kind === 'undecided') {
    return (
      <section className="panel result" data-testid="result-undecided">
        <h2>No single commit reaches {percent(result.confidence)} within the run budget</h2>
        <p>The likeliest first {termNew} commits:</p>
        <ul>
          {result.commits.map((c) => (
            <li key={c.sha}>
              <code>{shortSha(c.sha)}</code> {percent(c.probability)} — {c.subject}
            </li>
          ))}
        </ul>
      </section>
    );
  }
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
        {result.probability !== undefined && (
          <span className="culprit-probability" data-testid="culprit-probability">
            {' '}
            (probability {percent(result.probability)})
          </span>
        )}
      </h2>
      <p className="culprit-subject" data-testid="culprit-subject">
        {c.subject}
      </p>
      {c.author && (
        <p className="muted">
          {c.author} &lt;{c.authorEmail}&gt; · {new Date(c.date).toLocaleString()}
        </p>
      )}
      {result.verification && <VerificationLine v={result.verification} />}
      {c.message && c.message !== c.subject && <pre className="commit-message">{c.message}</pre>}
      {c.diffstat && <pre className="diffstat">{c.diffstat}</pre>}
    </section>
  );
}

type Verification = NonNullable<Extract<SessionDetailView['session']['result'] & object, { kind: 'culprit' }>['verification']>;

/** "verified: reverting it fixes the bad commit", or "not verified: why", with the runs behind it. */
function VerificationLine({ v }: { v: Verification }) {
  const run = (label: string, r: Verification['revert'] | Verification['parent']) =>
    r.outcome === 'notRun' ? null : (
      <li>
        {label} <code>{shortSha(r.sha)}</code>: {r.outcome}
        {r.step !== undefined && <> (step {r.step})</>} — {r.reason}
      </li>
    );
  return (
    <div className={v.verified ? 'verification verified' : 'verification not-verified'} data-testid="culprit-verification" data-verified={v.verified}>
      <p>
        <strong>{v.summary}</strong>
      </p>
      <ul className="muted">
        {run('bad commit with the culprit reverted', v.revert)}
        {run("culprit's parent", v.parent)}
      </ul>
    </div>
  );
}
