import { initTRPC, TRPCError } from '@trpc/server';
import { TRPC_ERROR_CODES_BY_KEY } from '@trpc/server/rpc';
import superjson from 'superjson';
import { ZodError } from 'zod';
import { isUserInputError } from '../engine/types';
import { internalErrorMessage, logInternalError, newErrorId } from './errors';
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
  /**
   * What a client sees of an error. An INTERNAL_SERVER_ERROR (anything thrown
   * that is not a deliberate TRPCError or a UserInputError: a failed query, a
   * bug) gets a generic message and an `errorId`; the detail is logged under
   * that id. Every other error keeps its message, field and input issues.
   * (Subscriptions report errors inside their event stream, whose HTTP status
   * is already 200: there the error's `data.httpStatus` is what counts.)
   */
  errorFormatter({ shape, error, path }) {
    const cause = error.cause;
    // A UserInputError the middleware could not map (thrown while a subscription streams) is still bad input.
    if (error.code === 'INTERNAL_SERVER_ERROR' && isUserInputError(cause)) {
      return {
        ...shape,
        code: TRPC_ERROR_CODES_BY_KEY.BAD_REQUEST,
        message: cause.message,
        data: { ...shape.data, code: 'BAD_REQUEST' as const, httpStatus: 400, stack: undefined, errorId: null, field: cause.field ?? null, zodIssues: null },
      };
    }
    let message = shape.message;
    let errorId: string | null = null;
    if (error.code === 'INTERNAL_SERVER_ERROR') {
      errorId = newErrorId();
      logInternalError(errorId, `tRPC ${path ?? '(unknown procedure)'}`, cause ?? error);
      message = internalErrorMessage(errorId);
    }
    return {
      ...shape,
      message,
      data: {
        ...shape.data,
        stack: undefined,
        errorId,
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

/** What `badText` reports: the path of the first string that cannot be stored, and why. */
type TextProblem = { path: string; why: string };

/** A UTF-16 surrogate without its pair (String.prototype.isWellFormed is ES2024). */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Deepest nesting `badText` looks into; deeper input is refused (nothing the API takes nests this deep). */
const MAX_INPUT_DEPTH = 64;

/**
 * The first string in `v` (keys included) that no database column can hold:
 * one with a NUL byte or an unpaired UTF-16 surrogate. Both are refused as bad
 * input rather than failing inside a query.
 */
function badText(v: unknown, path: string, depth = 0): TextProblem | null {
  if (typeof v === 'string') {
    if (v.includes('\0')) return { path, why: 'contains a NUL byte (\\0)' };
    if (LONE_SURROGATE.test(v)) return { path, why: 'is not valid Unicode (an unpaired surrogate)' };
    return null;
  }
  if (v === null || typeof v !== 'object' || v instanceof Date) return null;
  if (depth >= MAX_INPUT_DEPTH) return { path, why: `nests deeper than ${MAX_INPUT_DEPTH} levels` };
  for (const [k, x] of Object.entries(v)) {
    const at = Array.isArray(v) ? `${path}[${k}]` : path ? `${path}.${k}` : k;
    const key = badText(k, at, depth + 1);
    if (key) return key;
    const inner = badText(x, at, depth + 1);
    if (inner) return inner;
  }
  return null;
}

/** Input text that cannot be stored is a BAD_REQUEST naming the field, before any procedure runs. */
const storableText = t.middleware(async ({ getRawInput, next }) => {
  const problem = badText(await getRawInput(), '');
  if (problem) {
    const field = problem.path ? JSON.stringify(problem.path.slice(0, 200)) : 'the input';
    throw new TRPCError({ code: 'BAD_REQUEST', message: `${field} ${problem.why}: send plain text` });
  }
  return next();
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
export const anonymousProcedure = t.procedure.use(sameOriginMutations).use(storableText).use(userErrors);
/** Every other procedure: a signed-in user or a valid API token. */
export const protectedProcedure = anonymousProcedure.use(requireUser);
export const createCallerFactory = t.createCallerFactory;
