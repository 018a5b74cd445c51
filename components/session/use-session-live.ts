'use client';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useSubscription } from '@trpc/tanstack-react-query';
import { useCallback, useEffect, useRef, useState } from 'react';
import type { EngineEvent } from '@/server/engine/events';
import { useTRPC } from '@/lib/trpc';
import { LogStore } from './log-store';

/** How often structural events may trigger a refetch of the session. */
const REFETCH_THROTTLE_MS = 250;
/** How often new log lines may re-render the page. */
const RENDER_THROTTLE_MS = 100;

interface Batch {
  lastSeq: number;
  events: Array<{ seq: number; payload: EngineEvent }>;
}

/**
 * A session's state (byId query) kept fresh by its event stream, plus the log
 * lines of every phase. The stream resumes after a disconnect with lastEventId,
 * and events are de-duplicated by sequence, so no line is lost or doubled.
 */
export function useSessionLive(id: string) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const detail = useQuery(trpc.sessions.byId.queryOptions({ id }));
  const store = useRef(new LogStore());
  const [logVersion, setLogVersion] = useState(0);
  const timers = useRef<{ refetch: ReturnType<typeof setTimeout> | null; render: ReturnType<typeof setTimeout> | null }>({
    refetch: null,
    render: null,
  });

  const scheduleRefetch = useCallback(() => {
    if (timers.current.refetch) return;
    timers.current.refetch = setTimeout(() => {
      timers.current.refetch = null;
      void queryClient.invalidateQueries({ queryKey: trpc.sessions.byId.queryKey({ id }) });
    }, REFETCH_THROTTLE_MS);
  }, [queryClient, trpc, id]);

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
      for (const { seq, payload } of batch.events) {
        if (seq <= store.current.lastSeq) continue;
        store.current.lastSeq = seq;
        if (payload.type === 'output') {
          store.current.append(payload.step, payload.phase, payload.stream, payload.lines);
          output = true;
        } else if (payload.type !== 'log') structural = true;
      }
      if (output) scheduleRender();
      if (structural) scheduleRefetch();
    },
    [scheduleRefetch, scheduleRender],
  );

  const subscription = useSubscription(trpc.sessions.events.subscriptionOptions({ id }, { onData: onData as never }));

  return { detail, logs: store.current, logVersion, connection: subscription.status };
}
