import { listRunners } from '../../../db/queries/runners';
import { protectedProcedure, router } from '../trpc';

/** Runner processes (the web server's own engine and `npm run runner`s): heartbeat, sessions, slots in use. */
export const runnersRouter = router({
  list: protectedProcedure.query(async ({ ctx }) => {
    const runners = await listRunners(ctx.runtime.db.db);
    const leaseMs = ctx.runtime.config.leaseMs ?? 30_000;
    const now = Date.now();
    return runners.map((r) => ({
      ...r,
      alive: r.stoppedAt === null && now - r.heartbeatAt.getTime() < leaseMs,
      self: r.id === ctx.runtime.runner?.id,
    }));
  }),
});
