'use client';
import Link from 'next/link';
import { shortSha } from '@/lib/format';
import type { SessionDetailView } from './types';

type ChainLink = SessionDetailView['children'][number];

/**
 * The linked bisects (guest side → host side): the session this one continues,
 * those continuing it, and, on a finished session with a culprit, the way to
 * start the other side's bisect from it.
 */
export function SessionChain({ detail, readOnly }: { detail: SessionDetailView; readOnly: boolean }) {
  const { parent, children, session: s } = detail;
  const canContinue = !readOnly && s.status === 'done' && s.result?.kind === 'culprit';
  if (!parent && children.length === 0 && !canContinue) return null;
  return (
    <section className="panel session-chain" aria-label="linked bisects" data-testid="session-chain">
      {parent && (
        <p>
          Continues <ChainItem link={parent} readOnly={readOnly} />
        </p>
      )}
      {children.length > 0 && (
        <div>
          Continued by:
          <ul>
            {children.map((c) => (
              <li key={c.id}>
                <ChainItem link={c} readOnly={readOnly} />
              </li>
            ))}
          </ul>
        </div>
      )}
      {canContinue && (
        <Link className="btn" href={`/new?parent=${s.id}`} data-testid="bisect-other-side">
          Bisect the other side…
        </Link>
      )}
    </section>
  );
}

function ChainItem({ link, readOnly }: { link: ChainLink; readOnly: boolean }) {
  const label = (
    <>
      {link.title} <span className="muted">({link.status})</span>
      {link.culprit && (
        <>
          {' '}
          — first bad <code>{shortSha(link.culprit.sha)}</code> {link.culprit.subject}
        </>
      )}
    </>
  );
  // A share link must not lead to the owner's pages of other sessions.
  return readOnly ? <span>{label}</span> : <Link href={`/sessions/${link.id}`}>{label}</Link>;
}
