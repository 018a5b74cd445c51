import os from 'node:os';
import path from 'node:path';
import { hostAddressesOf, identityFilesOf } from '../../db/queries/shares';
import type { Runtime } from '../runtime';
import { ShareService } from './service';

/**
 * The share service over the runtime's database. Stateless, so it is built per
 * use. Hidden hosts are hidden with the addresses the hosts registry has for them;
 * the registry's identity files are hidden always, as written and as resolved.
 */
export function shareServiceOf(rt: Pick<Runtime, 'db'>): ShareService {
  const db = rt.db.db;
  return new ShareService({
    db,
    hostAddresses: (names) => hostAddressesOf(db, names),
    keyPaths: async () => (await identityFilesOf(db)).flatMap(spellingsOf),
  });
}

/** A key path as the registry stores it and as messages show it (`~` expanded, resolved). */
function spellingsOf(file: string): string[] {
  const expanded = file === '~' || file.startsWith('~/') ? path.join(os.homedir(), file.slice(1)) : file;
  return [...new Set([file, expanded, path.resolve(expanded)])];
}

/** Path of a share page. */
export function sharePath(token: string): string {
  return `/s/${token}`;
}

/** Absolute URL of a share page: from the request's origin, else from the configured host and port. */
export function shareUrl(ctx: { runtime: Pick<Runtime, 'config'>; origin?: string | undefined }, token: string): string {
  const origin = ctx.origin ?? `http://${ctx.runtime.config.host}:${ctx.runtime.config.port}`;
  return `${origin}${sharePath(token)}`;
}

/**
 * The origin a browser used to reach us, for absolute links: the Host header
 * (or X-Forwarded-Host/-Proto behind a proxy). `req.url` is not enough: Next
 * rewrites its host to `localhost`.
 */
export function requestOrigin(req: Request): string {
  const url = new URL(req.url);
  const host = req.headers.get('x-forwarded-host')?.split(',')[0]?.trim() || req.headers.get('host') || url.host;
  const proto = req.headers.get('x-forwarded-proto')?.split(',')[0]?.trim() || url.protocol.replace(/:$/, '');
  return `${/^https?$/.test(proto) ? proto : 'http'}://${host}`;
}
