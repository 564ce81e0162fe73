/** A trader. The Telegram account is the identity: no email, no password. */
import { defineEntity, p, type InferEntity } from '@mikro-orm/core';

export const USER_STATUSES = ['active', 'pending', 'denied'] as const;
export type UserStatus = (typeof USER_STATUSES)[number];

export const UserSchema = defineEntity({
  name: 'User',
  tableName: 'users',
  properties: {
    id: p.uuid().primary().onCreate(() => crypto.randomUUID()),
    /** Telegram user id (fits in 52 bits; stored as bigint, read as number). */
    telegramId: p.bigint('number').unique(),
    displayName: p.string().length(128).default(''),
    username: p.string().length(64).nullable(),
    status: p.enum([...USER_STATUSES]).default('active'),
    isAdmin: p.boolean().default(false),
    /** Free-form preferences (e.g. language); alert settings live in alert_preferences. */
    prefs: p.json<Record<string, unknown>>().default('{}'),
    /** Bumped by `/token revoke`: user tokens carry it, and older versions are refused (src/hub/auth/user-tokens.ts). */
    tokenVersion: p.integer().default(0),
    createdAt: p.datetime().onCreate(() => new Date()),
    updatedAt: p.datetime().onCreate(() => new Date()).onUpdate(() => new Date()),
  },
});

export type User = InferEntity<typeof UserSchema>;
