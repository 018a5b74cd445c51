'use client';
import { useMutation } from '@tanstack/react-query';
import { useTRPC } from '@/lib/trpc';
import { termFor } from '@/server/engine/bisect/terms';
import { useSessionReadOnly } from './mode';
import type { StepView } from './types';
import { useRefreshSession } from './use-session-mutation';

/**
 * "Change verdict" for a finished bisect step: later steps are superseded and
 * the bisect goes on from there (git bisect log + edit + replay).
 */
export function VerdictEditor({ sessionId, step, terms }: { sessionId: string; step: StepView; terms: { old: string; new: string } }) {
  const readOnly = useSessionReadOnly();
  const trpc = useTRPC();
  const refresh = useRefreshSession(sessionId);
  const undo = useMutation(trpc.sessions.undo.mutationOptions({ onSettled: refresh }));
  if (readOnly || !sessionId || step.kind !== 'bisect' || step.superseded || step.verdict === null) return null;
  const choices = (['good', 'bad', 'skip'] as const).filter((v) => v !== step.verdict);
  const label = (v: (typeof choices)[number]) => termFor(v, terms);
  return (
    <div className="verdict-editor" data-testid="verdict-editor">
      <span className="muted">Wrong verdict? Change to</span>
      {choices.map((v) => (
        <button
          key={v}
          type="button"
          className={`btn btn-small badge-${v}`}
          disabled={undo.isPending}
          onClick={() => undo.mutate({ id: sessionId, step: step.step, verdict: v })}
        >
          {label(v)}
        </button>
      ))}
      <span className="muted">— later steps are kept but no longer count.</span>
      {undo.error && (
        <span className="error-text" role="alert">
          {undo.error.message}
        </span>
      )}
    </div>
  );
}
