'use client';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { CopyButton } from '@/components/ui/CopyButton';
import { useTRPC } from '@/lib/trpc';
import { SubmitButton } from '@/components/ui/SubmitButton';

/** API tokens for scripts: create (shown once), list, revoke. */
export function ApiTokens() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const list = useQuery(trpc.auth.tokens.list.queryOptions());
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.auth.tokens.list.queryKey() });
  const [name, setName] = useState('');
  const create = useMutation(trpc.auth.tokens.create.mutationOptions({ onSuccess: refresh }));
  const revoke = useMutation(trpc.auth.tokens.revoke.mutationOptions({ onSuccess: refresh }));
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate({ name });
  };
  return (
    <section className="panel">
      <form className="form-row" onSubmit={submit} aria-label="new API token">
        <label>
          Token name
          <input value={name} onChange={(e) => setName(e.target.value)} placeholder="nightly CI" required />
        </label>
        <SubmitButton pending={create.isPending}>Create token</SubmitButton>
      </form>
      {create.data && (
        <p role="status" data-testid="new-token">
          New token (shown once): <code>{create.data.token}</code> <CopyButton text={create.data.token} /> — send it as{' '}
          <code>Authorization: Bearer …</code>
        </p>
      )}
      {create.error && <p className="error-text">{create.error.message}</p>}
      <table className="table">
        <thead>
          <tr>
            <th>Name</th>
            <th>Token</th>
            <th>Created</th>
            <th>Last used</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {list.data?.map((t) => (
            <tr key={t.id} data-testid="token-row">
              <td>{t.name}</td>
              <td>
                <code>{t.prefix}…</code>
              </td>
              <td>{new Date(t.createdAt).toLocaleString()}</td>
              <td>{t.lastUsedAt ? new Date(t.lastUsedAt).toLocaleString() : 'never'}</td>
              <td>
                {t.revokedAt ? (
                  <span className="muted">revoked</span>
                ) : (
                  <button type="button" className="btn btn-small btn-danger" onClick={() => revoke.mutate({ id: t.id })}>
                    Revoke
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
