import { randomBytes } from 'node:crypto';

/**
 * Internal errors (a failed query, a bug) never reach clients: they get a
 * generic message with an id, and the server log gets the id with the detail
 * (SQL, parameters, stack). User errors (bad input, not found, refused) keep
 * their precise messages; they are not handled here.
 */

/** 10 hex characters: enough to find the log line, too short to mean anything else. */
export function newErrorId(): string {
  return randomBytes(5).toString('hex');
}

export function internalErrorMessage(id: string): string {
  return `internal error (id ${id}): the server log has the details`;
}

/** Logs an internal error with its id; `where` names the procedure or route. */
export function logInternalError(id: string, where: string, error: unknown): void {
  console.error(`bisect dashboard: internal error ${id} in ${where}:`, error);
}

/** Logs `error` and returns the 500 a route handler answers with. */
export function internalErrorResponse(where: string, error: unknown): Response {
  const id = newErrorId();
  logInternalError(id, where, error);
  return new Response(`${internalErrorMessage(id)}\n`, {
    status: 500,
    headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', 'x-error-id': id },
  });
}

/**
 * A route handler whose unexpected failures become internalErrorResponse
 * (the detail logged, never sent). `where` names the route in the log.
 */
export function withInternalErrors<A extends unknown[]>(where: string, handler: (...args: A) => Promise<Response>): (...args: A) => Promise<Response> {
  return async (...args: A) => {
    try {
      return await handler(...args);
    } catch (error) {
      return internalErrorResponse(where, error);
    }
  };
}
