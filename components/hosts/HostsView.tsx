'use client';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTRPC } from '@/lib/trpc';
import { HostForm } from './HostForm';
import { HostTestResult } from './HostTestResult';
import type { HostTestView, HostView } from './types';

/** The Hosts page: every host, add/edit/remove, and "Test connection" with the host key flow. */
export function HostsView() {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const list = useQuery(trpc.hosts.list.queryOptions());
  const [editing, setEditing] = useState<string | 'new' | null>(null);
  const refresh = () => qc.invalidateQueries({ queryKey: trpc.hosts.list.queryKey() });

  if (list.isPending) return <p>Loading…</p>;
  if (list.error) return <p className="error-text">{list.error.message}</p>;
  const hosts = list.data;
  const editedHost = hosts.find((h) => h.id === editing);

  return (
    <>
      <div className="page-title-row">
        <h1>Hosts</h1>
        {editing === null && (
          <button type="button" className="btn btn-primary" onClick={() => setEditing('new')}>
            Add host
          </button>
        )}
      </div>
      <p className="muted">
        Machines phases run on (<code>&quot;on&quot;: &quot;name&quot;</code> in a recipe). Host keys are checked before logging in, against
        ~/.ssh/known_hosts and the keys accepted here.
      </p>
      {editing !== null && (
        <HostForm
          key={editing}
          {...(editedHost ? { host: editedHost } : {})}
          others={hosts.filter((h) => h.id !== editing).map((h) => h.name)}
          onDone={() => {
            setEditing(null);
            void refresh();
          }}
        />
      )}
      {hosts.length === 0 ? (
        <p className="muted">No hosts yet: phases run locally until you add one.</p>
      ) : (
        <table className="table hosts-table" data-testid="hosts-table">
          <thead>
            <tr>
              <th>Name</th>
              <th>Connects to</th>
              <th>Authentication</th>
              <th>Host key</th>
              <th>Power cycle</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {hosts.map((h) => (
              <HostRow key={h.id} host={h} onEdit={() => setEditing(h.id)} onChanged={refresh} />
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

function HostRow({ host, onEdit, onChanged }: { host: HostView; onEdit: () => void; onChanged: () => Promise<void> }) {
  const trpc = useTRPC();
  const [result, setResult] = useState<HostTestView | null>(null);
  const [confirmRemove, setConfirmRemove] = useState(false);
  const test = useMutation(
    trpc.hosts.test.mutationOptions({
      onSuccess: (r) => {
        setResult(r);
        if (r.pinned) void onChanged();
      },
    }),
  );
  const remove = useMutation(trpc.hosts.remove.mutationOptions({ onSuccess: () => void onChanged() }));
  const retest = () => {
    void onChanged();
    test.mutate({ id: host.id });
  };
  const target = `${host.user ? `${host.user}@` : ''}${host.address}${host.port ? `:${host.port}` : ''}`;
  return (
    <>
      <tr data-testid="host-row" data-host={host.name}>
        <td>
          <strong>{host.name}</strong>
        </td>
        <td>
          <code>{target}</code>
        </td>
        <td>
          {[host.useAgent && 'ssh-agent', host.identityFile && `key ${host.identityFile}`, host.hasPassphrase && 'passphrase stored']
            .filter(Boolean)
            .join(' · ') || <span className="muted">ssh config / default keys</span>}
        </td>
        <td>
          <span className="badge">{host.hostKeyPolicy}</span>{' '}
          {host.pinnedKeys.map((k) => (
            <code key={`${k.host}:${k.port}:${k.fingerprint}`} className="pinned-key" title={`${k.keyType} pinned for ${k.host}:${k.port}`}>
              {k.fingerprint}
            </code>
          ))}
        </td>
        <td>{host.powerCycle ? <code>{`${host.powerCycle.on}: ${host.powerCycle.run}`}</code> : <span className="muted">none</span>}</td>
        <td className="host-actions">
          <button type="button" className="btn btn-small" disabled={test.isPending} onClick={() => test.mutate({ id: host.id })}>
            {test.isPending ? 'Testing…' : 'Test connection'}
          </button>{' '}
          <button type="button" className="btn btn-small" onClick={onEdit}>
            Edit
          </button>{' '}
          {confirmRemove ? (
            <button type="button" className="btn btn-small btn-danger" disabled={remove.isPending} onClick={() => remove.mutate({ id: host.id })}>
              Really remove {host.name}?
            </button>
          ) : (
            <button type="button" className="btn btn-small btn-danger" onClick={() => setConfirmRemove(true)}>
              Remove
            </button>
          )}
        </td>
      </tr>
      {(result || test.error || remove.error) && (
        <tr className="host-detail-row">
          <td colSpan={6}>
            {result && <HostTestResult host={host} result={result} onAccepted={retest} onForgot={retest} />}
            {test.error && <p className="error-text">{test.error.message}</p>}
            {remove.error && <p className="error-text">{remove.error.message}</p>}
          </td>
        </tr>
      )}
    </>
  );
}
