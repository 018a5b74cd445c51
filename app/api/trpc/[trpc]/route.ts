import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import { appRouter } from '@/server/api/root';
import { getRuntime } from '@/server/runtime';
import { requestOrigin } from '@/server/shares/runtime';

export const dynamic = 'force-dynamic';

const handler = (req: Request) =>
  fetchRequestHandler({
    endpoint: '/api/trpc',
    req,
    router: appRouter,
    createContext: async () => ({ runtime: await getRuntime(), origin: requestOrigin(req) }),
  });

export { handler as GET, handler as POST };
