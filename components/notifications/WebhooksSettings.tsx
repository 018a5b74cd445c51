'use client';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { CopyButton } from '@/components/ui/CopyButton';
import { useTRPC } from '@/lib/trpc';
import { WebhookForm, EMPTY_DRAFT } from './WebhookForm';
import { WebhookRow } from './WebhookRow';

/** Settings → Notifications: the signed-in user's webhooks (add, edit, delete, test, delivery log). */
export function WebhooksSettings() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const list = useQuery(trpc.webhooks.list.queryOptions());
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.webhooks.list.queryKey() });
  const create = useMutation(trpc.webhooks.create.mutationOptions({ onSuccess: refresh }));
  const [formKey, setFormKey] = useState(0);
  return (
    <>
      <section className="panel">
        <h2>Add a webhook</h2>
        <WebhookForm
          key={formKey}
          initial={EMPTY_DRAFT}
          editing={false}
          pending={create.isPending}
          error={create.error?.message}
          onSubmit={(d) => create.mutate({ ...d, secret: d.secret || undefined }, { onSuccess: () => setFormKey((k) => k + 1) })}
        />
        {create.data && (
          <p role="status" data-testid="new-webhook-secret">
            Secret of {create.data.webhook.name} (shown once): <code>{create.data.secret}</code> <CopyButton text={create.data.secret} /> — receivers check{' '}
            <code>X-Bisect-Signature: sha256=HMAC-SHA256(secret, body)</code>
          </p>
        )}
      </section>
      {list.error && <p className="error-text">{list.error.message}</p>}
      {list.data?.length === 0 && <p className="muted">No webhooks yet.</p>}
      {list.data?.map((w) => <WebhookRow key={w.id} webhook={w} onChange={refresh} />)}
    </>
  );
}
