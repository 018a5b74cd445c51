import { initTRPC, TRPCError } from '@trpc/server';
import superjson from 'superjson';
import { ZodError } from 'zod';
import { isUserInputError } from '../engine/types';
import type { Runtime } from '../runtime';

export interface Context {
  runtime: Runtime;
  /** Origin the request came to (`http://host:port`), for absolute links such as share URLs. */
  origin?: string | undefined;
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

export const router = t.router;
export const publicProcedure = t.procedure.use(userErrors);
export const createCallerFactory = t.createCallerFactory;
