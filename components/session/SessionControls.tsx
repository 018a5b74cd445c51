'use client';
import { useMutation } from '@tanstack/react-query';
import { useTRPC } from '@/lib/trpc';
import { useSessionReadOnly } from './mode';
import type { SessionDetailView } from './types';
import { useRefreshSession } from './use-session-mutation';

/**
 * Pause, resume, cancel, retry the current step, and give the current step a
 * verdict by hand. Renders nothing for finished sessions and read-only pages.
 */
export function SessionControls({ detail }: { detail: SessionDetailView }) {
  const readOnly = useSessionReadOnly();
  const trpc = useTRPC();
  const s = detail.session;
  const refresh = useRefreshSession(s.id);
  const opts = { onSettled: refresh };
  const pause = useMutation(trpc.sessions.pause.mutationOptions(opts));
  const resume = useMutation(trpc.sessions.resume.mutationOptions(opts));
  const cancel = useMutation(trpc.sessions.cancel.mutationOptions(opts));
  const retry = useMutation(trpc.sessions.retry.mutationOptions(opts));
  const mark = useMutation(trpc.sessions.markStep.mutationOptions(opts));
  if (readOnly || (s.status !== 'running' && s.status !== 'paused')) return null;
  const last = detail.steps.at(-1);
  const markable = last && !last.superseded && last.verdict === null && last.state !== 'done';
  const busy = [pause, resume, cancel, retry, mark].some((m) => m.isPending);
  const error = [pause, resume, cancel, retry, mark].find((m) => m.error)?.error;
  return (
    <div className="session-controls" role="toolbar" aria-label="session controls">
      {s.status === 'running' ? (
        <button type="button" className="btn" disabled={busy} onClick={() => pause.mutate({ id: s.id })} title="Finish the current step, then wait">
          {pause.isSuccess && pause.data.paused ? 'Pausing after this step…' : 'Pause'}
        </button>
      ) : (
        <button type="button" className="btn btn-primary" disabled={busy} onClick={() => resume.mutate({ id: s.id })}>
          Resume
        </button>
      )}
      {last && (
        <button type="button" className="btn" disabled={busy} onClick={() => retry.mutate({ id: s.id })} title="Kill the current step and test its commit again">
          Retry step
        </button>
      )}
      {markable && (
        <span className="mark-step" aria-label={`mark step ${last.step} by hand`}>
          Mark step {last.step}:
          <button type="button" className="btn btn-small badge-good" disabled={busy} onClick={() => mark.mutate({ id: s.id, verdict: 'good' })}>
            {s.termOld}
          </button>
          <button type="button" className="btn btn-small badge-bad" disabled={busy} onClick={() => mark.mutate({ id: s.id, verdict: 'bad' })}>
            {s.termNew}
          </button>
          <button type="button" className="btn btn-small badge-skip" disabled={busy} onClick={() => mark.mutate({ id: s.id, verdict: 'skip' })}>
            skip
          </button>
        </span>
      )}
      <button type="button" className="btn btn-danger" disabled={busy} onClick={() => cancel.mutate({ id: s.id })}>
        {cancel.isPending ? 'Cancelling…' : 'Cancel'}
      </button>
      {error && (
        <span className="error-text" role="alert">
          {error.message}
        </span>
      )}
    </div>
  );
}
