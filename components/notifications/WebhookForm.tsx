'use client';
import { useState, type FormEvent } from 'react';
import type { WebhookEvent, WebhookFormat } from '@/db/schema';
import './notifications.css';
import { SubmitButton } from '@/components/ui/SubmitButton';

export interface WebhookDraft {
  name: string;
  url: string;
  events: WebhookEvent[];
  format: WebhookFormat;
  secret: string;
  shareLink: boolean;
}

const EVENTS: Array<[WebhookEvent, string]> = [
  ['done', 'finished'],
  ['failed', 'failed'],
  ['paused', 'paused on an infrastructure error'],
  ['cancelled', 'cancelled'],
];
const FORMATS: Array<[WebhookFormat, string]> = [
  ['json', 'JSON (signed body for your own receiver)'],
  ['slack', 'Slack incoming webhook'],
  ['matrix', 'Matrix (m.text message)'],
];

export const EMPTY_DRAFT: WebhookDraft = { name: '', url: '', events: ['done', 'failed', 'paused'], format: 'json', secret: '', shareLink: false };

/**
 * Create or edit a webhook. The secret field is write-only: left empty on
 * create, one is made (shown once); left empty on edit, the stored one stays.
 */
export function WebhookForm(props: { initial: WebhookDraft; editing: boolean; pending: boolean; error?: string | undefined; onSubmit: (d: WebhookDraft) => void; onCancel?: () => void }) {
  const [d, setD] = useState(props.initial);
  const set = (patch: Partial<WebhookDraft>) => setD({ ...d, ...patch });
  const toggle = (e: WebhookEvent, on: boolean) => set({ events: on ? [...d.events, e] : d.events.filter((x) => x !== e) });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    props.onSubmit(d);
  };
  return (
    <form className="form webhook-form" onSubmit={submit} aria-label={props.editing ? 'edit webhook' : 'new webhook'}>
      <div className="form-row">
        <label>
          URL
          <input type="url" value={d.url} onChange={(e) => set({ url: e.target.value })} placeholder="https://hooks.slack.com/services/…" required />
        </label>
        <label>
          Name
          <input value={d.name} onChange={(e) => set({ name: e.target.value })} placeholder="lab channel" />
        </label>
        <label>
          Format
          <select value={d.format} onChange={(e) => set({ format: e.target.value as WebhookFormat })}>
            {FORMATS.map(([v, label]) => (
              <option key={v} value={v}>
                {label}
              </option>
            ))}
          </select>
        </label>
      </div>
      <fieldset className="webhook-events">
        <legend>When a session</legend>
        {EVENTS.map(([e, label]) => (
          <label key={e} className="checkbox">
            <input type="checkbox" checked={d.events.includes(e)} onChange={(x) => toggle(e, x.target.checked)} /> {label}
          </label>
        ))}
      </fieldset>
      <div className="form-row">
        <label>
          Secret {props.editing ? '(leave empty to keep it)' : '(leave empty to have one made)'}
          <input type="password" autoComplete="new-password" value={d.secret} onChange={(e) => set({ secret: e.target.value })} minLength={16} />
        </label>
        <label className="checkbox">
          <input type="checkbox" checked={d.shareLink} onChange={(e) => set({ shareLink: e.target.checked })} /> Include a read-only share link (hosts hidden)
        </label>
      </div>
      {props.error && <p className="error-text" role="alert">{props.error}</p>}
      <div className="form-row">
        <SubmitButton pending={props.pending} disabled={d.events.length === 0}>
          {props.editing ? 'Save' : 'Add webhook'}
        </SubmitButton>
        {props.onCancel && (
          <button type="button" className="btn" onClick={props.onCancel}>
            Cancel
          </button>
        )}
      </div>
    </form>
  );
}
