'use client';
import { useQueryClient } from '@tanstack/react-query';
import { useTRPC } from '@/lib/trpc';

/** Refreshes a session's page data after one of its controls ran. */
export function useRefreshSession(id: string): () => Promise<void> {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  return () => queryClient.invalidateQueries({ queryKey: trpc.sessions.byId.queryKey({ id }) });
}
