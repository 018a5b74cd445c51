import { authRouter } from './routers/auth';
import { hostsRouter } from './routers/hosts';
import { runnersRouter } from './routers/runners';
import { sessionsRouter } from './routers/sessions';
import { sharesRouter } from './routers/shares';
import { router } from './trpc';

export const appRouter = router({
  auth: authRouter,
  sessions: sessionsRouter,
  hosts: hostsRouter,
  shares: sharesRouter,
  runners: runnersRouter,
});

export type AppRouter = typeof appRouter;
