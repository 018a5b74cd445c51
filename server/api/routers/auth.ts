import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { clearedSessionCookie, sessionCookie } from '../../auth/http';
import { anonymousProcedure, protectedProcedure, router } from '../trpc';

export const authRouter = router({
  /** Whether the caller is signed in (anonymous: the sign-in page asks). */
  status: anonymousProcedure.query(({ ctx }) => ({ signedIn: Boolean(ctx.principal), via: ctx.principal?.via ?? null })),

  /** One password per HTTP request: a batch holding auth.signIn is refused before any password is checked. */
  signIn: anonymousProcedure.input(z.object({ password: z.string().min(1).max(1024) })).mutation(async ({ ctx, input }) => {
    if (ctx.calls && ctx.calls.length > 1) {
      throw new TRPCError({ code: 'BAD_REQUEST', message: 'sign in with a request of its own: auth.signIn cannot be batched with other calls' });
    }
    try {
      const { cookieValue, maxAgeSec } = await ctx.runtime.auth.signIn(input.password, ctx.client ?? 'direct');
      ctx.resHeaders?.append('set-cookie', sessionCookie(cookieValue, maxAgeSec, ctx.secure ?? false));
      return { signedIn: true };
    } catch (error) {
      const message = error instanceof Error && error.name === 'SignInError' ? error.message : 'sign-in failed';
      throw new TRPCError({ code: message.startsWith('too many') ? 'TOO_MANY_REQUESTS' : 'UNAUTHORIZED', message });
    }
  }),

  signOut: protectedProcedure.mutation(async ({ ctx }) => {
    if (ctx.sessionCookie) await ctx.runtime.auth.signOut(ctx.sessionCookie);
    ctx.resHeaders?.append('set-cookie', clearedSessionCookie(ctx.secure ?? false));
    return { signedOut: true };
  }),

  tokens: router({
    list: protectedProcedure.query(({ ctx }) => ctx.runtime.auth.listTokens(ctx.principal.userId)),
    create: protectedProcedure
      .input(z.object({ name: z.string().trim().min(1).max(100) }))
      .mutation(({ ctx, input }) => ctx.runtime.auth.createToken(ctx.principal.userId, input.name)),
    revoke: protectedProcedure
      .input(z.object({ id: z.string().uuid() }))
      .mutation(({ ctx, input }) => ctx.runtime.auth.revokeToken(ctx.principal.userId, input.id)),
  }),
});
