'use client';
import { skipToken, useQuery } from '@tanstack/react-query';
import { useMemo } from 'react';
import { CopyBarsChart } from '@/components/charts/CopyBarsChart';
import { SessionRatesChart } from '@/components/charts/SessionRatesChart';
import { ThroughputChart } from '@/components/charts/ThroughputChart';
import type { ChartCopy, SessionStepCopies } from '@/components/charts/transfer-data';
import { useTRPC } from '@/lib/trpc';
import type { TransferStore } from './transfer-store';
import type { PhaseView, SessionDetailView } from './types';

interface PhaseProps {
  /** The owner's session id; empty on share pages (they get samples from the event stream only). */
  sessionId: string;
  step: number;
  phase: PhaseView;
  transfers: TransferStore;
  /** Changes when the store got new samples (throttled): re-render trigger. */
  transferVersion: number;
}

/**
 * The graphs of one transfer phase: live throughput of the current copy over
 * the earlier ones, and the per-copy bars. Live data comes from the event
 * stream; a finished phase whose samples the page did not receive (opened
 * later, or trimmed from the bounded store) is filled from `sessions.samples`.
 */
export function TransferPhaseCharts({ sessionId, step, phase, transfers, transferVersion }: PhaseProps) {
  const trpc = useTRPC();
  void transferVersion;
  const live = transfers.get(step, phase.phase);
  const finished = phase.status !== 'running';
  const listed = phase.copies?.length ?? 0;
  const incomplete = !live || live.length < listed || live.some((c) => c.samples.length === 0);
  const stored = useQuery(
    trpc.sessions.samples.queryOptions(sessionId && finished && incomplete ? { id: sessionId, step, phase: phase.phase } : skipToken, {
      staleTime: Infinity,
    }),
  );
  const backfilled = useMemo<ChartCopy[] | undefined>(
    () =>
      stored.data?.map((c) => ({
        copy: c.copy,
        copies: c.copies,
        payloadBytes: c.payloadBytes,
        stallSec: c.stallSec,
        copyTimeoutSec: c.copyTimeoutSec,
        outcome: c.outcome,
        detail: c.detail,
        meanMBps: c.meanMBps,
        ms: c.ms,
        samples: c.samples,
      })),
    [stored.data],
  );
  const copies = (finished && incomplete && backfilled) || live || EMPTY;
  return (
    <div className="transfer-charts" data-testid="transfer-charts">
      <ThroughputChart copies={copies} />
      <CopyBarsChart copies={copies} />
    </div>
  );
}

const EMPTY: ChartCopy[] = [];

/** Copy rates of every tested commit, for the session page (shown when the recipe has a transfer phase). */
export function SessionTransferChart({ detail }: { detail: SessionDetailView }) {
  const steps = useMemo<SessionStepCopies[]>(
    () =>
      detail.steps.map((s) => ({
        step: s.step,
        position: s.position,
        sha: s.commit.sha,
        subject: s.commit.subject,
        verdict: s.verdict,
        copies: s.phases.flatMap((p) => (p.kind === 'transfer' ? (p.copies ?? []) : [])),
      })),
    [detail.steps],
  );
  if (!detail.steps.some((s) => s.phases.some((p) => p.kind === 'transfer'))) return null;
  return (
    <section className="panel" aria-label="copy rates per commit">
      <h2>Copy rates per tested commit</h2>
      <SessionRatesChart
        steps={steps}
        rangeSize={detail.session.rangeSize ?? Math.max(1, ...steps.map((s) => s.position + 1))}
        terms={{ old: detail.session.termOld, new: detail.session.termNew }}
      />
    </section>
  );
}
