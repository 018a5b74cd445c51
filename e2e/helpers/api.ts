import type { APIRequestContext } from '@playwright/test';

/** Calls a tRPC mutation over HTTP (superjson envelope), as a user's script would. */
export async function trpcMutation<T>(request: APIRequestContext, path: string, input: unknown): Promise<T> {
  const res = await request.post(`/api/trpc/${path}`, { data: { json: input } });
  const body = (await res.json()) as { result?: { data: { json: T } }; error?: { json: { message: string } } };
  if (!body.result) throw new Error(`${path} failed: ${body.error?.json.message ?? res.status()}`);
  return body.result.data.json;
}

export async function trpcQuery<T>(request: APIRequestContext, path: string, input: unknown): Promise<T> {
  const res = await request.get(`/api/trpc/${path}?input=${encodeURIComponent(JSON.stringify({ json: input }))}`);
  const body = (await res.json()) as { result?: { data: { json: T } }; error?: { json: { message: string } } };
  if (!body.result) throw new Error(`${path} failed: ${body.error?.json.message ?? res.status()}`);
  return body.result.data.json;
}
