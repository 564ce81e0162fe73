/** A trader. The Telegram account is the identity: no email, no password. */
import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { USER_STATUSES } from '../../shared/wire.js';

/** The list is the client API's (src/shared/contract/api.ts): one list of account statuses. */
export { USER_STATUSES };
export type UserStatus = (typeof USER_STATUSES)[number];

/**
 * How an active user got in: `open` (registered while ACCESS_MODE=open, so nobody vetted them),
 * `approved` (an admin said yes), `admin-list` (in ADMIN_TELEGRAM_IDS), `first-user` (the first
 * /start on a server without ADMIN_TELEGRAM_IDS). Null while pending or denied.
 */
export const ADMISSIONS = ['open', 'approved', 'admin-list', 'first-user'] as const;
export type Admission = (typeof ADMISSIONS)[number];

export const UserSchema = defineEntity({
  name: 'User',
  tableName: 'users',
  properties: {
    id: p
      .uuid()
      .primary()
      .onCreate(() => crypto.randomUUID()),
    /** Telegram user id (fits in 52 bits; stored as bigint, read as number). */
    telegramId: p.bigint('number').unique(),
    displayName: p.string().length(128).default(''),
    username: p.string().length(64).nullable(),
    status: p.enum([...USER_STATUSES]).default('active'),
    /** The admin role (ADMIN_TELEGRAM_IDS or the first user); read through `hasAdminRights`. */
    isAdmin: p.boolean().default(false),
    admittedVia: p.enum([...ADMISSIONS]).nullable(),
    /** When the admins were asked about this (pending) user; null: not asked yet. */
    requestedAt: p.datetime().nullable(),
    /** Free-form preferences (e.g. language); alert settings live in alert_preferences. */
    prefs: p.json<Record<string, unknown>>().default('{}'),
    /** IANA time zone charts are drawn in (`/timezone`); null: UTC. Stored as given by src/hub/timezone.ts. */
    timezone: p.string().length(64).nullable(),
    /** Bumped by `/token revoke`: user tokens carry it, and older versions are refused (src/hub/auth/user-tokens.ts). */
    tokenVersion: p.integer().default(0),
    createdAt: p.datetime().onCreate(() => new Date()),
    updatedAt: p
      .datetime()
      .onCreate(() => new Date())
      .onUpdate(() => new Date()),
  },
});

export type User = InferEntity<typeof UserSchema>;
