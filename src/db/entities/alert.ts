/** Alert preferences per user and event type, and the persisted outbound message queue. */
import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { UserSchema } from './user.js';

export const ALERT_MODES = ['on', 'silent', 'off'] as const;
export type AlertMode = (typeof ALERT_MODES)[number];

export const AlertPreferenceSchema = defineEntity({
  name: 'AlertPreference',
  tableName: 'alert_preferences',
  properties: {
    user: () => p.manyToOne(UserSchema).primary().deleteRule('cascade'),
    eventType: p.string().length(48).primary(),
    mode: p.enum([...ALERT_MODES]).default('on'),
  },
  primaryKeys: ['user', 'eventType'],
});

export type AlertPreference = InferEntity<typeof AlertPreferenceSchema>;

/** A bot message waiting to be sent; survives restarts and Telegram outages. */
export const OutboundMessageSchema = defineEntity({
  name: 'OutboundMessage',
  tableName: 'outbound_messages',
  properties: {
    id: p.bigint('number').primary().autoincrement(),
    chatId: p.bigint('number'),
    eventType: p.string().length(48),
    text: p.text(),
    silent: p.boolean().default(false),
    /** Inline buttons (`AlertButton[]`, src/hub/alerts/alert-router.ts); null: none. */
    buttons: p.json<Array<{ text: string; data: string; scope?: string }>>().nullable(),
    status: p.enum(['pending', 'sent', 'failed']).default('pending'),
    attempts: p.integer().default(0),
    createdAt: p.datetime().onCreate(() => new Date()),
    sentAt: p.datetime().nullable(),
  },
  // createdAt: retention prunes sent and failed messages by age.
  indexes: [{ properties: ['status', 'id'] }, { properties: ['chatId', 'status'] }, { properties: ['createdAt'] }],
});

export type OutboundMessage = InferEntity<typeof OutboundMessageSchema>;
