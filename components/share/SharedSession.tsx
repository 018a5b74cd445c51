'use client';
import { SessionView } from '@/components/session/SessionView';
import { SessionReadOnlyContext } from '@/components/session/mode';
import './share.css';

/** What `/s/<token>` renders: a banner with the plain documents, then the read-only session. */
export function SharedSession({ token }: { token: string }) {
  return (
    <SessionReadOnlyContext.Provider value={true}>
      <div className="shared-banner" data-testid="shared-banner">
        <span>Shared read-only view of a bisect.</span>
        <a className="btn btn-small" href={`/s/${token}/bisect.log`}>
          bisect.log
        </a>
        <a className="btn btn-small" href={`/s/${token}/export.json`} download>
          JSON export
        </a>
        <span className="muted">
          Replay it: <code>curl -s URL/bisect.log &gt; l &amp;&amp; git bisect replay l</code>
        </span>
      </div>
      <SessionView source={{ kind: 'share', token }} readOnly />
    </SessionReadOnlyContext.Provider>
  );
}
