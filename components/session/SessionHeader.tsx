'use client';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useTRPC } from '@/lib/trpc';
import { shortSha } from '@/lib/format';
import { StatusBadge } from '@/components/ui/StatusBadge';
import type { SessionDetailView } from './types';

/** Title, status, what is being bisected, and the cancel control (none when `readOnly`: share links). */
export function SessionHeader({ detail, readOnly = false }: { detail: SessionDetailView; readOnly?: boolean }) {
  const { session: s } = detail;
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const cancel = useMutation(
    trpc.sessions.cancel.mutationOptions({
      onSettled: () => queryClient.invalidateQueries({ queryKey: trpc.sessions.byId.queryKey({ id: s.id }) }),
    }),
  );
  return (
    <header className="session-header">
      <div className="session-title-row">
        <h1 data-testid="session-title">{s.title}</h1>
        <StatusBadge status={s.status} />
        {s.status === 'running' && !readOnly && (
          <button type="button" className="btn btn-danger" disabled={cancel.isPending} onClick={() => cancel.mutate({ id: s.id })}>
            {cancel.isPending ? 'Cancelling…' : 'Cancel'}
          </button>
        )}
      </div>
      <dl className="session-facts">
        <dt>Repository</dt>
        <dd>
          <code>{s.repoPath}</code>
        </dd>
        <dt>{s.termNew}</dt>
        <dd>
          <code>{s.bad}</code> <span className="muted">{shortSha(s.badSha)}</span>
        </dd>
        <dt>{s.termOld}</dt>
        <dd>
          {s.good.map((g, i) => (
            <span key={g} className="ref">
              <code>{g}</code> <span className="muted">{shortSha(s.goodShas[i])}</span>
            </span>
          ))}
        </dd>
        {s.firstParent && (
          <>
            <dt>Options</dt>
            <dd>--first-parent</dd>
          </>
        )}
        {s.paths.length > 0 && (
          <>
            <dt>Paths</dt>
            <dd>
              <code>{s.paths.join(' ')}</code>
            </dd>
          </>
        )}
      </dl>
      {s.error && (
        <p className="error-text" role="alert" data-testid="session-error">
          {s.error}
        </p>
      )}
      {cancel.error && <p className="error-text">{cancel.error.message}</p>}
    </header>
  );
}
