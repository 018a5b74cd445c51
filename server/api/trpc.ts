import { initTRPC, TRPCError } from '@trpc/server';
import superjson from 'superjson';
import { ZodError } from 'zod';
import { isUserInputError } from '../engine/types';
import type { Principal } from '../auth/service';
import type { Runtime } from '../runtime';

export interface Context {
  runtime: Runtime;
  /** Origin the request came to (`http://host:port`), for absolute links such as share URLs. */
  origin?: string | undefined;
  /** Who is calling: a signed-in browser session or an API token; null when anonymous. */
  principal?: Principal | null;
  /** The caller's address, for rate limits. */
  client?: string;
  /** False when a browser request came from another site (the Origin header does not match). */
  sameOrigin?: boolean;
  /** Response headers (to set the session cookie). */
  resHeaders?: Headers;
  /** Served over HTTPS (cookies get `Secure`). */
  secure?: boolean;
  /** The raw session cookie, so sign-out can revoke it. */
  sessionCookie?: string | null;
  /** Procedure paths of the HTTP request this call came in (several in a batch); unset for in-process callers. */
  calls?: readonly string[];
}

const t = initTRPC.context<Context>().create({
  transformer: superjson,
  errorFormatter({ shape, error }) {
    const cause = error.cause;
    return {
      ...shape,
      data: {
        ...shape.data,
        stack: undefined,
        field: isUserInputError(cause) ? (cause.field ?? null) : null,
        zodIssues: cause instanceof ZodError ? cause.issues.map((i) => ({ path: i.path.map(String), message: i.message })) : null,
      },
    };
  },
});

/** Turns a UserInputError from a service into a BAD_REQUEST with its message. */
const userErrors = t.middleware(async ({ next }) => {
  const result = await next();
  if (!result.ok && isUserInputError(result.error.cause)) {
    throw new TRPCError({ code: 'BAD_REQUEST', message: result.error.cause.message, cause: result.error.cause });
  }
  return result;
});

/** Mutations from another site are refused, whatever credentials the browser attached. */
const sameOriginMutations = t.middleware(({ ctx, type, next }) => {
  if (type === 'mutation' && ctx.sameOrigin === false) {
    throw new TRPCError({ code: 'FORBIDDEN', message: 'cross-site request refused' });
  }
  return next();
});

const requireUser = t.middleware(({ ctx, next }) => {
  if (!ctx.principal) throw new TRPCError({ code: 'UNAUTHORIZED', message: 'sign in first (or send Authorization: Bearer <token>)' });
  return next({ ctx: { ...ctx, principal: ctx.principal } });
});

export const router = t.router;
/** Anyone may call it: sign-in and share-token procedures only. */
export const anonymousProcedure = t.procedure.use(sameOriginMutations).use(userErrors);
/** Every other procedure: a signed-in user or a valid API token. */
export const protectedProcedure = anonymousProcedure.use(requireUser);
export const createCallerFactory = t.createCallerFactory;
