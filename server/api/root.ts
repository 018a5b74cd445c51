import { hostsRouter } from './routers/hosts';
import { sessionsRouter } from './routers/sessions';
import { sharesRouter } from './routers/shares';
import { router } from './trpc';

export const appRouter = router({
  sessions: sessionsRouter,
  hosts: hostsRouter,
  shares: sharesRouter,
});

export type AppRouter = typeof appRouter;
