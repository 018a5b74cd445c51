import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DbHandle } from '../../db/client';
import { dbKind, openTestDb } from '../../test/db';
import { hashPassword, randomToken, verifyPassword } from './crypto';
import { FailureLimiter, WindowLimiter } from './rate-limit';
import { AuthService } from './service';

describe('password hashing', () => {
  it('stores scrypt hashes that verify only the right password', async () => {
    const h = await hashPassword('hunter2');
    expect(h).toMatch(/^scrypt\$/);
    expect(h).not.toContain('hunter2');
    expect(await verifyPassword('hunter2', h)).toBe(true);
    expect(await verifyPassword('hunter3', h)).toBe(false);
    expect(await hashPassword('hunter2')).not.toBe(h);
  });
  it('makes tokens of at least 128 bits', () => {
    expect(Buffer.from(randomToken(8), 'base64url').length).toBeGreaterThanOrEqual(16);
    expect(randomToken()).not.toBe(randomToken());
  });
});

describe('limiters', () => {
  it('slows a client down after free attempts, doubling, and forgets on success', () => {
    let now = 0;
    const l = new FailureLimiter({ freeAttempts: 2, baseDelayMs: 1000, maxDelayMs: 4000 }, () => now);
    l.fail('a');
    l.fail('a');
    expect(l.waitMs('a')).toBe(0);
    l.fail('a');
    expect(l.waitMs('a')).toBe(1000);
    l.fail('a');
    expect(l.waitMs('a')).toBe(2000);
    l.fail('a');
    l.fail('a');
    expect(l.waitMs('a')).toBe(4000);
    expect(l.waitMs('b')).toBe(0);
    now += 4000;
    expect(l.waitMs('a')).toBe(0);
    l.succeed('a');
    l.fail('a');
    expect(l.waitMs('a')).toBe(0);
  });
  it('allows a bounded number of hits per window', () => {
    let now = 0;
    const w = new WindowLimiter({ limit: 3, windowMs: 1000 }, () => now);
    expect([w.take('k'), w.take('k'), w.take('k'), w.take('k')]).toEqual([true, true, true, false]);
    now += 1001;
    expect(w.take('k')).toBe(true);
  });
});

describe(`AuthService (${dbKind()})`, () => {
  let handle: DbHandle;
  beforeAll(async () => {
    handle = await openTestDb();
  });
  afterAll(async () => handle.close());

  it('creates a random admin password once and announces a sign-in URL', async () => {
    const announced: string[] = [];
    const auth = new AuthService({ db: handle.db, announce: (u) => announced.push(u) });
    await auth.bootstrap();
    await auth.bootstrap();
    expect(announced).toHaveLength(1);
    const token = new URL(`http://x${announced[0]}`).searchParams.get('token') ?? '';
    expect(token.length).toBeGreaterThan(20);
    const { cookieValue } = await auth.signIn(token, 'c1');
    expect(await auth.authenticate({ cookie: cookieValue })).toMatchObject({ via: 'session' });
    await auth.signOut(cookieValue);
    expect(await auth.authenticate({ cookie: cookieValue })).toBeNull();
  });

  it('uses DASHBOARD_PASSWORD and DASHBOARD_TOKEN', async () => {
    const auth = new AuthService({ db: handle.db, password: 'correct horse', token: 'ci-token', announce: () => undefined });
    await auth.bootstrap();
    await expect(auth.signIn('wrong', 'c2')).rejects.toThrow(/wrong password/);
    expect((await auth.signIn('correct horse', 'c2')).cookieValue).toBeTruthy();
    expect(await auth.authenticate({ bearer: 'ci-token' })).toMatchObject({ via: 'token' });
    expect(await auth.authenticate({ bearer: 'ci-token2' })).toBeNull();
  });

  it('API tokens work until revoked and are stored hashed', async () => {
    const auth = new AuthService({ db: handle.db, password: 'correct horse', announce: () => undefined });
    const principal = await auth.authenticate({ cookie: (await auth.signIn('correct horse', 'c3')).cookieValue });
    const { id, token } = await auth.createToken(principal?.userId ?? '', 'ci');
    expect(await auth.authenticate({ bearer: token })).toMatchObject({ via: 'token' });
    const list = await auth.listTokens(principal?.userId ?? '');
    expect(JSON.stringify(list)).not.toContain(token);
    expect(await auth.revokeToken(principal?.userId ?? '', id)).toEqual({ revoked: true });
    expect(await auth.authenticate({ bearer: token })).toBeNull();
  });

  it('slows down many wrong passwords, and a right one still works afterwards', async () => {
    let now = 1_000_000;
    const auth = new AuthService({ db: handle.db, password: 'correct horse', announce: () => undefined, now: () => now });
    let slowed = false;
    for (let i = 0; i < 8; i++) {
      try {
        await auth.signIn(`guess ${i}`, 'attacker');
      } catch (e) {
        if ((e as Error).message.includes('too many')) slowed = true;
      }
    }
    expect(slowed).toBe(true);
    await expect(auth.signIn('correct horse', 'attacker')).rejects.toThrow(/too many/);
    expect((await auth.signIn('correct horse', 'someone-else')).cookieValue).toBeTruthy();
    now += 61_000; // the longest wait
    expect((await auth.signIn('correct horse', 'attacker')).cookieValue).toBeTruthy();
  });
});
