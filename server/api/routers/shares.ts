import { tracked, TRPCError } from '@trpc/server';
import { z } from 'zod';
import { streamSharedEvents } from '../../shares/stream';
import { isShareNotFound, SHARE_NOT_FOUND_MESSAGE } from '../../shares/service';
import { shareServiceOf, shareUrl } from '../../shares/runtime';
import { lastEventId } from '../inputs';
import { anonymousProcedure, protectedProcedure, router, type Context } from '../trpc';

/** Any string: malformed tokens get the same 404 as unknown ones. */
const token = z.string().max(512);

/** Latest expiry accepted: dates past year 9999 cannot be stored (and mean "never": leave it empty). */
const MAX_EXPIRY = new Date('9999-12-31T23:59:59.999Z');
const expiry = z.coerce
  .date({ message: 'expiresAt must be a date (ISO 8601, e.g. 2030-01-31T00:00:00Z)' })
  .max(MAX_EXPIRY, 'expiresAt must be before the year 10000: leave it empty for a link that lasts until revoked');

function notFound(): never {
  throw new TRPCError({ code: 'NOT_FOUND', message: SHARE_NOT_FOUND_MESSAGE });
}

export const sharesRouter = router({
  create: protectedProcedure
    .input(
      z.object({
        sessionId: z.string().uuid(),
        expiresAt: expiry.nullish(),
        hideHosts: z.boolean().optional(),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      const { token: raw, share } = await shareServiceOf(ctx.runtime).create(input);
      return { token: raw, url: shareUrl(ctx, raw), share };
    }),

  list: protectedProcedure
    .input(z.object({ sessionId: z.string().uuid() }))
    .query(({ ctx, input }) => shareServiceOf(ctx.runtime).list(input.sessionId)),

  revoke: protectedProcedure
    .input(z.object({ id: z.string().uuid() }))
    .mutation(({ ctx, input }) => shareServiceOf(ctx.runtime).revoke(input.id)),

  // By token, for anyone holding the link: no sign-in.
  view: anonymousProcedure.input(z.object({ token })).query(async ({ ctx, input }) => {
    limitLookups(ctx);
    try {
      return await shareServiceOf(ctx.runtime).view(input.token, (id) => ctx.runtime.sessions.isRunning(id));
    } catch (error) {
      if (isShareNotFound(error)) notFound();
      throw error;
    }
  }),

  events: anonymousProcedure
    .input(z.object({ token, lastEventId: lastEventId.nullish() }))
    .subscription(async function* ({ ctx, input, signal }) {
      limitLookups(ctx);
      const after = input.lastEventId ? Number(input.lastEventId) : 0;
      try {
        for await (const batch of streamSharedEvents(ctx.runtime, input.token, after, signal ?? new AbortController().signal)) {
          yield tracked(String(batch.lastSeq), batch);
        }
      } catch (error) {
        if (isShareNotFound(error)) notFound();
        throw error;
      }
    }),
});

/** Share-token lookups are rate limited per client, so tokens cannot be guessed at speed. */
function limitLookups(ctx: Context): void {
  if (!ctx.runtime.auth.allowShareLookup(ctx.client ?? 'direct')) {
    throw new TRPCError({ code: 'TOO_MANY_REQUESTS', message: 'too many share-link lookups: wait a minute' });
  }
}
