'use client';
import { useQuery } from '@tanstack/react-query';
import { CopyButton } from '@/components/ui/CopyButton';
import { useTRPC } from '@/lib/trpc';

/** The plain-text regression report for upstream mail, with a Copy button. */
export function ReportPanel({ sessionId, shareUrl, finished }: { sessionId: string; shareUrl: string | null; finished: boolean }) {
  const trpc = useTRPC();
  const report = useQuery(trpc.sessions.report.queryOptions(shareUrl ? { id: sessionId, shareUrl } : { id: sessionId }));
  return (
    <section className="panel" role="dialog" aria-label="Upstream report" data-testid="report-panel">
      <div className="panel-title-row">
        <h2>Report upstream</h2>
        {report.data && <CopyButton text={report.data.text} label="Copy report" />}
      </div>
      <p className="muted">
        Plain text for a mail to the maintainers (and regzbot). Check the first line and the environment before sending.
        {!finished && ' The bisect is still running: the report will name the culprit once it is found.'}
        {!shareUrl && ' Create a share link first to include it.'}
      </p>
      {report.isPending ? (
        <p>Writing the report…</p>
      ) : report.error ? (
        <p className="error-text">{report.error.message}</p>
      ) : (
        <pre className="report-text" data-testid="report-text">
          {report.data.text}
        </pre>
      )}
    </section>
  );
}
