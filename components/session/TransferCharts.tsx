'use client';
import { skipToken, useQuery } from '@tanstack/react-query';
import { useCallback, useMemo, useSyncExternalStore } from 'react';
import { CopyBarsChart } from '@/components/charts/CopyBarsChart';
import { SessionRatesChart } from '@/components/charts/SessionRatesChart';
import { ThroughputChart } from '@/components/charts/ThroughputChart';
import type { ChartCopy, SessionStepCopies } from '@/components/charts/transfer-data';
import { useThrottled } from '@/components/logs/use-throttled';
import { useTRPC } from '@/lib/trpc';
import type { TransferStore } from './transfer-store';
import type { PhaseView, SessionDetailView } from './types';

interface PhaseProps {
  /** The owner's session id; empty on share pages (they get samples from the event stream only). */
  sessionId: string;
  step: number;
  phase: PhaseView;
  transfers: TransferStore;
}

/** How often new samples may re-render the graphs (they arrive about 4×/s). */
const CHART_THROTTLE_MS = 250;
const BARS_THROTTLE_MS = 1000;

/**
 * The copies of one transfer phase from the live store, re-rendering only the
 * component that uses it, at most every CHART_THROTTLE_MS: samples never
 * re-render the rest of the session page.
 */
export function useTransferCopies(store: TransferStore, step: number, phase: number): ChartCopy[] | undefined {
  const subscribe = useCallback(
    (onChange: () => void) => {
      let timer: ReturnType<typeof setTimeout> | null = null;
      const off = store.subscribe(() => {
        timer ??= setTimeout(() => {
          timer = null;
          onChange();
        }, CHART_THROTTLE_MS);
      });
      return () => {
        off();
        if (timer) clearTimeout(timer);
      };
    },
    [store],
  );
  const get = useCallback(() => store.get(step, phase), [store, step, phase]);
  return useSyncExternalStore(subscribe, get, get);
}

/**
 * The graphs of one transfer phase: live throughput of the current copy over
 * the earlier ones, and the per-copy bars. Live data comes from the event
 * stream; a finished phase whose samples the page did not receive (opened
 * later, or trimmed from the bounded store) is filled from `sessions.samples`.
 */
export function TransferPhaseCharts({ sessionId, step, phase, transfers }: PhaseProps) {
  const trpc = useTRPC();
  const live = useTransferCopies(transfers, step, phase.phase);
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
  // The bars only move by the running copy's mean: once a second is enough.
  const barCopies = useThrottled(copies, BARS_THROTTLE_MS);
  return (
    <div className="transfer-charts" data-testid="transfer-charts">
      <ThroughputChart copies={copies} />
      <CopyBarsChart copies={barCopies} />
    </div>
  );
}

const EMPTY: ChartCopy[] = [];

/** Copy rates of every tested commit, for the session page (shown when the recipe has a transfer phase). */
export function SessionTransferChart({ detail }: { detail: SessionDetailView }) {
  const fresh: SessionStepCopies[] = detail.steps.map((s) => ({
    step: s.step,
    position: s.position,
    sha: s.commit.sha,
    subject: s.commit.subject,
    verdict: s.verdict,
    copies: s.phases.flatMap((p) => (p.kind === 'transfer' ? (p.copies ?? []) : [])),
  }));
  // Every refetch of the session brings new objects: redraw only when what is drawn changed.
  const signature = JSON.stringify(fresh);
  // eslint-disable-next-line react-hooks/exhaustive-deps
  const steps = useMemo(() => fresh, [signature]);
  const terms = useMemo(() => ({ old: detail.session.termOld, new: detail.session.termNew }), [detail.session.termOld, detail.session.termNew]);
  if (!detail.steps.some((s) => s.phases.some((p) => p.kind === 'transfer'))) return null;
  return (
    <section className="panel" aria-label="copy rates per commit">
      <h2>Copy rates per tested commit</h2>
      <SessionRatesChart
        steps={steps}
        rangeSize={detail.session.rangeSize ?? Math.max(1, ...steps.map((s) => s.position + 1))}
        terms={terms}
      />
    </section>
  );
}
