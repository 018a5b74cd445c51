'use client';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { CopyButton } from '@/components/ui/CopyButton';
import { useTRPC } from '@/lib/trpc';
import { DataTable } from '@/components/ui/DataTable';
import { QueryList } from '@/components/ui/QueryList';
import { SubmitButton } from '@/components/ui/SubmitButton';

const EXPIRY_CHOICES: Array<{ label: string; days: number | null }> = [
  { label: 'Never (until revoked)', days: null },
  { label: '1 day', days: 1 },
  { label: '7 days', days: 7 },
  { label: '30 days', days: 30 },
  { label: '90 days', days: 90 },
];

/**
 * Create, list and revoke read-only links to a session. A new link's URL is
 * shown once: the server keeps only a hash of its token.
 */
export function SharePanel({
  sessionId,
  onCreated,
  onRevoked,
}: {
  sessionId: string;
  onCreated?: (url: string, shareId: string) => void;
  onRevoked?: (shareId: string) => void;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const listKey = trpc.shares.list.queryKey({ sessionId });
  const list = useQuery(trpc.shares.list.queryOptions({ sessionId }));
  const [days, setDays] = useState<string>('');
  const [hideHosts, setHideHosts] = useState(false);
  const [created, setCreated] = useState<{ url: string; hint: string } | null>(null);
  const create = useMutation(
    trpc.shares.create.mutationOptions({
      onSuccess: (r) => {
        setCreated({ url: r.url, hint: r.share.tokenHint });
        onCreated?.(r.url, r.share.id);
        void queryClient.invalidateQueries({ queryKey: listKey });
      },
    }),
  );
  const revoke = useMutation(
    trpc.shares.revoke.mutationOptions({
      onSuccess: (_r, v) => {
        onRevoked?.(v.id);
        void queryClient.invalidateQueries({ queryKey: listKey });
      },
    }),
  );
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const d = days === '' ? null : Number(days);
    create.mutate({ sessionId, hideHosts, expiresAt: d === null ? null : new Date(Date.now() + d * 86_400_000) });
  };
  return (
    <section className="panel share-panel" role="dialog" aria-label="Share this session" data-testid="share-panel">
      <h2>Share a read-only link</h2>
      <p className="muted">
        Anyone with the link sees this page without its controls: timeline, steps, logs, culprit and bisect log. Host
        credentials and key paths are never shown.
      </p>
      <form className="form" onSubmit={submit}>
        <div className="form-row">
          <label>
            Expires
            <select value={days} onChange={(e) => setDays(e.target.value)}>
              {EXPIRY_CHOICES.map((c) => (
                <option key={c.label} value={c.days === null ? '' : String(c.days)}>
                  {c.label}
                </option>
              ))}
            </select>
          </label>
          <label className="checkbox">
            <input type="checkbox" checked={hideHosts} onChange={(e) => setHideHosts(e.target.checked)} /> Hide host names and addresses
          </label>
          <SubmitButton pending={create.isPending} busy="Creating…">
            Create link
          </SubmitButton>
        </div>
      </form>
      {create.error && (
        <p className="error-text" role="alert">
          {create.error.message}
        </p>
      )}
      {created && (
        <div data-testid="share-created">
          <div className="share-url-row">
            <input readOnly value={created.url} aria-label="Share URL" data-testid="share-url" onFocus={(e) => e.currentTarget.select()} />
            <CopyButton text={created.url} label="Copy link" />
            <a className="btn btn-small" href={created.url} target="_blank" rel="noreferrer">
              Open
            </a>
          </div>
          <p className="muted">Copy it now: it is shown only once (the server keeps a hash of it, not the link).</p>
        </div>
      )}
      <h3>Links to this session</h3>
      <QueryList query={list} empty="None yet.">
        {(shares) => (
          <DataTable className="share-list" testId="share-list" columns={['Link', 'Created', 'Expires', 'Hosts', 'State', '']}>
            {shares.map((s) => {
              const state = s.revokedAt ? 'revoked' : s.active ? 'active' : 'expired';
              return (
                <tr key={s.id} data-testid="share-row" data-state={state}>
                  <td>
                    <code>/s/{s.tokenHint}…</code>
                  </td>
                  <td>{new Date(s.createdAt).toLocaleString()}</td>
                  <td>{s.expiresAt ? new Date(s.expiresAt).toLocaleString() : 'never'}</td>
                  <td>{s.hideHosts ? 'hidden' : 'shown'}</td>
                  <td>{state}</td>
                  <td>
                    {state === 'active' && (
                      <button type="button" className="btn btn-small btn-danger" disabled={revoke.isPending} onClick={() => revoke.mutate({ id: s.id })}>
                        Revoke
                      </button>
                    )}
                  </td>
                </tr>
              );
            })}
          </DataTable>
        )}
      </QueryList>
      {revoke.error && <p className="error-text">{revoke.error.message}</p>}
    </section>
  );
}
