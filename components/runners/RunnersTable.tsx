'use client';
import { useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { useTRPC } from '@/lib/trpc';
import { formatDuration } from '@/lib/format';
import { DataTable } from '@/components/ui/DataTable';
import { QueryList } from '@/components/ui/QueryList';

/** Every runner with its last heartbeat, what it runs and its slots in use; refreshed every few seconds. */
export function RunnersTable() {
  const trpc = useTRPC();
  const runners = useQuery({ ...trpc.runners.list.queryOptions(), refetchInterval: 3000 });
  return (
    <QueryList query={runners} empty="No runner has started yet." alert>
      {(items) => (
        <DataTable testId="runners" columns={['runner', 'state', 'last heartbeat', 'serves', 'sessions', 'slots in use']}>
          {items.map((r) => (
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
        </DataTable>
      )}
    </QueryList>
  );
}
