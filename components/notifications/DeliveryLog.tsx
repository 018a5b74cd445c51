'use client';
import { useQuery } from '@tanstack/react-query';
import { useTRPC } from '@/lib/trpc';

/** A webhook's latest deliveries with every attempt's response code or error; refreshed while any is pending. */
export function DeliveryLog({ webhookId }: { webhookId: string }) {
  const trpc = useTRPC();
  const log = useQuery({
    ...trpc.webhooks.deliveries.queryOptions({ id: webhookId }),
    refetchInterval: (q) => (q.state.data?.some((d) => d.status === 'pending') ? 1000 : 10_000),
  });
  if (log.isPending) return <p>Loading…</p>;
  if (log.error) return <p className="error-text">{log.error.message}</p>;
  if (log.data.length === 0) return <p className="muted">Nothing sent yet.</p>;
  return (
    <table className="table delivery-log" data-testid="delivery-log">
      <thead>
        <tr>
          <th>Queued</th>
          <th>Event</th>
          <th>Status</th>
          <th>Attempts</th>
        </tr>
      </thead>
      <tbody>
        {log.data.map((d) => (
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
      </tbody>
    </table>
  );
}
