'use client';
import { skipToken, useQuery, useQueryClient } from '@tanstack/react-query';
import { useSubscription } from '@trpc/tanstack-react-query';
import { useCallback, useEffect, useRef, useState } from 'react';
import type { EngineEvent } from '@/server/engine/events';
import { useTRPC } from '@/lib/trpc';
import { LogStore } from './log-store';
import { isTransferEvent, TransferStore } from './transfer-store';

/** How often structural events may trigger a refetch of the session. */
const REFETCH_THROTTLE_MS = 250;
/** How often new log lines may re-render the page. */
const RENDER_THROTTLE_MS = 100;

interface Batch {
  lastSeq: number;
  /** `at`: when the server stored the event (ms since the epoch); absent from older servers. */
  events: Array<{ seq: number; payload: EngineEvent; at?: number }>;
}

/**
 * Where a session page gets its data: the owner's API (`sessions.byId` +
 * `sessions.events`) or a share link (`shares.view` + `shares.events`, redacted).
 */
export type SessionSource = { kind: 'owner'; id: string } | { kind: 'share'; token: string };

/**
 * A session's state (byId query) kept fresh by its event stream, plus the log
 * lines of every phase. The stream resumes after a disconnect with lastEventId,
 * and events are de-duplicated by sequence, so no line is lost or doubled.
 * Takes a session id (the owner's page) or a SessionSource.
 */
export function useSessionLive(source: string | SessionSource) {
  const src: SessionSource = typeof source === 'string' ? { kind: 'owner', id: source } : source;
  const id = src.kind === 'owner' ? src.id : null;
  const token = src.kind === 'share' ? src.token : null;
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const owned = useQuery(trpc.sessions.byId.queryOptions(id !== null ? { id } : skipToken));
  const shared = useQuery(trpc.shares.view.queryOptions(token !== null ? { token } : skipToken, { retry: false }));
  // A shared view has the owner's shape (redacted) plus `share`: one type for the page.
  const detail = id !== null ? owned : (shared as unknown as typeof owned);
  const store = useRef(new LogStore());
  const [logVersion, setLogVersion] = useState(0);
  // Throughput samples go to their own store: only the graphs subscribe to it (see useTransferCopies).
  const transfers = useRef(new TransferStore());
  const timers = useRef<{ refetch: ReturnType<typeof setTimeout> | null; render: ReturnType<typeof setTimeout> | null }>({
    refetch: null,
    render: null,
  });

  const scheduleRefetch = useCallback(() => {
    if (timers.current.refetch) return;
    timers.current.refetch = setTimeout(() => {
      timers.current.refetch = null;
      void queryClient.invalidateQueries({
        queryKey: id !== null ? trpc.sessions.byId.queryKey({ id }) : trpc.shares.view.queryKey({ token: token ?? '' }),
      });
    }, REFETCH_THROTTLE_MS);
  }, [queryClient, trpc, id, token]);

  const scheduleRender = useCallback(() => {
    if (timers.current.render) return;
    timers.current.render = setTimeout(() => {
      timers.current.render = null;
      setLogVersion((v) => v + 1);
    }, RENDER_THROTTLE_MS);
  }, []);

  useEffect(() => {
    const t = timers.current;
    return () => {
      if (t.refetch) clearTimeout(t.refetch);
      if (t.render) clearTimeout(t.render);
    };
  }, []);

  const onData = useCallback(
    (envelope: { id: string; data: Batch } | Batch) => {
      const batch = 'data' in envelope ? envelope.data : envelope;
      let structural = false;
      let output = false;
      for (const { seq, payload, at } of batch.events) {
        if (seq <= store.current.lastSeq) continue;
        store.current.lastSeq = seq;
        if (payload.type === 'output') {
          store.current.append(payload.step, payload.phase, payload.stream, payload.lines, typeof at === 'number' ? at : null);
          output = true;
        } else if (isTransferEvent(payload)) {
          transfers.current.apply(payload);
          if (payload.type === 'copyFinished') structural = true; // byId lists finished copies' rates
        } else if (payload.type !== 'log') structural = true;
      }
      if (output) scheduleRender();
      if (structural) scheduleRefetch();
    },
    [scheduleRefetch, scheduleRender],
  );

  // A new stream (after the last one ended) starts after the events already held: set only then,
  // so the subscription's input does not change with every event.
  const [resumeAfter, setResumeAfter] = useState<string | null>(null);
  const resume = resumeAfter !== null ? { lastEventId: resumeAfter } : {};
  const ownerStream = useSubscription(trpc.sessions.events.subscriptionOptions(id !== null ? { id, ...resume } : skipToken, { onData }));
  const shareStream = useSubscription(trpc.shares.events.subscriptionOptions(token !== null ? { token, ...resume } : skipToken, { onData }));
  const subscription = id !== null ? ownerStream : shareStream;

  // The stream ends when a session finishes; a session that goes on again (an
  // earlier verdict changed, resumed) needs a new one, from where the last one
  // stopped. Only a status read after the stream ended counts: the one cached
  // from before still says "running" for a moment, and acting on it replayed
  // the whole log (every line received twice, the page busy for 250 ms per
  // 50,000 lines).
  const status = (detail.data as { session?: { status?: string } } | undefined)?.session?.status;
  const endedAt = useRef<number | null>(null);
  if (subscription.status === 'idle') endedAt.current ??= Date.now();
  else endedAt.current = null;
  const readAt = detail.dataUpdatedAt;
  const { reset } = subscription;
  useEffect(() => {
    const ended = endedAt.current;
    if ((status === 'running' || status === 'paused') && subscription.status === 'idle' && ended !== null && readAt > ended) {
      const after = String(store.current.lastSeq);
      if (after !== resumeAfter) setResumeAfter(after);
      else reset();
    }
  }, [status, subscription.status, readAt, reset, resumeAfter]);

  return { detail, logs: store.current, logVersion, transfers: transfers.current, connection: subscription.status };
}
