'use client';
import { MutationCache, QueryCache, QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { createTRPCClient, httpBatchLink, httpSubscriptionLink, splitLink } from '@trpc/client';
import { useState, type ReactNode } from 'react';
import superjson from 'superjson';
import type { AppRouter } from '@/server/api/root';
import { TRPCProvider } from '@/lib/trpc';

export function Providers({ children }: { children: ReactNode }) {
  const [queryClient] = useState(
    () =>
      new QueryClient({
        defaultOptions: { queries: { staleTime: 1000, retry: retryTransient, refetchOnWindowFocus: false } },
        queryCache: new QueryCache({ onError: sendToSignIn }),
        mutationCache: new MutationCache({ onError: sendToSignIn }),
      }),
  );
  const [trpcClient] = useState(() =>
    createTRPCClient<AppRouter>({
      links: [
        splitLink({
          condition: (op) => op.type === 'subscription',
          true: httpSubscriptionLink({ url: '/api/trpc', transformer: superjson }),
          false: httpBatchLink({ url: '/api/trpc', transformer: superjson }),
        }),
      ],
    }),
  );
  return (
    <QueryClientProvider client={queryClient}>
      <TRPCProvider trpcClient={trpcClient} queryClient={queryClient}>
        {children}
      </TRPCProvider>
    </QueryClientProvider>
  );
}

/** An UNAUTHORIZED answer on a page that needs a user leads to the sign-in page, and back. */
function sendToSignIn(error: unknown): void {
  const code = (error as { data?: { code?: string } } | null)?.data?.code;
  const path = window.location.pathname;
  if (code !== 'UNAUTHORIZED' || path === '/signin' || path.startsWith('/s/')) return;
  window.location.assign(`/signin?next=${encodeURIComponent(path + window.location.search)}`);
}

/** Retry once, but never answers that will not change: not signed in, not found, bad input. */
function retryTransient(failures: number, error: unknown): boolean {
  const code = (error as { data?: { code?: string } } | null)?.data?.code;
  return failures < 1 && !['UNAUTHORIZED', 'FORBIDDEN', 'NOT_FOUND', 'BAD_REQUEST'].includes(code ?? '');
}
