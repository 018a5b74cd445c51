'use client';
import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import type { WebhookEvent, WebhookFormat } from '@/db/schema';
import { useTRPC } from '@/lib/trpc';
import { DeliveryLog } from './DeliveryLog';
import { WebhookForm } from './WebhookForm';

interface WebhookView {
  id: string;
  name: string;
  url: string;
  events: WebhookEvent[];
  format: WebhookFormat;
  shareLink: boolean;
  enabled: boolean;
}

/** One webhook: what it sends where, its controls, and (opened) its delivery log. */
export function WebhookRow({ webhook: w, onChange }: { webhook: WebhookView; onChange: () => void }) {
  const trpc = useTRPC();
  const [editing, setEditing] = useState(false);
  const [showLog, setShowLog] = useState(false);
  const update = useMutation(trpc.webhooks.update.mutationOptions({ onSuccess: onChange }));
  const remove = useMutation(trpc.webhooks.delete.mutationOptions({ onSuccess: onChange }));
  const test = useMutation(trpc.webhooks.test.mutationOptions({ onSuccess: () => setShowLog(true) }));
  return (
    <section className="panel" data-testid="webhook-row">
      <div className="panel-title-row">
        <h3>
          {w.name} <span className="muted">({w.format})</span> {!w.enabled && <span className="muted">disabled</span>}
        </h3>
        <span>
          <button type="button" className="btn btn-small" onClick={() => test.mutate({ id: w.id })} disabled={test.isPending}>
            Send test
          </button>{' '}
          <button type="button" className="btn btn-small" onClick={() => setShowLog(!showLog)}>
            {showLog ? 'Hide deliveries' : 'Deliveries'}
          </button>{' '}
          <button type="button" className="btn btn-small" onClick={() => setEditing(!editing)}>
            Edit
          </button>{' '}
          <button type="button" className="btn btn-small" onClick={() => update.mutate({ id: w.id, enabled: !w.enabled })}>
            {w.enabled ? 'Disable' : 'Enable'}
          </button>{' '}
          <button type="button" className="btn btn-small btn-danger" onClick={() => confirm(`Delete webhook ${w.name}?`) && remove.mutate({ id: w.id })}>
            Delete
          </button>
        </span>
      </div>
      <p>
        <code className="webhook-url">{w.url}</code> <span className="muted">on {w.events.join(', ')}</span>
        {w.shareLink && <span className="muted">, with a share link</span>}
      </p>
      {(test.error ?? remove.error) && <p className="error-text">{(test.error ?? remove.error)?.message}</p>}
      {editing && (
        <WebhookForm
          initial={{ name: w.name, url: w.url, events: w.events, format: w.format, secret: '', shareLink: w.shareLink }}
          editing
          pending={update.isPending}
          error={update.error?.message}
          onCancel={() => setEditing(false)}
          onSubmit={(d) => update.mutate({ id: w.id, ...d, secret: d.secret || undefined }, { onSuccess: () => setEditing(false) })}
        />
      )}
      {showLog && <DeliveryLog webhookId={w.id} />}
    </section>
  );
}
