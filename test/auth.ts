import type { Db } from '../db/client';
import type { Principal } from '../server/auth/service';
import { AuthService } from '../server/auth/service';

/** An auth service for test runtimes (no admin announced). */
export function testAuth(db: Db): AuthService {
  return new AuthService({ db, announce: () => undefined });
}

/** The caller tests act as: a valid API token's user. */
export const TEST_PRINCIPAL: Principal = { userId: 'test-user', via: 'token' };
