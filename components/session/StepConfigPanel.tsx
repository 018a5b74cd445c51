'use client';
import { skipToken, useQuery } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { useTRPC } from '@/lib/trpc';

interface Props {
  sessionId: string;
  step: number;
  /** Refetch the list when the step's phases change (a kconfig phase just finished). */
  version: string;
}

/**
 * The .config a kconfig phase stored with this step: size, download, the text,
 * and its diff against another step's (as scripts/diffconfig prints it).
 */
export function StepConfigPanel({ sessionId, step, version }: Props) {
  const trpc = useTRPC();
  const list = useQuery(trpc.sessions.stepConfigs.queryOptions({ id: sessionId }));
  const { refetch } = list;
  useEffect(() => void refetch(), [version, refetch]);
  const [show, setShow] = useState(false);
  const [against, setAgainst] = useState<number | null>(null);
  const mine = list.data?.find((c) => c.step === step);
  const others = (list.data ?? []).filter((c) => c.step !== step);
  const text = useQuery(trpc.sessions.stepConfig.queryOptions(show && mine ? { id: sessionId, step, phase: mine.phase } : skipToken));
  const diff = useQuery(trpc.sessions.configDiff.queryOptions(against !== null && mine ? { id: sessionId, step, against } : skipToken));
  if (!mine) return null;
  const kb = mine.bytes >= 1024 ? `${Math.round(mine.bytes / 1024)} KB` : `${mine.bytes} bytes`;
  return (
    <div className="step-config" data-testid="step-config">
      <div className="log-toolbar">
        <span>
          Kernel config ({mine.name}): .config, {kb}
          {mine.truncated && ' (stored cut to 2 MiB)'}
        </span>
        <a className="btn btn-small" href={`/api/sessions/${sessionId}/config?step=${step}&phase=${mine.phase}`} download data-testid="config-download">
          Download .config
        </a>
        <button type="button" className="btn btn-small" onClick={() => setShow((v) => !v)} aria-expanded={show}>
          {show ? 'Hide' : 'Show'} .config
        </button>
        {others.length > 0 && (
          <label>
            Diff against{' '}
            <select
              data-testid="config-diff-against"
              value={against ?? ''}
              onChange={(e) => setAgainst(e.target.value === '' ? null : Number(e.target.value))}
            >
              <option value="">(pick a step)</option>
              {others.map((c) => (
                <option key={`${c.step}/${c.phase}`} value={c.step}>
                  step {c.step}
                </option>
              ))}
            </select>
          </label>
        )}
      </div>
      {show && <pre className="config-text" data-testid="config-text">{text.data?.text ?? (text.error ? text.error.message : 'loading…')}</pre>}
      {against !== null && (
        <pre className="config-diff" data-testid="config-diff">
          {diff.error
            ? diff.error.message
            : !diff.data
              ? 'loading…'
              : diff.data.text
                ? `step ${diff.data.from} → step ${diff.data.to}\n${diff.data.text}`
                : `the .configs of steps ${diff.data.from} and ${diff.data.to} are the same`}
        </pre>
      )}
    </div>
  );
}
