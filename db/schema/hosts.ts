import { boolean, integer, jsonb, pgTable, primaryKey, text } from 'drizzle-orm/pg-core';
import { cascadeRef, createdAt, insertedAt, textId, updatedAt } from './columns';
import type { PowerCycleSpec } from '../../server/engine/types';

export type HostKeyPolicy = 'strict' | 'accept-new';

/**
 * A machine phases can run on, by name (`"on": "builder"` in a recipe).
 * `address` is a host name, an IP address or an alias from ~/.ssh/config;
 * null port/user/identityFile leave the choice to ssh config and OpenSSH's
 * defaults. `passphrase` unlocks `identityFile`: it is stored sealed
 * (`sealed:` + AES-256-GCM, server/hosts/passphrases.ts) and never leaves the
 * server (the API says `hasPassphrase`).
 */
export const hosts = pgTable('hosts', {
  id: textId(),
  name: text('name').notNull().unique(),
  address: text('address').notNull(),
  port: integer('port'),
  user: text('user'),
  identityFile: text('identity_file'),
  passphrase: text('passphrase'),
  useAgent: boolean('use_agent').notNull().default(false),
  hostKeyPolicy: text('host_key_policy').$type<HostKeyPolicy>().notNull().default('strict'),
  /** Run when a rebooted host does not come back: `{ on: 'local' | host name, run: bash command line }`. */
  powerCycle: jsonb('power_cycle').$type<PowerCycleSpec>(),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

/**
 * Host keys accepted in the app ("pinned"), checked like known_hosts lines for
 * `host`:`port` (the resolved HostName, which is what the server presents its
 * key as; a jump host's key is pinned under its own name).
 */
export const hostKeys = pgTable(
  'host_keys',
  {
    hostId: cascadeRef('host_id', () => hosts.id),
    host: text('host').notNull(),
    port: integer('port').notNull(),
    keyType: text('key_type').notNull(),
    keyBase64: text('key_base64').notNull(),
    fingerprint: text('fingerprint').notNull(),
    addedAt: insertedAt('added_at'),
  },
  (t) => [primaryKey({ columns: [t.hostId, t.host, t.port, t.keyBase64] })],
);

export type Host = typeof hosts.$inferSelect;
export type NewHost = typeof hosts.$inferInsert;
export type HostKey = typeof hostKeys.$inferSelect;
