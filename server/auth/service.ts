import { randomUUID } from 'node:crypto';
import type { Db } from '../../db/client';
import {
  countUsers,
  findUserByName,
  insertApiToken,
  insertAuthSession,
  insertUser,
  listApiTokens,
  revokeApiToken,
  revokeAuthSession,
  setPasswordHash,
  userOfApiToken,
  userOfAuthSession,
  type ApiTokenSummary,
} from '../../db/queries/auth';
import { UserInputError } from '../engine/types';
import { hashPassword, randomToken, safeEqual, sha256, verifyPassword } from './crypto';
import { FailureLimiter, WindowLimiter } from './rate-limit';

export const ADMIN = 'admin';
export const SESSION_COOKIE = 'bisect_session';
const SESSION_DAYS = 30;

export interface AuthOptions {
  db: Db;
  /** DASHBOARD_PASSWORD: the admin password (kept in sync at every start). */
  password?: string | undefined;
  /** DASHBOARD_TOKEN: accepted as an API token. */
  token?: string | undefined;
  /** Called once with a ready sign-in URL path when the app made a random admin password. */
  announce: (signInPath: string) => void;
  /** Clock for the sign-in limiter (tests). */
  now?: () => number;
}

export type Principal = { userId: string; via: 'session' | 'token' };

export class SignInError extends Error {
  override readonly name = 'SignInError';
  constructor(
    message: string,
    readonly retryAfterMs = 0,
  ) {
    super(message);
  }
}

/**
 * Who may use the dashboard. First start creates the admin: the password from
 * DASHBOARD_PASSWORD, or a random one printed once with a sign-in URL (as
 * Jupyter does). Browser sessions and API tokens are stored as sha256 only.
 */
export class AuthService {
  private readonly limiter: FailureLimiter;
  /** Share-token lookups per client: enough to watch a link, far too few to guess one. */
  private readonly shareLookups: WindowLimiter;

  constructor(private readonly o: AuthOptions) {
    this.limiter = new FailureLimiter({ freeAttempts: 5, baseDelayMs: 1000, maxDelayMs: 60_000 }, o.now);
    this.shareLookups = new WindowLimiter({ limit: 120, windowMs: 60_000 }, o.now);
  }

  /** False when this client looked up too many share tokens in the last minute. */
  allowShareLookup(client: string): boolean {
    return this.shareLookups.take(client);
  }

  async bootstrap(): Promise<void> {
    const admin = await findUserByName(this.o.db, ADMIN);
    if (admin) {
      if (this.o.password && !(await verifyPassword(this.o.password, admin.passwordHash))) {
        await setPasswordHash(this.o.db, admin.id, await hashPassword(this.o.password));
      }
      return;
    }
    if ((await countUsers(this.o.db)) > 0) return;
    const password = this.o.password ?? randomToken(24);
    await insertUser(this.o.db, { id: randomUUID(), name: ADMIN, passwordHash: await hashPassword(password) });
    if (!this.o.password) this.o.announce(`/signin?token=${encodeURIComponent(password)}`);
  }

  /**
   * Checks the password (rate limited per client) and opens a browser session.
   * The attempt counts as a failure before the hash is computed, so parallel
   * attempts of one client cannot all pass the limiter while scrypt runs; a
   * right password then clears the count.
   */
  async signIn(password: string, client: string): Promise<{ cookieValue: string; maxAgeSec: number }> {
    const wait = this.limiter.waitMs(client);
    if (wait > 0) throw new SignInError(`too many wrong passwords: try again in ${Math.ceil(wait / 1000)} s`, wait);
    this.limiter.fail(client);
    const admin = await findUserByName(this.o.db, ADMIN);
    if (!admin || !(await verifyPassword(password, admin.passwordHash))) throw new SignInError('wrong password');
    this.limiter.succeed(client);
    const cookieValue = randomToken(32);
    const maxAgeSec = SESSION_DAYS * 24 * 3600;
    await insertAuthSession(this.o.db, { tokenHash: sha256(cookieValue), userId: admin.id, expiresAt: new Date(Date.now() + maxAgeSec * 1000) });
    return { cookieValue, maxAgeSec };
  }

  async signOut(cookieValue: string): Promise<void> {
    await revokeAuthSession(this.o.db, sha256(cookieValue));
  }

  /** Resolves a request's credentials: a session cookie or a bearer token. */
  async authenticate(c: { cookie?: string | null; bearer?: string | null }): Promise<Principal | null> {
    if (c.bearer) {
      if (this.o.token && safeEqual(c.bearer, this.o.token)) return { userId: await this.adminId(), via: 'token' };
      const userId = await userOfApiToken(this.o.db, sha256(c.bearer));
      return userId ? { userId, via: 'token' } : null;
    }
    if (c.cookie) {
      const userId = await userOfAuthSession(this.o.db, sha256(c.cookie));
      return userId ? { userId, via: 'session' } : null;
    }
    return null;
  }

  /** A new API token; its value is returned once and only its hash is kept. */
  async createToken(userId: string, name: string): Promise<{ id: string; token: string }> {
    const trimmed = name.trim();
    if (!trimmed) throw new UserInputError('give the token a name', 'name');
    const token = `bd_${randomToken(32)}`;
    const id = randomUUID();
    await insertApiToken(this.o.db, { id, userId, name: trimmed, tokenHash: sha256(token), prefix: token.slice(0, 7) });
    return { id, token };
  }

  listTokens(userId: string): Promise<ApiTokenSummary[]> {
    return listApiTokens(this.o.db, userId);
  }

  async revokeToken(userId: string, id: string): Promise<{ revoked: boolean }> {
    return { revoked: await revokeApiToken(this.o.db, userId, id) };
  }

  private async adminId(): Promise<string> {
    const admin = await findUserByName(this.o.db, ADMIN);
    if (!admin) throw new Error('no admin user');
    return admin.id;
  }
}
