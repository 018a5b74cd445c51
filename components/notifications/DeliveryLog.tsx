'use client';
import { useQuery } from '@tanstack/react-query';
import { useTRPC } from '@/lib/trpc';
import { DataTable } from '@/components/ui/DataTable';
import { QueryList } from '@/components/ui/QueryList';

/** A webhook's latest deliveries with every attempt's response code or error; refreshed while any is pending. */
export function DeliveryLog({ webhookId }: { webhookId: string }) {
  const trpc = useTRPC();
  const log = useQuery({
    ...trpc.webhooks.deliveries.queryOptions({ id: webhookId }),
    refetchInterval: (q) => (q.state.data?.some((d) => d.status === 'pending') ? 1000 : 10_000),
  });
  return (
    <QueryList query={log} empty="Nothing sent yet.">
      {(deliveries) => (
        <DataTable className="delivery-log" testId="delivery-log" columns={['Queued', 'Event', 'Status', 'Attempts']}>
          {deliveries.map((d) => (
            <tr key={d.id} data-testid="delivery-row" data-status={d.status}>
              <td>{new Date(d.createdAt).toLocaleString()}</td>
              <td>
                {d.event}
                {d.sessionId && (
                  <>
                    {' '}
                    <a href={`/sessions/${d.sessionId}`}>session</a>
                  </>
                )}
              </td>
              <td>{d.status === 'pending' ? `pending (next try ${new Date(d.nextAttemptAt).toLocaleTimeString()})` : d.status}</td>
              <td>
                {d.attemptLog.map((a) => (
                  <div key={a.attempt} data-testid="delivery-attempt">
                    #{a.attempt} <code>{a.statusCode ?? '—'}</code> {a.error && <span className="error-text">{a.error}</span>}{' '}
                    {a.responseExcerpt && <span className="muted">{a.responseExcerpt.slice(0, 120)}</span>} <span className="muted">{a.ms} ms</span>
                  </div>
                ))}
              </td>
            </tr>
          ))}
        </DataTable>
      )}
    </QueryList>
  );
}
