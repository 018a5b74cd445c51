'use client';
import { useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { useTRPC } from '@/lib/trpc';
import { formatDuration } from '@/lib/format';

/** Every runner with its last heartbeat, what it runs and its slots in use; refreshed every few seconds. */
export function RunnersTable() {
  const trpc = useTRPC();
  const runners = useQuery({ ...trpc.runners.list.queryOptions(), refetchInterval: 3000 });
  if (runners.isPending) return <p>Loading…</p>;
  if (runners.error) return <p className="error-text" role="alert">{runners.error.message}</p>;
  if (runners.data.length === 0) return <p className="muted">No runner has started yet.</p>;
  return (
    <table className="table" data-testid="runners">
      <thead>
        <tr>
          <th>runner</th>
          <th>state</th>
          <th>last heartbeat</th>
          <th>serves</th>
          <th>sessions</th>
          <th>slots in use</th>
        </tr>
      </thead>
      <tbody>
        {runners.data.map((r) => (
          <tr key={r.id} data-testid="runner-row" data-alive={r.alive}>
            <td>
              {r.name}
              {r.self && <span className="muted"> (this server)</span>}
            </td>
            <td>{r.stoppedAt ? 'stopped' : r.alive ? 'alive' : 'no heartbeat'}</td>
            <td>{formatDuration(Math.max(0, Date.now() - new Date(r.heartbeatAt).getTime()))} ago</td>
            <td>{r.tags.length > 0 ? r.tags.join(', ') : 'anything'}</td>
            <td>
              {r.sessions.map((s) => (
                <div key={s.id}>
                  <Link href={`/sessions/${s.id}`}>{s.title}</Link>
                </div>
              ))}
            </td>
            <td>{r.slotsInUse}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
