import { authRouter } from './routers/auth';
import { hostsRouter } from './routers/hosts';
import { runnersRouter } from './routers/runners';
import { sessionsRouter } from './routers/sessions';
import { sharesRouter } from './routers/shares';
import { webhooksRouter } from './routers/webhooks';
import { router } from './trpc';

export const appRouter = router({
  auth: authRouter,
  sessions: sessionsRouter,
  hosts: hostsRouter,
  shares: sharesRouter,
  runners: runnersRouter,
  webhooks: webhooksRouter,
});

export type AppRouter = typeof appRouter;
