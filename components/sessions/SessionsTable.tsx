'use client';
import { useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { SessionsNotifier } from '@/components/notifications/SessionNotifier';
import { StatusBadge } from '@/components/ui/StatusBadge';
import { shortSha } from '@/lib/format';
import { useTRPC } from '@/lib/trpc';
import { DataTable } from '@/components/ui/DataTable';
import { QueryList } from '@/components/ui/QueryList';

/** Every session, running and finished, newest first; refreshed while any runs. */
export function SessionsTable() {
  const trpc = useTRPC();
  const list = useQuery({
    ...trpc.sessions.list.queryOptions(),
    refetchInterval: (q) => (q.state.data?.some((s) => s.status === 'running') ? 2000 : 10_000),
  });
  return (
    <QueryList query={list} empty="No bisects yet. Start one, or try the demo.">
      {(sessions) => (
        <>
          <SessionsNotifier sessions={sessions} />
          <DataTable testId="sessions-table" columns={['Session', 'Status', 'Range', 'Result', 'Started']}>
            {sessions.map((s) => (
              <tr key={s.id} data-testid="session-row">
                <td>
                  <Link href={`/sessions/${s.id}`}>{s.title}</Link>
                </td>
                <td>
                  <StatusBadge status={s.status} />
                </td>
                <td>
                  <code>{s.good.join(' ')}</code>..<code>{s.bad}</code>
                </td>
                <td>
                  {s.result?.kind === 'culprit' && (
                    <>
                      <code>{shortSha(s.result.commit.sha)}</code> {s.result.commit.subject}
                      {s.result.probability !== undefined && (
                        <span className="muted" data-testid="session-confidence">
                          {' '}
                          ({(s.result.probability * 100).toFixed(1)}% sure)
                        </span>
                      )}
                    </>
                  )}
                  {s.result?.kind === 'candidates' && <>{s.result.commits.length} candidates</>}
                  {s.result?.kind === 'undecided' && <>undecided: {s.result.commits.length} candidates below {(s.result.confidence * 100).toFixed(0)}%</>}
                  {s.result?.kind === 'noCulprit' && <>no culprit: the range only flakes</>}
                  {s.status === 'running' && s.stepsLeft !== null && <>roughly {s.stepsLeft} steps left</>}
                  {s.status === 'failed' && <span className="error-text">{s.error}</span>}
                </td>
                <td>{new Date(s.createdAt).toLocaleString()}</td>
              </tr>
            ))}
          </DataTable>
        </>
      )}
    </QueryList>
  );
}
