import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { APIRequestContext } from '@playwright/test';
import { trpcMutation, trpcQuery } from './api';

/** Per server port, like the sign-in state: runs side by side keep their own demo. */
const CACHE = path.join(os.tmpdir(), `bisect-e2e-finished-demo-${process.env.E2E_PORT ?? 3210}.txt`);

async function statusOf(request: APIRequestContext, id: string): Promise<string | null> {
  try {
    return (await trpcQuery<{ session: { status: string } }>(request, 'sessions.byId', { id })).session.status;
  } catch {
    return null; // an id from an earlier server run: that data directory is gone
  }
}

/**
 * A demo session that has finished, shared by the specs that only read a
 * finished demo (its pages, its chain): the first caller runs one (~40 s) and
 * later callers against the same server reuse it. Specs that watch a demo live
 * start their own.
 */
export async function finishedDemo(request: APIRequestContext): Promise<string> {
  const cached = fs.existsSync(CACHE) ? fs.readFileSync(CACHE, 'utf8').trim() : '';
  if (cached && (await statusOf(request, cached)) === 'done') return cached;
  const { id } = await trpcMutation<{ id: string }>(request, 'sessions.demo', null);
  for (const end = Date.now() + 150_000; Date.now() < end; ) {
    const status = await statusOf(request, id);
    if (status === 'done') {
      fs.writeFileSync(CACHE, id);
      return id;
    }
    if (status !== 'running' && status !== null) throw new Error(`the demo ended ${status}`);
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error('the demo did not finish');
}
