import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import path from 'node:path';
import type { Db } from '../../db/client';
import { getSession, getSessionDetail, type SessionDetail } from '../../db/queries/sessions';
import { findShareByHash, getShare, insertShare, listSharesOfSession, revokeShare } from '../../db/queries/shares';
import type { Share } from '../../db/schema';
import { UserInputError } from '../engine/types';
import { hostNamesInRecipe, makeRedactor, redactJson, type Redactor } from './redact';

/** 32 random bytes (256 bits) from the CSPRNG, base64url: 43 characters. */
const TOKEN_BYTES = 32;
const HINT_LENGTH = 6;

/** The one answer for unknown, revoked and expired tokens alike. */
export const SHARE_NOT_FOUND_MESSAGE = 'This link does not exist or is no longer shared.';

export class ShareNotFoundError extends Error {
  override readonly name = 'ShareNotFoundError';
  constructor() {
    super(SHARE_NOT_FOUND_MESSAGE);
  }
}

/** Brand check that works across bundles (see engine/types.ts). */
export function isShareNotFound(e: unknown): e is ShareNotFoundError {
  return e instanceof Error && e.name === 'ShareNotFoundError';
}

/** What the owner sees of a share: never the token, which is not stored. */
export interface ShareInfo {
  id: string;
  sessionId: string;
  tokenHint: string;
  hideHosts: boolean;
  createdAt: Date;
  expiresAt: Date | null;
  revokedAt: Date | null;
  active: boolean;
}

export interface ShareServiceOptions {
  db: Db;
  now?: () => Date;
  /** Addresses of named hosts (from a hosts registry), hidden with the names when the owner asks. */
  hostAddresses?: (names: string[]) => Promise<string[]>;
  /** Key files the server knows of (the hosts registry's identity files), always hidden. */
  keyPaths?: () => Promise<string[]>;
}

/** A session as a share link shows it: what the owner sees, minus anything secret. */
export type SharedSessionDetail = SessionDetail & {
  running: boolean;
  share: { hideHosts: boolean; expiresAt: Date | null; createdAt: Date };
};

export interface ResolvedShare {
  share: Share;
  redactor: Redactor;
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export class ShareService {
  private readonly now: () => Date;

  constructor(private readonly o: ShareServiceOptions) {
    this.now = o.now ?? (() => new Date());
  }

  async create(input: { sessionId: string; expiresAt?: Date | null | undefined; hideHosts?: boolean | undefined }): Promise<{ token: string; share: ShareInfo }> {
    if (!(await getSession(this.o.db, input.sessionId))) throw new UserInputError(`no session ${input.sessionId}`, 'sessionId');
    const expiresAt = input.expiresAt ?? null;
    if (expiresAt && expiresAt.getTime() <= this.now().getTime()) {
      throw new UserInputError('the expiry is in the past: pick a later date, or none for a link that lasts until revoked', 'expiresAt');
    }
    const token = randomBytes(TOKEN_BYTES).toString('base64url');
    const row = await insertShare(this.o.db, {
      id: randomUUID(),
      sessionId: input.sessionId,
      tokenHash: hashToken(token),
      tokenHint: token.slice(0, HINT_LENGTH),
      hideHosts: input.hideHosts ?? false,
      createdAt: this.now(),
      expiresAt,
    });
    return { token, share: this.info(row) };
  }

  async list(sessionId: string): Promise<ShareInfo[]> {
    return (await listSharesOfSession(this.o.db, sessionId)).map((s) => this.info(s));
  }

  async revoke(id: string): Promise<{ revoked: boolean }> {
    if (!(await getShare(this.o.db, id))) throw new UserInputError(`no share ${id}`, 'id');
    return { revoked: await revokeShare(this.o.db, id, this.now()) };
  }

  /**
   * The live share a token names, or ShareNotFoundError. Every token costs the
   * same: one hash, one indexed lookup by hash, one constant-time comparison;
   * unknown, revoked and expired tokens fail identically.
   */
  async resolve(token: string): Promise<Share> {
    const hash = hashToken(typeof token === 'string' ? token : '');
    const row = await findShareByHash(this.o.db, hash);
    const stored = Buffer.from(row?.tokenHash ?? '0'.repeat(64), 'hex');
    const given = Buffer.from(hash, 'hex');
    const same = stored.length === given.length && timingSafeEqual(stored, given);
    if (!row || !same || !this.isActive(row)) throw new ShareNotFoundError();
    return row;
  }

  /** The redaction a share asks for, with the host names its session uses. */
  async redactorFor(share: Share, detail?: SessionDetail | null): Promise<Redactor> {
    const d = detail ?? (await getSessionDetail(this.o.db, share.sessionId));
    const names = new Set<string>(d ? hostNamesInRecipe(d.session.recipe) : []);
    for (const s of d?.steps ?? []) for (const p of s.phases) if (p.on !== 'local') names.add(p.on);
    for (const slot of d?.session.slots ?? []) for (const host of Object.values(slot)) if (host !== 'local') names.add(host);
    const hostNames = [...names];
    const hostAddresses = share.hideHosts && this.o.hostAddresses ? await this.o.hostAddresses(hostNames) : [];
    const keyPaths = this.o.keyPaths ? await this.o.keyPaths() : [];
    return makeRedactor({ hideHosts: share.hideHosts, hostNames, hostAddresses, keyPaths });
  }

  async resolveWithRedactor(token: string): Promise<ResolvedShare> {
    const share = await this.resolve(token);
    return { share, redactor: await this.redactorFor(share) };
  }

  /** What `/s/<token>` shows. */
  async view(token: string, running: (sessionId: string) => boolean): Promise<SharedSessionDetail> {
    const share = await this.resolve(token);
    const detail = await getSessionDetail(this.o.db, share.sessionId);
    if (!detail) throw new ShareNotFoundError();
    const r = await this.redactorFor(share, detail);
    return {
      ...redactDetail(detail, r),
      running: running(share.sessionId),
      share: { hideHosts: share.hideHosts, expiresAt: share.expiresAt, createdAt: share.createdAt },
    };
  }

  isActive(s: Share): boolean {
    return s.revokedAt === null && (s.expiresAt === null || s.expiresAt.getTime() > this.now().getTime());
  }

  private info(s: Share): ShareInfo {
    return {
      id: s.id,
      sessionId: s.sessionId,
      tokenHint: s.tokenHint,
      hideHosts: s.hideHosts,
      createdAt: s.createdAt,
      expiresAt: s.expiresAt,
      revokedAt: s.revokedAt,
      active: this.isActive(s),
    };
  }
}

/** Placeholder for the session id: the owner API takes ids, so a share never reveals one. */
export const SHARED_SESSION_ID = 'shared';

/**
 * A session detail as a share shows it. The id is replaced (knowing it would
 * open the owner's API), the repository path keeps only its last component
 * when hosts are hidden, and every string goes through the redactor.
 */
export function redactDetail(d: SessionDetail, r: Redactor): SessionDetail {
  const s = d.session;
  return {
    session: {
      ...redactJson(s, r),
      id: SHARED_SESSION_ID,
      repoPath: r.hideHosts ? path.basename(s.repoPath) : r.text(s.repoPath),
      // Only shas, terms and subjects: kept byte for byte so it replays.
      bisectLog: s.bisectLog,
      bad: s.bad,
      good: s.good,
      badSha: s.badSha,
      goodShas: s.goodShas,
    },
    steps: d.steps.map((st) => ({
      ...redactJson(st, r),
      sessionId: SHARED_SESSION_ID,
      phases: st.phases.map((p) => ({ ...redactJson(p, r), sessionId: SHARED_SESSION_ID })),
    })),
  };
}
