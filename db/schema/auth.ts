import { index, pgTable, text } from 'drizzle-orm/pg-core';
import { cascadeRef, createdAt, textId, timestamptz } from './columns';

/** People who may use the dashboard. Passwords are stored as scrypt hashes only. */
export const users = pgTable('users', {
  id: textId(),
  name: text('name').notNull().unique(),
  passwordHash: text('password_hash').notNull(),
  createdAt: createdAt(),
});

/** A column naming a user, deleted with the user. */
export const userRef = <N extends string>(name: N) => cascadeRef(name, () => users.id);

/** Browser sign-ins. Only the sha256 of the cookie value is stored; sign-out revokes. */
export const authSessions = pgTable(
  'auth_sessions',
  {
    tokenHash: text('token_hash').primaryKey(),
    userId: userRef('user_id'),
    createdAt: createdAt(),
    expiresAt: timestamptz('expires_at').notNull(),
    revokedAt: timestamptz('revoked_at'),
  },
  (t) => [index('auth_sessions_user_idx').on(t.userId)],
);

/** API tokens for scripts (`Authorization: Bearer …`). Only the sha256 is stored. */
export const apiTokens = pgTable('api_tokens', {
  id: textId(),
  userId: userRef('user_id'),
  name: text('name').notNull(),
  tokenHash: text('token_hash').notNull().unique(),
  /** First characters of the token, so a user can tell tokens apart. */
  prefix: text('prefix').notNull(),
  createdAt: createdAt(),
  lastUsedAt: timestamptz('last_used_at'),
  revokedAt: timestamptz('revoked_at'),
});

export type User = typeof users.$inferSelect;
export type ApiToken = typeof apiTokens.$inferSelect;
