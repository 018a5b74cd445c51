import { boolean, index, pgTable, text } from 'drizzle-orm/pg-core';
import { createdAt, textId, timestamptz } from './columns';
import { sessionRef } from './sessions';

/**
 * A read-only link to one session (`/s/<token>`). Only the SHA-256 of the token
 * is stored: the raw token is shown once, when the share is created, and a
 * database leak does not leak working links. `tokenHint` is the token's first
 * few characters, for telling shares apart in a list.
 */
export const shares = pgTable(
  'shares',
  {
    id: textId(),
    sessionId: sessionRef(),
    /** Lower-case hex SHA-256 of the raw token. */
    tokenHash: text('token_hash').notNull().unique(),
    tokenHint: text('token_hint').notNull(),
    /** Replace host names and addresses with neutral aliases on the shared page. */
    hideHosts: boolean('hide_hosts').notNull().default(false),
    createdAt: createdAt(),
    expiresAt: timestamptz('expires_at'),
    revokedAt: timestamptz('revoked_at'),
  },
  (t) => [index('shares_session_idx').on(t.sessionId, t.createdAt)],
);

export type Share = typeof shares.$inferSelect;
export type NewShare = typeof shares.$inferInsert;
